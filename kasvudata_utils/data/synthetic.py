"""Calibrated synthetic firm panel: the embedded default for confidential firm-level data.

Real firm-level data is confidential, so the embedded default is generated here, deterministically
(numpy ``Generator`` with a fixed seed), calibrated to real public figures and carrying planted
effects of known size so that analyses can be validated against a known truth.

* ``firm_panel`` — SPEC §3 firm panel (one firm = one establishment), MK17 municipalities
  (all of Finland at ``scale="national"``), 2013–2023, TOL divisions of the business sections.
* ``business_table`` — SPEC §3 regional business table, every municipality of Finland × division ×
  year, aggregated from the same simulation (its MK17 rows equal the aggregated firm panel).
* ``municipality_factors`` — synthetic ``broadband_pct`` and ``rd_eur_per_capita``.
* ``truth`` — the model, the planted effects and the calibration targets (``planted_truth.json``).

Examples
--------
>>> data = generate(scale="test")
>>> sorted(data.truth["effects"]) == sorted(DEFAULT_EFFECTS)
True
>>> bool(data.firm_panel["municipality_code"].str.startswith("KU").all())
True
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kasvudata_utils import areas, provenance
from kasvudata_utils.data.synthetic_inputs import YEARS, load_inputs, municipality_factors
from kasvudata_utils.data.synthetic_model import DEFAULT_EFFECTS, simulate
from kasvudata_utils.data.synthetic_truth import describe
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_target, atomic_write_text

DEFAULT_SEED = 20240917
SCALES = {"default": 1.0, "test": 0.1, "national": 1.0}
SOURCE = "KasvuDATA synthetic firm panel"
FILES = ("firm_panel.parquet", "business_table.parquet", "municipality_factors.parquet",
         "planted_truth.json")
FIRM_COLUMNS = ["firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
                "exports_goods_eur", "exports_services_eur", "founded_year", "support_eur"]
TABLE_COLUMNS = ["area_code", "industry_code", "year", "establishments", "personnel", "turnover_eur",
                 "exports_eur", "suppressed"]


@dataclass
class SyntheticData:
    """The generated frames (each tagged ``synthetic``) and the planted truth."""

    firm_panel: pd.DataFrame
    business_table: pd.DataFrame
    municipality_factors: pd.DataFrame
    truth: dict


def _check(seed, scale, effects) -> dict:
    if scale not in SCALES:
        raise InputError(f"scale {scale!r}: expected one of {', '.join(SCALES)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed {seed!r}: expected a non-negative integer")
    eff = dict(DEFAULT_EFFECTS)
    for key, value in (effects or {}).items():
        if key not in DEFAULT_EFFECTS:
            raise InputError(f"effect {key!r}: expected one of {', '.join(DEFAULT_EFFECTS)}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise InputError(f"effect {key}={value!r}: expected a finite number")
        eff[key] = float(value)
    return eff


def generate(seed: int = DEFAULT_SEED, scale: str = "default", effects: dict | None = None) -> SyntheticData:
    """Generate the synthetic firm panel, business table, municipality factors and planted truth.

    Parameters
    ----------
    seed : int
        Seed of the numpy random generator; the same seed gives the same data.
    scale : {"default", "test", "national"}
        ``default``: firm panel for MK17 (~22,000 firms a year), business table for all of Finland.
        ``test``: the same at one tenth of the firms and of every calibration level (fast tests).
        ``national``: the firm panel for all of Finland (~350,000 firms a year).
    effects : dict, optional
        Overrides of the planted effect sizes, keys of ``DEFAULT_EFFECTS`` (e.g. ``{"support": 0.0}``).

    Returns
    -------
    SyntheticData

    Examples
    --------
    >>> generate(scale="test", effects={"support": 0.0}).truth["effects"]["support"]["value"]
    0.0
    """
    eff = _check(seed, scale, effects)
    fraction = SCALES[scale]
    rng = np.random.default_rng(seed)
    inp = load_inputs()
    factors = municipality_factors(inp, rng)
    sim = simulate(inp, factors, rng, fraction, eff)
    national = scale == "national"
    panel = _firm_panel(inp, sim, national)
    table = _business_table(inp, sim)
    truth = describe(inp, sim, factors, eff, seed=seed, scale=scale, fraction=fraction)
    cols = {c: "synthetic" for c in FIRM_COLUMNS}
    provenance.tag(panel, "synthetic", [SOURCE], cols)
    provenance.tag(table, "synthetic", [SOURCE], {c: "synthetic" for c in TABLE_COLUMNS})
    provenance.tag(factors, "synthetic", [SOURCE],
                   {"broadband_pct": "synthetic", "rd_eur_per_capita": "synthetic"})
    return SyntheticData(firm_panel=panel, business_table=table, municipality_factors=factors, truth=truth)


def _firm_panel(inp, sim, national: bool) -> pd.DataFrame:
    n, n_y = sim.personnel.shape
    keep = np.ones(n, dtype=bool) if national else inp.region[sim.muni] == areas.HOME_REGION
    mask = ~np.isnan(sim.personnel) & keep[:, None]
    fi, yi = np.nonzero(mask)  # row-major: sorted by firm, then year
    width = max(7, len(str(n)))
    ids = np.char.add("F", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    divs = np.array(sim.divisions)
    return pd.DataFrame({
        "firm_id": pd.array(ids[fi], dtype="str"),
        "year": np.array(YEARS, dtype=np.int64)[yi],
        "municipality_code": pd.array(inp.munis[sim.muni[fi]], dtype="str"),
        "industry_code": pd.array(divs[sim.div[fi]], dtype="str"),
        "personnel": sim.personnel[fi, yi],
        "turnover_eur": sim.turnover[fi, yi],
        "exports_goods_eur": sim.goods[fi, yi],
        "exports_services_eur": sim.services[fi, yi],
        "founded_year": sim.founded[fi].astype(np.int64),
        "support_eur": sim.support[fi, yi],
    })


def _business_table(inp, sim) -> pd.DataFrame:
    """Municipality × division × year sums of the simulated firms (all of Finland).

    Every (municipality, division) that has a firm in some year gets all years, with zeros where it
    has none; personnel sums are rounded to 0.01 like the firm values they add up.
    """
    n_d, n_y = len(sim.divisions), len(YEARS)
    active = ~np.isnan(sim.personnel)
    fi, yi = np.nonzero(active)
    key = (sim.muni[fi].astype(np.int64) * n_d + sim.div[fi]) * n_y + yi
    size = len(inp.munis) * n_d * n_y
    est = np.bincount(key, minlength=size)
    pers = np.bincount(key, weights=sim.personnel[fi, yi], minlength=size)
    turn = np.bincount(key, weights=sim.turnover[fi, yi], minlength=size)
    exp = np.bincount(key, weights=sim.goods[fi, yi] + sim.services[fi, yi], minlength=size)
    pair_has = est.reshape(-1, n_y).sum(axis=1) > 0
    rows = np.flatnonzero(np.repeat(pair_has, n_y))
    pair, yr = rows // n_y, rows % n_y
    m, d = pair // n_d, pair % n_d
    out = pd.DataFrame({
        "area_code": pd.array(inp.munis[m], dtype="str"),
        "industry_code": pd.array(np.array(sim.divisions)[d], dtype="str"),
        "year": np.array(YEARS, dtype=np.int64)[yr],
        "establishments": est[rows].astype(np.int64),
        "personnel": np.round(pers[rows], 2),
        "turnover_eur": turn[rows],
        "exports_eur": exp[rows],
        "suppressed": np.zeros(len(rows), dtype=bool),
    })
    return out.sort_values(["area_code", "industry_code", "year"], ignore_index=True)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    # pyarrow directly, without the pandas index or attrs, so rebuilds are byte-identical
    table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    with atomic_target(path) as tmp:  # a crash mid-build never leaves a truncated table behind
        pq.write_table(table, tmp, compression="zstd", compression_level=9, use_dictionary=True,
                       write_statistics=True)


def write(data: SyntheticData, out_dir) -> list[Path]:
    """Write the four files of ``data`` into ``out_dir`` (created if missing); return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f for f in FILES]
    _write_parquet(data.firm_panel, paths[0])
    _write_parquet(data.business_table, paths[1])
    _write_parquet(data.municipality_factors, paths[2])
    atomic_write_text(paths[3], json.dumps(data.truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return paths


def build(out_dir, scale: str = "default", seed: int = DEFAULT_SEED, effects: dict | None = None) -> list[Path]:
    """Generate and write the synthetic files (``scale="national"`` writes into ``out_dir/national``).

    Byte-identical on rebuild: rows sorted, fixed seed, parquet written without timestamps.
    """
    data = generate(seed=seed, scale=scale, effects=effects)
    out = Path(out_dir) / "national" if scale == "national" else Path(out_dir)
    return write(data, out)
