"""The apps' data: the indicator cache of the 38 home areas, built once and read by every app kernel.

App kernels must stay lean (no geopandas/statsmodels/esda, no firm panel in memory): the indicator
series of the 38 Northern Ostrobothnia areas are computed once, by `precompute_app_data` (called
from `kasvudata data build` or on first use), into data/processed/app_cache/.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from kasvudata_utils import areas, provenance
from kasvudata_utils.data import load_business_table, load_firm_panel, load_web_geojson, sources
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_target, atomic_write_text
from kasvudata_utils.indicators import compute_indicators_many
from kasvudata_utils.indicators.compute import NOTE_NOT_AVAILABLE, PANEL_ONLY
from kasvudata_utils.indicators.protection import RULES_VERSION
from kasvudata_utils.paths import ENV_SYNTHETIC_FIRM, ENV_TABLE, app_cache_subdir, processed_dir
from kasvudata_utils.research.similar import DEFAULT_COMPARE_N, similar_distance_map, similar_map

APP_CACHE_DIR = "app_cache"
#: CSV, not Parquet: an app kernel then reads it with pandas alone, and pandas imports pyarrow only when
#: it is importable, which the workshop kernels prevent (``apps.kernel``): about 50 MB less per kernel.
APP_CACHE_FILE = "app_indicators.csv"
#: Column types of the cache (codes stay strings: industry ``"01"``).
CACHE_DTYPES = {"area_code": "str", "reference_code": "str", "indicator": "str", "industry_code": "str",
                "year": "int64", "value": "float64", "suppressed": "bool"}
APP_META_FILE = "app_meta.json"
#: The meta file's entry for the explorer's similar areas (:func:`.research.similar.similar_distance_map`).
SIMILAR_KEY = "similar_in_region"
#: the disclosure rules the cached figures were suppressed under (a cache of older rules is rebuilt)
RULES_KEY = "disclosure_rules"
#: Indicators kept per TOL section (the scenario model and the explorer's tables need them).
SECTION_INDICATORS = ("establishments", "personnel", "turnover_eur", "exports_eur")
#: Extra references computed besides each area's default reference (SPEC §1).
EXTRA_REFERENCES = ("SSS",)


#: ``ENV_TABLE``: the business table the apps read (``kasvudata workshop --table``); ``ENV_SYNTHETIC_FIRM``: "1"
#: when ``--synthetic-firm-data`` asked for the synthetic panel's firm-level figures (both in :mod:`.paths`).


def source_from_env():
    """The apps' data source: the table in ``$KASVUDATA_TABLE`` (one-line error if missing), else the default."""
    table = os.environ.get(ENV_TABLE, "").strip()
    synthetic = os.environ.get(ENV_SYNTHETIC_FIRM, "").strip() == "1"
    return (sources.resolve_source("default", table_path=table, synthetic_firm_data=synthetic) if table
            else sources.DataSource())


def app_cache_dir(out_dir=None, source=None):
    """Folder of the app cache (default ``data/processed/app_cache``; ``…/table-<sha>`` for a table source)."""
    if out_dir is not None:
        return Path(out_dir)
    folder = processed_dir() / APP_CACHE_DIR
    if source is not None and source.table_path:
        folder = folder / app_cache_subdir(source.table_path, source.synthetic_firm_data)
    return folder


def _source_files(source=None):
    if source is not None and source.table_path:
        synthetic = [processed_dir() / "firm_panel.parquet"] if source.synthetic_firm_data else []
        # population and unemployment fetched beside the table feed the similar areas
        fetched = [Path(source.table_path).with_name(n) for n in (sources.REAL_POPULATION, sources.REAL_UNEMPLOYMENT)]
        panel = [Path(source.panel_path)] if source.panel_path else []
        return [Path(source.table_path), *panel, *synthetic, *fetched]
    return [processed_dir() / "firm_panel.parquet", processed_dir() / "business_table.parquet"]


