"""Similar areas: the areas of the same level that look most like a given one.

METHODS.md "Similar areas". Each area is described by a few features in groups
(``structure``, ``size``, ``trend``, ``labour``, ``access`` from real open data,
and an optional ``business`` group from the synthetic business table). Every
feature is standardised over *all* areas of the level in Finland (z-score), each
group gets the same total weight, shared equally among its features, and the
distance between two areas is the weighted Euclidean distance of their z-scores

    d(a, b) = sqrt( Σ_f w_f (z_af − z_bf)² / Σ_f w_f ),   Σ over features known for both areas.

This is the standardised Euclidean distance OECD Regional Well-Being uses to show
"regions similar to yours" (OECD 2014, *How's Life in Your Region?*, ch. 2;
OECD Regional Well-Being web tool), with feature groups weighted equally as in
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, §6.

Municipalities are the building blocks: sub-regions, regions and custom groups of
municipalities (``KU009+KU977``) take sums of counts (population, workplaces,
unemployed, labour force) and population-weighted means of distances and of the
urban–rural class.

Examples
--------
>>> feats = load_similarity_features("KU")
>>> find_similar(feats, "KU564", n=3)["name_fi"].tolist()
['Oulu', 'Jyväskylä', 'Kuopio', 'Turku']
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kasvudata_utils import areas, data, labels, provenance
from kasvudata_utils.data import loaders, processing, sources
from kasvudata_utils.errors import InputError

# Paavo 2017 workplaces: broad groups of TOL 2008 sections (the other sections R–U, X count in the total).
SECTION_GROUPS = {
    "wp_primary_pct": "A",
    "wp_industry_pct": "BCDE",
    "wp_construction_pct": "F",
    "wp_trade_transport_pct": "GHI",
    "wp_business_services_pct": "JKLMN",
    "wp_public_pct": "OPQ",
}
POPULATION_YEAR = 2022
TREND_YEARS = 10
UNEMPLOYMENT_YEAR = 2020
WORKPLACES_YEAR = 2017
_CLASS = {"urban": 1.0, "semi-urban": 2.0, "rural": 3.0}


@dataclass(frozen=True)
class Feature:
    """One feature: its column, group, how it is measured and where it comes from."""

    name: str
    group: str
    description: str
    source: str
    kind: str = "real"  # provenance of the figures: real or synthetic
    log: bool = False  # standardised on log10 of the value


FEATURES: tuple[Feature, ...] = (
    *(Feature(c, "structure", f"share of workplaces in TOL 2008 {s[0] + '–' + s[-1] if len(s) > 1 else s}"
              f" (%, {WORKPLACES_YEAR})", loaders.SRC_PAAVO) for c, s in SECTION_GROUPS.items()),
    Feature("population", "size", f"population {POPULATION_YEAR} (standardised on log10)", loaders.SRC_SOTKANET,
            log=True),
    Feature("population_change_pct", "trend",
            f"population change {POPULATION_YEAR - TREND_YEARS}–{POPULATION_YEAR} (%)", loaders.SRC_SOTKANET),
    Feature("unemployment_rate_pct", "labour", f"unemployment rate {UNEMPLOYMENT_YEAR} (%, annual mean)",
            loaders.SRC_TEM),
    Feature("jobs_per_100_residents", "labour", f"workplaces per 100 residents ({WORKPLACES_YEAR})",
            f"{loaders.SRC_PAAVO}; {loaders.SRC_SOTKANET}"),
    Feature("distance_to_centre_km", "access", "straight-line km from the central locality to the regional "
            "centre's (the region's most populous municipality); population-weighted for aggregates",
            loaders.SRC_NLS),
    Feature("urban_rural_class", "access", "urban–rural class 1 urban, 2 semi-urban, 3 rural "
            "(population-weighted mean for aggregates)", loaders.SRC_STATFIN),
    Feature("establishments_per_1000", "business", "establishments per 1,000 residents (last year of the table)",
            loaders.SRC_SYNTHETIC, kind="synthetic"),
    Feature("business_personnel_change_pct", "business", "personnel change over the business table's years (%)",
            loaders.SRC_SYNTHETIC, kind="synthetic"),
)
GROUPS = ("structure", "size", "trend", "labour", "access", "business")
DEFAULT_GROUPS = ("structure", "size", "trend", "labour", "access")
_BASE_SUMS = ("population", "population_start", "population_wp_year", "workplaces_total",
              *(f"wp_{s}" for s in "ABCDEFGHIJKLMNOPQ"),
              "unemployed", "labour_force", "establishments", "personnel_start", "personnel_end")
_BASE_MEANS = ("distance_to_centre_km", "urban_rural_class")


def parse_groups(by=None) -> tuple[str, ...]:
    """The feature groups of ``--by``: a comma-separated string or a list; default :data:`DEFAULT_GROUPS`.

    >>> parse_groups("size, trend")
    ('size', 'trend')
    """
    if by is None or (isinstance(by, str) and not by.strip()):
        return DEFAULT_GROUPS
    items = [s.strip().lower() for s in (by.split(",") if isinstance(by, str) else by) if str(s).strip()]
    bad = [s for s in items if s not in GROUPS]
    if bad:
        raise InputError(f"unknown feature group {bad[0]!r}: expected some of {', '.join(GROUPS)}")
    return tuple(dict.fromkeys(items))


EMBEDDED_VINTAGE = {"population_year": POPULATION_YEAR, "population_source": loaders.SRC_SOTKANET,
                    "unemployment_year": UNEMPLOYMENT_YEAR, "unemployment_source": loaders.SRC_TEM}


def _described(f: Feature, vintage: dict) -> tuple[str, str]:
    """A feature's description and source for the data of a run (population, unemployment: which year, which table)."""
    py, uy = vintage["population_year"], vintage["unemployment_year"]
    ps, us = vintage["population_source"], vintage["unemployment_source"]
    if f.name == "population":
        return f"population {py} (standardised on log10)", ps
    if f.name == "population_change_pct":
        return f"population change {py - TREND_YEARS}–{py} (%)", ps
    if f.name == "unemployment_rate_pct":
        return f"unemployment rate {uy} (%, annual mean)", us
    if f.name == "jobs_per_100_residents":
        return f.description, f"{loaders.SRC_PAAVO}; {ps}"
    return f.description, f.source


