"""Firm-year features and the municipality × division × year cell table.

The indicator engine works in two steps. First every firm-year row of a firm
panel (SPEC §3) gets its flags once — birth, death, high growth, exporter,
micro-firm — and the rows are summed into a *cell table*: one row per
municipality × TOL division × year holding only additive quantities (firm
counts, sums, and the largest single firm per measure, because a maximum of
maxima is the maximum and the dominance rule needs it). Second, every area at
every level is a sum of municipality cells (:func:`aggregate_cells`), so many
areas cost little more than one.

A regional business table (SPEC §3) is turned into the same cell shape with
the quantities it does not hold left out; its ``suppressed`` flags travel on.

Definitions follow METHODS.md: births/deaths (Eurostat–OECD Manual on
Business Demography, 2007), high growth (Commission Implementing Regulation
(EU) 439/2014), micro high growth (Eurostat, experimental, 2020).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries
from kasvudata_utils.errors import InputError, require_columns

PANEL_COLUMNS = ("firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
                 "exports_goods_eur", "exports_services_eur", "founded_year")
TABLE_COLUMNS = ("area_code", "industry_code", "year", "establishments", "personnel", "turnover_eur")
KEYS = ["municipality_code", "industry_code", "year"]
# Additive measures of a cell whose largest single firm is kept for the dominance rule.
SUM_MEASURES = ("personnel", "turnover_eur", "exports_eur")
SURVIVAL_YEARS = (1, 3, 5)
HGE_RATIO = 1.331  # 10 % a year over three years: 1.1 ** 3
MICRO_HGE_GAIN = 3.31  # the gain a 10-person firm needs under the HGE rule
# Strict inequalities (> 1.331, > 3.31) must not flip on binary rounding of e.g. 13.31 / 10.
_EPS = 1e-9

COUNT_COLUMNS = ("n_firms", "micro", "exporters", "births", "deaths", "hge", "hge_base", "gazelles",
                 "micro_hge", "micro_hge_base") + tuple(f"surv_base_{n}" for n in SURVIVAL_YEARS) + \
                tuple(f"surv_{n}" for n in SURVIVAL_YEARS)
SUM_COLUMNS = SUM_MEASURES
MAX_COLUMNS = tuple(f"{m}_max" for m in SUM_MEASURES)


def detect_kind(data) -> str:
    """``"panel"`` for a firm panel, ``"table"`` for a regional business table.

    Raises
    ------
    InputError
        When the columns match neither schema.
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"expected a firm panel or a regional business table (a DataFrame), got "
                         f"{type(data).__name__}")
    cols = set(data.columns)
    if "firm_id" in cols:
        require_columns(data, PANEL_COLUMNS, "firm panel", expected="the SPEC §3 firm-panel columns")
        return "panel"
    if "area_code" in cols:
        require_columns(data, TABLE_COLUMNS, "business table",
                        expected="the SPEC §3 regional business table columns")
        return "table"
    raise InputError(f"data has columns {sorted(cols)[:8]}: expected a firm panel (firm_id, year, …) or a "
                     f"regional business table (area_code, industry_code, year, …)")


def firm_features(panel: pd.DataFrame) -> pd.DataFrame:
    """Per firm-year flags of METHODS.md, computed once (see :func:`_features` for the definitions)."""
    f = _features(panel)
    return pd.DataFrame({c: (v.astype(np.int64) if c in _FLAGS else v) for c, v in f.items()})


_FLAGS = ("micro", "exporter", "birth", "death", "hge", "hge_base", "gazelle", "micro_hge", "micro_hge_base")


