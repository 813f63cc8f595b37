"""Similar areas (``research.similar``, ``kasvudata similar``): distances by hand, plausibility on real data."""
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli as run

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.research import similar


def toy_features(trend, unemployment=None):
    """Four areas A–D; only the columns the test sets carry numbers."""
    cols = [f.name for f in similar.FEATURES]
    df = pd.DataFrame(np.nan, index=pd.Index(list("ABCD"), name="area_code"), columns=cols)
    df["population_change_pct"] = trend
    df["unemployment_rate_pct"] = unemployment if unemployment is not None else [10.0] * 4
    df["jobs_per_100_residents"] = 30.0
    return df


def test_weights_equal_per_group_and_sum_to_one():
    ft = similar.feature_table(similar.DEFAULT_GROUPS)
    assert ft["weight"].sum() == pytest.approx(1.0)
    assert ft.groupby("group")["weight"].sum().tolist() == pytest.approx([0.2] * 5)
    # six structure features share the structure group's 0.2
    assert ft.set_index("feature").loc["wp_public_pct", "weight"] == pytest.approx(0.2 / 6)
    assert set(ft["kind"]) == {"real"}
    assert "business" not in set(ft["group"])
    assert set(similar.feature_table("business")["kind"]) == {"synthetic"}


def test_distances_by_hand_constant_features_do_not_count():
    # trend 0, 2, 4, 6: mean 3, population sd sqrt(5); unemployment and jobs constant → z = 0.
    # trend weighs 1/2 (group trend), labour 1/2 shared by two constant features.
    out = similar.find_similar(toy_features([0.0, 2.0, 4.0, 6.0]), "A", n=3, groups="trend,labour",
                               names={"A": "a", "B": "b", "C": "c", "D": "d"})
    assert out["area_code"].tolist() == ["A", "B", "C", "D"]
    assert out["rank"].tolist() == [0, 1, 2, 3]
    expected = [0.0, math.sqrt(0.5 * 4 / 5), math.sqrt(0.5 * 16 / 5), math.sqrt(0.5 * 36 / 5)]
    assert out["distance"].tolist() == pytest.approx(expected)
    assert out.columns.tolist() == ["area_code", "name_fi", "distance", "rank", "population_change_pct",
                                    "unemployment_rate_pct", "jobs_per_100_residents"]
    assert out.loc[3, "population_change_pct"] == 6.0  # raw values, not z-scores


def test_distances_two_features_by_hand():
    # trend 0, 0, 2, 2 → z −1, −1, 1, 1; unemployment 4, 8, 4, 8 → z −1, 1, −1, 1.
    # weights: trend 1/2, unemployment 1/4, jobs 1/4 (constant, contributes 0).
    f = toy_features([0.0, 0.0, 2.0, 2.0], [4.0, 8.0, 4.0, 8.0])
    out = similar.find_similar(f, "A", n=3, groups="trend,labour", names={}).set_index("area_code")
    assert out.loc["B", "distance"] == pytest.approx(math.sqrt(0.25 * 4))      # 1.0
    assert out.loc["C", "distance"] == pytest.approx(math.sqrt(0.5 * 4))       # 1.414…
    assert out.loc["D", "distance"] == pytest.approx(math.sqrt(0.5 * 4 + 0.25 * 4))
    assert out.index.tolist() == ["A", "B", "C", "D"]


def test_missing_feature_renormalises_weights():
    z = pd.DataFrame({"a": [0.0, 3.0], "b": [0.0, np.nan]}, index=["X", "Y"])
    d = similar.distances(z, "X", pd.Series({"a": 0.25, "b": 0.75}))
    assert float(d["Y"]) == pytest.approx(3.0)  # only a counts, with its weight renormalised to 1