def feature_label(name: str, lang: str = "fi", vintage: dict | None = None) -> str:
    """A feature's name for people (labels ``feature_<name>``), with the years of the run's data.

    >>> feature_label("population_change_pct", "en"), feature_label("unemployment_rate_pct", "fi")
    ('Population change 2012–2022, %', 'Työttömyysaste 2020, %')
    """
    v = {**EMBEDDED_VINTAGE, **(vintage or {})}
    py = v["population_year"]
    year = v["unemployment_year"] if name == "unemployment_rate_pct" else py
    return labels.t("feature_" + name, lang, year=year, start=py - TREND_YEARS, end=py)


def feature_table(groups=DEFAULT_GROUPS, vintage: dict | None = None) -> pd.DataFrame:
    """The features of ``groups`` with their weights: ``feature, group, weight, description, source, kind``.

    Each group weighs 1/len(groups) in total, shared equally among its features. ``vintage`` (what
    :func:`municipality_base` records in ``attrs["vintage"]``) names the population and unemployment
    years and sources of the run; default the embedded ones (:data:`EMBEDDED_VINTAGE`).

    >>> w = feature_table(("size", "labour")).set_index("feature")["weight"]
    >>> float(w["population"]), float(w["unemployment_rate_pct"])
    (0.5, 0.25)
    """
    groups = parse_groups(groups)
    vintage = {**EMBEDDED_VINTAGE, **(vintage or {})}
    rows = []
    for g in groups:
        feats = [f for f in FEATURES if f.group == g]
        rows += [{"feature": f.name, "group": g, "weight": 1.0 / len(groups) / len(feats),
                  "description": _described(f, vintage)[0], "source": _described(f, vintage)[1], "kind": f.kind}
                 for f in feats]
    return pd.DataFrame(rows)


