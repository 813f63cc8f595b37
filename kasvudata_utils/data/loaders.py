"""Loaders of the processed embedded data (``data/processed/``, built by ``kasvudata data build``).

Every loader returns a new frame tagged with its provenance (real or synthetic, with sources), so
reports and apps can show it. Files are read once per process (keyed by path, size and
modification time) and each call gets its own shallow copy (copy-on-write keeps callers apart).
A missing file raises :class:`DataError` telling the user to run ``kasvudata data build``.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from kasvudata_utils import provenance
from kasvudata_utils.data.panel_io import read_business_table, read_firm_panel
from kasvudata_utils.errors import DataError, InputError
from kasvudata_utils.paths import processed_dir

# Processed file names (ARCHITECTURE.md "Data").
FILES = {
    "geometries": "areas_3067.parquet",
    "web": "web_mk17.geojson",
    "web_sk": "web_mk17_sk.geojson",
    "population": "population.parquet",
    "unemployment": "unemployment.parquet",
    "workplaces": "workplaces_2017.parquet",
    "distances": "distances.parquet",
    "industries": "industries.parquet",
    "exports": "exports_regional.parquet",
    "firm_panel": "firm_panel.parquet",
    "business_table": "business_table.parquet",
    "factors": "municipality_factors.parquet",
    "truth": "planted_truth.json",
}
REAL_FILES = ("geometries", "web", "web_sk", "population", "unemployment", "workplaces", "distances",
              "industries", "exports")

SRC_STATFIN = "Statistics Finland"
SRC_PAAVO = "Statistics Finland, Paavo 2020"
SRC_NLS = "National Land Survey of Finland"
SRC_SOTKANET = "THL Sotkanet (Statistics Finland)"
SRC_TEM = "Ministry of Economic Affairs and Employment"
SRC_CUSTOMS = "Finnish Customs"
SRC_EUROSTAT = "Eurostat NACE Rev. 2"
SRC_SYNTHETIC = "KasvuDATA synthetic firm panel"
LEVELS = ("KU", "SK", "MK")


def _path(key: str) -> Path:
    path = processed_dir() / FILES[key]
    if not path.exists():
        raise DataError(f"processed data file missing: {path}; run `kasvudata data build`")
    return path


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns


@lru_cache(maxsize=32)
def _read_parquet_cached(stamp: tuple, geo: bool):
    path = Path(stamp[0])
    try:
        if geo:
            import geopandas as gpd

            return gpd.read_parquet(path)
        return pd.read_parquet(path)
    except Exception as exc:
        raise DataError(f"cannot read {path}: {type(exc).__name__}; run `kasvudata data build`") from None


def _frame(key: str, kind: str, sources, geo: bool = False):
    df = _read_parquet_cached(_stamp(_path(key)), geo).copy(deep=False)
    df.attrs = {}
    return provenance.tag(df, kind, sources, {c: kind for c in df.columns if c != "geometry"})


def load_population() -> pd.DataFrame:
    """Population on 31 December by municipality, 2000–2022, on the 2025 division.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code`` (``KUxxx``), ``year``, ``population`` (persons); provenance real
        (THL Sotkanet / Statistics Finland).

    Examples
    --------
    >>> pop = load_population()
    >>> int(pop.query("municipality_code == 'KU564' and year == 2022")["population"].iloc[0])
    211848
    """
    return _frame("population", "real", [SRC_SOTKANET])


def load_unemployment() -> pd.DataFrame:
    """Unemployment by municipality and year, 2006–2020 (2020: January–October).

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, year, months, unemployed, labour_force, vacancies,
        unemployment_rate_pct``: annual means of the monthly employment-service figures (persons),
        rate = 100 × unemployed / labour force; provenance real (TEM).

    Examples
    --------
    >>> u = load_unemployment().query("municipality_code == 'KU072' and year == 2019")
    >>> round(float(u["unemployment_rate_pct"].iloc[0]), 2)  # Hailuoto: 100 × (287/12) / 377
    6.34
    """
    return _frame("unemployment", "real", [SRC_TEM])


def load_workplaces_2017() -> pd.DataFrame:
    """Paavo 2017 workplaces by TOL 2008 section, for municipalities and regions (2025 division).

    Returns
    -------
    pandas.DataFrame
        ``area_code`` (``KUxxx`` or ``MKxx``), ``section`` (A…U, X), ``workplaces`` (jobs);
        provenance real (Statistics Finland, Paavo 2020).

    Examples
    --------
    >>> w = load_workplaces_2017()
    >>> int(w.query("area_code == 'MK17'")["workplaces"].sum())
    160581
    """
    return _frame("workplaces", "real", [SRC_PAAVO])


def load_distances() -> pd.DataFrame:
    """Straight-line distance from each municipality's central locality to Oulu's.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``distance_to_oulu_km`` (great-circle km); provenance real (NLS).

    Examples
    --------
    >>> d = load_distances().set_index("municipality_code")["distance_to_oulu_km"]
    >>> float(d["KU564"]), round(float(d["KU244"]))
    (0.0, 8)
    """
    return _frame("distances", "real", [SRC_NLS])


def load_industries() -> pd.DataFrame:
    """TOL 2008 sections and divisions with Finnish and English names.

    Returns
    -------
    pandas.DataFrame
        ``code, level`` (section/division), ``section, name_fi, name_en``; provenance real
        (Eurostat NACE Rev. 2, whose codes TOL 2008 shares).

    Examples
    --------
    >>> load_industries().set_index("code").loc["C", "name_en"]
    'Manufacturing'
    """
    return _frame("industries", "real", [SRC_EUROSTAT])


def load_exports_regional() -> pd.DataFrame:
    """Goods exports by region, 2013–2017, in EUR.

    Returns
    -------
    pandas.DataFrame
        ``region_code`` (``MKxx``; ``SSS`` = whole country incl. unknown region), ``year``,
        ``exports_goods_eur`` (EUR); provenance real (Finnish Customs).

    Examples
    --------
    >>> e = load_exports_regional().query("region_code == 'MK17' and year == 2017")
    >>> int(e["exports_goods_eur"].iloc[0])
    1864000000
    """
    return _frame("exports", "real", [SRC_CUSTOMS])


def load_geometries(level: str = "KU", crs: int = 3067):
    """Area polygons on the 2025 division.

    Parameters
    ----------
    level : {"KU", "SK", "MK", "all"}
        Municipalities (308), sub-regions, regions (19) or all of them.
    crs : int
        EPSG code of the result: 3067 (ETRS-TM35FIN, metres; for analysis) or 4326 (lon/lat).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_code, level, name_fi, name_sv, geometry``; provenance real (NLS).

    Raises
    ------
    InputError
        For an unknown level or a crs that is not a number.

    Examples
    --------
    >>> g = load_geometries("MK")
    >>> len(g), g.crs.to_epsg()
    (19, 3067)
    """
    lv = str(level).upper()
    if lv not in (*LEVELS, "ALL"):
        raise InputError(f"geometry level {level!r}: expected KU, SK, MK or all")
    try:
        epsg = int(crs)
    except (TypeError, ValueError):
        raise InputError(f"crs {crs!r}: expected an EPSG number such as 3067 or 4326") from None
    g = _frame("geometries", "real", [SRC_NLS], geo=True)
    if lv != "ALL":
        g = g[g["level"] == lv].reset_index(drop=True)
    if epsg != 3067:
        g = g.to_crs(epsg)
    return provenance.tag(g, "real", [SRC_NLS], {c: "real" for c in g.columns if c != "geometry"})


@lru_cache(maxsize=8)
def _read_json_cached(stamp: tuple):
    path = Path(stamp[0])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"cannot read {path}: {exc}; run `kasvudata data build`") from None


def load_web_geojson(level: str = "KU") -> dict:
    """Northern Ostrobothnia for web maps: a simplified WGS84 GeoJSON FeatureCollection (dict).

    Parameters
    ----------
    level : {"KU", "SK"}
        The 30 municipalities or the 7 sub-regions of MK17.

    Returns
    -------
    dict
        Features with properties ``area_code, name_fi, name_sv, subregion_code``.

    Examples
    --------
    >>> len(load_web_geojson()["features"]), len(load_web_geojson("SK")["features"])
    (30, 7)
    """
    lv = str(level).upper()
    if lv not in ("KU", "SK"):
        raise InputError(f"web map level {level!r}: expected KU or SK")
    return copy.deepcopy(_read_json_cached(_stamp(_path("web" if lv == "KU" else "web_sk"))))


def load_firm_panel(path=None) -> pd.DataFrame:
    """The firm panel (SPEC §3).

    Parameters
    ----------
    path : str or Path, optional
        A researcher's own CSV/Parquet extract, validated by ``panel_io.read_firm_panel``.
        Without it: the embedded synthetic MK17 panel (provenance synthetic).

    Examples
    --------
    >>> from kasvudata_utils import provenance
    >>> provenance.get(load_firm_panel())["kind"]
    'synthetic'
    """
    if path is not None:
        national = processed_dir() / "national" / "firm_panel.parquet"
        if Path(path).resolve() == national.resolve():  # `data build --scale national`: synthetic, not "own"
            df = _read_parquet_cached(_stamp(national), False).copy(deep=False)
            df.attrs = {}
            return provenance.tag(df, "synthetic", [SRC_SYNTHETIC], {c: "synthetic" for c in df.columns})

        return read_firm_panel(path)
    return _frame("firm_panel", "synthetic", [SRC_SYNTHETIC])


def load_business_table(path=None) -> pd.DataFrame:
    """The regional business table (SPEC §3).

    Parameters
    ----------
    path : str or Path, optional
        A user's own CSV/Parquet extract, validated by ``panel_io.read_business_table``.
        Without it: the embedded synthetic table for every municipality (provenance synthetic).

    Examples
    --------
    >>> sorted(load_business_table().columns)[:2]
    ['area_code', 'establishments']
    """
    if path is not None:

        return read_business_table(path)
    return _frame("business_table", "synthetic", [SRC_SYNTHETIC])


def load_municipality_factors() -> pd.DataFrame:
    """Synthetic municipality factors: ``municipality_code, broadband_pct, rd_eur_per_capita``."""
    return _frame("factors", "synthetic", [SRC_SYNTHETIC])


def load_planted_truth() -> dict:
    """The planted effects of the synthetic panel and their sizes (a dict)."""
    return copy.deepcopy(_read_json_cached(_stamp(_path("truth"))))
