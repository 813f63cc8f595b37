"""Tests of kasvudata_utils.research.spatial: weights, Moran's I, LISA, EB rates, area context.

Numbers are worked out by hand from the definitions (METHODS "Spatial
statistics"); the validation tests check that Moran's I finds planted spatial
structure and does not find structure where none was planted.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.research import spatial


def grid(nrow: int, ncol: int, codes=None) -> gpd.GeoDataFrame:
    """Unit squares in rows (row r = r-th block of ncol codes), EPSG:3067 metres."""
    codes = codes or [f"c{i:03d}" for i in range(nrow * ncol)]
    geoms = [box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000) for r in range(nrow) for c in range(ncol)]
    return gpd.GeoDataFrame({"area_code": codes}, geometry=geoms, crs=3067)


def line4():
    # four squares in a row: a-b-c-d
    return grid(1, 4, ["a", "b", "c", "d"])


# ---------------------------------------------------------------- weights
def test_queen_weights_row_standardised_on_a_line():
    w = spatial.build_weights(line4())
    assert w.neighbors == {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]} or \
        {k: sorted(v) for k, v in w.neighbors.items()} == {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    # row-standardised: b has two neighbours, each weight 1/2
    assert sorted(w.weights["b"]) == [0.5, 0.5]
    assert w.islands == []


def test_island_gets_its_nearest_neighbour():
    # like Hailuoto off Oulu: square "i" lies 3 km off "b" and touches nobody
    g = pd.concat([line4(), gpd.GeoDataFrame({"area_code": ["i"]}, geometry=[box(1000, 4000, 2000, 5000)],
                                             crs=3067)], ignore_index=True)
    w = spatial.build_weights(g, kind="queen")
    assert w.islands == []
    # nearest representative point to i (1500, 4500) is b's (1500, 500): distance 4000 m,
    # c's is (2500, 500): sqrt(1000^2 + 4000^2) > 4000
    assert w.neighbors["i"] == ["b"]
    # the link is symmetric (attach_islands adds both directions)
    assert "i" in w.neighbors["b"]


def test_knn_weights_have_exactly_k_neighbours():
    w = spatial.build_weights(grid(4, 4), kind="knn", k=3)
    assert all(len(v) == 3 for v in w.neighbors.values())
    assert all(abs(sum(v) - 1) < 1e-12 for v in w.weights.values())


def test_real_boundaries_give_hailuoto_neighbours():
    from kasvudata_utils import data

    g = spatial.mainland(data.load_geometries(level="KU", crs=3067))
    assert "KU478" not in set(g["area_code"])  # Maarianhamina (Åland) is left out
    for kind in ("queen", "knn"):
        w = spatial.build_weights(g, kind=kind, k=5)
        assert w.islands == []
        assert len(w.neighbors["KU072"]) >= 1  # Hailuoto
    # its single nearest centre is one of the three municipalities across the strait
    # (Lumijoki KU436, Oulu KU564, Siikajoki KU748)
    w = spatial.build_weights(g, kind="knn", k=1)
    assert w.neighbors["KU072"][0] in {"KU436", "KU564", "KU748"}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"kind": "rook"}, "'rook'"),
    ({"kind": "knn", "k": 0}, "k=0"),
])
def test_bad_weights_arguments_raise_one_line_input_error(kwargs, fragment):
    with pytest.raises(InputError, match=fragment) as exc:
        spatial.build_weights(grid(3, 3), **kwargs)
    assert "\n" not in str(exc.value)


def test_duplicate_codes_rejected():
    with pytest.raises(InputError, match="duplicate"):
        spatial.build_weights(grid(1, 3, ["a", "a", "b"]))


# ---------------------------------------------------------------- global Moran
def test_moran_by_hand_on_a_line():
    # y = 1,2,3,4 on a-b-c-d, row-standardised: z = -1.5,-.5,.5,1.5, sum z^2 = 5
    # sum_ij w_ij z_i z_j = .75 + (.375 - .125) + (-.125 + .375) + .75 = 2.0
    # I = n/S0 * 2/5 = 4/4 * 0.4 = 0.4; E[I] = -1/(n-1) = -1/3
    w = spatial.build_weights(line4())
    r = spatial.moran_global(pd.Series([4.0, 3.0, 2.0, 1.0], index=["d", "c", "b", "a"]), w)
    assert pytest.approx(0.4) == r.I
    assert r.expected == pytest.approx(-1 / 3)


def test_moran_is_deterministic_with_seed():
    w = spatial.build_weights(grid(5, 5))
    y = np.random.default_rng(1).normal(size=25)
    a, b = spatial.moran_global(y, w, seed=7), spatial.moran_global(y, w, seed=7)
    assert a.p_sim == b.p_sim


def test_moran_unstructured_variable_rarely_significant_clustered_always():
    g = grid(12, 12)
    w = spatial.build_weights(g)
    rows = np.repeat(np.arange(12), 12)
    cols = np.tile(np.arange(12), 12)
    n_sig_random, n_sig_clustered = 0, 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        noise = rng.normal(size=144)
        n_sig_random += spatial.moran_global(noise, w, seed=seed).significant(0.05)
        # planted clustering: a smooth gradient across the grid plus the same noise
        clustered = 0.3 * (rows + cols) + noise
        n_sig_clustered += spatial.moran_global(clustered, w, seed=seed).significant(0.05)
    # under no structure the expected count is 10 * 0.05 = 0.5; P(>= 3 of 10) ~ 1 %
    assert n_sig_random <= 2
    assert n_sig_clustered == 10


def test_constant_and_wrong_length_inputs_rejected():
    w = spatial.build_weights(line4())
    with pytest.raises(InputError, match="constant"):
        spatial.moran_global([1, 1, 1, 1], w)
    with pytest.raises(InputError, match="3 values: expected 4"):
        spatial.moran_global([1, 2, 3], w)
    with pytest.raises(InputError, match="missing"):
        spatial.lisa([1, np.nan, 3, 4], w)


# ---------------------------------------------------------------- LISA
def test_lisa_quadrants_by_hand_on_a_line():
    # z = -1.5,-.5,.5,1.5; lags: a -> z_b = -.5 (low, low neighbours: LL),
    # d -> z_c = .5 (HH); b: z=-.5, lag=(-1.5+.5)/2=-.5 -> LL; c -> HH
    w = spatial.build_weights(line4())
    out = spatial.lisa(pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"]), w)
    assert out.set_index("area_code")["quadrant"].to_dict() == {"a": "LL", "b": "LL", "c": "HH", "d": "HH"}
    # local I_a = z_a * lag_a / m2 with esda's m2 = sum z^2 / (n - 1) = 5/3: (-1.5)(-.5)/(5/3) = 0.45
    assert out.set_index("area_code").loc["a", "local_i"] == pytest.approx(0.45)
    # with 4 areas no permutation test can reach significance
    assert set(out["cluster"]) == {"ns"}


def test_lisa_finds_planted_hot_and_cold_spots_and_fdr_is_stricter():
    g = grid(10, 10)
    w = spatial.build_weights(g)
    rng = np.random.default_rng(3)
    y = rng.normal(size=100)
    hot = [r * 10 + c for r in range(1, 4) for c in range(1, 4)]      # 3x3 block near a corner
    cold = [r * 10 + c for r in range(6, 9) for c in range(6, 9)]
    y[hot] += 4
    y[cold] -= 4
    out = spatial.lisa(y, w, seed=1, fdr=True)
    raw = spatial.lisa(y, w, seed=1, fdr=False)
    assert out.loc[11 + 1, "cluster"] == "HH"  # centre of the hot block (row 2, col 2)
    assert out.loc[77, "cluster"] == "LL"      # centre of the cold block
    # FDR cut-off is never looser than alpha, so it flags no more areas than alpha alone
    assert out.attrs["p_cutoff"] <= 0.05
    assert (out["cluster"] != "ns").sum() <= (raw["cluster"] != "ns").sum()
    # a significant label always equals the quadrant
    sig = out[out["cluster"] != "ns"]
    assert (sig["cluster"] == sig["quadrant"]).all()


# ---------------------------------------------------------------- EB rates
def test_moran_rate_equals_moran_of_rates_when_bases_are_equal():
    # with equal bases the EB standardised rate (r - b)/sqrt(a + b/p) is an affine
    # transform of the raw rate, and Moran's I is invariant to affine transforms
    w = spatial.build_weights(grid(5, 5))
    base = np.full(25, 200.0)
    events = 5.0 + (np.arange(25) % 7) + 2 * (np.arange(25) // 5)
    assert pytest.approx(spatial.moran_global(events / base, w).I) == spatial.moran_rate(events, base, w).I


def test_moran_rate_rejects_zero_base():
    w = spatial.build_weights(line4())
    with pytest.raises(InputError, match="base > 0"):
        spatial.moran_rate([1, 2, 3, 4], [10, 0, 10, 10], w)


# ---------------------------------------------------------------- growth and area context
def test_municipal_growth_by_hand():
    bt = pd.DataFrame({
        "area_code": ["KU009"] * 4 + ["KU977"] * 2 + ["MK17"] * 2,
        "industry_code": ["01", "10", "01", "10", "01", "01", "01", "01"],
        "year": [2015, 2015, 2020, 2020, 2015, 2020, 2015, 2020],
        "personnel": [10.0, 30.0, 15.0, 35.0, 0.0, 5.0, 100.0, 90.0],
    })
    out = spatial.municipal_growth(bt, 2015, 2020).set_index("area_code")
    assert list(out.index) == ["KU009", "KU977"]            # MK rows are not municipalities
    assert out.loc["KU009", "growth_pct"] == pytest.approx(25.0)   # (15+35)/(10+30) - 1
    assert np.isnan(out.loc["KU977", "growth_pct"])          # start 0: undefined, never inf
    with pytest.raises(InputError, match="2030"):
        spatial.municipal_growth(bt, 2015, 2030)


def _context_inputs():
    # 36 real mainland municipality codes laid on a 6x6 grid, Ylivieska (KU977) in the
    # top row whose municipalities grow fastest; growth falls row by row
    others = [c for c in areas.members("SSS", "KU") if c not in ("KU977",)
              and areas.get_area(c).region_code != "MK21"][:35]
    codes = others[:30] + ["KU977"] + others[30:]
    g = grid(6, 6, codes)
    rows = np.arange(36) // 6
    bt = pd.DataFrame({"area_code": codes * 2, "industry_code": "01", "year": [2013] * 36 + [2023] * 36,
                       "personnel": np.r_[np.full(36, 100.0), 100.0 + 10 * rows + (np.arange(36) % 6) * 0.5]})
    return g, bt


def test_area_spatial_context_names_the_cluster():
    g, bt = _context_inputs()
    text_en = spatial.area_spatial_context("Ylivieska", "en", geometries=g, business_table=bt)
    assert text_en.startswith("Ylivieska belongs to a high-growth cluster (HH)")
    assert "2013–2023" in text_en
    text_fi = spatial.area_spatial_context("KU977", "fi", geometries=g, business_table=bt)
    assert text_fi.startswith("Ylivieska kuuluu korkean kasvun klusteriin")


def test_lisa_class_for_a_region_counts_members():
    t = pd.DataFrame({"area_code": ["KU009", "KU977", "KU564", "KU091"], "cluster": ["HH", "HH", "ns", "LL"]})
    info = spatial.lisa_class_for_area(t, "MK17")
    # MK17 holds KU009, KU977, KU564 (not Helsinki KU091): two HH, one ns
    assert info["counts"]["HH"] == 2 and info["counts"]["ns"] == 1 and info["counts"]["LL"] == 0
    assert info["cluster"] == "HH" and info["n"] == 3
    with pytest.raises(InputError, match="KU478"):
        spatial.lisa_class_for_area(t, "KU478")


def test_context_mentions_an_uncorrected_class_only_as_a_hint():
    # one municipality, not significant after FDR ("ns") but p = 0.008 alone in quadrant LL
    t = pd.DataFrame({"area_code": ["KU977"], "cluster": ["ns"], "quadrant": ["LL"], "p_sim": [0.008]})
    text = spatial.spatial_context_text(t, "KU977", "en", 2013, 2022)
    hint = "Without the multiple-testing correction (p = 0.008) it would fall in class LL; read with care."
    assert text.endswith(" " + hint)
    assert text.startswith("Ylivieska ") and "LL" not in text[: -len(hint)]  # its class stays "ns"
    # p above 0.05: no hint at all; a real FDR cluster: its class, no hint
    quiet = spatial.spatial_context_text(t.assign(p_sim=0.2), "KU977", "en", 2013, 2022)
    assert "correction" not in quiet and quiet == text[: -len(hint) - 1]
    ll = spatial.spatial_context_text(t.assign(cluster="LL"), "KU977", "en", 2013, 2022)
    assert "correction" not in ll and "LL" in ll


def planted_hot_block():
    """A 10 x 10 grid, its queen weights and noise with a planted hot 3 x 3 block (rows and columns 1–3)."""
    w = spatial.build_weights(grid(10, 10))
    y = np.random.default_rng(3).normal(size=100)
    y[[r * 10 + c for r in range(1, 4) for c in range(1, 4)]] += 4
    return w, y


def test_lisa_default_permutations_resolve_p_values_below_the_fdr_cut_off():
    # the planted hot block of a 10 x 10 grid: its centre's local I is beyond every permutation, so its
    # pseudo p-value is the floor 1 / (permutations + 1); with 999 that floor (0.001) was above the
    # Benjamini–Hochberg cut-off for a few hundred areas, with the default 99,999 it is 0.00001
    w, y = planted_hot_block()
    assert spatial.LISA_PERMUTATIONS >= 9_999 and spatial.MORAN_PERMUTATIONS >= 9_999
    out = spatial.lisa(y, w, seed=5)
    assert out.loc[22, "p_sim"] == pytest.approx(1 / (spatial.LISA_PERMUTATIONS + 1))
    coarse = spatial.lisa(y, w, seed=5, permutations=999)
    assert coarse["p_sim"].min() >= 1 / 1000 - 1e-12


def test_lisa_stability_same_set_for_two_seeds_and_rejects_one_seed():
    w, y = planted_hot_block()
    y[[r * 10 + c for r in range(6, 9) for c in range(6, 9)]] -= 4
    table = spatial.lisa_stability(y, w, seeds=(11, 12))
    assert table.attrs["stable"]
    assert table["same_as_first"].tolist() == [True, True]
    first = table["significant"].iloc[0].split(", ")
    assert "c022:HH" in first and "c077:LL" in first
    assert table["n_significant"].iloc[0] == len(first)
    with pytest.raises(InputError, match="at least two"):
        spatial.lisa_stability(y, w, seeds=(1,))


@pytest.mark.slow
def test_embedded_growth_lisa_set_is_the_same_for_two_permutation_seeds():
    # notebook 10's default analysis (2013–2022, queen weights, FDR 5 %): with 999 permutations seeds
    # 20240917, 1 and 2 gave 8, 14 and 0 significant municipalities; the default must not depend on the seed
    from kasvudata_utils.research.inputs import load_research_inputs

    inp = load_research_inputs()
    geo = spatial.mainland(inp.geometries)
    growth = spatial.municipal_growth(inp.business_table, 2013, 2022)
    g = geo.merge(growth, on="area_code").dropna(subset=["growth_pct"]).reset_index(drop=True)
    w = spatial.build_weights(g, "queen")
    y = pd.Series(g["growth_pct"].to_numpy(), index=g["area_code"])
    table = spatial.lisa_stability(y, w, seeds=(20240917, 2))
    assert table.attrs["stable"], table
    assert table["n_significant"].iloc[0] > 0