def precompute_app_data(out_dir=None, source=None):
    """Compute the apps' indicator cache (38 home areas + references) and return its folder.

    Runs the indicator engine (with disclosure control) on the data of ``source`` (a
    :class:`kasvudata_utils.data.sources.DataSource`; default the embedded firm panel, its business
    table serving references outside Northern Ostrobothnia, ``SSS``). Writes
    ``app_indicators.csv`` (SPEC §4 long shape; every indicator for ``ALL``, the levels
    of :data:`SECTION_INDICATORS` per section) and ``app_meta.json`` (provenance).
    Deterministic: the same data give the same files. With ``source.synthetic_firm_data`` the home
    areas' firm-level indicators a table cannot give come from the embedded synthetic panel; the meta
    file then names them (``firm_indicators``) with their own provenance (``firm_provenance``), so the
    apps badge those figures synthetic and the table's own figures with the table's label.
    """
    import pandas as pd

    source = source or sources.DataSource()
    main, companion = sources.load_main_and_companion(source)
    home = areas.home_region_areas()
    refs = [areas.default_reference(a) for a in home]
    parts = [compute_indicators_many(main, home, reference_data=sources.reference_data_for(main, companion, refs))]
    for ref in EXTRA_REFERENCES:  # the reference's own series, for "area vs reference" charts
        parts.append(compute_indicators_many(sources.serving(ref, main, companion), [ref], reference=ref))
    provs = [provenance.get(p) for p in parts]
    firm_meta = {}
    if source.synthetic_firm_data and source.uses_table_only:
        parts[0], firm_meta = _with_synthetic_firm_rows(parts[0], home)
    out = pd.concat([_cache_rows(p) for p in parts], ignore_index=True).sort_values(
        ["area_code", "reference_code", "indicator", "industry_code", "year"], kind="stable", ignore_index=True)
    folder = app_cache_dir(out_dir, source)
    folder.mkdir(parents=True, exist_ok=True)
    features: dict = {}
    with atomic_target(folder / APP_CACHE_FILE) as tmp:
        out.to_csv(tmp, index=False)  # floats as their shortest repr: read back exactly
    meta = {"provenance": provenance.combine(*provs), "areas": sorted(out["area_code"].unique().tolist()),
            **firm_meta, RULES_KEY: RULES_VERSION,
            # the insights board (no pandas in its kernel) reads these for "what advisers in areas like yours noticed"
            # (both maps from one load of each level's similarity features: ≈ 3 s of the data build each)
            "similar": similar_map(areas.home_region_areas(), source=source, features=features),
            # the explorer's compare=similar: the most similar areas inside the region (the only ones the
            # cache holds) with their distances and the vintage of the features, so that its kernel never
            # reads the similarity features' Parquet files (issue 17 follow-up: pyarrow is blocked there)
            SIMILAR_KEY: similar_distance_map(areas.home_region_areas(), DEFAULT_COMPARE_N,
                                              within=areas.HOME_REGION, source=source, features=features)}
    atomic_write_text(folder / APP_META_FILE, json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True))
    return folder


def _with_synthetic_firm_rows(table_rows, home):
    """``table_rows`` with the not-available firm-level rows of ``home`` replaced by the synthetic panel's.

    Returns the rows (the table's provenance kept) and the meta entries ``firm_indicators`` (the
    indicators filled) and ``firm_provenance`` (the synthetic panel's).
    """
    import pandas as pd

    panel = load_firm_panel()
    syn = compute_indicators_many(panel, home, reference_data=load_business_table())
    syn = syn[syn["indicator"].isin(PANEL_ONLY) & syn["area_code"].isin(home)]
    missing = table_rows["indicator"].isin(PANEL_ONLY) & (table_rows["note"] == NOTE_NOT_AVAILABLE)
    # the table's not-available rows of an (area, indicator) give way to the panel's series over the table's years
    pairs = table_rows[missing][["area_code", "indicator"]].drop_duplicates()
    years = table_rows["year"]
    syn = syn[syn["year"].between(int(years.min()), int(years.max()))].merge(pairs, on=["area_code", "indicator"])
    out = pd.concat([table_rows[~missing], syn], ignore_index=True)
    filled = sorted(set(syn["indicator"]))
    return provenance.tag(out, provenance.get(table_rows)), {"firm_indicators": filled,
                                                             "firm_provenance": provenance.get(panel)}


def ensure_app_data(out_dir=None, source=None):
    """The cache folder, (re)built when missing or older than its data (firm panel / business table).

    ``source`` default: :func:`source_from_env` (``kasvudata workshop --table FILE`` sets it for the kernels).
    """
    source = source_from_env() if source is None else source
    folder = app_cache_dir(out_dir, source)
    target = folder / APP_CACHE_FILE
    inputs = [p for p in _source_files(source) if p.exists()]
    if not target.exists() or not _meta_current(folder / APP_META_FILE) or any(
            p.stat().st_mtime > target.stat().st_mtime for p in inputs):
        precompute_app_data(folder, source)
    return folder


def _meta_current(path: Path) -> bool:
    """Whether the meta file exists, has every entry the apps read and was made under today's disclosure rules.

    A cache from an older version is rebuilt: the figures it holds were suppressed by the rules of its day.
    """
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return SIMILAR_KEY in meta and meta.get(RULES_KEY) == RULES_VERSION


