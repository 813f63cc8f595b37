"""Spatial statistics over municipalities: weights, global and local Moran's I.

Thin, checked wrappers around PySAL (``libpysal`` weights, ``esda``
statistics) following METHODS.md "Spatial statistics":

- :func:`build_weights` — row-standardised queen contiguity (islands such as
  Hailuoto are attached to their nearest neighbour, so nobody is
  neighbourless) or k-nearest neighbours on centroids, in EPSG:3067;
- :func:`moran_global` — ``esda.Moran`` with 9,999 permutations and a fixed seed;
- :func:`lisa` — ``esda.Moran_Local`` with 99,999 permutations and a fixed
  seed, FDR-corrected (``esda.fdr``) quadrant labels ``HH``/``LH``/``LL``/``HL``/``ns``;
- :func:`lisa_stability` — the FDR-significant set under two permutation seeds
  (with 999 permutations the smallest pseudo p-value is 0.001 and the
  Benjamini–Hochberg cut-off over ~290 municipalities sits at that floor, so
  the set flipped with the seed; 99,999 permutations make it stable);
- :func:`moran_rate` — empirical-Bayes ``esda.Moran_Rate`` for rates with
  small denominators (birth rates);
- :func:`lisa_class_for_area` and :func:`area_spatial_context` — the sentence
  the area report prints ("Ylivieska belongs to a high-growth cluster").

References: Anselin (1995) "Local indicators of spatial association — LISA",
Geographical Analysis 27(2); Assunção & Reis (1999) "A new proposal to adjust
Moran's I for population density", Statistics in Medicine 18; Benjamini &
Hochberg (1995) for the false discovery rate.

Everything is computed over all *mainland* municipalities (Åland, MK21, is
left out: it has no land border with the mainland) and then shown for the
region, because Northern Ostrobothnia alone has too few units for LISA.
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kasvudata_utils import areas, data, labels
from kasvudata_utils.errors import InputError, require_columns
from kasvudata_utils.numbers import format_number

ALAND = "MK21"
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
CLUSTER_LABELS = ("HH", "LH", "LL", "HL", "ns")
ANALYSIS_CRS = 3067
DEFAULT_SEED = 20240917
# Pseudo p-values are at least 1 / (permutations + 1): the Benjamini–Hochberg cut-off over ~290
# municipalities needs p-values well below 0.001, which 999 permutations cannot resolve.
MORAN_PERMUTATIONS = 9_999
LISA_PERMUTATIONS = 99_999


@contextlib.contextmanager
def _seeded(seed: int | None):
    """Run with NumPy's global generator seeded, restoring its state afterwards.

    ``esda.Moran`` and ``esda.Moran_Rate`` draw their permutations from the
    global generator and take no seed argument; this keeps them deterministic
    without leaving a side effect on the caller's random state.
    """
    state = np.random.get_state()
    if seed is not None:
        np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def mainland(gdf, id_col: str = "area_code"):
    """Municipalities of ``gdf`` outside Åland (MK21), as a new frame.

    >>> import pandas as pd
    >>> mainland(pd.DataFrame({"area_code": ["KU478", "KU564"]}))["area_code"].tolist()
    ['KU564']
    """
    require_columns(gdf, [id_col], "gdf")
    region = areas.municipality_map("MK")
    keep = [region.get(str(c)) != ALAND for c in gdf[id_col]]
    return gdf.loc[keep].reset_index(drop=True)


def build_weights(gdf, kind: str = "queen", k: int = 5, id_col: str = "area_code",
                  transform: str = "r"):
    """Spatial weights between the areas of ``gdf`` (ids = ``gdf[id_col]``).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Polygons in a projected CRS (EPSG:3067 expected; geographic
        coordinates are reprojected to it so k-nearest distances are metres).
    kind : {"queen", "knn"}
        ``queen`` contiguity with islands attached to their nearest
        neighbour (``libpysal.weights.attach_islands``), or ``knn``: the ``k``
        nearest centroids.
    k : int
        Neighbours for ``knn``.
    id_col : str
        Column holding the area codes used as weight ids.
    transform : str
        libpysal transformation, ``"r"`` (row-standardised) by default.

    Returns
    -------
    libpysal.weights.W
        With no islands.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame({"area_code": ["a", "b", "c"]},
    ...                      geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)], crs=3067)
    >>> w = build_weights(g)
    >>> sorted(w.neighbors["c"]), w.islands
    (['b'], [])
    """
    from libpysal.weights import KNN, Queen, W, attach_islands

    require_columns(gdf, [id_col], "gdf")
    if kind not in ("queen", "knn"):
        raise InputError(f"weights kind {kind!r}: expected 'queen' or 'knn'")
    n = len(gdf)
    if n < 3:
        raise InputError(f"{n} areas given to build_weights: expected at least 3")
    if kind == "knn" and (not isinstance(k, (int, np.integer)) or not 1 <= k < n):
        raise InputError(f"k={k!r}: expected an integer between 1 and {n - 1}")
    ids = [str(c) for c in gdf[id_col]]
    if len(set(ids)) != n:
        raise InputError(f"{id_col} has duplicate codes: expected one row per area")
    g = gdf.reset_index(drop=True)
    if g.crs is not None and not g.crs.is_projected:
        g = g.to_crs(ANALYSIS_CRS)
    cent = g.copy()
    cent["geometry"] = g.geometry.representative_point()
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; islands are handled below.
        warnings.simplefilter("ignore")
        if kind == "knn":
            w = KNN.from_dataframe(cent, k=int(k), ids=ids)
        else:
            w = Queen.from_dataframe(g, ids=ids, use_index=False)
            if w.islands:
                w = attach_islands(w, KNN.from_dataframe(cent, k=1, ids=ids))
    # KNN hands back numpy string ids; plain str keeps lookups like w.neighbors["KU072"] simple.
    w = W({str(i): [str(j) for j in w.neighbors[i]] for i in w.id_order},
          {str(i): list(w.weights[i]) for i in w.id_order}, id_order=[str(i) for i in w.id_order],
          silence_warnings=True)
    w.transform = transform
    return w


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I: statistic, expectation, z-score and pseudo p-value."""

    I: float  # noqa: E741 (the statistic's own name)
    expected: float
    z_sim: float
    p_sim: float
    p_norm: float
    n: int
    permutations: int

    def significant(self, alpha: float = 0.05) -> bool:
        """True where the permutation p-value is below ``alpha``."""
        return self.p_sim < alpha


