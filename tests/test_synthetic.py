"""Tests of the calibrated synthetic firm panel (issue #2).

Calibration figures are measured here from the generated panel with the METHODS.md definitions,
written out independently of the indicator engine. The default-scale data is generated once per
session; everything that does not need real-size levels uses ``scale="test"``.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import processing
from kasvudata_utils.data import synthetic as S
from kasvudata_utils.errors import InputError

YEARS = list(range(2013, 2024))
CUSTOMS_MK17_MEUR = {2013: 1420, 2014: 1572, 2015: 1396, 2016: 1337, 2017: 1864}


@pytest.fixture(scope="session")
def small():
    return S.generate(scale="test")


@pytest.fixture(scope="session")
def full():
    return S.generate()


def _wide(panel: pd.DataFrame) -> pd.DataFrame:
    return panel.pivot(index="firm_id", columns="year", values="personnel")


# ----------------------------------------------------------------------------- contract
def test_schema_and_provenance(small):
    fp, bt, mf = small.firm_panel, small.business_table, small.municipality_factors
    assert list(fp.columns) == S.FIRM_COLUMNS
    assert list(bt.columns) == S.TABLE_COLUMNS
    assert list(mf.columns) == ["municipality_code", "broadband_pct", "rd_eur_per_capita"]
    for df in (fp, bt, mf):
        assert provenance.get(df)["kind"] == "synthetic"
    assert fp[["year", "founded_year"]].dtypes.tolist() == [np.int64, np.int64]
    assert not fp.isna().any().any() and not bt.isna().any().any()
    assert set(fp["year"]) == set(YEARS)
    assert set(fp["municipality_code"]) == set(areas.members("MK17", "KU"))  # all 30, nothing else
    sections = fp["industry_code"].map(industries.division_section_map())
    assert sections.isin(industries.BUSINESS_SECTIONS).all()
    assert (fp["personnel"] > 0).all()
    money = ["turnover_eur", "exports_goods_eur", "exports_services_eur", "support_eur"]
    assert (fp[money] >= 0).all().all()
    assert (fp["exports_goods_eur"] + fp["exports_services_eur"] <= fp["turnover_eur"]).all()
    assert (fp["founded_year"] <= fp["year"]).all()
    grants = fp[fp["support_eur"] > 0]
    assert grants["year"].between(2013, 2022).all() and not grants["firm_id"].duplicated().any()
    assert len(grants) == small.truth["counts"]["supported_firms_mk17"]
    assert not fp.duplicated(["firm_id", "year"]).any()
    assert fp.equals(fp.sort_values(["firm_id", "year"], ignore_index=True))
    # a firm never moves or changes industry, and is active in consecutive years only
    per_firm = fp.groupby("firm_id").agg(m=("municipality_code", "nunique"), i=("industry_code", "nunique"),
                                         lo=("year", "min"), hi=("year", "max"), n=("year", "size"))
    assert (per_firm[["m", "i"]] == 1).all().all()
    assert (per_firm["hi"] - per_firm["lo"] + 1 == per_firm["n"]).all()
    # the business table covers every municipality of Finland, and only municipalities
    assert set(bt["area_code"]) == set(areas.members("SSS", "KU"))
    assert not bt["suppressed"].any()
    assert mf["broadband_pct"].between(35, 99.5).all() and (mf["rd_eur_per_capita"] > 0).all()


def test_frames_pass_the_project_schemas(small):
    from kasvudata_utils.data import schemas

    assert len(schemas.validate_firm_panel(small.firm_panel)) == len(small.firm_panel)
    assert len(schemas.validate_business_table(small.business_table)) == len(small.business_table)


def _aggregate(fp: pd.DataFrame) -> pd.DataFrame:
    agg = (fp.assign(exports=fp["exports_goods_eur"] + fp["exports_services_eur"])
           .groupby(["municipality_code", "industry_code", "year"], as_index=False)
           .agg(establishments=("firm_id", "size"), personnel=("personnel", "sum"),
                turnover_eur=("turnover_eur", "sum"), exports_eur=("exports", "sum")))
    agg["personnel"] = agg["personnel"].round(2)
    return agg.rename(columns={"municipality_code": "area_code"})


@pytest.mark.parametrize("which", ["small", "full"])
def test_business_table_mk17_rows_equal_aggregated_panel(which, request):
    data = request.getfixturevalue(which)
    agg = _aggregate(data.firm_panel)
    bt = data.business_table
    mk17 = bt[bt["area_code"].isin(areas.members("MK17", "KU"))]
    nonzero = mk17[mk17["establishments"] > 0].reset_index(drop=True)
    cols = ["area_code", "industry_code", "year", "establishments", "personnel", "turnover_eur", "exports_eur"]
    pd.testing.assert_frame_equal(nonzero[cols].astype({"establishments": "int64"}),
                                  agg[cols].astype({"establishments": "int64"}), check_exact=True)
    empty = mk17[mk17["establishments"] == 0]
    assert (empty[["personnel", "turnover_eur", "exports_eur"]] == 0).all().all()
    # one firm = one establishment: establishments count firms
    assert mk17["establishments"].sum() == len(data.firm_panel)


def test_generate_is_deterministic_and_seed_matters(small):
    again = S.generate(scale="test")
    pd.testing.assert_frame_equal(small.firm_panel, again.firm_panel)
    pd.testing.assert_frame_equal(small.business_table, again.business_table)
    pd.testing.assert_frame_equal(small.municipality_factors, again.municipality_factors)
    assert small.truth == again.truth
    other = S.generate(seed=1, scale="test")
    assert not other.firm_panel["personnel"].equals(small.firm_panel["personnel"])


def test_build_is_byte_identical_and_round_trips(tmp_path, small):
    first = S.build(tmp_path / "a", scale="test")
    second = S.build(tmp_path / "b", scale="test")
    assert [p.name for p in first] == list(S.FILES)
    for p, q in zip(first, second, strict=False):
        assert hashlib.sha256(p.read_bytes()).hexdigest() == hashlib.sha256(q.read_bytes()).hexdigest()
    pd.testing.assert_frame_equal(pd.read_parquet(first[0]), small.firm_panel)
    pd.testing.assert_frame_equal(pd.read_parquet(first[1]), small.business_table)
    pd.testing.assert_frame_equal(pd.read_parquet(first[2]), small.municipality_factors)
    assert json.loads(first[3].read_text(encoding="utf-8")) == small.truth


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scale": "huge"}, "scale 'huge'"),
    ({"effects": {"suport": 0.0}}, "effect 'suport'"),
    ({"effects": {"support": "big"}}, "support='big'"),
    ({"effects": {"support": float("nan")}}, "support=nan"),
    ({"seed": -3}, "seed -3"),
])
def test_bad_arguments_raise_one_line_input_error(kwargs, fragment):
    with pytest.raises(InputError) as err:
        S.generate(**kwargs)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_truth_documents_effects_and_overrides():
    truth = S.generate(scale="test", effects={"support": 0.0, "distance": -0.02}).truth
    assert truth["synthetic"] is True
    assert truth["effects"]["support"]["value"] == 0.0
    assert truth["effects"]["distance"]["value"] == -0.02
    assert truth["effects"]["broadband"]["value"] == S.DEFAULT_EFFECTS["broadband"]
    assert truth["calibration"]["regional_centres"]["MK17"] == "KU564"  # Oulu
    assert "ln L[i,t]" in truth["model"]["firm_growth"]
    # distance to the regional centre is, in MK17, the distance to Oulu of the processing step
    oulu = processing.distances().set_index("municipality_code")["distance_to_oulu_km"]
    for code in areas.members("MK17", "KU"):
        assert truth["distance_to_regional_centre_km"][code] == pytest.approx(oulu[code], abs=1e-3)


# ----------------------------------------------------------------------------- planted effects
def _growth_rows(data) -> pd.DataFrame:
    """Firm-year log growth with the regressors of the planted equation."""
    fp = data.firm_panel
    wide = _wide(fp)
    support_year = fp[fp["support_eur"] > 0].set_index("firm_id")["year"]
    rows = []
    for t in YEARS[1:]:
        both = wide[[t - 1, t]].dropna()
        both = both[both[t - 1] >= 0.5]  # rounding to 0.01 is noise for the tiniest firms
        sy = support_year.reindex(both.index)
        rows.append(pd.DataFrame({"firm_id": both.index, "year": t, "dlnL": np.log(both[t] / both[t - 1]),
                                  "size_bin": np.floor(np.log(both[t - 1]) * 4),
                                  "treated": ((t - sy >= 1) & (t - sy <= 3)).fillna(False).astype(float)}))
    out = pd.concat(rows, ignore_index=True)
    firm = fp.drop_duplicates("firm_id").set_index("firm_id")
    out["municipality_code"] = firm.loc[out["firm_id"], "municipality_code"].to_numpy()
    out["section"] = firm.loc[out["firm_id"], "industry_code"].map(industries.division_section_map()).to_numpy()
    fac = data.municipality_factors.set_index("municipality_code")
    dist = pd.Series(data.truth["distance_to_regional_centre_km"])
    pop = processing.population().pivot(index="municipality_code", columns="year", values="population")
    dlnpop = {t: np.log(pop[min(t, 2022)] / pop[min(t, 2022) - 1]) for t in YEARS[1:]}
    m = out["municipality_code"]
    out["distance"] = dist.reindex(m).to_numpy() / 100
    out["broadband"] = (fac.loc[m, "broadband_pct"].to_numpy() - 80) / 10
    out["rd"] = fac.loc[m, "rd_eur_per_capita"].to_numpy() / 1000
    out["population"] = [dlnpop[t][c] for t, c in zip(out["year"], m, strict=False)]
    return out


def _within_ols(df: pd.DataFrame, xs: list[str], cluster: str = "firm_id") -> tuple[np.ndarray, np.ndarray]:
    """OLS of dlnL on xs with section × year × size-bin fixed effects and cluster-robust standard
    errors (by firm for support; by municipality for the factors, which vary by municipality only)."""
    cell = df.groupby(["section", "year", "size_bin"]).ngroup()
    cols = ["dlnL", *xs]
    dm = df[cols] - df[cols].groupby(cell).transform("mean")
    X, y = dm[xs].to_numpy(), dm["dlnL"].to_numpy()
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    score = pd.DataFrame(X * (y - X @ beta)[:, None]).groupby(df[cluster].to_numpy()).sum()
    meat = score.to_numpy().T @ score.to_numpy()
    cov = xtx_inv @ meat @ xtx_inv
    return beta, np.sqrt(np.diag(cov))


def test_planted_effects_are_recovered_on_the_default_panel(full):
    xs = ["treated", "distance", "broadband", "rd", "population"]
    # standard errors clustered by firm: with only 30 municipalities, clustering by municipality gives
    # unreliable (too small) standard errors for the municipality factors
    beta, se = _within_ols(_growth_rows(full), xs, cluster="firm_id")
    truth = {k: full.truth["effects"][k if k != "treated" else "support"]["value"] for k in xs}
    for k, b, s in zip(xs, beta, se, strict=False):
        assert abs(b - truth[k]) < 4 * s, (k, b, s, truth[k])
    # the support and distance effects are clearly identified (not vacuous intervals)
    assert se[0] < 0.01 and se[1] < 0.004


@pytest.mark.parametrize("size", [0.0, 0.2])
def test_support_effect_follows_the_override(size):
    data = S.generate(scale="test", effects={"support": size})
    beta, se = _within_ols(_growth_rows(data), ["treated"])
    assert abs(beta[0] - size) < max(4 * se[0], 0.02)


# ----------------------------------------------------------------------------- calibration (default scale)
def test_2017_personnel_matches_paavo_in_every_large_cell_and_region(full):
    # target: |personnel_2017 / Paavo workplaces_2017 − 1| ≤ 5 % where Paavo has ≥ 50 workplaces
    fp = full.firm_panel
    wp = processing.workplaces_2017()
    wp = wp[wp["section"].isin(industries.BUSINESS_SECTIONS)].set_index(["area_code", "section"])["workplaces"]
    p17 = fp[fp["year"] == 2017].assign(section=lambda d: d["industry_code"].map(industries.division_section_map()))
    cells = p17.groupby(["municipality_code", "section"])["personnel"].sum()
    real = wp[wp.index.get_level_values(0).isin(areas.members("MK17", "KU"))]
    big = real[real >= 50]
    assert len(big) > 100  # MK17 has many such cells: the check is not vacuous
    ratio = cells.reindex(big.index).fillna(0) / big
    assert ratio.between(0.95, 1.05).all(), ratio[~ratio.between(0.95, 1.05)]
    # every region's business-section total, from the business table (all of Finland)
    bt = full.business_table
    b17 = bt[bt["year"] == 2017]
    region = b17["area_code"].map(areas.municipality_map("MK"))
    sim = b17.groupby(region)["personnel"].sum()
    real_mk = wp[wp.index.get_level_values(0).str.startswith("MK")].groupby(level=0).sum()
    assert len(real_mk) == 19
    ratio = sim.reindex(real_mk.index) / real_mk
    assert ratio.between(0.95, 1.05).all(), ratio


def test_micro_firm_share(full):
    # share of firm-years with personnel < 10: 90–95 %, overall and in each year
    micro = full.firm_panel["personnel"] < 10
    assert 0.90 <= micro.mean() <= 0.95
    by_year = micro.groupby(full.firm_panel["year"]).mean()
    assert by_year.between(0.90, 0.95).all(), by_year


def test_birth_and_death_rates(full):
    # METHODS: birth in t = first row in t (t > 2013); death in t = last row in t (t < 2023); / active_t
    fp = full.firm_panel
    first = fp.groupby("firm_id")["year"].min()
    last = fp.groupby("firm_id")["year"].max()
    active = fp.groupby("year").size()
    births = first[first > 2013].value_counts().reindex(YEARS[1:]) / active.reindex(YEARS[1:])
    deaths = last[last < 2023].value_counts().reindex(YEARS[:-1]) / active.reindex(YEARS[:-1])
    assert births.between(0.07, 0.11).all(), births
    assert deaths.between(0.06, 0.10).all(), deaths


def test_survival_rates(full):
    # n-year survival = births of t−n active in t / births of t−n, pooled over the measurable cohorts
    wide = _wide(full.firm_panel).notna()
    first = full.firm_panel.groupby("firm_id")["year"].min()
    for n, lo, hi in [(1, 0.75, 0.85), (5, 0.40, 0.50)]:
        born = surv = 0
        for t0 in range(2014, 2024 - n):
            cohort = first.index[first == t0]
            born += len(cohort)
            surv += int(wide.loc[cohort, t0 + n].sum())
        assert lo <= surv / born <= hi, (n, surv / born)


def test_high_growth_share(full):
    # EU 439/2014: ≥ 10 persons in t−3 and e_t / e_{t−3} > 1.331; share of firms ≥ 10 in t−3
    wide = _wide(full.firm_panel)
    hge = base = 0
    for t in range(2016, 2024):
        e0, e1 = wide[t - 3], wide[t]
        eligible = e0 >= 10
        base += int(eligible.sum())
        hge += int((eligible & (e1 / e0 > 1.331)).sum())  # a firm gone by t is not an HGE (NaN > x is False)
    assert base > 5_000
    assert 0.05 <= hge / base <= 0.12, hge / base


def test_exports_match_customs_and_exporter_count(full):
    fp = full.firm_panel
    goods = fp.groupby("year")["exports_goods_eur"].sum() / 1e6
    for year, target in CUSTOMS_MK17_MEUR.items():
        assert abs(goods[year] / target - 1) <= 0.05, (year, goods[year])
    exporters = fp[(fp["year"] == 2022) & (fp["exports_goods_eur"] + fp["exports_services_eur"] > 0)]
    assert 765 <= exporters["firm_id"].nunique() <= 1035  # about 900 (907 in 2022) ± 15 %


def test_other_regions_have_plausible_exports(full):
    # table exports = goods (scaled to Customs) + services: between 1 and 1.6 × Customs goods, 2013–2017
    bt = full.business_table
    region = bt["area_code"].map(areas.municipality_map("MK"))
    sim = bt.groupby([region, bt["year"]])["exports_eur"].sum()
    customs = processing.exports_regional()
    customs = customs[customs["region_code"] != "SSS"].set_index(["region_code", "year"])["exports_goods_eur"]
    ratio = sim.reindex(customs.index) / customs
    assert len(ratio) == 19 * 5
    assert ratio.between(0.999, 1.6).all(), ratio[~ratio.between(0.999, 1.6)]


def test_population_losers_lose_business_personnel(full):
    pop = processing.population().pivot(index="municipality_code", columns="year", values="population")
    losers = pop.index[pop[2022] < pop[2013]]
    bt = full.business_table
    tot = bt[bt["year"].isin([2013, 2022])].pivot_table(index="area_code", columns="year",
                                                        values="personnel", aggfunc="sum")
    growth = tot[2022] / tot[2013] - 1
    assert len(losers) > 100
    assert growth.reindex(losers).mean() < 0
    assert growth.drop(losers).mean() > growth.reindex(losers).mean()
    mk17_losers = [m for m in losers if m in set(areas.members("MK17", "KU"))]
    assert growth.reindex(mk17_losers).mean() < 0


@pytest.mark.slow
def test_national_scale_build(tmp_path, full):
    paths = S.build(tmp_path, scale="national")
    assert paths[0].parent == tmp_path / "national"
    panel = pd.read_parquet(paths[0])
    per_year = panel.groupby("year").size()
    assert per_year.between(300_000, 400_000).all(), per_year  # about 350,000 firms a year
    # the same seed simulates the same country: its MK17 part is the default panel
    mk17 = panel[panel["municipality_code"].isin(areas.members("MK17", "KU"))].reset_index(drop=True)
    pd.testing.assert_frame_equal(mk17, full.firm_panel, check_dtype=False)


def test_data_readme_states_the_planted_effect_sizes():
    # the README's effects table must say what the code plants (first number of each row)
    import re

    from kasvudata_utils.paths import data_dir

    text = (data_dir() / "README.md").read_text(encoding="utf-8")
    section = text.split("## Synthetic firm panel and planted ground truth", 1)[1]
    for key, value in S.DEFAULT_EFFECTS.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{key}` |"))
        number = re.search(r"[−+-]?\d+\.\d+", row.split("|")[2]).group().replace("−", "-")
        assert float(number) == value, (key, row)


def test_municipality_factors_are_spatially_clustered(small):
    # "random but spatially plausible": neighbouring municipalities look alike (Moran's I > 0, p < 0.01)
    import esda
    from libpysal.weights import KNN

    pts = processing.central_localities().set_index("municipality_code")
    fac = small.municipality_factors.set_index("municipality_code").loc[pts.index]
    coords = np.column_stack([pts["lon"] * np.cos(np.radians(pts["lat"])), pts["lat"]])  # ~equal-area
    w = KNN.from_array(coords, k=6)
    w.transform = "r"
    for name, values in (("broadband_pct", fac["broadband_pct"]), ("log rd", np.log(fac["rd_eur_per_capita"]))):
        mi = esda.Moran(values.to_numpy(), w, permutations=0)
        assert mi.I > 0 and mi.p_norm < 0.01, (name, mi.I, mi.p_norm)
