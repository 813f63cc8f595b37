"""Embedded data: loaders of the processed files, processing of the real raw files, build, manifest.

>>> from kasvudata_utils.data import load_population
>>> int(load_population().query("municipality_code == 'KU564' and year == 2022")["population"].iloc[0])
211848
"""
from kasvudata_utils.data.loaders import (
    load_business_table,
    load_distances,
    load_exports_regional,
    load_firm_panel,
    load_geometries,
    load_industries,
    load_municipality_factors,
    load_planted_truth,
    load_population,
    load_unemployment,
    load_web_geojson,
    load_workplaces_2017,
)

__all__ = [
    "load_business_table", "load_distances", "load_exports_regional", "load_firm_panel",
    "load_geometries", "load_industries", "load_municipality_factors", "load_planted_truth",
    "load_population", "load_unemployment", "load_web_geojson", "load_workplaces_2017",
]