def _vector(y, w, name="y"):
    arr = np.asarray(y, dtype=float).reshape(-1)
    if arr.size != w.n:
        raise InputError(f"{name} has {arr.size} values: expected {w.n}, one per area of the weights")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} has {int((~np.isfinite(arr)).sum())} missing or infinite values: "
                         "expected finite numbers (drop those areas before building the weights)")
    return arr


def _aligned(y, w, name="y"):
    """``y`` as an array in ``w.id_order`` (a Series is aligned by its index)."""
    if isinstance(y, pd.Series):
        missing = [i for i in w.id_order if i not in y.index]
        if missing:
            raise InputError(f"{name} has no value for {missing[:5]}: expected one per weights id")
        y = y.reindex(w.id_order)
    return _vector(y, w, name)


def moran_global(y, w, permutations: int = MORAN_PERMUTATIONS, seed: int = DEFAULT_SEED) -> MoranResult:
    """Global Moran's I of ``y`` under weights ``w`` (``esda.Moran``).

    ``y`` is an array in ``w.id_order`` or a Series indexed by the weight ids.

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> w = lat2W(6, 6); w.transform = "r"
    >>> r = moran_global(np.arange(36) // 6, w)   # rows 0..5: strong north-south trend
    >>> r.I > 0.5, r.p_sim < 0.05
    (True, True)
    """
    import esda

    arr = _aligned(y, w)
    if np.std(arr) == 0:
        raise InputError("y is constant: Moran's I needs a variable that varies between areas")
    with _seeded(seed):
        m = esda.Moran(arr, w, permutations=permutations)
    return MoranResult(float(m.I), float(m.EI), float(m.z_sim), float(m.p_sim), float(m.p_norm),
                       int(w.n), permutations)


def _classify(q, p, alpha, use_fdr):
    cut = alpha
    if use_fdr:
        import esda

        cut = esda.fdr(p, alpha)
    sig = p <= cut
    quadrants = np.array([QUADRANTS[int(qq)] if s else "ns" for qq, s in zip(q, sig, strict=False)], dtype=object)
    return quadrants, float(cut)


