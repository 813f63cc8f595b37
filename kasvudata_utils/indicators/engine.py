"""Preparing data once and assembling area × reference frames for the indicators.

:func:`prepare` turns a firm panel or a regional business table into a
:class:`CellData` (the cell table of :mod:`.cells` plus what the engine needs
to know about it). :func:`area_frame` sums the cells for a set of
(area, reference) pairs into one wide frame per area × industry × year with
the reference's values beside them and the disclosure flags of every
measure already decided, so each indicator is a vectorised expression.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from kasvudata_utils import areas, provenance
from kasvudata_utils.data import sources
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import cells as _cells
from kasvudata_utils.indicators import disclosure, protection

MEASURES = ("establishments", "personnel", "turnover_eur", "exports_eur")
_CACHE: list = []  # [(weakref to the input frame, CellData)]: the last few inputs prepared


@dataclass
class CellData:
    """A prepared data set: cell table, its kind, years and provenance."""

    cells: pd.DataFrame
    kind: str  # "panel" or "table"
    years: tuple[int, int]
    prov: dict = field(default_factory=dict)
    municipalities: frozenset = frozenset()
    _covered: dict = field(default_factory=dict, repr=False, compare=False)

    def covers(self, area: str) -> bool:
        """True where the data cover ``area`` (the rule of :func:`kasvudata_utils.data.sources.covers`).

        Remembered per area: a national run asks about each of its ~400 areas four times.
        """
        if area not in self._covered:
            self._covered[area] = sources.covers(self.municipalities, area)
        return self._covered[area]


@lru_cache(maxsize=8)
def municipality_map(level: str) -> dict:
    """Cached :func:`areas.municipality_map` (it walks every area on each call)."""
    return areas.municipality_map(level)


@lru_cache(maxsize=1024)
def area_municipalities(code: str) -> tuple:
    """Municipality codes of a normalised area code (cached)."""
    if areas.is_custom(code):
        return tuple(areas.municipalities(code))
    level = areas.level_of(code)
    return tuple(m for m, a in municipality_map(level).items() if a == code)


def prepare(data) -> CellData:
    """Build (or reuse) the cell table of a firm panel or business table.

    Parameters
    ----------
    data : DataFrame or CellData
        Firm panel or regional business table (SPEC §3), detected from the columns. The last few
        frames prepared are remembered, so repeated calls on the same frame cost nothing.

    Examples
    --------
    >>> from kasvudata_utils.data.synthetic import generate
    >>> prepare(generate(scale="test").firm_panel).kind
    'panel'
    """
    if isinstance(data, CellData):
        return data
    for ref, prepared in _CACHE:
        if ref() is data:
            return prepared
    kind = _cells.detect_kind(data)
    cells = _cells.build_cells(data) if kind == "panel" else _cells.table_cells(data)
    if cells.empty:
        raise InputError("data has no rows: expected at least one firm-year or table row")
    years = (int(cells["year"].min()), int(cells["year"].max()))
    munis = frozenset(cells["municipality_code"].astype("string").unique())
    prepared = CellData(cells, kind, years, provenance.get(data), munis)
    try:
        _CACHE.insert(0, (weakref.ref(data), prepared))
        del _CACHE[4:]
    except TypeError:
        pass
    return prepared


def resolve_years(cd: CellData, start, end, extra: CellData | None = None) -> tuple[int, int]:
    """Default and check the period: ``start < end``, both inside the data's years."""
    lo, hi = cd.years
    if extra is not None:
        lo, hi = max(lo, extra.years[0]), min(hi, extra.years[1])
    s = lo if start is None else _int_year(start, "start")
    e = hi if end is None else _int_year(end, "end")
    if s >= e:
        raise InputError(f"start year {s} is not before end year {e}: expected start < end")
    if s < lo or e > hi:
        raise InputError(f"years {s}–{e} are outside the data: expected years within {lo}–{hi}")
    return s, e


def _int_year(value, what: str) -> int:
    try:
        y = int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError(f"{what} year {value!r}: expected a year such as 2018") from None
    return y


def resolve_pairs(cd: CellData, area_list, reference=None, reference_data=None):
    """Normalise areas and references; decide which data holds each reference.

    Returns
    -------
    pairs : list of (area, reference)
    ref_cd : CellData or None
        The data used for references that ``cd`` does not cover.
    """
    ref_cd = prepare(reference_data) if reference_data is not None else None
    pairs = []
    for a in area_list:
        code = areas.normalise_area(a)
        ref = areas.default_reference(code) if reference is None else areas.normalise_area(reference)
        if not cd.covers(code):
            raise InputError(f"area {code} ({areas.area_name(code)}) is not covered by the data: it holds "
                             f"{len(cd.municipalities)} municipalities, too few of {code}'s")
        if not cd.covers(ref) and (ref_cd is None or not ref_cd.covers(ref)):
            raise InputError(f"reference {ref} ({areas.area_name(ref)}) is not covered by the data: pass "
                             f"reference_data (e.g. the regional business table) or a reference inside the data")
        pairs.append((code, ref))
    return pairs, ref_cd