def _features(panel: pd.DataFrame) -> dict:
    """Per firm-year flags of METHODS.md as column arrays aligned with ``panel``.

    Parameters
    ----------
    panel : DataFrame
        Firm panel in the SPEC §3 schema, one row per firm and active year.

    Returns
    -------
    DataFrame
        Aligned with ``panel`` row by row: ``year, personnel, turnover_eur, exports_eur`` and boolean
        columns ``micro, exporter, birth, death, hge, hge_base, gazelle, micro_hge, micro_hge_base``
        plus ``alive_{n}`` (the firm is active n years after this row's year; only meaningful on birth rows).

    Notes
    -----
    * birth in t: first active row is t and t is after the panel's first year; death in t: last
      active row is t and t is before the panel's last year.
    * HGE in t: personnel ≥ 10 in t−3 and e_t / e_{t−3} > 1.331 (strict); ``hge_base`` marks firms
      active in t with ≥ 10 persons in t−3 (the denominator of ``hge_share``); gazelle: an HGE with
      t − founded_year ≤ 5.
    * micro-HGE in t (experimental): 1 ≤ e_{t−3} < 10 and e_t − e_{t−3} > 3.31.
    """
    year = panel["year"].to_numpy(dtype=np.int64)
    if len(year) == 0:
        raise InputError("firm panel has no rows: expected at least one firm-year")
    personnel = panel["personnel"].to_numpy(dtype=np.float64)
    order, new_firm = _firm_year_order(panel["firm_id"], year)  # order None: already sorted
    sy = year if order is None else year[order]
    if (~new_firm[1:] & (sy[1:] <= sy[:-1])).any():
        raise InputError("firm panel has duplicate firm-year rows: expected one row per firm_id and year")
    first_panel, last_panel = int(year.min()), int(year.max())
    sp = personnel if order is None else personnel[order]
    is_first_s, is_last_s, e3s, alive_s = _timeline(sy, new_firm, sp, first_panel)

    def unsort(a):
        if order is None:
            return a
        out = np.empty_like(a)
        out[order] = a
        return out

    has3 = unsort(~np.isnan(e3s))  # (a missing e_{t-3} fails every comparison below either way)
    e3 = unsort(e3s)
    is_first, is_last = unsort(is_first_s), unsort(is_last_s)
    alive = {m: unsort(a) for m, a in alive_s.items()}

    birth = is_first & (year > first_panel)
    death = is_last & (year < last_panel)
    with np.errstate(invalid="ignore"):
        hge_base = has3 & (e3 >= 10)
        hge = hge_base & (personnel > HGE_RATIO * e3 * (1 + _EPS))
        micro_base = has3 & (e3 >= 1) & (e3 < 10)
        micro_hge = micro_base & (personnel - e3 > MICRO_HGE_GAIN + _EPS)
    founded = panel["founded_year"].to_numpy(dtype=np.float64)
    gazelle = hge & (year - founded <= 5)
    exports = (panel["exports_goods_eur"].to_numpy(dtype=np.float64)
               + panel["exports_services_eur"].to_numpy(dtype=np.float64))
    out = {
        "year": year,
        "personnel": personnel,
        "turnover_eur": panel["turnover_eur"].to_numpy(dtype=np.float64),
        "exports_eur": exports,
        "micro": (personnel < 10),
        "exporter": (exports > 0),
        "birth": birth,
        "death": death,
        "hge": hge,
        "hge_base": hge_base,
        "gazelle": gazelle,
        "micro_hge": micro_hge,
        "micro_hge_base": micro_base,
    }
    for m in SURVIVAL_YEARS:
        out[f"alive_{m}"] = alive[m]
    return out