def lisa(y, w, seed: int = DEFAULT_SEED, alpha: float = 0.05, fdr: bool = True,
         permutations: int = LISA_PERMUTATIONS) -> pd.DataFrame:
    """Local Moran's I with quadrant labels (``esda.Moran_Local``).

    Parameters
    ----------
    y : array-like or pandas.Series
        One value per area, in ``w.id_order`` (a Series is aligned by index).
    w : libpysal.weights.W
    seed : int
        Seed of the conditional permutations (results are reproducible).
    alpha : float
        Significance level.
    fdr : bool
        Use the Benjamini–Hochberg false-discovery-rate cut-off
        (``esda.fdr``) instead of ``alpha`` for each area.
    permutations : int
        Conditional permutations (default 99,999: the smallest pseudo p-value
        is 1 / (permutations + 1), and the FDR cut-off needs values far below
        0.001). ``p_sim`` is esda's *directed* one-sided pseudo p-value:
        ``(min(#{I_perm ≥ I}, #{I_perm < I}) + 1) / (permutations + 1)``, the
        tail the observed local I falls in, about half a two-sided p-value.

    Returns
    -------
    pandas.DataFrame
        ``area_code, value, local_i, p_sim, quadrant, cluster`` where
        ``quadrant`` is HH/LH/LL/HL regardless of significance and ``cluster``
        is the quadrant where significant, else ``ns``. ``attrs["p_cutoff"]``
        holds the p-value cut-off used.

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> w = lat2W(6, 6); w.transform = "r"
    >>> out = lisa(np.arange(36) // 6, w)
    >>> out.loc[1, "cluster"], out.loc[34, "cluster"]   # bottom row low, top row high
    ('LL', 'HH')
    """
    import esda

    if not 0 < alpha < 1:
        raise InputError(f"alpha={alpha!r}: expected a number between 0 and 1")
    arr = _aligned(y, w)
    if np.std(arr) == 0:
        raise InputError("y is constant: local Moran's I needs a variable that varies between areas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's notice about a future default
        m = esda.Moran_Local(arr, w, permutations=permutations, seed=seed)
    cluster, cut = _classify(m.q, m.p_sim, alpha, fdr)
    out = pd.DataFrame({
        "area_code": [str(i) for i in w.id_order], "value": arr, "local_i": m.Is, "p_sim": m.p_sim,
        "quadrant": [QUADRANTS[int(q)] for q in m.q], "cluster": cluster,
    })
    out["cluster"] = out["cluster"].astype(str)
    out.attrs["p_cutoff"] = cut
    return out


def moran_rate(events, base, w, permutations: int = MORAN_PERMUTATIONS, seed: int = DEFAULT_SEED) -> MoranResult:
    """Empirical-Bayes Moran's I of the rate ``events / base`` (``esda.Moran_Rate``).

    Use it for birth rates and other rates whose denominators are small in
    small municipalities: the raw rates of tiny places are noisy and would
    dominate the plain Moran's I (Assunção & Reis 1999).

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> w = lat2W(5, 5); w.transform = "r"
    >>> base = np.full(25, 100.0)
    >>> events = 5.0 + 2 * (np.arange(25) // 5)   # rate rises row by row
    >>> moran_rate(events, base, w).I > 0.5
    True
    """
    import esda

    e = _aligned(events, w, "events")
    b = _aligned(base, w, "base")
    if np.any(b <= 0) or np.any(e < 0):
        raise InputError("moran_rate needs events >= 0 and base > 0 for every area: got "
                         f"{int((b <= 0).sum())} non-positive bases, {int((e < 0).sum())} negative events")
    with _seeded(seed):
        m = esda.Moran_Rate(e, b, w, permutations=permutations)
    return MoranResult(float(m.I), float(m.EI), float(m.z_sim), float(m.p_sim), float(m.p_norm),
                       int(w.n), permutations)


def lisa_rate(events, base, w, seed: int = DEFAULT_SEED, alpha: float = 0.05, fdr: bool = True,
              permutations: int = LISA_PERMUTATIONS) -> pd.DataFrame:
    """Local Moran of empirical-Bayes standardised rates (``esda.Moran_Local_Rate``).

    Same columns as :func:`lisa`; ``value`` is the raw rate events / base.
    """
    import esda

    e = _aligned(events, w, "events")
    b = _aligned(base, w, "base")
    if np.any(b <= 0):
        raise InputError(f"lisa_rate needs base > 0 for every area: got {int((b <= 0).sum())} non-positive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        m = esda.Moran_Local_Rate(e, b, w, permutations=permutations, seed=seed)
    cluster, cut = _classify(m.q, m.p_sim, alpha, fdr)
    out = pd.DataFrame({
        "area_code": [str(i) for i in w.id_order], "value": e / b, "local_i": m.Is, "p_sim": m.p_sim,
        "quadrant": [QUADRANTS[int(q)] for q in m.q], "cluster": cluster,
    })
    out["cluster"] = out["cluster"].astype(str)
    out.attrs["p_cutoff"] = cut
    return out


def lisa_stability(y, w, seeds=(DEFAULT_SEED, DEFAULT_SEED + 1), alpha: float = 0.05, fdr: bool = True,
                   permutations: int = LISA_PERMUTATIONS) -> pd.DataFrame:
    """Compare the significant LISA set under each permutation seed (a result should not hinge on the seed).

    Returns one row per seed: ``seed, n_significant, significant`` (the
    significant area codes, comma-separated, with their cluster after a
    colon), ``p_cutoff`` and ``same_as_first``; ``attrs["stable"]`` is True
    where every seed gives the same significant areas with the same labels.

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> w = lat2W(6, 6); w.transform = "r"
    >>> lisa_stability(np.arange(36) // 6, w, seeds=(1, 2), permutations=9_999).attrs["stable"]
    True
    """
    seeds = [int(s) for s in seeds]
    if len(seeds) < 2:
        raise InputError(f"seeds {seeds!r}: expected at least two permutation seeds to compare")
    rows, first = [], None
    for seed in seeds:
        out = lisa(y, w, seed=seed, alpha=alpha, fdr=fdr, permutations=permutations)
        sig = out[out["cluster"] != "ns"]
        found = tuple(f"{a}:{c}" for a, c in zip(sig["area_code"], sig["cluster"], strict=True))
        first = found if first is None else first
        rows.append({"seed": seed, "n_significant": len(found), "significant": ", ".join(found),
                     "p_cutoff": out.attrs["p_cutoff"], "same_as_first": found == first})
    table = pd.DataFrame(rows)
    table.attrs["stable"] = bool(table["same_as_first"].all())
    table.attrs["permutations"] = int(permutations)
    return table


def moran_scatter_data(y, w) -> pd.DataFrame:
    """Standardised ``y`` and its spatial lag (the two axes of a Moran scatter plot).

    The slope of ``lag_z`` on ``z`` equals Moran's I for row-standardised weights.
    """
    from libpysal.weights import lag_spatial

    arr = _aligned(y, w)
    z = (arr - arr.mean()) / arr.std()
    return pd.DataFrame({"area_code": [str(i) for i in w.id_order], "z": z, "lag_z": lag_spatial(w, z)})


def lisa_class_for_area(lisa_table: pd.DataFrame, area_code) -> dict:
    """The LISA cluster of an area, or the clusters of the municipalities in it.

    Parameters
    ----------
    lisa_table : pandas.DataFrame
        Output of :func:`lisa` over municipalities.
    area_code : str
        Any area code or name; a sub-region or region is summarised by its
        municipalities.

    Returns
    -------
    dict
        ``area_code``, ``level``, ``cluster`` (the municipality's own label,
        or the most common significant label among the members, else ``ns``)
        and ``counts`` (label → number of member municipalities); for a
        municipality also ``quadrant`` and ``p_sim`` where the table has them.

    Examples
    --------
    >>> t = pd.DataFrame({"area_code": ["KU009", "KU977"], "cluster": ["HH", "ns"]})
    >>> lisa_class_for_area(t, "KU977")["cluster"]
    'ns'
    """
    require_columns(lisa_table, ["area_code", "cluster"], "lisa_table")
    code = areas.normalise_area(area_code)
    level = areas.level_of(code)
    members = set(areas.municipalities(code))
    rows = lisa_table[lisa_table["area_code"].isin(members)]
    if rows.empty:
        raise InputError(f"area {code} has no municipality in the LISA table: expected a mainland area")
    counts = {c: int((rows["cluster"] == c).sum()) for c in CLUSTER_LABELS}
    extra = {}
    if level == "KU" and {"quadrant", "p_sim"} <= set(rows.columns):
        extra = {"quadrant": str(rows["quadrant"].iloc[0]), "p_sim": float(rows["p_sim"].iloc[0])}
    if level == "KU":
        cluster = str(rows["cluster"].iloc[0])
    else:
        sig = {c: n for c, n in counts.items() if c != "ns" and n > 0}
        cluster = max(sig, key=lambda c: (sig[c], c == "HH")) if sig else "ns"
    return {"area_code": code, "level": level, "cluster": cluster, "counts": counts, "n": len(rows), **extra}


def municipal_growth(business_table: pd.DataFrame, start: int, end: int,
                     measure: str = "personnel") -> pd.DataFrame:
    """Growth of ``measure`` per municipality from ``start`` to ``end`` (business table input).

    Sums all industries of each municipality (``area_code`` KU rows) per year;
    ``growth_pct = (x_end / x_start - 1) * 100`` (METHODS "Growth"), NaN where
    the start value is 0. Suppressed cells count as missing, so municipalities
    are compared on their published cells.

    Returns ``area_code, <measure>_start, <measure>_end, growth_pct``.

    Examples
    --------
    >>> bt = pd.DataFrame({"area_code": ["KU009"] * 4, "industry_code": ["01", "10"] * 2,
    ...                    "year": [2015, 2015, 2020, 2020], "personnel": [10.0, 30.0, 15.0, 35.0]})
    >>> municipal_growth(bt, 2015, 2020)["growth_pct"].round(6).tolist()   # 50/40 - 1
    [25.0]
    """
    require_columns(business_table, ["area_code", "industry_code", "year", measure], "business_table")
    if int(start) >= int(end):
        raise InputError(f"start year {start} is not before end year {end}")
    bt = business_table[business_table["area_code"].astype(str).str.startswith("KU")]
    if "industry_code" in bt and (bt["industry_code"] == "ALL").any():
        bt = bt[bt["industry_code"] == "ALL"]
    years = set(bt["year"].astype(int))
    for y in (int(start), int(end)):
        if y not in years:
            raise InputError(f"year {y} not in the business table: expected {min(years)}–{max(years)}")
    sub = bt[bt["year"].isin([int(start), int(end)])]
    wide = sub.pivot_table(index="area_code", columns="year", values=measure, aggfunc="sum")
    s, e = wide[int(start)], wide[int(end)]
    out = pd.DataFrame({"area_code": wide.index.astype(str), f"{measure}_start": s.to_numpy(),
                        f"{measure}_end": e.to_numpy()})
    base = out[f"{measure}_start"].where(out[f"{measure}_start"] > 0)
    out["growth_pct"] = (out[f"{measure}_end"] / base - 1) * 100
    return out.reset_index(drop=True)


def growth_lisa(geometries, business_table, start: int, end: int, kind: str = "queen", k: int = 5,
                seed: int = DEFAULT_SEED, alpha: float = 0.05) -> pd.DataFrame:
    """LISA of municipal personnel growth over all mainland municipalities.

    Municipalities without a defined growth rate (no personnel at start) are
    left out before the weights are built.
    """
    growth = municipal_growth(business_table, start, end)
    g = mainland(geometries)
    g = g.merge(growth[["area_code", "growth_pct"]], on="area_code", how="inner")
    g = g[np.isfinite(g["growth_pct"].astype(float))].reset_index(drop=True)
    w = build_weights(g, kind=kind, k=k)
    return lisa(pd.Series(g["growth_pct"].to_numpy(), index=g["area_code"]), w, seed=seed, alpha=alpha)


def area_spatial_context(area_code, lang: str = "fi", start: int | None = None, end: int | None = None,
                         geometries=None, business_table=None, seed: int = DEFAULT_SEED) -> str:
    """One sentence on the area's place in the spatial pattern of personnel growth.

    Computes LISA of municipal personnel growth (``start`` → ``end``, by
    default the business table's first and last year) over all mainland
    municipalities with queen weights and FDR, and says which cluster the area
    (or most of its municipalities) belongs to, e.g. "Ylivieska belongs to a
    high-growth cluster (HH)". Loads the embedded geometries and business table
    where they are not given.

    Examples
    --------
    >>> area_spatial_context("KU977", "en").startswith("Ylivieska ")   # on the embedded data
    True
    """
    lang = labels.normalise_lang(lang)
    code = areas.normalise_area(area_code)
    if geometries is None or business_table is None:

        geometries = data.load_geometries(level="KU", crs=ANALYSIS_CRS) if geometries is None else geometries
        business_table = data.load_business_table() if business_table is None else business_table
    years = business_table["year"].astype(int)
    start = int(years.min()) if start is None else int(start)
    end = int(years.max()) if end is None else int(end)
    table = growth_lisa(geometries, business_table, start, end, seed=seed)
    return spatial_context_text(table, code, lang, start, end)


def spatial_context_text(lisa_table: pd.DataFrame, area_code, lang: str, start: int, end: int) -> str:
    """The sentence of :func:`area_spatial_context` from a LISA table already computed (the reports cache it).

    A municipality that is significant alone but not after the false-discovery-rate correction gets
    its uncorrected class as a hint only, never as its class.

    Examples
    --------
    >>> t = pd.DataFrame({"area_code": ["KU977"], "cluster": ["ns"], "quadrant": ["LL"], "p_sim": [0.008]})
    >>> spatial_context_text(t, "KU977", "en", 2013, 2022).endswith("it would fall in class LL; read with care.")
    True
    """
    lang = labels.normalise_lang(lang)
    code = areas.normalise_area(area_code)
    info = lisa_class_for_area(lisa_table, code)
    key = "spatial_context_ku_" if info["level"] == "KU" else "spatial_context_area_"
    text = labels.t(key + info["cluster"], lang, name=areas.official_name(code, lang), start=start, end=end,
                    n=info["counts"].get(info["cluster"], 0), total=info["n"])
    if info["cluster"] == "ns" and info.get("p_sim", 1.0) <= 0.05:
        # significant alone but not after the false-discovery-rate correction: say so, as a hint only
        text += " " + labels.t("spatial_context_uncorrected", lang, quadrant=info["quadrant"],
                               p=format_number(info["p_sim"], lang, 3))
    return text


def municipal_births(firm_panel: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Firm births and active firm-years per municipality over ``start``…``end`` (METHODS demography).

    A birth in t is a firm whose first row is t, t after the panel's first
    year. Returns ``area_code, births, active, birth_rate_pct`` (births per
    100 active firm-years) for :func:`moran_rate`.

    >>> p = pd.DataFrame({"firm_id": ["a", "a", "b", "c"], "year": [2013, 2014, 2014, 2014],
    ...                   "municipality_code": "KU009"})
    >>> municipal_births(p, 2014, 2014)[["births", "active"]].values.tolist()   # b and c born in 2014
    [[2, 3]]
    """
    require_columns(firm_panel, ["firm_id", "year", "municipality_code"], "firm_panel")
    first = firm_panel.groupby("firm_id")["year"].transform("min")
    p = firm_panel.assign(born=(firm_panel["year"] == first) & (first > firm_panel["year"].min()))
    p = p[p["year"].between(int(start), int(end))]
    out = p.groupby("municipality_code").agg(births=("born", "sum"), active=("firm_id", "size")).reset_index()
    out = out.rename(columns={"municipality_code": "area_code"})
    out["births"] = out["births"].astype(int)
    out["birth_rate_pct"] = out["births"] / out["active"] * 100
    return out


def moran_sensitivity(values: dict, weights: dict, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Global Moran's I of each variable under each weights: ``variable, weights, moran_i, p_sim``.

    ``values`` maps a name to a Series indexed by area code; ``weights`` maps
    a name to a libpysal W. A pattern that holds under queen and k-nearest
    weights alike does not hinge on how "neighbour" is defined.
    """
    rows = []
    for vname, y in values.items():
        for wname, w in weights.items():
            r = moran_global(y, w, seed=seed)
            rows.append({"variable": vname, "weights": wname, "moran_i": r.I, "p_sim": r.p_sim})
    return pd.DataFrame(rows)
