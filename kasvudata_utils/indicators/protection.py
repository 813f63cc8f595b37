"""One suppression pattern for every area and industry level of a firm panel.

Published figures add up in three ways: industries (sections) to the all-industries total,
divisions to their section, and areas to their parent (municipality → sub-region → region →
country). A suppressed cell must not be recoverable along any of them, also across separate
calls (a municipality's report, its sub-region's report and the site's overview are computed one
by one). So the engine decides the flags once per data set, on the table of *all* areas the data
covers at both industry levels, and every call reads its cells from that table: the same cell is
always suppressed or always published (:func:`protected_table`).

A custom area (the user's grouping ``KU009+KU977``, :func:`protected_custom`) publishes a cell only
where every part's cell is published: its figures are then sums of published figures and reveal
nothing new, whatever grouping a user asks for.

Rules: :mod:`kasvudata_utils.indicators.disclosure` (threshold < 3 firms; dominance > 80 % for sums;
secondary suppression repeated until no group has a single suppressed member).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from kasvudata_utils import areas, fileio, industries, paths
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import cells as _cells
from kasvudata_utils.indicators import disclosure

# measure → (value column, weight column for choosing secondary cells)
PROTECTED = {"establishments": ("n_firms", "n_firms"), "personnel": ("personnel", "n_firms"),
             "turnover_eur": ("turnover_eur", "n_firms"), "exports_eur": ("exports_eur", "exporters"),
             "exporters": ("exporters", "n_firms"), "hge": ("hge", "hge_base"),
             "gazelles": ("gazelles", "hge_base"), "micro_hge": ("micro_hge", "micro_hge_base"),
             "micro": ("micro", "n_firms")}
# protection level unit of each measure: one firm or person; euros by the 10 % rule alone
UNIT = {m: (0.0 if m in ("turnover_eur", "exports_eur") else 1.0) for m in PROTECTED}


def covered_areas(cd) -> list[str]:
    """Every area (KU, SK, MK, SSS) that the data covers (see ``CellData.covers``)."""
    codes = [c for lvl in ("SSS", "MK", "SK") for c in areas.members(areas.COUNTRY, lvl)]
    codes = [c for c in codes if cd.covers(c)]
    return codes + sorted(cd.municipalities)


def with_measures(agg: pd.DataFrame) -> pd.DataFrame:
    """Add ``establishments`` and any cell column a table-based frame lacks."""
    out = agg.copy()
    out["establishments"] = out["n_firms"].astype("float64")
    for c in _cells.COUNT_COLUMNS:
        if c not in out:
            out[c] = 0
    for c in _cells.MAX_COLUMNS:
        if c not in out:
            out[c] = np.nan
    if "table_suppressed" not in out:
        out["table_suppressed"] = 0
    return out


def _part_and_rest(whole, part) -> np.ndarray:
    """The threshold rule on a count of firms, on the part of it with a property and on the rest."""
    return (disclosure.threshold_flags(whole) | disclosure.threshold_flags(part)
            | disclosure.threshold_flags(whole - part))


def primary(t: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``f_<measure>`` flags from the threshold and dominance rules (StatFin's own for a table)."""
    t = t.copy()
    if kind == "table":
        supp = t["table_suppressed"].to_numpy() > 0
        for m in PROTECTED:
            t[f"f_{m}"] = supp
        return t
    n = t["n_firms"]
    t["f_establishments"] = disclosure.threshold_flags(n)
    t["f_personnel"] = disclosure.primary_flags(n, t["personnel"], t["personnel_max"])
    t["f_turnover_eur"] = disclosure.primary_flags(n, t["turnover_eur"], t["turnover_eur_max"])
    t["f_exports_eur"] = (disclosure.primary_flags(n, t["exports_eur"], t["exports_eur_max"])
                          | disclosure.threshold_flags(t["exporters"]))
    # Counts of firms with a property derived from confidential figures (exporter, high growth,
    # gazelle, micro high growth, size class) rest on the firms that have the property: 1 or 2 such
    # firms is suppressed like a cell of 1 or 2 firms (a zero count is a structural zero). A count
    # published beside the count it is part of (or a share of it) also gives the rest: firms − exporters
    # (the non-exporting firms), the HGE base (firms of 10+ persons in t − 3) − HGEs (hge_share_pct
    # beside hge_count), HGEs − gazelles (the HGEs older than 5 years), the size classes < 10 and >= 10
    # persons: the part and the rest must each be 0 or at least 3 firms (:func:`_part_and_rest`).
    t["f_exporters"] = _part_and_rest(n, t["exporters"])
    t["f_hge"] = _part_and_rest(t["hge_base"], t["hge"])
    t["f_gazelles"] = t["f_hge"] | _part_and_rest(t["hge"], t["gazelles"])
    t["f_micro_hge"] = (disclosure.threshold_flags(t["micro_hge_base"])
                        | disclosure.threshold_flags(t["micro_hge"]))
    t["f_micro"] = _part_and_rest(n, t["micro"])
    return t