class AppData:
    """What the apps read: the indicator cache (long table), its provenance and the web map.

    Parameters
    ----------
    indicators
        SPEC §4 long table (``area_code, reference_code, indicator, industry_code, year, value, suppressed``).
    prov
        Provenance dict of the figures (for the data badge).
    geojson
        WGS84 GeoJSON of the MK17 municipalities (``area_code``, ``name_fi`` properties) or ``None``.
    """

    def __init__(self, indicators, prov: dict | None = None, geojson: dict | None = None,
                 firm_indicators=(), firm_prov: dict | None = None, similar: dict | None = None):
        self.indicators = indicators
        self.prov = prov or dict(provenance.UNKNOWN)
        self.geojson = geojson
        self._codes = set(indicators["area_code"].unique())
        # firm-level indicators taken from the synthetic panel on request (--synthetic-firm-data), if any
        self.firm_indicators = frozenset(firm_indicators or ())
        self.firm_prov = firm_prov or {}
        # the explorer's similar areas (meta :data:`SIMILAR_KEY`): {"areas": {code: [[code, distance], …]}, "vintage"}
        self._similar = similar or {}

    def similar(self, area) -> tuple[list[tuple[str, float]], dict] | None:
        """The most similar areas of ``area`` inside the region with their distances, and the features' vintage.

        ``None`` when the cache has none for ``area`` (a custom area, or a cache without the entry).
        """
        found = (self._similar.get("areas") or {}).get(area)
        if found is None:
            return None
        return [(str(c), float(d)) for c, d in found], dict(self._similar.get("vintage") or {})

    def prov_for(self, indicator: str) -> dict:
        """Provenance of one indicator's figures: the synthetic panel's where it was asked for, else the data's."""
        return self.firm_prov if indicator in self.firm_indicators and self.firm_prov else self.prov

    @classmethod
    def load(cls, out_dir=None) -> AppData:
        """The cache (built first if needed) plus the web map; a missing map leaves ``geojson`` ``None``."""
        import pandas as pd

        folder = ensure_app_data(out_dir)
        ind = pd.read_csv(folder / APP_CACHE_FILE, dtype=CACHE_DTYPES)
        meta = json.loads((folder / APP_META_FILE).read_text(encoding="utf-8"))
        try:
            geo = load_web_geojson()
        except InputError:
            geo = None
        return cls(ind, meta.get("provenance"), geo, meta.get("firm_indicators", ()), meta.get("firm_provenance"),
                   meta.get(SIMILAR_KEY))

    def has(self, code) -> bool:
        """Whether the cache holds indicators of the area ``code``."""
        return code in self._codes

    def add_areas(self, codes) -> None:
        """Add custom areas (``KU009+KU977``) of the home region, summed from the cache's published cells.

        No firm panel is read (the workshop kernels cannot read Parquet): :func:`custom_area_rows` gives
        the figures the indicator engine gives for the grouping; what the cache cannot give
        (:data:`CUSTOM_UNAVAILABLE`) is listed by :meth:`unavailable`.
        """
        import pandas as pd

        new = [c for c in dict.fromkeys(codes) if not self.has(c)]
        if not new:
            return
        bad = [c for c in new if not areas.contains(areas.HOME_REGION, c)]
        if bad:
            raise InputError(f"area {bad[0]}: expected an area inside {areas.HOME_REGION}, the app's data")
        rows = custom_area_rows(self.indicators, new)
        self.indicators = pd.concat([self.indicators, rows], ignore_index=True)
        self._codes |= set(new)

    def unavailable(self, area, indicator) -> bool:
        """True where a custom area's figures cannot be summed from the cache (:data:`CUSTOM_UNAVAILABLE`)."""
        return areas.is_custom(area) and indicator in CUSTOM_UNAVAILABLE

    def area_codes(self) -> list[str]:
        """Areas with data, in the order of a picker: region, sub-regions, then municipalities by name."""
        home = [c for c in areas.home_region_areas() if c in self._codes]
        mk = [c for c in home if c.startswith("MK")]
        sk = sorted((c for c in home if c.startswith("SK")), key=lambda c: areas.area_name(c))
        ku = sorted((c for c in home if c.startswith("KU")), key=lambda c: areas.area_name(c))
        return mk + sk + ku

    def reference_codes(self, area: str) -> list[str]:
        """References offered for ``area``: its default first, then wider areas that have data."""
        out = [areas.default_reference(area)]
        a = areas.get_area(area)
        for c in (a.subregion_code, a.region_code, areas.HOME_REGION, areas.COUNTRY):
            if c and c != area and c not in out and areas.contains(c, area):
                out.append(c)
        return [c for c in out if self.has(c)] or out[:1]

    def years(self) -> tuple[int, int]:
        """First and last year of the cached indicators."""
        y = self.indicators["year"]
        return int(y.min()), int(y.max())

    def _rows(self, area, indicator, industry="ALL"):
        d = self.indicators
        d = d[(d["area_code"] == area) & (d["indicator"] == indicator) & (d["industry_code"] == industry)]
        # level indicators do not depend on the reference: one row per year
        return d.sort_values(["year", "reference_code"], kind="stable").drop_duplicates("year")

    def series(self, area, indicator, industry="ALL"):
        """``year, value, suppressed`` of one indicator of one area (suppressed values are NaN)."""
        d = self._rows(area, indicator, industry)[["year", "value", "suppressed"]].reset_index(drop=True)
        return d.assign(value=d["value"].where(~d["suppressed"].astype(bool)))

    def value(self, area, indicator, year, industry="ALL") -> float:
        """One value (NaN when missing or suppressed)."""
        s = self.series(area, indicator, industry)
        s = s[s["year"] == year]
        return float(s["value"].iloc[0]) if len(s) and s["value"].notna().iloc[0] else float("nan")

    def is_suppressed(self, area, indicator, year, industry="ALL") -> bool:
        """True where the value is confidential (not merely missing, e.g. exports a table does not hold)."""
        s = self.series(area, indicator, industry)
        s = s[s["year"] == year]
        return bool(len(s) and bool(s["suppressed"].iloc[0]))

    def section_table(self, area):
        """Wide ``industry_code, year`` + :data:`SECTION_INDICATORS` for one area (suppressed → NaN)."""
        d = self.indicators
        d = d[(d["area_code"] == area) & (d["industry_code"] != "ALL") & d["indicator"].isin(SECTION_INDICATORS)]
        d = d.sort_values(["reference_code"], kind="stable").drop_duplicates(["indicator", "industry_code", "year"])
        d = d.assign(value=d["value"].where(~d["suppressed"].astype(bool)))
        wide = d.pivot_table(index=["industry_code", "year"], columns="indicator", values="value",
                             aggfunc="first", dropna=False).reset_index()
        for c in SECTION_INDICATORS:
            if c not in wide.columns:
                wide[c] = float("nan")
        wide.columns.name = None
        return wide[["industry_code", "year", *SECTION_INDICATORS]]


