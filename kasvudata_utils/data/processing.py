"""Processing of the real raw files into tidy tables (pure: read raw, return frames, write nothing).

Every function takes ``raw`` (the raw-data folder, default :func:`paths.raw_dir`) and returns a new
DataFrame on the **2025 municipal division** with string area codes (``KU564``, ``MK17``). The
fixes each raw file needs (PROVENANCE.md) are made here, in code, never by editing a raw file:

- Paavo 2020 names municipalities by their 2020 names (Swedish for Swedish-majority ones, e.g.
  ``Pargas``) and adds ``MKxx <name>`` region rows (MK01 Uusimaa is absent);
- Sotkanet population is on the 2021–2024 division (309 municipalities);
- the labour-market file identifies municipalities by name only (2020 division, 310 names,
  ``Maarianhamina - Mariehamn``);
- municipalities merged since: Honkajoki (099) into Kankaanpää (214) in 2021 and Pertunmaa (588)
  into Mäntyharju (507) in 2025. Their counts are summed into the municipality they joined.

Geometries live in :mod:`kasvudata_utils.data.geo`.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from kasvudata_utils import areas
from kasvudata_utils.data.geo import representative_points
from kasvudata_utils.errors import DataError
from kasvudata_utils.paths import raw_dir

PAAVO_FILE = "paavo_2020/paavo_municipality_demographics.csv"
POPULATION_FILE = "population/sotkadata_population.csv"
CENTRES_FILE = "municipal_centres/municipality_central_localities_df.csv"
LABOUR_FILE = "labour_market_tem/data_kunta_1001.csv"
NACE_FILE = "nace_tol2008/nace_rev2_sections_divisions_fi_en.DERIVED.csv"
EXPORTS_FILE = "exports_regional/Export_regional.csv"

OULU = "KU564"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
_MERGED_NAMES = {"honkajoki": "KU214", "pertunmaa": "KU507"}
PAAVO_SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P",
                  "Q", "R", "S", "T", "U", "X")
# ASCII region abbreviations of the Finnish Customs file → region codes (2025 division).
EXPORT_REGIONS = {
    "Uusimaa": "MK01", "VarsinSuomi": "MK02", "Satakunta": "MK04", "KantaHame": "MK05",
    "Pirkanmaa": "MK06", "PaijatHame": "MK07", "Kymenlaakso": "MK08", "EtelaKarjala": "MK09",
    "EtelaSavo": "MK10", "PohjSavo": "MK11", "PohjKarjala": "MK12", "KeskiSuomi": "MK13",
    "EtelaPohjanm": "MK14", "Pohjanmaa": "MK15", "KeskiPohjanm": "MK16", "PohjPohjanm": "MK17",
    "Kainuu": "MK18", "Lappi": "MK19", "Ahvenanmaa": "MK21", "Yhteensä": areas.COUNTRY,
}
EXPORT_UNKNOWN = "Tuntemato"  # exports of unknown region: in the total, not in any region


def _raw(raw) -> Path:
    return Path(raw) if raw is not None else raw_dir()


def _read_csv(path: Path, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, **kw)
    except FileNotFoundError:
        raise DataError(f"raw data file missing: {path} (restore it from git: data/raw is part of the "
                        "repository)") from None


def _ku(code) -> str:
    """``564`` / ``"564"`` → ``KU564``; merged municipalities → the one they joined."""
    c = f"KU{int(code):03d}"
    return areas.MERGED_INTO.get(c, c)


def municipality_name_index() -> dict[str, str]:
    """Casefolded Finnish and Swedish municipality names (2020–2025) → 2025 ``KUxxx`` code.

    >>> idx = municipality_name_index()
    >>> idx["pargas"], idx["koski tl"], idx["pertunmaa"], idx["honkajoki"]
    ('KU445', 'KU284', 'KU507', 'KU214')
    """
    out = dict(_MERGED_NAMES)
    for code, a in areas.all_areas().items():
        if a.level == "KU":
            for n in (a.name_fi, a.name_sv):
                out.setdefault(n.casefold(), code)
    return out


def match_municipality_names(names, context: str) -> dict[str, str]:
    """Map each name to its 2025 code; ``"Maarianhamina - Mariehamn"`` tries each half.

    Raises :class:`DataError` naming every name that matches nothing (no silent drops).
    """
    idx = municipality_name_index()
    out, missing = {}, []
    for name in dict.fromkeys(names):
        key = " ".join(str(name).split()).casefold()
        code = idx.get(key)
        if code is None and " - " in key:
            code = next((idx[p.strip()] for p in key.split(" - ") if p.strip() in idx), None)
        if code is None:
            missing.append(str(name))
        else:
            out[name] = code
    if missing:
        raise DataError(f"{context}: municipality names not in the 2025 classification key: "
                        f"{', '.join(missing)}")
    return out


# --------------------------------------------------------------------------- Paavo workplaces
def workplaces_2017(raw=None) -> pd.DataFrame:
    """Paavo 2017 workplaces by TOL 2008 section for every municipality (2025 division) and region.

    Returns ``area_code, section, workplaces`` (int64): 308 municipalities and 19 regions × 22
    sections A…U, X. Region rows are the sums of their municipalities on the 2025 division (Paavo
    itself has no Uusimaa row and its other region rows are on the 2020 regions).

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Examples
    --------
    >>> w = workplaces_2017().set_index(["area_code", "section"])["workplaces"]
    >>> int(w["KU564", "C"]), int(w["KU507", "C"])  # Oulu; Mäntyharju 481 + Pertunmaa 115
    (9430, 596)
    """
    df = _read_csv(_raw(raw) / PAAVO_FILE)
    cols = {}
    for c in df.columns:
        if c.endswith(", 2017 (TP)") and c[:2].strip() in PAAVO_SECTIONS and c[1] == " ":
            cols[c] = c[0]
    if sorted(cols.values()) != sorted(PAAVO_SECTIONS):
        raise DataError(f"{PAAVO_FILE}: expected workplace columns for sections {','.join(PAAVO_SECTIONS)}")
    munis = df.loc[~df["Area"].str.match(r"MK\d\d "), ["Area", *cols]].copy()
    codes = match_municipality_names(munis["Area"], PAAVO_FILE)
    long = (munis.assign(area_code=munis["Area"].map(codes))[["area_code", *cols]]
            .rename(columns=cols)
            .melt(id_vars="area_code", var_name="section", value_name="workplaces"))
    ku = long.groupby(["area_code", "section"], as_index=False)["workplaces"].sum()
    mk = (ku.assign(area_code=ku["area_code"].map(areas.municipality_map("MK")))
          .groupby(["area_code", "section"], as_index=False)["workplaces"].sum())
    out = pd.concat([mk, ku], ignore_index=True)
    out["workplaces"] = out["workplaces"].astype("int64")
    return out.sort_values(["area_code", "section"], ignore_index=True)


def paavo_region_rows(raw=None) -> pd.DataFrame:
    """Paavo's own ``MKxx`` workplace rows (2020 regions): ``area_code, section, workplaces``.

    They are for checking the sums of :func:`workplaces_2017`.
    """
    df = _read_csv(_raw(raw) / PAAVO_FILE)
    cols = {c: c[0] for c in df.columns if c.endswith(", 2017 (TP)") and c[1] == " "
            and c[0] in PAAVO_SECTIONS}
    mk = df.loc[df["Area"].str.match(r"MK\d\d "), ["Area", *cols]].copy()
    return (mk.assign(area_code=mk["Area"].str[:4])[["area_code", *cols]].rename(columns=cols)
            .melt(id_vars="area_code", var_name="section", value_name="workplaces")
            .sort_values(["area_code", "section"], ignore_index=True))


# --------------------------------------------------------------------------- population
def population(raw=None) -> pd.DataFrame:
    """Population on 31 December 2000–2022 by municipality (2025 division).

    Returns ``municipality_code, year, population`` (int64). Pertunmaa is added to Mäntyharju.

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Examples
    --------
    >>> p = population().set_index(["municipality_code", "year"])["population"]
    >>> int(p["KU564", 2022]), int(p["KU507", 2022])  # Oulu; Mäntyharju 5,564 + Pertunmaa 1,600
    (211848, 7164)
    """
    df = _read_csv(_raw(raw) / POPULATION_FILE)
    out = pd.DataFrame({"municipality_code": df["municipality_code"].map(_ku),
                        "year": df["year"].astype("int64"),
                        "population": df["primary.value"].astype("int64")})
    out = out.groupby(["municipality_code", "year"], as_index=False)["population"].sum()
    _check_all_municipalities(out["municipality_code"], POPULATION_FILE)
    return out.sort_values(["municipality_code", "year"], ignore_index=True)


def _check_all_municipalities(codes, context: str) -> None:
    expected = set(areas.members(areas.COUNTRY, "KU"))
    got = set(codes)
    if got != expected:
        miss, extra = sorted(expected - got), sorted(got - expected)
        raise DataError(f"{context}: municipalities missing {miss[:5]} unexpected {extra[:5]}")


# --------------------------------------------------------------------------- distances
def haversine_km(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance in km between two WGS84 points (mean Earth radius 6371.0088 km).

    >>> round(haversine_km(25.0, 65.0, 25.0, 66.0), 1)  # one degree of latitude
    111.2
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def central_localities(raw=None) -> pd.DataFrame:
    """Central locality point per 2025 municipality: ``municipality_code, lon, lat, source``.

    From the NLS topographic database labels. Merged municipalities keep the centre of the one they
    joined (Honkajoki and Pertunmaa points are dropped). Tuusula (858) has no point in the raw file:
    its polygon's representative point from the NLS borders is used (``source = "polygon"``).
    """
    df = _read_csv(_raw(raw) / CENTRES_FILE)
    df = df.assign(municipality_code=df["kuntatunnus"].map(lambda c: f"KU{int(c):03d}"))
    valid = set(areas.members(areas.COUNTRY, "KU"))
    df = df[df["municipality_code"].isin(valid)]
    out = pd.DataFrame({"municipality_code": df["municipality_code"], "lon": df["X"].astype(float),
                        "lat": df["Y"].astype(float), "source": "central_locality"})
    missing = sorted(valid - set(out["municipality_code"]))
    if missing:

        pts = representative_points(raw)
        extra = pts[pts["municipality_code"].isin(missing)].assign(source="polygon")
        out = pd.concat([out, extra[["municipality_code", "lon", "lat", "source"]]], ignore_index=True)
    _check_all_municipalities(out["municipality_code"], CENTRES_FILE)
    return out.drop_duplicates("municipality_code").sort_values("municipality_code", ignore_index=True)


def distances(raw=None, to: str = OULU) -> pd.DataFrame:
    """Straight-line (great-circle) distance in km from each municipality's central locality to ``to``'s.

    The destination is Oulu by default. Returns ``municipality_code, distance_to_oulu_km`` (float, 3 decimals).

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).
    to : str
        Code of the destination municipality (default ``KU564`` Oulu).

    Examples
    --------
    >>> d = distances().set_index("municipality_code")["distance_to_oulu_km"]
    >>> float(d["KU564"]), float(d["KU244"])  # Oulu itself; Kempele
    (0.0, 8.379)
    """
    pts = central_localities(raw)
    ref = pts[pts["municipality_code"] == to].iloc[0]
    d = [round(haversine_km(lo, la, ref["lon"], ref["lat"]), 3) for lo, la in zip(pts["lon"], pts["lat"], strict=False)]
    return pd.DataFrame({"municipality_code": pts["municipality_code"], "distance_to_oulu_km": d})


# --------------------------------------------------------------------------- unemployment
def unemployment(raw=None) -> pd.DataFrame:
    """Annual means of the monthly employment-service figures by municipality (2025 division).

    Returns ``municipality_code, year, months, unemployed, labour_force, vacancies,
    unemployment_rate_pct``: monthly counts are summed over merged municipalities, then averaged
    over the months of the year (``months``: 12, or 10 in 2020, the file ending in October);
    ``unemployment_rate_pct = 100 × unemployed / labour_force`` (ratio of the annual means, as
    Statistics Finland computes annual rates). Missing months of a count are left out of its mean.

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Examples
    --------
    >>> u = unemployment().set_index(["municipality_code", "year"])
    >>> float(u.loc[("KU072", 2019), "unemployment_rate_pct"])  # Hailuoto: 100 × (287/12) / 377
    6.344
    """
    df = _read_csv(_raw(raw) / LABOUR_FILE)
    codes = match_municipality_names(df["kunta"].unique(), LABOUR_FILE)
    t = pd.to_datetime(df["time"])
    monthly = (pd.DataFrame({"municipality_code": df["kunta"].map(codes), "year": t.dt.year.astype("int64"),
                             "month": t.dt.month.astype("int64"), "unemployed": df["Tyottomat"],
                             "labour_force": df["Tyovoima"], "vacancies": df["Avoimet_tyopaikat"]})
               .groupby(["municipality_code", "year", "month"], as_index=False)
               .sum(min_count=1))
    g = monthly.groupby(["municipality_code", "year"], as_index=False)
    out = g.agg(months=("month", "nunique"), unemployed=("unemployed", "mean"),
                labour_force=("labour_force", "mean"), vacancies=("vacancies", "mean"))
    out["unemployment_rate_pct"] = 100 * out["unemployed"] / out["labour_force"]
    for c in ("unemployed", "labour_force", "vacancies", "unemployment_rate_pct"):
        out[c] = out[c].astype("float64").round(3)
    _check_all_municipalities(out["municipality_code"], LABOUR_FILE)
    return out.sort_values(["municipality_code", "year"], ignore_index=True)


# --------------------------------------------------------------------------- industries
INDUSTRY_UNKNOWN = {"code": "X", "level": "section", "section": "X",
                    "name_fi": "Toimiala tuntematon", "name_en": "Industry unknown"}


def industries_table(raw=None) -> pd.DataFrame:
    """NACE Rev. 2 / TOL 2008 sections and divisions in Finnish and English.

    Returns ``code, level, section, name_fi, name_en``: 21 sections A…U, Statistics Finland's
    ``X`` (industry unknown, used by Paavo) and 88 divisions. Section names are upper case upstream
    and become sentence case; upstream typos "MAANPUOLUSTU3S" and "U0NDIFFERENTIATED" are fixed.

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Examples
    --------
    >>> t = industries_table().set_index("code")
    >>> t.loc["O", "name_fi"]
    'Julkinen hallinto ja maanpuolustus; pakollinen sosiaalivakuutus'
    """
    path = _raw(raw) / NACE_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise DataError(f"raw data file missing: {path}") from None
    out = []
    for r in rows:
        fi, en = " ".join(r["name_fi"].split()), " ".join(r["name_en"].split())
        fi = fi.replace("MAANPUOLUSTU3S", "MAANPUOLUSTUS")
        en = en.replace("U0NDIFFERENTIATED", "UNDIFFERENTIATED")
        if r["level"] == "section":
            fi, en = fi.capitalize(), en.capitalize()
        out.append({"code": r["code"].strip(), "level": r["level"].strip(), "section": r["section"].strip(),
                    "name_fi": fi, "name_en": en})
    out.append(dict(INDUSTRY_UNKNOWN))
    df = pd.DataFrame(out)
    order = df["level"].map({"section": 0, "division": 1})
    return (df.assign(_o=order).sort_values(["_o", "code"]).drop(columns="_o")
            .reset_index(drop=True))


# --------------------------------------------------------------------------- exports
def exports_regional(raw=None) -> pd.DataFrame:
    """Goods exports by region 2013–2017 in EUR (Finnish Customs; the raw file is in EUR million).

    Returns ``region_code, year, exports_goods_eur`` (int64) for 19 regions and ``SSS`` (the
    country total, which includes exports of unknown region).

    Parameters
    ----------
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).

    Examples
    --------
    >>> e = exports_regional().query("region_code == 'MK17'")
    >>> e["exports_goods_eur"].tolist()  # EUR million 1420, 1572, 1396, 1337, 1864
    [1420000000, 1572000000, 1396000000, 1337000000, 1864000000]
    """
    df = _read_csv(_raw(raw) / EXPORTS_FILE, sep=";")
    df = df[df["mk"] != EXPORT_UNKNOWN]
    unknown = sorted(set(df["mk"]) - set(EXPORT_REGIONS))
    if unknown:
        raise DataError(f"{EXPORTS_FILE}: unknown region abbreviations {unknown}")
    long = (df.assign(region_code=df["mk"].map(EXPORT_REGIONS)).drop(columns="mk")
            .melt(id_vars="region_code", var_name="year", value_name="million"))
    out = pd.DataFrame({"region_code": long["region_code"], "year": long["year"].astype("int64"),
                        "exports_goods_eur": (long["million"].astype("int64") * 1_000_000)})
    return out.sort_values(["region_code", "year"], ignore_index=True)
