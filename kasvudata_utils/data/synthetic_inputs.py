"""Real inputs of the synthetic firm panel, and the synthetic municipality factors.

The generator is calibrated to real public data, read here through the pure processing functions
of :mod:`kasvudata_utils.data.processing` (from ``data/raw``, so no prior build is needed):
Paavo 2017 workplaces by municipality × TOL section, population 2012–2022, great-circle distances
between municipal central localities, and Finnish Customs' regional goods exports 2013–2017.

The municipality factors ``broadband_pct`` and ``rd_eur_per_capita`` are *not* in any real file
here: :func:`municipality_factors` makes them up (random but spatially plausible) and every frame
carrying them is tagged synthetic.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries
from kasvudata_utils.data import processing

YEARS = tuple(range(2013, 2024))
CALIBRATION_YEAR = 2017

# Finland's total goods exports (Finnish Customs, EUR billion, rounded) used only as an *index* to
# extend the regional 2013–2017 Customs figures to 2018–2023. 2017 = 59.55 matches the raw file's
# "Yhteensä" (EUR 59,554 million). MK17 2022 then comes to about EUR 2.57 billion, near the public
# figure of "about EUR 2.5 billion" (Finnish Customs, 2022).
NATIONAL_EXPORT_INDEX_BN = {2017: 59.554, 2018: 64.9, 2019: 65.0, 2020: 57.2, 2021: 69.5, 2022: 82.0, 2023: 78.9}


@dataclass(frozen=True)
class Inputs:
    """Arrays indexed by municipality (``munis`` order, sorted codes) and business section."""

    munis: np.ndarray          # KU codes, sorted
    region: np.ndarray         # MK code per municipality
    subregion: np.ndarray      # SK code per municipality
    urban_rural: np.ndarray    # "urban" / "semi-urban" / "rural"
    sections: tuple            # industries.BUSINESS_SECTIONS
    workplaces: np.ndarray     # (n_muni, n_section) Paavo 2017 workplaces, business sections
    pop_growth: np.ndarray     # (n_muni, len(YEARS)) log population change t-1 → t
    pop_change_2013_2022: np.ndarray  # (n_muni,) relative change, for the README/tests
    centre: np.ndarray         # regional centre (largest municipality 2022) per municipality
    distance_km: np.ndarray    # great-circle km to the regional centre (MK17: Oulu)
    exports_goods: dict        # region code → np.ndarray (len(YEARS)) goods exports EUR


def load_inputs() -> Inputs:
    """Read and align the real inputs (pure: only ``data/raw`` through ``processing``)."""
    munis = np.array(sorted(areas.members(areas.COUNTRY, "KU")))
    info = [areas.get_area(m) for m in munis]
    region = np.array([a.region_code for a in info])
    subregion = np.array([a.subregion_code for a in info])
    urban = np.array([a.urban_rural for a in info])
    sections = tuple(industries.BUSINESS_SECTIONS)

    wp = processing.workplaces_2017()
    wp = wp[wp["area_code"].str.startswith("KU") & wp["section"].isin(sections)]
    grid = wp.pivot(index="area_code", columns="section", values="workplaces")
    grid = grid.reindex(index=munis, columns=list(sections)).fillna(0)
    workplaces = grid.to_numpy(dtype=float)

    pop = processing.population().pivot(index="municipality_code", columns="year", values="population")
    pop = pop.reindex(index=munis).to_numpy(dtype=float)  # columns 2000…2022
    first = 2000
    growth = np.empty((len(munis), len(YEARS)))
    for j, year in enumerate(YEARS):
        # 2023 has no population figure yet: carry 2022's change forward (documented in truth)
        y = min(year, 2022)
        growth[:, j] = np.log(pop[:, y - first] / pop[:, y - 1 - first])
    pop_change = pop[:, 2022 - first] / pop[:, 2013 - first] - 1

    # regional centre = the region's most populous municipality in 2022 (MK17 → Oulu)
    pop22 = pop[:, 2022 - first]
    centre_of = {}
    for r in sorted(set(region)):
        idx = np.flatnonzero(region == r)
        centre_of[r] = munis[idx[np.argmax(pop22[idx])]]
    centre = np.array([centre_of[r] for r in region])
    # the same great-circle formula and rounding as processing.distances (there: to Oulu)
    pts = processing.central_localities().set_index("municipality_code").reindex(munis)
    lon, lat = pts["lon"].to_numpy(dtype=float), pts["lat"].to_numpy(dtype=float)
    pos = {m: i for i, m in enumerate(munis)}
    distance = np.array([round(processing.haversine_km(lon[i], lat[i], lon[pos[c]], lat[pos[c]]), 3)
                         for i, c in enumerate(centre)])

    ex = processing.exports_regional()
    ex = ex[ex["region_code"] != areas.COUNTRY]
    exports = {}
    for r, g in ex.groupby("region_code", sort=True):
        by_year = dict(zip(g["year"], g["exports_goods_eur"].astype(float), strict=False))
        per_bn = by_year[CALIBRATION_YEAR] / NATIONAL_EXPORT_INDEX_BN[CALIBRATION_YEAR]
        exports[r] = np.array([by_year[y] if y in by_year else per_bn * NATIONAL_EXPORT_INDEX_BN[y]
                               for y in YEARS])
    return Inputs(munis=munis, region=region, subregion=subregion, urban_rural=urban,
                  sections=sections, workplaces=workplaces, pop_growth=growth,
                  pop_change_2013_2022=pop_change, centre=centre, distance_km=distance,
                  exports_goods=exports)


def municipality_factors(inp: Inputs, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic ``broadband_pct`` and ``rd_eur_per_capita`` per municipality.

    Spatially plausible by construction: both share a sub-region effect (neighbours look alike),
    broadband coverage falls with distance to the regional centre and is higher in urban
    municipalities, and R&D spending per capita is highest in urban municipalities and regional
    centres. Values are rounded (1 decimal) *before* they enter the growth equation, so the
    published factors are exactly the ones the model used.
    """
    subs = np.array(sorted(set(inp.subregion)))
    sub_idx = np.searchsorted(subs, inp.subregion)
    n = len(inp.munis)
    sub_bb, sub_rd = rng.normal(0, 4.0, len(subs)), rng.normal(0, 0.6, len(subs))
    urban_bb = np.select([inp.urban_rural == "urban", inp.urban_rural == "semi-urban"], [4.0, 1.0], -3.0)
    bb = 90.0 - 6.0 * inp.distance_km / 100 + urban_bb + sub_bb[sub_idx] + rng.normal(0, 3.0, n)
    bb = np.round(np.clip(bb, 35.0, 99.5), 1)
    base_rd = np.select([inp.urban_rural == "urban", inp.urban_rural == "semi-urban"], [450.0, 160.0], 70.0)
    base_rd = base_rd * np.where(inp.munis == inp.centre, 2.0, 1.0)
    rd = np.round(np.minimum(base_rd * np.exp(sub_rd[sub_idx] + rng.normal(0, 0.35, n)), 2500.0), 1)
    return pd.DataFrame({"municipality_code": pd.array(inp.munis, dtype="str"),
                         "broadband_pct": bb, "rd_eur_per_capita": rd})