def aggregate_features(base: pd.DataFrame, membership: dict) -> pd.DataFrame:
    """Features of areas made of municipalities.

    Parameters
    ----------
    base : pandas.DataFrame
        One row per municipality (index ``municipality_code``) with the counts of ``_BASE_SUMS``
        (``population``, ``population_start``, ``workplaces_total``, ``wp_A`` … ``wp_Q``, ``unemployed``,
        ``labour_force``, optional ``population_wp_year`` (population in the workplaces' year, else
        ``population`` is used), ``establishments``, ``personnel_start``, ``personnel_end``) and
        ``distance_to_centre_km``, ``urban_rural_class``. Missing columns give NaN features.
    membership : dict
        Area code → list of municipality codes.

    Returns
    -------
    pandas.DataFrame
        Index ``area_code``, one column per feature of :data:`FEATURES`.
    """
    rows = {}
    # the municipalities' columns as one float array (a NaN row last for a municipality not in ``base``), each
    # column contiguous: an area's sums and means are numpy's sums of its rows, as pandas computed them per
    # area before (the same additions in the same order, ≈ 10× faster than a reindexed frame per area)
    sums = [c for c in _BASE_SUMS if c in base]
    means = [c for c in _BASE_MEANS if c in base]
    cols = sums + means + (["population"] if "population" in base else [])
    values = np.asfortranarray(np.vstack([base[cols].to_numpy(dtype=np.float64), np.full((1, len(cols)), np.nan)]))
    position = {m: k for k, m in enumerate(base.index)}
    for code, munis in membership.items():
        idx = np.array([position.get(m, len(base)) for m in munis], dtype=np.int64)
        s = {c: np.nan for c in _BASE_SUMS}
        for j, c in enumerate(sums):
            v = values[idx, j]
            known = ~np.isnan(v)  # Series.sum(min_count=1): the missing as 0 in place, NaN when none is known
            s[c] = np.where(known, v, 0.0).sum() if known.any() else np.nan
        w = values[idx, len(cols) - 1] if "population" in base else np.full(len(idx), np.nan)
        m = {c: np.nan for c in _BASE_MEANS}
        for j, c in enumerate(means, start=len(sums)):
            v = values[idx, j]
            ok = ~np.isnan(v) & ~np.isnan(w)
            m[c] = float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else np.nan
        total = s["workplaces_total"]
        r = {name: _pct(sum(s.get(f"wp_{x}", np.nan) for x in secs), total) for name, secs in SECTION_GROUPS.items()}
        r["population"] = s["population"]
        r["population_change_pct"] = _pct(s["population"] - s["population_start"], s["population_start"])
        r["unemployment_rate_pct"] = _pct(s["unemployed"], s["labour_force"])
        r["jobs_per_100_residents"] = _pct(total, s["population_wp_year"] if "population_wp_year" in base
                                           else s["population"])
        r.update(m)
        r["establishments_per_1000"] = _pct(s["establishments"], s["population"]) * 10
        r["business_personnel_change_pct"] = _pct(s["personnel_end"] - s["personnel_start"], s["personnel_start"])
        rows[code] = r
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[f.name for f in FEATURES])
    out.index.name = "area_code"
    return out.astype(float)


def _pct(num, den) -> float:
    try:
        num, den = float(num), float(den)
    except (TypeError, ValueError):
        return np.nan
    return 100.0 * num / den if den and not math.isnan(den) and not math.isnan(num) else np.nan


def standardise(features: pd.DataFrame, groups=DEFAULT_GROUPS) -> pd.DataFrame:
    """z-scores (population standard deviation) of the features of ``groups``; log10 where a feature says so.

    A feature with no spread gives zeros (it separates nobody). Mean and spread come from the standard
    areas only: a custom area (``KU009+KU977``) is scored on their scale and does not shift it.
    """
    cols = feature_table(groups)["feature"].tolist()
    x = features[cols].astype(float)
    for f in FEATURES:
        if f.log and f.name in x:
            x[f.name] = np.log10(x[f.name].where(x[f.name] > 0))
    ref = x[[not areas.is_custom(c) for c in x.index]]
    sd = ref.std(ddof=0).replace(0.0, np.nan)
    return ((x - ref.mean()) / sd).fillna({c: 0.0 for c in cols if np.isnan(sd[c])})


def distances(z: pd.DataFrame, area: str, weights: pd.Series) -> pd.Series:
    """Weighted Euclidean distance of every row of ``z`` to row ``area`` (METHODS "Similar areas").

    Features missing for either area are left out and the weights of the rest renormalised.

    >>> z = pd.DataFrame({"a": [0.0, 3.0], "b": [0.0, 4.0]}, index=["X", "Y"])
    >>> float(distances(z, "X", pd.Series({"a": 0.5, "b": 0.5}))["Y"])  # sqrt((9 + 16) / 2)
    3.5355339059327378
    """
    z = z[weights.index]
    diff2 = (z - z.loc[area]) ** 2
    w = pd.DataFrame(np.broadcast_to(weights.to_numpy(), diff2.shape), index=diff2.index, columns=diff2.columns)
    w = w.where(diff2.notna())
    return np.sqrt((diff2 * w).sum(axis=1, min_count=1) / w.sum(axis=1).replace(0.0, np.nan))