def _timeline(sy: np.ndarray, new_firm: np.ndarray, sp: np.ndarray, y0: int):
    """Each row's place in its firm's life, from the rows 1 … 5 places on.

    Rows sorted by firm and year (``new_firm`` marks each firm's first row; years strictly increase
    within a firm, so at most one row k = 1 … m places on is m years later). Returns, per sorted row:
    whether it is the firm's first and its last active year, personnel three years earlier (NaN where
    the firm was not active then) and, for n in :data:`SURVIVAL_YEARS`, whether the firm is active n
    years later. The rows are compared as narrow integers (a year offset, a firm number) so that each
    comparison reads little memory.
    """
    n = len(sy)
    span = int(sy.max()) - y0 if n else 0
    yo: np.ndarray = (sy - y0).astype(np.int16 if span < 2 ** 15 else np.int64)
    firm = np.cumsum(new_firm, dtype=np.int32 if n < 2 ** 31 else np.int64)
    later = {k: (firm[k:] == firm[:n - k], yo[k:] - yo[:n - k]) for k in range(1, max(SURVIVAL_YEARS + (3,)) + 1)
             if k < n}

    def ahead(k: int, dy: int) -> np.ndarray:
        """True where the row k places on is the same firm dy years later."""
        out = np.zeros(n, dtype=bool)
        if k in later:
            same, gap = later[k]
            out[:n - k] = same & (gap == dy)
        return out

    e3 = np.full(n, np.nan)
    for k in range(1, 4):
        if k in later:  # row i is 3 years before row i + k
            h = ahead(k, 3)[:n - k]
            e3[k:][h] = sp[:n - k][h]
    alive = {}
    for m in SURVIVAL_YEARS:
        alive[m] = ahead(1, m)
        for k in range(2, m + 1):
            alive[m] |= ahead(k, m)
    return new_firm, np.r_[new_firm[1:], True], e3, alive