def test_aggregate_sums_counts_and_weights_means_by_population():
    base = pd.DataFrame({
        "population": [100.0, 300.0], "population_start": [80.0, 320.0], "population_wp_year": [100.0, 300.0],
        "workplaces_total": [50.0, 150.0], "wp_A": [10.0, 10.0], "wp_O": [5.0, 0.0], "wp_P": [0.0, 5.0],
        "wp_Q": [0.0, 30.0], "unemployed": [10.0, 30.0], "labour_force": [100.0, 200.0],
        "distance_to_centre_km": [10.0, 30.0], "urban_rural_class": [3.0, 1.0],
    }, index=pd.Index(["KU001", "KU002"], name="municipality_code"))
    out = similar.aggregate_features(base, {"G": ["KU001", "KU002"], "ONE": ["KU001"]})
    g = out.loc["G"]
    assert g["population"] == 400.0
    assert g["population_change_pct"] == pytest.approx(0.0)               # 400 → 400
    assert g["unemployment_rate_pct"] == pytest.approx(100 * 40 / 300)
    assert g["jobs_per_100_residents"] == pytest.approx(100 * 200 / 400)
    assert g["wp_primary_pct"] == pytest.approx(100 * 20 / 200)
    assert g["wp_public_pct"] == pytest.approx(100 * 40 / 200)
    assert g["distance_to_centre_km"] == pytest.approx((100 * 10 + 300 * 30) / 400)  # 25
    assert g["urban_rural_class"] == pytest.approx((100 * 3 + 300 * 1) / 400)         # 1.5
    assert out.loc["ONE", "population_change_pct"] == pytest.approx(25.0)  # 80 → 100
    assert math.isnan(g["establishments_per_1000"])  # no business table given


def _aggregate_per_area_frames(base, membership):
    """The former aggregation (a reindexed frame per area, pandas sums): the reference of the array version."""
    rows = {}
    for code, munis in membership.items():
        b = base.reindex(list(munis))
        s = {c: b[c].sum(min_count=1) if c in b else np.nan for c in similar._BASE_SUMS}
        w = b["population"] if "population" in b else pd.Series(np.nan, index=b.index)
        m = {}
        for c in similar._BASE_MEANS:
            ok = b[c].notna() & w.notna() if c in b else pd.Series(False, index=b.index)
            m[c] = float((b.loc[ok, c] * w[ok]).sum() / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else np.nan
        total = s["workplaces_total"]
        r = {name: similar._pct(sum(s.get(f"wp_{x}", np.nan) for x in secs), total)
             for name, secs in similar.SECTION_GROUPS.items()}
        r["population"] = s["population"]
        r["population_change_pct"] = similar._pct(s["population"] - s["population_start"], s["population_start"])
        r["unemployment_rate_pct"] = similar._pct(s["unemployed"], s["labour_force"])
        r["jobs_per_100_residents"] = similar._pct(total, s["population_wp_year"] if "population_wp_year" in b
                                                   else s["population"])
        r.update(m)
        r["establishments_per_1000"] = similar._pct(s["establishments"], s["population"]) * 10
        r["business_personnel_change_pct"] = similar._pct(s["personnel_end"] - s["personnel_start"],
                                                          s["personnel_start"])
        rows[code] = r
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[f.name for f in similar.FEATURES])
    out.index.name = "area_code"
    return out.astype(float)


@pytest.mark.parametrize("seed", range(6))
def test_aggregate_equals_the_per_area_frames_bit_for_bit(seed):
    # random municipalities with gaps (NaN), integer columns, a column left out, areas of 1 to 40
    # municipalities and one naming a municipality the base lacks: the same floats to the last bit
    rng = np.random.default_rng(seed)
    n = 60
    codes = [f"KU{k:03d}" for k in range(n)]
    cols = [c for c in (*similar._BASE_SUMS, *similar._BASE_MEANS) if c != "wp_K" or seed % 2]
    base = pd.DataFrame({c: rng.random(n) * 10 ** rng.integers(0, 6) for c in cols}, index=pd.Index(codes))
    for c in cols:
        base.loc[rng.random(n) < 0.1, c] = np.nan
    base["population"] = rng.integers(0, 50_000, n)  # int64, as the population table
    base.loc[codes[:3], "population"] = 0
    membership = {f"A{k}": list(rng.choice(codes, size=int(rng.integers(1, 41)), replace=False)) for k in range(25)}
    membership["GAP"] = [codes[0], "KU999"]
    membership["ONLY_ZERO"] = [codes[1]]
    got = similar.aggregate_features(base, membership)
    pd.testing.assert_frame_equal(got, _aggregate_per_area_frames(base, membership), check_exact=True)


def test_aggregate_of_every_level_equals_the_per_area_frames():
    base = similar.municipality_base()
    for level in ("KU", "SK", "MK"):
        membership = {}
        for ku, code in areas.municipality_map(level).items():
            membership.setdefault(code, []).append(ku)
        pd.testing.assert_frame_equal(similar.aggregate_features(base, membership),
                                      _aggregate_per_area_frames(base, membership), check_exact=True)