def _cache_rows(p):
    """The rows the cache keeps: every indicator for ``ALL``, the levels of :data:`SECTION_INDICATORS` per section."""
    cols = ["area_code", "reference_code", "indicator", "industry_code", "year", "value", "suppressed"]
    p = p[cols]
    return p[(p["industry_code"] == "ALL") | p["indicator"].isin(SECTION_INDICATORS)]


#: Indicators of a custom area summed from its parts' published cells (their firm counts, euros and persons add up).
CUSTOM_ADDITIVE = ("establishments", "personnel", "turnover_eur", "exports_eur", "hge_count", "micro_hge_count",
                   "gazelle_count", "exporter_count")
#: Rates of a custom area: ``indicator → (numerator, denominator)``; a numerator ending in ``_pct`` is the
#: part's count recovered from its published rate × its published denominator / 100 (births, deaths, …).
CUSTOM_RATES = {"birth_rate_pct": ("birth_rate_pct", "establishments"),
                "death_rate_pct": ("death_rate_pct", "establishments"),
                "churn_rate_pct": ("churn_rate_pct", "establishments"),
                "micro_share_pct": ("micro_share_pct", "establishments"),
                "export_intensity_pct": ("exports_eur", "turnover_eur")}
#: Figures a grouping cannot take from the cache: survival rests on the births of earlier years, which the
#: engine suppresses on the grouping's own births (not its parts'), so its published cells are no sums of
#: published cells; shares, quotients and indices rest on cells the cache does not keep.
CUSTOM_UNAVAILABLE = ("survival_rate_1y_pct", "survival_rate_3y_pct", "survival_rate_5y_pct", "hge_share_pct",
                      "personnel_growth_pct", "turnover_growth_pct", "cagr_personnel_pct", "lq_personnel",
                      "share_personnel_pct", "krugman_index", "herfindahl_index")


def _part_cells(ind, parts, indicator):
    """``(industry_code, year) × part`` values (NaN where suppressed or missing) and suppression flags."""
    d = ind[ind["area_code"].isin(parts) & (ind["indicator"] == indicator)]
    # level and rate cells do not depend on the reference: one row per area, industry and year
    d = d.sort_values("reference_code", kind="stable").drop_duplicates(["area_code", "industry_code", "year"])
    sup = d["suppressed"].astype(bool)
    vals = d.assign(value=d["value"].where(~sup)).pivot(index=["industry_code", "year"], columns="area_code",
                                                       values="value")
    flags = d.assign(suppressed=sup).pivot(index=["industry_code", "year"], columns="area_code",
                                           values="suppressed")
    return vals.reindex(columns=parts), flags.reindex(columns=parts)