def find_similar(features: pd.DataFrame, area: str, n: int = 10, within=None, groups=DEFAULT_GROUPS,
                 names: dict | None = None) -> pd.DataFrame:
    """The ``n`` areas nearest to ``area`` among the rows of ``features`` (the area itself first, rank 0).

    Parameters
    ----------
    features : pandas.DataFrame
        Index ``area_code``, feature columns (:func:`aggregate_features`); every row is used to
        standardise, so pass all areas of one level.
    area : str
        A row of ``features``.
    n : int
        How many similar areas (1–100).
    within : str, optional
        Only candidates inside this area (``MK17``); standardisation still uses every row.
    groups : str or sequence
        Feature groups (:data:`GROUPS`).
    names : dict, optional
        Code → Finnish name; default from :mod:`kasvudata_utils.areas`.

    Returns
    -------
    pandas.DataFrame
        ``area_code, name_fi, distance, rank`` and the raw feature values of ``groups``.
    """
    groups = parse_groups(groups)
    try:
        n = int(n)
    except (TypeError, ValueError):
        raise InputError(f"--n {n!r}: expected a whole number from 1 to 100") from None
    if not 1 <= n <= 100:
        raise InputError(f"--n {n}: expected a whole number from 1 to 100")
    if area not in features.index:
        raise InputError(f"area {area!r} has no features at this level: expected one of the {len(features)} areas")
    ft = feature_table(groups, features.attrs.get("vintage"))
    z = standardise(features, groups)
    d = distances(z, area, ft.set_index("feature")["weight"]).drop(area)
    if areas.is_custom(area):  # a custom area's own parts are not its peers
        d = d[[not (c in areas.all_areas() and areas.contains(area, c)) for c in d.index]]
    if within is not None:
        w = areas.normalise_area(within)
        d = d[[areas.contains(w, c) if c in areas.all_areas() else False for c in d.index]]
        if d.empty:
            raise InputError(f"--within {w}: no other area of the same level lies inside it")
    d = d.dropna().sort_values(kind="stable").head(n)
    names = names if names is not None else {c: a.name_fi for c, a in areas.all_areas().items()}
    codes = [area, *d.index]
    out = pd.DataFrame({"area_code": codes, "name_fi": [names.get(c) or _name(c) for c in codes],
                        "distance": [0.0, *d.to_numpy()], "rank": range(len(codes))})
    out = pd.concat([out, features.loc[codes, ft["feature"]].reset_index(drop=True)], axis=1)
    prov = provenance.combine(*(provenance.make(k, sorted(set(ft.loc[ft["kind"] == k, "source"])))
                                for k in ft["kind"].unique()))
    return provenance.tag(out, prov)


def _name(code: str) -> str:
    try:
        return areas.area_name(code)
    except InputError:  # hand-made codes in tests and examples
        return code


def _regional_centre_distances(population: pd.Series) -> pd.Series:
    """Kilometres from each municipality's central locality to its region's most populous municipality's."""
    pts = processing.central_localities().set_index("municipality_code")
    kus = {c: a for c, a in areas.all_areas().items() if a.level == "KU"}
    centre: dict[str, str] = {}
    for c, a in kus.items():
        best = centre.get(a.region_code)
        if best is None or population.get(c, 0) > population.get(best, 0):
            centre[a.region_code] = c
    out = {}
    for c, a in kus.items():
        cc = centre[a.region_code]
        if c in pts.index and cc in pts.index:
            out[c] = processing.haversine_km(pts.at[c, "lon"], pts.at[c, "lat"], pts.at[cc, "lon"], pts.at[cc, "lat"])
    return pd.Series(out, name="distance_to_centre_km", dtype=float)