def test_bad_input_is_one_line():
    f = toy_features([0.0, 2.0, 4.0, 6.0])
    with pytest.raises(InputError, match="unknown feature group 'shape'"):
        similar.parse_groups("size,shape")
    with pytest.raises(InputError, match="1 to 100"):
        similar.find_similar(f, "A", n=0, groups="trend", names={})
    with pytest.raises(InputError, match="no features"):
        similar.find_similar(f, "Z", n=1, groups="trend", names={})


@pytest.fixture(scope="module")
def municipalities():
    return similar.load_similarity_features("KU")


def test_features_from_real_data(municipalities):
    f = municipalities
    assert len(f) == 308
    assert f.loc["KU564", "distance_to_centre_km"] == 0.0  # Oulu is the centre of MK17
    assert f.loc["KU091", "distance_to_centre_km"] == 0.0  # Helsinki of Uusimaa
    assert f.loc["KU009", "urban_rural_class"] == 3.0 and f.loc["KU564", "urban_rural_class"] == 1.0
    assert 2000 < f.loc["KU009", "population"] < 3000  # Alavieska: about 2,500 residents


LARGE_CITIES = {"Helsinki", "Espoo", "Tampere", "Vantaa", "Turku", "Jyväskylä", "Kuopio", "Lahti", "Pori",
                "Joensuu", "Lappeenranta", "Rovaniemi", "Vaasa", "Seinäjoki", "Hämeenlinna", "Kouvola"}


def test_cli_oulu_peers_are_large_cities(capsys):
    rc, out, err = run(capsys, "similar", "--area", "KU564", "--n", "5")
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert df.columns[:4].tolist() == ["area_code", "name_fi", "distance", "rank"]
    assert df.loc[0, "name_fi"] == "Oulu" and len(df) == 6
    assert set(df["name_fi"][1:]) <= LARGE_CITIES
    assert (df["population"][1:] > 50_000).all()
    assert df["distance"].is_monotonic_increasing
    assert "weight 0.2" in err and "Paavo" in err  # each feature's weight and source shown


def test_cli_alavieska_peers_are_small_rural(capsys):
    rc, out, err = run(capsys, "similar", "--area", "009", "--n", "5", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)
    rows = pd.DataFrame(doc["areas"])
    assert rows.loc[0, "area_code"] == "KU009"
    assert (rows["urban_rural_class"] == 3.0).all()
    assert (rows["population"] < 10_000).all()
    assert {f["feature"] for f in doc["features"]} >= {"population", "distance_to_centre_km"}


def test_cli_within_and_bad_input(capsys):
    rc, out, _ = run(capsys, "similar", "--area", "KU009", "--n", "3", "--within", "MK17", "--by", "size")
    assert rc == 0
    df = pd.read_csv(io.StringIO(out))
    assert df["area_code"][1:].isin(areas.members("MK17", "KU")).all() and len(df) == 4
    for argv in (["--area", "SSS"], ["--area", "KU009", "--by", "shape"], ["--area", "KU009", "--n", "x"],
                 ["--area", "KU009", "--within", "KU009"]):
        rc, out, err = run(capsys, "similar", *argv)
        assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, (argv, err)


def test_cli_custom_area_is_compared_without_its_parts(capsys):
    rc, out, err = run(capsys, "similar", "--area", "SK173+SK178", "--n", "10", "--by", "size,structure")
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert df.loc[0, "area_code"] == "SK173+SK178" and "käyttäjän ryhmittely" in df.loc[0, "name_fi"]
    assert df["area_code"][1:].str.startswith("SK").all()  # compared with sub-regions
    assert not df["area_code"].isin(["SK173", "SK178"]).any()  # its own parts are not its peers
    # its population is the sum of the two sub-regions' (hand check against the sub-region rows)
    f = similar.load_similarity_features("SK")
    assert df.loc[0, "population"] == pytest.approx(f.loc["SK173", "population"] + f.loc["SK178", "population"])


def test_a_custom_row_does_not_shift_the_standardisation():
    f = toy_features([0.0, 2.0, 4.0, 6.0])
    with_custom = pd.concat([f, f.loc[["A"]].rename(index={"A": "KU009+KU977"}).assign(population_change_pct=100.0)])
    z = similar.standardise(with_custom, "trend")
    # mean 3 and population sd sqrt(5) of A–D still: A → −3/√5, the custom row → 97/√5
    assert z.loc["A", "population_change_pct"] == pytest.approx(-3 / math.sqrt(5))
    assert z.loc["KU009+KU977", "population_change_pct"] == pytest.approx(97 / math.sqrt(5))