def custom_area_rows(ind, codes):
    """Cache rows of custom areas computed from the cache rows of their parts (no firm panel).

    The engine publishes a custom area's cell only where every part's cell is published
    (:func:`kasvudata_utils.indicators.protection.protected_custom`; the threshold and dominance rules
    on the sum then pass too), so a published cell is the sum of the parts' published cells:

    * :data:`CUSTOM_ADDITIVE`: ``Σ parts``, suppressed where any part is;
    * :data:`CUSTOM_RATES`: ``100 · Σ num / Σ den`` as the engine's ratio, with a part's count of births,
      deaths, churn events or micro firms recovered as ``rate · firms / 100`` (whole firms), suppressed
      where any part's rate is; a rate whose part has a published rate but a suppressed denominator
      cannot be recovered and is left out; a rate that no part has (not available from a table) stays empty;
    * :data:`CUSTOM_UNAVAILABLE`: left out (the apps say "not available for a grouping").

    Cells a part lacks (a year the rate cannot be observed) are left out. ``ind``: the cache's long
    table; returns rows of the same columns, the reference the area's default.
    """
    import numpy as np
    import pandas as pd

    out = []
    for code in codes:
        parts = code.split("+")
        ref = areas.default_reference(code)
        levels = {}
        for name in CUSTOM_ADDITIVE:
            vals, flags = _part_cells(ind, parts, name)
            if vals.empty or vals.shape[1] != len(parts):
                continue
            present = flags.notna().all(axis=1)
            sup = flags.fillna(False).astype(bool).any(axis=1)
            levels[name] = (vals[present], sup[present])
            out.append(_frame(code, ref, name, vals[present].sum(axis=1, min_count=len(parts)), sup[present]))
        for name, (num, den) in CUSTOM_RATES.items():
            vals, flags = _part_cells(ind, parts, num)
            if vals.empty or vals.shape[1] != len(parts) or den not in levels:
                continue
            present = flags.notna().all(axis=1)
            vals, sup = vals[present], flags[present].astype(bool).any(axis=1)
            if num == name:  # a part's count from its rate and its firms: rate · firms / 100, whole firms
                firms = levels[den][0].reindex(vals.index)
                counts = np.round(vals.to_numpy(dtype=float) * firms.to_numpy(dtype=float) / 100.0)
                numerator = pd.Series(counts.sum(axis=1), index=vals.index)
                known = ~np.isnan(counts).any(axis=1)
                denominator = firms.sum(axis=1, min_count=len(parts))
            else:
                numerator = vals.sum(axis=1, min_count=len(parts))
                denominator = levels[den][0].reindex(vals.index).sum(axis=1, min_count=len(parts))
                known = numerator.notna().to_numpy()
            known = known & denominator.notna().to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(denominator > 0, numerator / denominator.where(denominator > 0, 1.0) * 100.0,
                                np.nan)
            # a published rate that cannot be recovered is left out; one no part has (a table's firm-level
            # rates: not available) stays empty, as the parts' rows
            keep = sup.to_numpy() | known | vals.isna().all(axis=1).to_numpy()
            out.append(_frame(code, ref, name, pd.Series(rate, index=vals.index)[keep], sup[keep]))
    cols = ["area_code", "reference_code", "indicator", "industry_code", "year", "value", "suppressed"]
    if not out:
        return pd.DataFrame(columns=cols).astype(CACHE_DTYPES)
    rows = pd.concat(out, ignore_index=True)
    rows = rows[(rows["industry_code"] == "ALL") | rows["indicator"].isin(SECTION_INDICATORS)]  # as :func:`_cache_rows`
    return rows[cols].astype(CACHE_DTYPES).reset_index(drop=True)


def _frame(code, ref, indicator, values, suppressed):
    """Long cache rows from ``(industry_code, year)``-indexed values and flags (a suppressed value is NaN)."""
    import pandas as pd

    sup = suppressed.reindex(values.index).astype(bool)
    return pd.DataFrame({"area_code": code, "reference_code": ref, "indicator": indicator,
                         "industry_code": values.index.get_level_values("industry_code"),
                         "year": values.index.get_level_values("year"),
                         "value": values.where(~sup).to_numpy(dtype=float), "suppressed": sup.to_numpy()})
