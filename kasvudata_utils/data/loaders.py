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

from .. import provenance
from ..errors import DataError, InputError
from ..paths import processed_dir

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
    """Population on 31 Dec by municipality, 2000–2022 (2025 division): ``municipality_code, year,
    population``. Real (THL Sotkanet / Statistics Finland)."""
    return _frame("population", "real", [SRC_SOTKANET])


def load_unemployment() -> pd.DataFrame:
    """Annual means of monthly unemployed job seekers, labour force and open vacancies, and the
    unemployment rate (%) by municipality, 2006–2020 (2020: Jan–Oct). Real (TEM)."""
    return _frame("unemployment", "real", [SRC_TEM])


def load_workplaces_2017() -> pd.DataFrame:
    """Paavo 2017 workplaces by TOL 2008 section for municipalities and regions (2025 division):
    ``area_code, section, workplaces``. Real (Statistics Finland, Paavo)."""
    return _frame("workplaces", "real", [SRC_PAAVO])


def load_distances() -> pd.DataFrame:
    """Straight-line km from each municipality's central locality to Oulu's:
    ``municipality_code, distance_to_oulu_km``. Real (NLS)."""
    return _frame("distances", "real", [SRC_NLS])


def load_industries() -> pd.DataFrame:
    """Sections and divisions with Finnish and English names: ``code, level, section, name_fi,
    name_en``. Real (Eurostat NACE Rev. 2 = TOL 2008 codes)."""
    return _frame("industries", "real", [SRC_EUROSTAT])


def load_exports_regional() -> pd.DataFrame:
    """Goods exports by region 2013–2017 in EUR: ``region_code, year, exports_goods_eur``
    (``SSS`` = whole country incl. unknown region). Real (Finnish Customs)."""
    return _frame("exports", "real", [SRC_CUSTOMS])


def load_geometries(level: str = "KU", crs: int = 3067):
    """Area polygons (GeoDataFrame) at ``level`` KU, SK, MK or ``"all"``, in EPSG ``crs``:
    ``area_code, level, name_fi, name_sv, geometry``. Real (NLS)."""
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
    """MK17 municipalities (``level="KU"``) or sub-regions (``"SK"``) as a WGS84 GeoJSON dict,
    simplified for web maps; properties ``area_code, name_fi, name_sv, subregion_code``."""
    lv = str(level).upper()
    if lv not in ("KU", "SK"):
        raise InputError(f"web map level {level!r}: expected KU or SK")
    return copy.deepcopy(_read_json_cached(_stamp(_path("web" if lv == "KU" else "web_sk"))))


def load_firm_panel(path=None) -> pd.DataFrame:
    """The firm panel (SPEC §3). Without ``path``: the embedded synthetic MK17 panel; with
    ``path``: a researcher's own CSV/Parquet extract, validated (``panel_io.read_firm_panel``)."""
    if path is not None:
        from .panel_io import read_firm_panel

        return read_firm_panel(path)
    return _frame("firm_panel", "synthetic", [SRC_SYNTHETIC])


def load_business_table(path=None) -> pd.DataFrame:
    """The regional business table (SPEC §3). Without ``path``: the embedded synthetic table; with
    ``path``: a user's own extract, validated (``panel_io.read_business_table``)."""
    if path is not None:
        from .panel_io import read_business_table

        return read_business_table(path)
    return _frame("business_table", "synthetic", [SRC_SYNTHETIC])


def load_municipality_factors() -> pd.DataFrame:
    """Synthetic municipality factors: ``municipality_code, broadband_pct, rd_eur_per_capita``."""
    return _frame("factors", "synthetic", [SRC_SYNTHETIC])


def load_planted_truth() -> dict:
    """The planted effects of the synthetic panel and their sizes (a dict)."""
    return copy.deepcopy(_read_json_cached(_stamp(_path("truth"))))