def _grid(agg: pd.DataFrame, pairs, start: int, end: int, ref_agg: pd.DataFrame) -> pd.DataFrame:
    """Every area × industry (present in the area or its reference) × year, values filled with 0."""
    pair_df = pd.DataFrame(pairs, columns=["area_code", "reference_code"]).astype("string").drop_duplicates()
    a_ind = agg.loc[agg["area_code"].isin(pair_df["area_code"]), ["area_code", "industry_code"]]
    r_ind = ref_agg[["area_code", "industry_code"]].rename(columns={"area_code": "reference_code"})
    r_ind = r_ind.drop_duplicates().merge(pair_df, on="reference_code")[["area_code", "industry_code"]]
    inds = pd.concat([a_ind, r_ind], ignore_index=True).drop_duplicates()
    years = pd.DataFrame({"year": np.arange(start, end + 1, dtype=np.int64)})
    grid = inds.merge(pair_df, on="area_code").merge(years, how="cross")
    return grid


def _select(cd: CellData, codes, start: int, end: int, level: str, enabled: bool) -> pd.DataFrame:
    """Rows of the protected table (one suppression pattern per data set) for ``codes`` and years."""
    codes = list(dict.fromkeys(codes))
    if cd.kind == "table":  # public table: its own flags only, so aggregate just what is asked
        cache = cd.__dict__.setdefault("_table_aggs", {})
        key = (tuple(codes), level)
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            agg = _cells.aggregate_cells(cd.cells, codes, level, cd.kind)
            cache[key] = protection.primary(protection.with_measures(agg), cd.kind).assign(_ind_level=level)
        t = cache[key]
    else:
        t = protection.protected_table(cd)
        custom = [c for c in codes if areas.is_custom(c)]
        if custom:  # the user's groupings: published only where all their parts are
            t = pd.concat([t, protection.protected_custom(cd, custom, t)], ignore_index=True)
    sel = t["area_code"].isin(codes) & t["year"].between(start, end) & t["_ind_level"].isin(["ALL", level])
    out = t.loc[sel].drop(columns="_ind_level").reset_index(drop=True)
    if cd.kind == "panel" and not enabled:
        for c in out.columns:
            if c.startswith("f_"):
                out[c] = False
    return out


def area_frame(cd: CellData, pairs, start: int, end: int, level: str, enabled: bool,
               ref_cd: CellData | None = None) -> pd.DataFrame:
    """Wide frame: one row per area × industry (incl. ``ALL``) × year in [start, end].

    Columns: the summed cell quantities of the area, ``f_<measure>`` disclosure flags, and the
    reference's ``ref_personnel``, ``ref_f_personnel`` (and, for shift-share, every measure).
    """
    if level not in ("section", "division"):
        raise InputError(f"unknown industry level {level!r}: expected 'section' or 'division'")
    area_codes = [a for a, _ in pairs]
    own_refs = [r for _, r in pairs if cd.covers(r)]
    other_refs = [r for _, r in pairs if not cd.covers(r)]
    agg = _select(cd, area_codes + own_refs, start, end, level, enabled)
    ref_agg = agg.loc[agg["area_code"].isin(own_refs)]
    if other_refs and ref_cd is not None:  # _pairs made sure ref_cd covers every other reference
        extra = _select(ref_cd, other_refs, start, end, level, enabled)
        ref_agg = pd.concat([ref_agg, extra], ignore_index=True)
    grid = _grid(agg, pairs, start, end, ref_agg)
    keys = ["area_code", "industry_code", "year"]
    w = grid.merge(agg.assign(_present=True), on=keys, how="left")
    absent = w["_present"].isna()  # no row: no firms in that industry and year
    ref_cols = list(MEASURES) + [f"f_{m}" for m in MEASURES]
    ref = ref_agg[keys + ref_cols].assign(_ref_present=True)
    ref = ref.rename(columns={"area_code": "reference_code"} | {c: f"ref_{c}" for c in ref_cols})
    w = w.merge(ref, on=["reference_code", "industry_code", "year"], how="left")
    ref_absent = w["_ref_present"].isna()
    for c in w.columns:
        if c.startswith("f_") or c.startswith("ref_f_"):
            w[c] = w[c].astype("boolean").fillna(False).astype(bool)
        elif c.startswith("ref_"):
            w[c] = w[c].mask(ref_absent, 0.0)
        elif c not in keys and c != "reference_code" and not c.startswith("_"):
            w[c] = w[c].mask(absent, 0)
    w = w.drop(columns=["_present", "_ref_present"])
    return w


def finish(df: pd.DataFrame, prov: dict, enabled: bool) -> pd.DataFrame:
    """Tag provenance; mark everything "not for publication" when disclosure control is off."""
    df = provenance.tag(df, dict(prov))
    if not enabled:
        df = disclosure.mark_not_for_publication(df)
    return df