def _codes(values: pd.Series, parents: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of a code column and of its parent column in one code space (-1: no parent).

    Each column is factorized by itself (an Arrow string column without a detour through Python
    objects); a parent code that is not among the column's own codes gets a code after them. Only
    equality of codes matters to :func:`_groups`, not their numbering.
    """
    own, own_u = pd.factorize(values, use_na_sentinel=True)
    par, par_u = pd.factorize(parents, use_na_sentinel=True)
    at = pd.Index(np.asarray(own_u, dtype=object)).get_indexer(np.asarray(par_u, dtype=object))
    new = at < 0
    at[new] = len(own_u) + np.arange(int(new.sum()))
    par_codes = np.where(par >= 0, np.append(at, -1)[par], -1)
    return own.astype(np.int64), par_codes.astype(np.int64), len(own_u) + int(new.sum())


def _groups(t: pd.DataFrame):
    """Membership arrays (row, group, is_total) of every additive relation in ``t``.

    Groups are numbered in the order of their first membership (industries → ALL and divisions →
    section first, then areas → parent area); a group with no member besides its total is left out.
    """
    n = len(t)
    rid = np.arange(n, dtype=np.int64)
    # one integer code space for area codes and one for industry codes (incl. the parents')
    area, parent_area, n_area = _codes(t["area_code"], t["_parent_area"])
    ind, parent_ind, n_ind = _codes(t["industry_code"], t["_parent_ind"])
    year = t["year"].to_numpy(dtype=np.int64) - int(t["year"].min())
    na, ni, ny = n_area + 1, n_ind + 1, int(year.max()) + 1

    def key(relation, a, i, y):
        return ((relation * na + a) * ni + i) * ny + y

    member_i = (t["_ind_level"] != "ALL").to_numpy(dtype=bool)  # industries → ALL, divisions → section
    total_i = (t["_ind_level"] != "division").to_numpy(dtype=bool)
    member_a = parent_area >= 0  # areas → parent area
    rows = np.concatenate([rid[member_i], rid[total_i], rid[member_a], rid])
    keys = np.concatenate([key(0, area[member_i], parent_ind[member_i], year[member_i]),
                           key(0, area[total_i], ind[total_i], year[total_i]),
                           key(1, parent_area[member_a], ind[member_a], year[member_a]),
                           key(1, area, ind, year)])
    tot = np.concatenate([np.zeros(member_i.sum(), bool), np.ones(total_i.sum(), bool),
                          np.zeros(member_a.sum(), bool), np.ones(n, bool)])
    gid, _ = pd.factorize(keys)  # groups numbered by first membership
    # drop groups that have no member besides their total, renumbering the rest in the same order
    kept = np.bincount(gid[~tot], minlength=int(gid.max()) + 1 if len(gid) else 0) > 0
    keep = kept[gid]
    return rows[keep], (np.cumsum(kept) - 1)[gid[keep]], tot[keep]


#: bump when a rule changes: cached and shipped patterns of older rules are then never read
RULES_VERSION = "lp-protection-7"
LEVELS_ENV = "KASVUDATA_PROTECTION_LEVELS"
CACHE_MIN_ROWS = 2000  # smaller tables are protected in well under a second: not cached


def pattern_key(t: pd.DataFrame) -> str:
    """Key of the pattern of this exact table: the rules and every input of :func:`protect`."""
    cols = ["area_code", "industry_code", "year", "_ind_level", "_parent_ind", "_parent_area"]
    cols += sorted({c for pair in PROTECTED.values() for c in pair}) + [f"f_{m}" for m in PROTECTED]
    h = hashlib.sha256(RULES_VERSION.encode())
    h.update(pd.util.hash_pandas_object(t[cols].astype({c: object for c in cols[:6]}), index=False).to_numpy()
             .tobytes())
    return h.hexdigest()[:32]


def shipped_file(t: pd.DataFrame):
    """Where the repository ships the pattern of this exact table, if it does (:func:`ship_pattern`)."""
    return paths.shipped_protection_dir() / f"{pattern_key(t)}.npy"


def _pattern_bytes(t: pd.DataFrame) -> bytes:
    """The table's flags as one ``.npy`` file, bit-packed along the rows (26 448 rows × 9 flags: 30 KB)."""
    flags = np.column_stack([t[f"f_{m}"].to_numpy(dtype=bool) for m in PROTECTED])
    buf = io.BytesIO()
    np.save(buf, np.packbits(flags, axis=0), allow_pickle=False)
    return buf.getvalue()


def _read_pattern(path, n_rows: int):
    """The flags (n_rows × measures) kept in ``path``, or None where it is missing or not of that shape."""
    try:
        packed = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if packed.dtype != np.uint8 or packed.shape != ((n_rows + 7) // 8, len(PROTECTED)):
        return None
    return np.unpackbits(packed, axis=0, count=n_rows).astype(bool)


def protection_levels_apply(cd, table: pd.DataFrame | None = None) -> bool:
    """Whether the protection-level stage runs for this firm panel.

    It runs for every panel of real or user data, and for a KasvuDATA synthetic panel whose pattern the
    repository ships (``data/protection/``, :func:`ship_pattern`): the embedded panel, which the default
    reports, app cache and ``kasvudata indicators`` publish. Other synthetic panels — generated in tests
    and Monte Carlo runs, the national panel (all of Finland, the engine benchmark) — keep the exact rule
    for time: solving the stage takes minutes per panel and hours for the national one (METHODS).
    ``KASVUDATA_PROTECTION_LEVELS=on`` turns it on for them too, ``off`` off for all. ``table``:
    :func:`primary_table` of ``cd`` where already built.
    """
    env = os.environ.get(LEVELS_ENV, "").strip().lower()
    if env in ("on", "1", "true", "yes"):
        return True
    if env in ("off", "0", "false", "no"):
        return False
    if (cd.prov or {}).get("kind") != "synthetic":
        return True
    t = primary_table(cd) if table is None else table
    return len(t) >= CACHE_MIN_ROWS and shipped_file(t).exists()


def protect(t: pd.DataFrame, levels: bool = True) -> pd.DataFrame:
    """:func:`protect_uncached`; with ``levels`` a large table's pattern is read where it is kept.

    First the pattern shipped in the repository (:func:`shipped_file`), then the one an earlier run
    kept in ``data/processed/protection_cache/``; else it is computed and kept there. Both are keyed
    by the input table (:func:`pattern_key`).
    """
    if not levels or len(t) < CACHE_MIN_ROWS:
        return protect_uncached(t, levels)
    key = pattern_key(t)
    cache = paths.processed_dir() / "protection_cache" / f"{key}.npy"
    for path in (paths.shipped_protection_dir() / f"{key}.npy", cache):
        flags = _read_pattern(path, len(t))
        if flags is not None:
            t = t.copy()
            for k, m in enumerate(PROTECTED):
                t[f"f_{m}"] = flags[:, k]
            return t
    t = protect_uncached(t, levels)
    with contextlib.suppress(OSError):  # a read-only checkout: computed again next time
        cache.parent.mkdir(parents=True, exist_ok=True)
        fileio.atomic_write_bytes(cache, _pattern_bytes(t))
    return t


def protect_uncached(t: pd.DataFrame, levels: bool = True) -> pd.DataFrame:
    """Secondary suppression of every ``f_<measure>`` over all relations of the table.

    ``levels``: :func:`disclosure.protect_measure` (the exact rule and the protection levels); else the
    exact rule alone (:func:`_exact_rule`: no relation with a single unknown).
    """
    t = t.copy()
    row, gid, tot = _groups(t)
    index = disclosure.membership_index(row, gid, len(t))
    if not levels:
        return _exact_rule(t, row, gid, tot, index)
    avoid = (t["_ind_level"] == "ALL").to_numpy()  # areas' headline totals: complements of last resort
    for m, (value_col, weight_col) in PROTECTED.items():
        flags = t[f"f_{m}"].to_numpy(dtype=bool)
        values = t[value_col].to_numpy(dtype=np.float64)
        weights = t[weight_col].to_numpy(dtype=np.float64)
        t[f"f_{m}"] = disclosure.protect_measure(flags, values, weights, UNIT[m], row, gid, tot, index, avoid)
    return t


def _exact_rule(t: pd.DataFrame, row, gid, tot, index) -> pd.DataFrame:
    """The exact rule alone on every measure of ``t`` (in place): no relation with a single unknown.

    What depends on the relations alone is worked out once for all measures
    (:func:`disclosure.secondary_until_stable_many`); the flags are those of each measure's own
    :func:`disclosure.secondary_until_stable` (tested).
    """
    measures = [(t[f"f_{m}"].to_numpy(dtype=bool), t[value_col].to_numpy(dtype=np.float64),
                 t[weight_col].to_numpy(dtype=np.float64)) for m, (value_col, weight_col) in PROTECTED.items()]
    for m, flags in zip(PROTECTED, disclosure.secondary_until_stable_many(measures, row, gid, tot, index),
                        strict=True):
        t[f"f_{m}"] = flags
    return t


def protected_table(cd) -> pd.DataFrame:
    """All covered areas × sections, divisions and ALL × years with final flags (cached on ``cd``).

    Columns: ``area_code, industry_code, year``, the cell quantities, ``establishments`` and the
    flags ``f_establishments, f_personnel, f_turnover_eur, f_exports_eur, f_exporters, f_hge,
    f_gazelles, f_micro_hge, f_micro``, plus ``_ind_level`` (``ALL``/``section``/``division``).
    """
    cached = getattr(cd, "_protected", None)
    if cached is not None:
        return cached
    t = primary_table(cd)
    if cd.kind == "panel":
        t = protect(t, levels=protection_levels_apply(cd, t))
    t = t.drop(columns=["_parent_ind", "_parent_area"])
    cd._protected = t
    return t


def primary_table(cd) -> pd.DataFrame:
    """The table of :func:`protected_table` with the primary flags only (the input of :func:`protect`).

    Carries ``_parent_ind`` and ``_parent_area`` (the industry's and the area's parent in the table, or
    None), from which :func:`protect` builds the relations. The section and the division sums are
    worked out on two threads (pandas' group-by and NumPy release the GIL); the division call skips
    the ALL rows that the section call gives.
    """
    codes = covered_areas(cd)
    with ThreadPoolExecutor(max_workers=1) as pool:
        div_job = pool.submit(_cells.aggregate_cells, cd.cells, codes, "division", cd.kind, False)
        sec = _cells.aggregate_cells(cd.cells, codes, "section", cd.kind)
        div = div_job.result()
    is_all = (sec["industry_code"] == industries.ALL).to_numpy(dtype=bool)
    sec = sec.assign(_ind_level=np.where(is_all, "ALL", "section"),
                     _parent_ind=np.where(is_all, np.array(None), industries.ALL))
    div = div.assign(_ind_level="division",
                     _parent_ind=_cells.map_codes(div["industry_code"], industries.division_section_map()))
    t = pd.concat([sec, div], ignore_index=True)
    covered = set(codes)
    parent = {c: areas.parent(c) for c in codes}
    t["_parent_area"] = _cells.map_codes(t["area_code"], {c: (p if p in covered else None)
                                                          for c, p in parent.items()}).to_numpy()
    return primary(with_measures(t), cd.kind)


def ship_pattern(cd, recompute: bool = False):
    """Compute the protection pattern of a firm panel and keep it in the repository (``data/protection/``).

    For KasvuDATA's embedded panel (``make protection-pattern``, after a change of the rules, of
    :data:`RULES_VERSION` or of the embedded data): a fresh clone's first run then reads it instead of
    solving the programmes (:func:`protect`). Every other pattern in the folder is removed (stale).
    ``recompute``: solve it even where a pattern under the same key is kept. Returns the file written.
    """
    t = primary_table(cd)
    flags = protect_uncached(t, levels=True) if recompute else protect(t, levels=True)
    target = paths.shipped_protection_dir() / f"{pattern_key(t)}.npy"
    target.parent.mkdir(parents=True, exist_ok=True)
    fileio.atomic_write_bytes(target, _pattern_bytes(flags))
    for old in target.parent.glob("*.npy"):
        if old != target:
            old.unlink()
    return target


def protected_custom(cd, codes, table: pd.DataFrame) -> pd.DataFrame:
    """Rows of custom areas in the shape of :func:`protected_table`, under the same rules.

    A custom area's cell gets the threshold and dominance rules itself and is also suppressed
    wherever the cell of any of its parts is suppressed in ``table`` (the protected table), so a
    published custom figure is exactly the sum of its parts' published figures.

    Parameters
    ----------
    cd : CellData
        The prepared firm panel.
    codes : list of str
        Custom area codes (``KU009+KU071+KU977``).
    table : pandas.DataFrame
        :func:`protected_table` of ``cd``.

    Raises
    ------
    InputError
        Where a part of a custom area is not covered by the data.
    """
    parts = {c: c.split("+") for c in codes}
    missing = [p for ps in parts.values() for p in ps if not cd.covers(p)]
    if missing:
        raise InputError(f"custom area part {missing[0]} ({areas.area_name(missing[0])}) is not covered by the data: "
                         f"expected parts whose municipalities are in the firm panel")
    sec = _cells.aggregate_cells(cd.cells, codes, "section", cd.kind)
    div = _cells.aggregate_cells(cd.cells, codes, "division", cd.kind)
    div = div.loc[div["industry_code"] != industries.ALL].assign(_ind_level="division")
    sec = sec.assign(_ind_level=np.where(sec["industry_code"] == industries.ALL, "ALL", "section"))
    t = primary(with_measures(pd.concat([sec, div], ignore_index=True)), cd.kind)
    flags = [f"f_{m}" for m in PROTECTED]
    keys = ["area_code", "industry_code", "year", "_ind_level"]
    link = pd.DataFrame([(p, c) for c, ps in parts.items() for p in ps], columns=["_part", "_custom"])
    part_flags = table.loc[table["area_code"].isin(link["_part"]), keys + flags].rename(columns={"area_code": "_part"})
    part_flags = part_flags.astype({"_part": object}).merge(link, on="_part")
    any_part = part_flags.groupby(["_custom", "industry_code", "year", "_ind_level"], observed=True)[flags].any()
    any_part = any_part.reset_index().rename(columns={"_custom": "area_code"})
    t = t.astype({"area_code": object, "industry_code": object, "_ind_level": object})
    any_part = any_part.astype({"industry_code": object})
    t = t.merge(any_part, on=keys, how="left", suffixes=("", "_part"))
    for f in flags:
        t[f] = t[f].astype(bool) | t[f"{f}_part"].astype("boolean").fillna(False).astype(bool)
    t = t.drop(columns=[f"{f}_part" for f in flags])
    return t.astype({"area_code": "string", "industry_code": "string"})[list(table.columns)]