def _firm_year_order(firm_id: pd.Series, year: np.ndarray):
    """Sort order by firm and year, and in that order a flag on the first row of each firm.

    The sort order is None where the rows are in that order already (the usual case).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(year)
    try:
        arr = pa.array(firm_id.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        arr = None
    if n > 1 and arr is not None and arr.null_count == 0 and (pa.types.is_string(arr.type)
                                                             or pa.types.is_large_string(arr.type)):
        a, b = arr[1:], arr[:-1]
        same = pc.equal(a, b).to_numpy(zero_copy_only=False)
        if pc.all(pc.greater_equal(a, b)).as_py() and not (same & (year[1:] < year[:-1])).any():
            return None, np.r_[True, ~same]
    codes, _ = pd.factorize(firm_id, sort=False)
    order = np.lexsort((year, codes))
    sc = codes[order]
    return order, np.r_[True, sc[1:] != sc[:-1]] if n else np.zeros(0, dtype=bool)


# The numpy path (sort-free on a panel already ordered by firm and year) needed less CPU than the
# DuckDB query even on the national panel, so "auto" means numpy; DuckDB stays as a tested
# alternative (identical cells) for panels too large for memory-bound numpy work.
DUCKDB_ROWS = float("inf")
# From this many firm-years on, the municipality and industry codes are hashed on a second thread
# while the features are worked out, and the cells' columns are counted on two threads (same cells:
# each column is its own count). On the quiet 2-core machine (2026-12-01, load < 0.3) the counts of
# the national panel took a median 0.21 s on two threads against 0.30 s on one (8 fresh processes
# each); at load 9 two threads had been slower (4.3 s against 2.8 s), as any extra thread is there.
PARALLEL_ROWS = 200_000

_CELLS_SQL = """
WITH bounds AS (SELECT min(year) AS y0, max(year) AS y1 FROM panel),
f AS (
  SELECT p.firm_id, p.municipality_code, p.industry_code, p.year, p.personnel::DOUBLE AS personnel,
         p.turnover_eur::DOUBLE AS turnover_eur,
         (p.exports_goods_eur + p.exports_services_eur)::DOUBLE AS exports_eur, p.founded_year,
         l.first_year, l.last_year, q.personnel::DOUBLE AS e3
  FROM panel p JOIN life l USING (firm_id)
  LEFT JOIN panel q ON q.firm_id = p.firm_id AND q.year = p.year - 3
),
feat AS (
  SELECT municipality_code, industry_code, year, personnel, turnover_eur, exports_eur,
    (personnel < 10)::INT AS micro, (exports_eur > 0)::INT AS exporter,
    (year = first_year AND year > (SELECT y0 FROM bounds))::INT AS birth,
    (year = last_year AND year < (SELECT y1 FROM bounds))::INT AS death,
    coalesce(e3 >= 10, false)::INT AS hge_base,
    coalesce(e3 >= 10 AND personnel > $ratio * e3 * (1 + $eps), false)::INT AS hge,
    coalesce(e3 >= 10 AND personnel > $ratio * e3 * (1 + $eps) AND year - founded_year <= 5, false)::INT AS gazelle,
    coalesce(e3 >= 1 AND e3 < 10, false)::INT AS micro_base,
    coalesce(e3 >= 1 AND e3 < 10 AND personnel - e3 > $gain + $eps, false)::INT AS micro_hge
  FROM f
),
cells AS (
  SELECT municipality_code, industry_code, year, count(*) AS n_firms, sum(micro) AS micro,
    sum(exporter) AS exporters, sum(birth) AS births, sum(death) AS deaths, sum(hge) AS hge,
    sum(hge_base) AS hge_base, sum(gazelle) AS gazelles, sum(micro_hge) AS micro_hge,
    sum(micro_base) AS micro_hge_base, sum(personnel) AS personnel, sum(turnover_eur) AS turnover_eur,
    sum(exports_eur) AS exports_eur, max(personnel) AS personnel_max, max(turnover_eur) AS turnover_eur_max,
    max(exports_eur) AS exports_eur_max
  FROM feat GROUP BY ALL
),
surv AS (
  SELECT b.municipality_code, b.industry_code, b.year + n.n AS year,
    sum((n.n = 1)::INT) AS surv_base_1, sum((n.n = 1 AND a.firm_id IS NOT NULL)::INT) AS surv_1,
    sum((n.n = 3)::INT) AS surv_base_3, sum((n.n = 3 AND a.firm_id IS NOT NULL)::INT) AS surv_3,
    sum((n.n = 5)::INT) AS surv_base_5, sum((n.n = 5 AND a.firm_id IS NOT NULL)::INT) AS surv_5
  FROM f b CROSS JOIN (VALUES (1), (3), (5)) n(n)
  LEFT JOIN panel a ON a.firm_id = b.firm_id AND a.year = b.year + n.n
  WHERE b.year = b.first_year AND b.year > (SELECT y0 FROM bounds) AND b.year + n.n <= (SELECT y1 FROM bounds)
  GROUP BY ALL
)
SELECT * FROM cells FULL OUTER JOIN surv USING (municipality_code, industry_code, year)
"""


def _build_cells_duckdb(panel: pd.DataFrame) -> pd.DataFrame:
    """:func:`build_cells` by one DuckDB query (same definitions; equality is tested)."""
    import duckdb

    cols = list(PANEL_COLUMNS)
    con = duckdb.connect()
    try:
        con.register("panel_in", panel[cols])
        con.execute("CREATE TEMP VIEW panel AS SELECT * FROM panel_in")
        con.execute("CREATE TEMP TABLE life AS SELECT firm_id, min(year) AS first_year, max(year) AS last_year, "
                    "count(*) - count(DISTINCT year) AS dup FROM panel GROUP BY firm_id")
        (dup,) = con.execute("SELECT coalesce(max(dup), 0) FROM life").fetchone() or (0,)
        if dup > 0:
            raise InputError("firm panel has duplicate firm-year rows: expected one row per firm_id and year")
        cells = con.execute(_CELLS_SQL, {"ratio": HGE_RATIO, "eps": _EPS, "gain": MICRO_HGE_GAIN}).df()
    finally:
        con.close()
    for c in COUNT_COLUMNS:
        cells[c] = cells[c].fillna(0).astype(np.int64)
    for c in SUM_COLUMNS + MAX_COLUMNS:
        cells[c] = cells[c].astype("float64").fillna(0.0)
    cells["municipality_code"] = cells["municipality_code"].astype("string")
    cells["industry_code"] = cells["industry_code"].astype("string")
    cells["year"] = cells["year"].astype(np.int64)
    order = ["municipality_code", "industry_code", "year", "n_firms", "micro", "exporters", "births", "deaths", "hge",
             "hge_base", "gazelles", "micro_hge", "micro_hge_base", *SUM_MEASURES, *MAX_COLUMNS,
             *[c for n in SURVIVAL_YEARS for c in (f"surv_base_{n}", f"surv_{n}")]]
    return cells[order]


def build_cells(panel: pd.DataFrame, backend: str = "auto") -> pd.DataFrame:
    """Municipality × division × year cell table of additive quantities from a firm panel.

    ``backend`` ``"numpy"``, ``"duckdb"`` or ``"auto"`` (DuckDB from :data:`DUCKDB_ROWS` rows on).
    Both give the same cells (tested).

    Returns
    -------
    DataFrame
        Keys ``municipality_code, industry_code, year``; counts ``n_firms, micro, exporters,
        births, deaths, hge, hge_base, gazelles, micro_hge, micro_hge_base, surv_base_{1,3,5},
        surv_{1,3,5}``; sums ``personnel, turnover_eur, exports_eur``; largest firm per sum
        ``personnel_max, turnover_eur_max, exports_eur_max``. Survival quantities sit in the year
        of observation t and in the cell where the firm was born (t − n).
    """
    if backend == "duckdb" or (backend == "auto" and len(panel) >= DUCKDB_ROWS):
        return _build_cells_duckdb(panel)
    if len(panel) >= PARALLEL_ROWS:  # the codes are hashed on a second thread while the features are worked out
        with ThreadPoolExecutor(max_workers=1) as pool:
            codes_job = pool.submit(_factorize_codes, panel)
            f = _features(panel)
            codes = codes_job.result()
    else:
        f = _features(panel)
        codes = _factorize_codes(panel)
    return _count_cells(f, *codes)


def _factorize_codes(panel: pd.DataFrame):
    """Integer codes of the municipality and industry columns (pyarrow hashes them without the GIL)."""
    muni, muni_u = pd.factorize(panel["municipality_code"])
    ind, ind_u = pd.factorize(panel["industry_code"])
    return muni, muni_u, ind, ind_u


def _count_cells(f: dict, muni, muni_u, ind, ind_u) -> pd.DataFrame:
    """The cell table from the firm-year features and the integer municipality and industry codes."""
    year = f["year"]
    y0, y1 = int(year.min()), int(year.max())
    ny = y1 - y0 + 1
    if (muni < 0).any() or (ind < 0).any():
        raise InputError("firm panel has empty municipality_code or industry_code: expected codes on every row")
    mi = muni.astype(np.int64) * len(ind_u) + ind
    key = mi * ny + (year - y0)
    # survival contributions: birth rows moved n years on, same (birth) cell
    born = f["birth"] == 1
    extra_keys, extra_vals = [], []
    for n in SURVIVAL_YEARS:
        sel = born & (year + n <= y1)
        extra_keys.append(key[sel] + n)
        extra_vals.append((n, f[f"alive_{n}"][sel]))
    # cell keys are dense (municipalities × divisions × years, a few hundred thousand at most):
    # count straight into arrays indexed by key, then keep the cells that hold anything
    all_keys = np.concatenate([key] + extra_keys)
    codes = all_keys
    k = int(all_keys.max()) + 1
    main_codes = key
    jobs: dict = {}
    for col in ("micro", "exporter", "birth", "death", "hge", "hge_base", "gazelle", "micro_hge", "micro_hge_base"):
        # a flag counts the keys of the rows where it is set (most flags are rare: cheaper than weights)
        jobs[col] = (lambda col=col: np.bincount(main_codes[np.asarray(f[col], dtype=bool)],
                                                 minlength=k).astype(np.int64))
    jobs["n_firms"] = lambda: np.bincount(main_codes, minlength=k).astype(np.int64)
    for col in SUM_MEASURES:
        jobs[col] = lambda col=col: np.bincount(main_codes, weights=f[col], minlength=k)

    def largest(col):
        m = np.zeros(k)
        np.fmax.at(m, main_codes, f[col])
        return m

    for col in SUM_MEASURES:
        jobs[f"{col}_max"] = lambda col=col: largest(col)
    pos = len(key)
    for (n, alive), ek in zip(extra_vals, extra_keys, strict=False):
        c = codes[pos:pos + len(ek)]
        pos += len(ek)
        jobs[f"surv_base_{n}"] = lambda c=c: np.bincount(c, minlength=k).astype(np.int64)
        jobs[f"surv_{n}"] = lambda c=c, alive=alive: np.bincount(c[np.asarray(alive, dtype=bool)],
                                                                minlength=k).astype(np.int64)
    if len(key) >= PARALLEL_ROWS:  # NumPy counts without the GIL: the columns on two threads, the same arrays
        with ThreadPoolExecutor(max_workers=2) as pool:
            out = dict(zip(jobs, pool.map(lambda job: job(), jobs.values()), strict=True))
    else:
        out = {col: job() for col, job in jobs.items()}
    present = out["n_firms"] > 0
    for n in SURVIVAL_YEARS:
        present |= out[f"surv_base_{n}"] > 0
    uniq = np.flatnonzero(present)
    out = {c: v[uniq] for c, v in out.items()}
    mi_u, yi = np.divmod(uniq, ny)
    m_u, i_u = np.divmod(mi_u, len(ind_u))
    cells = pd.DataFrame({
        # the few distinct codes as strings, then taken (Arrow copies the bytes; no Python object per cell)
        "municipality_code": pd.array(np.asarray(muni_u, dtype=object), dtype="string").take(m_u),
        "industry_code": pd.array(np.asarray(ind_u, dtype=object), dtype="string").take(i_u),
        "year": yi + y0,
        **{c: out[c] for c in ("n_firms", "micro", "exporter", "birth", "death", "hge", "hge_base", "gazelle",
                               "micro_hge", "micro_hge_base")},
        **{c: out[c] for c in SUM_MEASURES + MAX_COLUMNS},
        **{c: out[c] for n in SURVIVAL_YEARS for c in (f"surv_base_{n}", f"surv_{n}")},
    })
    return cells.rename(columns={"exporter": "exporters", "birth": "births", "death": "deaths",
                                 "gazelle": "gazelles"})


def table_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Municipality × division × year cells from a regional business table.

    Only municipality rows (``KUxxx``) are used; higher-level rows would double count. A cell
    whose ``suppressed`` flag is set keeps it (``table_suppressed``) and its values count as
    unknown when areas are summed.
    """
    t = table.loc[table["area_code"].astype("string").str.startswith("KU")]
    if t.empty:
        raise InputError("business table has no municipality rows (area_code KUxxx): expected the SPEC §3 "
                         "table at municipality level")
    supp = t["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in t else np.zeros(len(t), bool)
    exports = t["exports_eur"].astype("float64") if "exports_eur" in t else pd.Series(np.nan, index=t.index)
    return pd.DataFrame({
        "municipality_code": t["area_code"].astype("string").to_numpy(),
        "industry_code": t["industry_code"].astype("string").to_numpy(),
        "year": t["year"].astype("int64").to_numpy(),
        "n_firms": t["establishments"].astype("float64").to_numpy(),
        "personnel": t["personnel"].astype("float64").to_numpy(),
        "turnover_eur": t["turnover_eur"].astype("float64").to_numpy(),
        "exports_eur": exports.to_numpy(),
        "table_suppressed": supp.astype(np.int64),
        "exports_missing": exports.isna().to_numpy().astype(np.int64),
    })


def aggregate_cells(cells: pd.DataFrame, area_codes, level: str = "section", kind: str = "panel",
                    with_all: bool = True) -> pd.DataFrame:
    """Sum municipality cells into areas × industries (+ ``ALL``) × years.

    Parameters
    ----------
    cells : DataFrame
        Output of :func:`build_cells` or :func:`table_cells`.
    area_codes : iterable of str
        Normalised area codes of any level (KU, SK, MK, SSS) or custom areas (``KU009+KU977``);
        duplicates are ignored.
    level : {"section", "division"}
        Industry level of the rows; an ``ALL`` row per area and year is added.
    kind : {"panel", "table"}
        For a table, sums over a suppressed or missing contributor become NaN (unknown).
    with_all : bool
        Whether to add the ``ALL`` row of each area and year (a caller that drops them need not sum them).

    Returns
    -------
    DataFrame
        ``area_code, industry_code, year`` and the cell columns summed (``*_max`` by maximum).

    Notes
    -----
    The keys travel as one integer per row (area × industry × year), so the group-by hashes
    integers, not strings, and sums all columns of a dtype in one pass. Groups come in the order
    of their first cell and each group's cells are summed in row order (pandas' compensated sum),
    so the result is the same, bit for bit and row for row, as grouping by the string keys
    (:func:`_aggregate_cells_by_strings`, kept as the reference; tested).
    """
    if level not in ("section", "division"):
        raise InputError(f"unknown industry level {level!r}: expected 'section' or 'division'")
    ind_idx, ind_uniq = pd.factorize(cells["industry_code"])
    if level == "section":
        smap = industries.division_section_map()
        sec = [smap.get(u) for u in ind_uniq]
        bad = [u for u, s in zip(ind_uniq, sec, strict=True) if s is None]
        if bad:
            raise InputError(f"unknown TOL division {bad[0]!r} in the data: expected two-digit codes 01…99")
        ind_code, ind_names = pd.factorize(pd.Series(sec, dtype=object))
        ind_idx = np.where(ind_idx >= 0, ind_code[ind_idx], -1)
    else:
        ind_names = ind_uniq
    muni_idx, muni_uniq = pd.factorize(cells["municipality_code"])
    year = cells["year"].to_numpy(dtype=np.int64)
    y0 = int(year.min()) if len(year) else 0
    ny = int(year.max()) - y0 + 1 if len(year) else 1
    yi = year - y0
    n_ind = len(ind_names) + 1  # + 1: a missing industry (dropped from the industry rows, kept in ALL)
    by_level, value_cols, sum_cols, max_cols = _areas_by_level_and_columns(area_codes, cells.columns)
    values = cells[value_cols]
    pieces = []
    for lvl, wanted in by_level.items():
        mapping = dict.fromkeys(areas.municipalities(lvl), lvl) if areas.is_custom(lvl) else _municipality_map(lvl)
        wanted_set = set(wanted)
        names = list(dict.fromkeys(mapping.get(m) for m in muni_uniq if mapping.get(m) in wanted_set))
        pos = {a: i for i, a in enumerate(names)}
        area_of_muni = np.array([pos.get(mapping.get(m), -1) for m in muni_uniq] + [-1], dtype=np.int64)
        area = area_of_muni[muni_idx]  # muni_idx -1 (a missing code) reads the trailing -1
        sel = area >= 0
        if not sel.any():
            continue
        sub = values.loc[sel]
        a, ind, y = area[sel], ind_idx[sel], yi[sel]
        for with_industry in (True, False) if with_all else (True,):
            if with_industry:
                keep = ind >= 0
                key = (a[keep] * n_ind + ind[keep]) * ny + y[keep]
                part = sub.loc[keep] if not keep.all() else sub
            else:
                key, part = a * ny + y, sub
            g = _sum_max(part, key, sum_cols, max_cols)
            k = g.index.to_numpy(dtype=np.int64)
            ai, yy = np.divmod(k, ny) if not with_industry else (k // ny // n_ind, k % ny)
            ind_col = (pd.array(np.asarray(ind_names, dtype=object), dtype="string").take((k // ny) % n_ind)
                       if with_industry else pd.array([industries.ALL] * len(k), dtype="string"))
            pieces.append(pd.DataFrame({
                "area_code": pd.array(np.asarray(names, dtype=object), dtype="string").take(ai),
                "industry_code": ind_col,
                "year": yy + y0,
                **{col: g[col].to_numpy() for col in sum_cols + max_cols},
            }))
    if not pieces:
        return pd.DataFrame(columns=["area_code", "industry_code", "year"] + value_cols)
    out = pd.concat(pieces, ignore_index=True)
    return _table_unknowns(out) if kind == "table" else out


def _table_unknowns(out: pd.DataFrame) -> pd.DataFrame:
    """A table's sums over a StatFin-suppressed or missing cell are unknown (NaN), not the sum of the rest."""
    unknown = out["table_suppressed"] > 0
    for col in ("n_firms", "personnel", "turnover_eur", "exports_eur"):
        out.loc[unknown, col] = np.nan
    out.loc[out["exports_missing"] > 0, "exports_eur"] = np.nan
    return out


def _areas_by_level_and_columns(area_codes, columns) -> tuple[dict[str, list[str]], list[str], list[str], list[str]]:
    """The wanted areas by level (a custom area is a level of its own); the value, summed and maximum columns."""
    by_level: dict[str, list[str]] = {}
    for code in dict.fromkeys(area_codes):  # a custom area (KU009+KU977) is summed on its own
        by_level.setdefault(code if areas.is_custom(code) else areas.level_of(code), []).append(code)
    value_cols = [col for col in columns if col not in KEYS]
    max_cols = [col for col in value_cols if col.endswith("_max")]
    return by_level, value_cols, [col for col in value_cols if col not in max_cols], max_cols


def _sum_max(values: pd.DataFrame, key: np.ndarray, sum_cols: list, max_cols: list) -> pd.DataFrame:
    """Group sums and maxima by an integer key, groups in the order of their first row."""
    g = values.groupby(key, sort=False)
    s = g[sum_cols].sum()
    if max_cols:
        s = pd.concat([s, g[max_cols].max()], axis=1)
    return s


def _aggregate_cells_by_strings(cells: pd.DataFrame, area_codes, level: str = "section",
                                kind: str = "panel") -> pd.DataFrame:
    """:func:`aggregate_cells` grouping by the string keys (the former code, kept as the tested reference)."""
    if level not in ("section", "division"):
        raise InputError(f"unknown industry level {level!r}: expected 'section' or 'division'")
    c = cells
    if level == "section":
        sec = map_codes(c["industry_code"], industries.division_section_map())
        bad = sec.isna() & c["industry_code"].notna()
        if bad.any():
            raise InputError(f"unknown TOL division {c.loc[bad, 'industry_code'].iloc[0]!r} in the data: "
                             f"expected two-digit codes 01…99")
        c = c.assign(industry_code=sec.astype("string"))
    by_level, value_cols, sum_cols, max_cols = _areas_by_level_and_columns(area_codes, c.columns)
    pieces = []
    for lvl, wanted in by_level.items():
        mapping = dict.fromkeys(areas.municipalities(lvl), lvl) if areas.is_custom(lvl) else _municipality_map(lvl)
        a = map_codes(c["municipality_code"], mapping)
        sel = a.isin(wanted).to_numpy()
        if not sel.any():
            continue
        sub = c.loc[sel].assign(area_code=a[sel].astype("string")).drop(columns="municipality_code")
        for keys in (["area_code", "industry_code", "year"], ["area_code", "year"]):
            agg = {col: "sum" for col in sum_cols} | {col: "max" for col in max_cols}
            g = sub.groupby(keys, sort=False, observed=True).agg(agg).reset_index()
            if "industry_code" not in keys:
                g["industry_code"] = industries.ALL
            pieces.append(g)
    if not pieces:
        return pd.DataFrame(columns=["area_code", "industry_code", "year"] + value_cols)
    out = pd.concat(pieces, ignore_index=True)
    out["industry_code"] = out["industry_code"].astype("string")
    out["area_code"] = out["area_code"].astype("string")
    return _table_unknowns(out) if kind == "table" else out


def map_codes(codes: pd.Series, mapping: dict) -> pd.Series:
    """``codes.map(mapping)`` (missing → NaN) looking up each distinct code once (an object Series)."""
    idx, uniq = pd.factorize(codes)
    mapped = np.array([mapping.get(u, np.nan) for u in uniq] + [np.nan], dtype=object)
    return pd.Series(mapped[idx], index=codes.index, dtype=object)


@lru_cache(maxsize=8)
def _municipality_map(level: str) -> dict:
    return areas.municipality_map(level)