def _newest_year(frame: pd.DataFrame, columns: list, embedded_year: int) -> int:
    """The year of a feature: the embedded file's documented year, unless a fetched year covers the country.

    A fetched year counts when it is the newest year covering as many municipalities as the best year
    (:func:`~kasvudata_utils.data.sources.latest_complete_year`), has fetched rows and is newer than the
    embedded year; a fetch limited to some areas (``--areas``) leaves the embedded year in place.
    """
    if not frame.attrs.get("fetched"):
        return embedded_year
    year = sources.latest_complete_year(frame, columns)
    return year if frame.attrs.get("fetched_counts", {}).get(year) and year > embedded_year else embedded_year


def municipality_base(business_table: pd.DataFrame | None = None, source=None) -> pd.DataFrame:
    """Counts per municipality from the real public data of the run (and the business table, if given).

    Population and unemployment are those of the run's data source
    (:func:`kasvudata_utils.data.sources.population_for` / ``unemployment_for``: fetched by
    ``kasvudata data fetch`` beside the run's business table, else embedded), each taken in its
    newest fetched year that covers the country (:func:`_newest_year`), else in :data:`POPULATION_YEAR`
    and :data:`UNEMPLOYMENT_YEAR` (the embedded files' years). The years and sources are recorded in
    ``attrs["vintage"]`` (:func:`feature_table` describes the features with them).
    """
    pop = sources.population_for(source)
    year = _newest_year(pop, ["population"], POPULATION_YEAR)
    p = pop.pivot_table(index="municipality_code", columns="year", values="population", aggfunc="sum")
    base = pd.DataFrame({"population": p[year], "population_start": p.get(year - TREND_YEARS, np.nan),
                         "population_wp_year": p.get(WORKPLACES_YEAR, np.nan)})
    wp = data.load_workplaces_2017()
    wp = wp[wp["area_code"].str.startswith("KU")].pivot_table(index="area_code", columns="section",
                                                               values="workplaces", aggfunc="sum")
    base["workplaces_total"] = wp.sum(axis=1)
    for s in "ABCDEFGHIJKLMNOPQ":
        base[f"wp_{s}"] = wp.get(s, 0.0)
    un_all = sources.unemployment_for(source)
    un_year = _newest_year(un_all, ["unemployed", "labour_force"], UNEMPLOYMENT_YEAR)
    un = un_all[un_all["year"] == un_year].set_index("municipality_code")
    base["unemployed"], base["labour_force"] = un["unemployed"], un["labour_force"]
    base["distance_to_centre_km"] = _regional_centre_distances(base["population"])
    base["urban_rural_class"] = pd.Series({c: _CLASS.get(a.urban_rural, np.nan)
                                           for c, a in areas.all_areas().items() if a.level == "KU"})
    if business_table is not None:
        bt = business_table
        last, first = int(bt["year"].max()), int(bt["year"].min())
        g = bt.groupby(["area_code", "year"])[["establishments", "personnel"]].sum()
        base["establishments"] = g.xs(last, level="year")["establishments"]
        base["personnel_end"] = g.xs(last, level="year")["personnel"]
        base["personnel_start"] = g.xs(first, level="year")["personnel"]
    base.index.name = "municipality_code"
    base.attrs["vintage"] = {"population_year": year,
                             "population_source": "; ".join(sources.year_sources(pop, year)),
                             "unemployment_year": un_year,
                             "unemployment_source": "; ".join(sources.year_sources(un_all, un_year)),
                             "fetched": bool(pop.attrs.get("fetched") or un_all.attrs.get("fetched"))}
    return base


def load_similarity_features(level: str = "KU", groups=DEFAULT_GROUPS, extra: dict | None = None,
                             source=None) -> pd.DataFrame:
    """Features of every area of ``level`` in Finland (plus ``extra`` custom areas: code → municipalities).

    Parameters
    ----------
    level : {"KU", "SK", "MK"}
        Area level.
    groups : str or sequence
        Feature groups; the synthetic business table is read only for ``business``.
    extra : dict, optional
        Custom areas to add (code → list of municipality codes).
    source : DataSource or str, optional
        The run's data source (or its business-table path): population and unemployment fetched beside
        it are used (:func:`municipality_base`); None = the embedded data.

    Returns
    -------
    pandas.DataFrame
        Index ``area_code``; columns of :data:`FEATURES`; provenance real (mixed with ``business``);
        ``attrs["vintage"]``: the population and unemployment years and sources used.

    Examples
    --------
    >>> f = load_similarity_features("MK")
    >>> len(f), round(float(f.loc["MK17", "population"]) / 1000)
    (19, 417)
    """
    level = str(level).upper()
    if level not in ("KU", "SK", "MK"):
        raise InputError(f"similar areas at level {level!r}: expected KU, SK or MK")
    groups = parse_groups(groups)
    bt = data.load_business_table() if "business" in groups else None
    base = municipality_base(bt, source)
    mm = areas.municipality_map(level)
    membership: dict[str, list[str]] = {}
    for ku, code in mm.items():
        membership.setdefault(code, []).append(ku)
    membership.update(extra or {})
    out = aggregate_features(base, membership)
    ft = feature_table(groups, base.attrs["vintage"])
    kinds = set(ft["kind"])
    out.attrs["vintage"] = base.attrs["vintage"]
    return provenance.tag(out, "mixed" if len(kinds) > 1 else kinds.pop(),
                          sorted({s for cell in ft["source"] for s in cell.split("; ")}))


