"""Area geometries from the NLS 1:4,500,000 municipal borders (pure: nothing is written here).

- :func:`geometries` → municipalities (KU, 2025 division: Pertunmaa dissolved into Mäntyharju),
  sub-regions (SK) and regions (MK), dissolved from the municipalities through the 2025
  classification key, in EPSG:3067 (ETRS-TM35FIN, metres).
- :func:`web_layer` → a small WGS84 layer for web maps (simplified, coordinates rounded).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

# geopandas and shapely are imported by the functions that draw or cut polygons: the app kernels
# import this module (through the data loaders) but only read the prepared layers (supervisor.KERNEL_MB).

from kasvudata_utils import areas
from kasvudata_utils.errors import DataError
from kasvudata_utils.paths import raw_dir

KU_FILE = "boundaries_nls_4500k/kuntarajat.2023.json"
CRS_ANALYSIS = 3067
CRS_WEB = 4326
WEB_TOLERANCE_M = 100.0  # Douglas–Peucker tolerance (metres, in EPSG:3067) for the web layer
WEB_DECIMALS = 4  # ~11 m in latitude: ample for a 1:4.5 million source
WEB_MAX_BYTES = 300_000


def _municipality_polygons(raw=None) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    path = (Path(raw) if raw is not None else raw_dir()) / KU_FILE
    try:
        g = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error types for a missing/broken file
        raise DataError(f"cannot read municipal borders {path}: {exc}") from None
    g = g.set_crs(CRS_WEB, allow_override=True).to_crs(CRS_ANALYSIS)

    codes = g["NATCODE"].map(lambda c: f"KU{int(c):03d}")
    g = gpd.GeoDataFrame({"area_code": codes.map(lambda c: areas.MERGED_INTO.get(c, c))},
                         geometry=g.geometry.values, crs=CRS_ANALYSIS)
    g = g.dissolve(by="area_code", as_index=False, sort=True)
    g["geometry"] = shapely.make_valid(g.geometry.values)
    return g


def representative_points(raw=None) -> pd.DataFrame:
    """A point inside each municipality polygon (2025 division), in WGS84.

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Returns
    -------
    pandas.DataFrame
        ``municipality_code, lon, lat`` (degrees).

    Examples
    --------
    >>> pts = representative_points().set_index("municipality_code")
    >>> len(pts), bool(64 < pts.loc["KU564", "lat"] < 66)
    (308, True)
    """
    import geopandas as gpd

    g = _municipality_polygons(raw)
    pts = gpd.GeoSeries(g.geometry.representative_point(), crs=CRS_ANALYSIS).to_crs(CRS_WEB)
    return pd.DataFrame({"municipality_code": g["area_code"].to_numpy(), "lon": pts.x.to_numpy(),
                         "lat": pts.y.to_numpy()})


def geometries(raw=None) -> gpd.GeoDataFrame:
    """KU (308), SK and MK polygons in EPSG:3067: ``area_code, level, name_fi, name_sv, geometry``.

    Rows are ordered MK, SK, KU and by code. SK and MK are unions of their municipalities on the
    2025 division (so they nest exactly).

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:3067 (metres).

    Examples
    --------
    >>> g = geometries()
    >>> g["level"].value_counts().to_dict()
    {'KU': 308, 'SK': 69, 'MK': 19}
    """
    import geopandas as gpd
    import shapely

    ku = _municipality_polygons(raw)
    all_areas = areas.all_areas()
    expected = set(areas.members(areas.COUNTRY, "KU"))
    if set(ku["area_code"]) != expected:
        raise DataError(f"{KU_FILE}: municipalities do not match the 2025 key: "
                        f"missing {sorted(expected - set(ku['area_code']))[:5]}")
    parts = []
    for level in ("MK", "SK"):
        m = areas.municipality_map(level)
        d = ku.assign(area_code=ku["area_code"].map(m)).dissolve(by="area_code", as_index=False, sort=True)
        d["geometry"] = shapely.make_valid(d.geometry.values)
        parts.append(d.assign(level=level))
    parts.append(ku.assign(level="KU"))
    out = pd.concat(parts, ignore_index=True)
    out["name_fi"] = out["area_code"].map(lambda c: all_areas[c].name_fi)
    out["name_sv"] = out["area_code"].map(lambda c: all_areas[c].name_sv)
    out = gpd.GeoDataFrame(out[["area_code", "level", "name_fi", "name_sv", "geometry"]],
                           geometry="geometry", crs=CRS_ANALYSIS)
    return out


def web_layer(geoms: gpd.GeoDataFrame, within: str = areas.HOME_REGION, level: str = "KU",
              tolerance_m: float = WEB_TOLERANCE_M, decimals: int = WEB_DECIMALS) -> dict:
    """GeoJSON FeatureCollection (dict) of the ``level`` areas inside ``within``, in WGS84.

    Simplified with topology preserved per polygon (``tolerance_m`` in metres), coordinates
    rounded to ``decimals``. Properties: ``area_code, name_fi, name_sv, subregion_code``.

    Parameters
    ----------
    geoms : geopandas.GeoDataFrame
        The output of :func:`geometries` (EPSG:3067).
    within : str
        The area whose members are kept (default ``MK17``).
    level : {"KU", "SK"}
        Municipalities or sub-regions.
    tolerance_m, decimals : float, int
        Simplification tolerance in metres; decimals kept in the WGS84 coordinates.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection in EPSG:4326.

    Examples
    --------
    >>> fc = web_layer(geometries())
    >>> len(fc["features"]), fc["features"][0]["properties"]["area_code"]
    (30, 'KU009')
    """
    import shapely
    from shapely.geometry import mapping

    codes = set(areas.members(within, level))
    g = geoms[(geoms["level"] == level) & geoms["area_code"].isin(codes)].sort_values("area_code")
    simple = g.geometry.simplify(tolerance_m, preserve_topology=True).to_crs(CRS_WEB)
    rounded = shapely.set_precision(simple.values, 10 ** -decimals)
    all_areas = areas.all_areas()
    feats = []
    for code, name_fi, name_sv, geom in zip(g["area_code"], g["name_fi"], g["name_sv"], rounded, strict=False):
        a = all_areas[code]
        feats.append({"type": "Feature",
                      "properties": {"area_code": code, "name_fi": name_fi, "name_sv": name_sv,
                                     "subregion_code": a.subregion_code if level == "KU" else code},
                      "geometry": _round_geojson(mapping(geom), decimals)})
    return {"type": "FeatureCollection", "features": feats}


def _round_geojson(geom: dict, decimals: int) -> dict:
    def r(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(x), decimals) for x in c]
        return [r(x) for x in c]

    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


def geojson_bytes(fc: dict) -> bytes:
    r"""Compact, deterministic UTF-8 serialisation of a FeatureCollection (one line + newline).

    Examples
    --------
    >>> geojson_bytes({"type": "FeatureCollection", "features": []})
    b'{"type":"FeatureCollection","features":[]}\n'
    """
    return (json.dumps(fc, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n").encode("utf-8")