MAX_SIDE_BY_SIDE = 10  # areas in one comparison table or chart, the area itself included
DEFAULT_COMPARE_N = 5


def similar_codes(area, n: int = DEFAULT_COMPARE_N, within=None, groups=DEFAULT_GROUPS, source=None) -> list[str]:
    """Codes of the ``n`` areas most similar to ``area`` (the area itself left out), from the real data.

    A custom area is compared with the areas of its largest part's level, its own parts left out.

    >>> similar_codes("KU564", 2)
    ['KU179', 'KU297']
    """
    return similar_areas(area, n, within, groups, source)["area_code"].tolist()[1:]


def similar_areas(area, n: int = 10, within=None, groups=DEFAULT_GROUPS, source=None) -> pd.DataFrame:
    """:func:`find_similar` on the real data of ``area``'s level (what ``kasvudata similar`` prints).

    A custom area is compared with the areas of its largest part's level, its own parts left out.
    ``source`` (a :class:`~kasvudata_utils.data.sources.DataSource` or the run's business-table path)
    chooses the population and unemployment (:func:`load_similarity_features`); the result's
    ``attrs["vintage"]`` names their years and sources.

    >>> similar_areas("KU564", 2)["name_fi"].tolist()
    ['Oulu', 'Jyväskylä', 'Kuopio']
    """
    code = areas.normalise_area(area)
    level = areas.level_of(code)
    if level == areas.COUNTRY:
        raise InputError(f"area {code}: the whole country has no peers; expected a KU, SK or MK area")
    extra = None
    if areas.is_custom(code):
        level = max((areas.level_of(p) for p in code.split("+")), key=("KU", "SK", "MK").index)
        extra = {code: areas.municipalities(code)}
    groups = parse_groups(groups)
    path = sources.run_table_path(source)
    feats = (_cached_features(level, groups, path) if extra is None
             else load_similarity_features(level, groups, extra, path))
    out = find_similar(feats, code, n, within, groups)
    out.attrs["vintage"] = feats.attrs["vintage"]
    return out


@lru_cache(maxsize=8)
def _cached_features(level: str, groups: tuple, table_path: str = "") -> pd.DataFrame:
    """The features of a level, loaded once per process and data source (report batches ask for many areas)."""
    return load_similarity_features(level, groups, source=table_path)


#: What asks for the most similar areas in a comparison box or ``--compare`` (Finnish and English).
SIMILAR_WORDS = ("similar", "samankaltaiset")


def asks_for_similar(text) -> bool:
    """True when ``text`` asks for the most similar areas ("similar" / "samankaltaiset", any case).

    >>> asks_for_similar(" Samankaltaiset "), asks_for_similar("KU009")
    (True, False)
    """
    return str(text or "").strip().lower() in SIMILAR_WORDS


def comparison_set(area, compare=None, n: int = DEFAULT_COMPARE_N, source=None) -> list[str]:
    """The areas shown side by side with ``area``: ``area`` first, then ``compare``.

    Parameters
    ----------
    area : str
        The area (any accepted spelling).
    compare : str or list, optional
        Comma-separated codes or names (custom areas ``KU009+KU977`` allowed), or ``"similar"`` /
        ``"samankaltaiset"`` / None for the ``n`` most similar areas (:func:`similar_codes`).
    n : int
        How many similar areas when ``compare`` asks for them.
    source : DataSource or str, optional
        The run's data source (population and unemployment of the similarity features).

    Returns
    -------
    list of str
        Normalised codes, at most :data:`MAX_SIDE_BY_SIDE`, without duplicates.

    >>> comparison_set("KU009", "977, Haapavesi")
    ['KU009', 'KU977', 'KU071']
    """
    code = areas.normalise_area(area)
    if compare is None or (isinstance(compare, str) and (not compare.strip() or asks_for_similar(compare))):
        return [code, *similar_codes(code, n, source=source)]
    items = compare.split(",") if isinstance(compare, str) else list(compare)
    items = [str(i).strip() for i in items if str(i).strip()]
    out = [code]
    for item in items:
        c = areas.normalise_area(item)
        if c not in out:
            out.append(c)
    if len(out) > MAX_SIDE_BY_SIDE:
        raise InputError(f"compare {compare!r}: {len(out)} areas with {code}; expected at most "
                         f"{MAX_SIDE_BY_SIDE} side by side")
    return out


def _level_features(level: str, source, features: dict | None) -> pd.DataFrame:
    """:func:`load_similarity_features` of ``level``, kept in ``features`` (when given) for the next map."""
    if features is None:
        return load_similarity_features(level, source=source)
    if level not in features:
        features[level] = load_similarity_features(level, source=source)
    return features[level]


def similar_map(codes, n: int = DEFAULT_COMPARE_N, source=None, features: dict | None = None) -> dict[str, list[str]]:
    """``{code: [its n most similar areas]}`` for standard areas (the features of each level loaded once).

    ``SSS`` and custom areas are left out. The app cache stores this for the 38 home areas so that the
    insights board (a lean kernel without pandas) can show what advisers in similar areas noticed.

    >>> similar_map(["KU564", "SSS"], 2)
    {'KU564': ['KU179', 'KU297']}

    ``features`` (level → the frame of :func:`load_similarity_features`) is filled and reused by a
    caller that asks for several maps of one data source (:func:`_level_features`).
    """
    by_level: dict[str, list[str]] = {}
    for c in codes:
        code = areas.normalise_area(c)
        if not areas.is_custom(code) and areas.level_of(code) != areas.COUNTRY:
            by_level.setdefault(areas.level_of(code), []).append(code)
    out = {}
    for level, members in by_level.items():
        feats = _level_features(level, source, features)
        for code in members:
            out[code] = find_similar(feats, code, n)["area_code"].tolist()[1:]
    return out


def similar_distance_map(codes, n: int = DEFAULT_COMPARE_N, within=None, source=None,
                         features: dict | None = None) -> dict:
    """The ``n`` most similar areas of each standard area of ``codes``, with their distances and the data's vintage.

    What the explorer's ``compare=similar`` shows, computed once into the app cache so that an app kernel
    (no Parquet reader) never loads the similarity features: the same :func:`find_similar` on the same
    features as :func:`similar_areas` (the report's similar-areas section), so a pair's distance is the
    report's. ``SSS`` and custom areas are left out.

    Returns
    -------
    dict
        ``{"areas": {code: [[similar code, distance], …]}, "vintage": {…}}`` (``vintage`` as in
        :func:`municipality_base`; floats survive JSON unchanged); an area with no peer inside
        ``within`` (the region itself) has an empty list. ``features``: as in :func:`similar_map`.

    >>> m = similar_distance_map(["KU564", "SSS"], 2)
    >>> [c for c, _ in m["areas"]["KU564"]], m["vintage"]["population_year"]
    (['KU179', 'KU297'], 2022)
    """
    by_level: dict[str, list[str]] = {}
    for c in codes:
        code = areas.normalise_area(c)
        if not areas.is_custom(code) and areas.level_of(code) != areas.COUNTRY:
            by_level.setdefault(areas.level_of(code), []).append(code)
    out: dict = {}
    vintage: dict = dict(EMBEDDED_VINTAGE)
    for level, members in by_level.items():
        feats = _level_features(level, source, features)
        vintage = feats.attrs["vintage"]
        for code in members:
            try:
                sim = find_similar(feats, code, n, within)
            except InputError:  # no other area of its level inside ``within`` (the region itself)
                out[code] = []
                continue
            out[code] = [[c, float(d)] for c, d in zip(sim["area_code"][1:], sim["distance"][1:], strict=True)]
    return {"areas": out, "vintage": vintage}
