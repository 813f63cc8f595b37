"""Research code and similar areas on the run's data source: population and unemployment fetched by
``kasvudata data fetch`` (recorded PxWeb responses, ``tests/fixtures/pxweb_recorded/`` and the recorded
11re population) beside the business table, labelled with their table and fetch date.

The recorded population has three municipalities in 2025 (Espoo 325,716, Helsinki 694,392, Kauniainen
252,956 as recorded; not a country-wide year), the recorded unemployment two (Alavieska, Oulu;
constructed numbers). A country-wide fetched population is made by hand below (the embedded 2022 figures
as a "2025" with Alavieska set to 2,000) and recorded in the manifest as the fetch would.
"""
import json

import pandas as pd
import pytest
from conftest import run_cli as run
from test_pxweb import ROUTES, FakeSession

from kasvudata_utils import paths, provenance
from kasvudata_utils.data import fetch, loaders, sources
from kasvudata_utils.research import coverage, similar
from kasvudata_utils.research.inputs import load_research_inputs


@pytest.fixture
def real(tmp_path, monkeypatch):
    """A data folder whose processed files are the repository's, with data/real/ fetched from the recordings."""
    d = tmp_path / "data"
    (d / "processed").mkdir(parents=True)
    (d / "raw").symlink_to(paths.raw_dir())
    for f in paths.PROJECT_ROOT.joinpath("data", "processed").iterdir():
        (d / "processed" / f.name).symlink_to(f)
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(d))
    monkeypatch.setenv("KASVUDATA_PXWEB_CACHE", str(tmp_path / "cache"))
    similar._cached_features.cache_clear()
    fetch.fetch_all(client=fetch.make_client(session=FakeSession(ROUTES)))
    yield d / "real"
    similar._cached_features.cache_clear()


def label(real_dir, name):
    entry = json.loads((real_dir / "manifest.json").read_text())["files"][name]
    return sources.source_label(entry, "fi")


def country_wide_population(real_dir, alavieska=2000.0):
    """Overwrite the fetched population with every municipality in 2025 and record it as fetched."""
    emb = loaders.load_population()
    pop = emb[emb["year"] == 2022].assign(year=2025).reset_index(drop=True)
    pop.loc[pop["municipality_code"] == "KU009", "population"] = alavieska
    path = real_dir / "population.parquet"
    fetch._write_parquet(pop, path)
    manifest = sources.read_real_manifest(real_dir)
    manifest["files"]["population.parquet"].update(sha256=sources.file_sha256(path), rows=len(pop))
    fetch._write_manifest(real_dir, manifest)
    return emb


def test_one_place_answers_which_population_the_run_uses(real):
    statfin = sources.resolve_source("statfin")
    pop = sources.population_for(statfin)
    lab = label(real, "population.parquet")
    assert lab.startswith("Tilastokeskus, väestörakenne, taulukko 11re, haettu ")
    row = pop[(pop["municipality_code"] == "KU091") & (pop["year"] == 2025)]
    assert row["population"].tolist() == [694392.0]  # Helsinki, recorded
    # the embedded years fill what the fetch lacks, and the label names both sources
    emb = loaders.load_population()
    assert len(pop) == len(emb) + 3
    assert provenance.get(pop)["sources"] == [lab, loaders.SRC_SOTKANET]
    assert sources.year_sources(pop, 2025) == [lab] and sources.year_sources(pop, 2022) == [loaders.SRC_SOTKANET]
    # the fetched file alone (what the area report charts), and the embedded data without a source
    assert len(sources.population_for(statfin, fill=False)) == 3
    assert not sources.population_for(None).attrs["fetched"]
    assert sources.population_for("").equals(emb)
    un = sources.unemployment_for(statfin.table_path)  # a path works as well as a DataSource
    a = un[(un["municipality_code"] == "KU009") & (un["year"] == 2024)].iloc[0]
    assert sources.year_sources(un, 2024) == [label(real, "unemployment.parquet")]
    assert a["months"] == 3 and a["unemployed"] == pytest.approx((60 + 54 + 48) / 3)  # 12r5 recording


def test_a_fetch_of_a_few_municipalities_keeps_the_embedded_feature_years(real):
    base = similar.municipality_base(source=sources.resolve_source("statfin"))
    v = base.attrs["vintage"]
    assert (v["population_year"], v["unemployment_year"]) == (2022, 2020)
    assert v["population_source"] == loaders.SRC_SOTKANET and v["unemployment_source"] == loaders.SRC_TEM
    assert v["fetched"] is True
    emb = similar.municipality_base()
    pd.testing.assert_series_equal(base["population"], emb["population"], check_dtype=False)


def test_similarity_features_use_a_country_wide_fetched_year(real):
    emb = country_wide_population(real)
    statfin = sources.resolve_source("statfin")
    feats = similar.load_similarity_features("KU", source=statfin)
    v = feats.attrs["vintage"]
    assert v["population_year"] == 2025 and v["population_source"] == label(real, "population.parquet")
    start = float(emb.query("municipality_code == 'KU009' and year == 2015")["population"].iloc[0])
    assert feats.loc["KU009", "population"] == 2000.0
    assert feats.loc["KU009", "population_change_pct"] == pytest.approx(100 * (2000 / start - 1))  # 2015–2025
    assert label(real, "population.parquet") in provenance.get(feats)["sources"]
    ft = similar.feature_table(("size", "trend"), v).set_index("feature")
    assert ft.loc["population", "description"] == "population 2025 (standardised on log10)"
    assert ft.loc["population_change_pct", "description"] == "population change 2015–2025 (%)"
    assert ft.loc["population", "source"] == label(real, "population.parquet")
    sim = similar.similar_areas("KU009", 3, source=statfin)
    assert sim.attrs["vintage"]["population_year"] == 2025
    assert sim.set_index("area_code").loc["KU009", "population"] == 2000.0
    assert label(real, "population.parquet") in provenance.get(sim)["sources"]
    # the embedded run is unchanged: its own year and source
    assert similar.similar_areas("KU009", 3).attrs["vintage"]["population_year"] == 2022


def test_similar_comparison_labels_its_population(real):
    from kasvudata_utils.reports.similar import similar_comparison

    emb = country_wide_population(real)
    statfin = sources.resolve_source("statfin")
    df = similar_comparison("KU009", 2018, 2023, n=2, source=statfin)
    # the features take the fetched 2025; the population columns the period's last country-wide year (2022)
    assert df.attrs["vintage"]["population_year"] == 2025
    assert df.attrs["population_years"] == (2018, 2022) and df.attrs["population_source"] == [loaders.SRC_SOTKANET]
    alavieska = emb.query("municipality_code == 'KU009'").set_index("year")["population"]
    assert df.set_index("area_code").loc["KU009", "population"] == alavieska[2022]
    # the fetched business table (Alavieska and Oulu only) covers none of Alavieska's peers: unknown, not 0
    table = sources.load_table(statfin.table_path)
    df = similar_comparison("KU009", 2022, 2023, n=2, business_table=table, source=statfin)
    assert len(df) == 3 and df["personnel_growth_pct"].iloc[1:].isna().all()


def test_research_inputs_follow_the_table_and_have_no_firms_on_a_table(real):
    table = str(real / "business_table.parquet")
    inp = load_research_inputs(table_path=table)
    assert not inp.has_firms and inp.firm_prov == inp.table_prov and inp.table_prov["kind"] == "real"
    assert inp.population.attrs["fetched"] and inp.unemployment.attrs["fetched"]
    assert (inp.population["year"].max(), inp.unemployment["year"].max()) == (2025, 2025)
    text = inp.vintage_text("en")  # the sources of the first and the last year: embedded 2000, fetched 2025
    pop_label, un_label = label(real, "population.parquet"), label(real, "unemployment.parquet")
    assert text == (f"population: THL Sotkanet (Statistics Finland); {pop_label}, 2000–2025; "
                    f"unemployment: Ministry of Economic Affairs and Employment; {un_label}, 2006–2025")
    asked = load_research_inputs(table_path=table, synthetic_firm_data=True)
    assert asked.has_firms and asked.firm_prov["kind"] == "synthetic"
    embedded = load_research_inputs()
    assert embedded.has_firms and not embedded.population.attrs["fetched"]
    assert embedded.vintage_text("fi").startswith("väestö: THL Sotkanet")


def test_coverage_covariates_follow_the_source(real, capsys, monkeypatch):
    got = coverage.real_inputs(sources.resolve_source("statfin"))
    assert 2025 in set(got["population"]["year"]) and 2025 in set(got["unemployment"]["year"])
    assert 2025 not in set(coverage.real_inputs()["population"]["year"])
    seen = {}

    def fake_run(seeds, scale, estimators, progress=None, source=None):
        seen["source"] = source
        return pd.DataFrame({"seed": [1], "scenario": "planted", "estimator": "municipality", "parameter": "b",
                             "planted": 1.0, "estimate": 1.0, "std_error": 0.5, "ci_low": 0.0, "ci_high": 2.0})

    monkeypatch.setattr(coverage, "run_coverage", fake_run)
    code, out, err = run(capsys, "research", "coverage", "--seeds", "1", "--data", "statfin")
    assert code == 0 and seen["source"].origin == "statfin"
    assert "population: " + label(real, "population.parquet") in err


def test_coverage_statfin_before_a_fetch_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    code, out, err = run(capsys, "research", "coverage", "--seeds", "1", "--data", "statfin")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "kasvudata data fetch" in err


def test_cli_similar_names_the_fetched_year_and_table(real, capsys):
    country_wide_population(real)
    code, out, err = run(capsys, "similar", "--area", "KU009", "--n", "2", "--data", "statfin")
    assert code == 0 and out.splitlines()[1].startswith("KU009,Alavieska,0,0")
    lab = label(real, "population.parquet")
    assert f"population 2025 (standardised on log10); source {lab}" in err
    assert "population change 2015–2025 (%)" in err
    code, out, err = run(capsys, "similar", "--area", "KU009", "--data", "nope")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_similar_map_of_the_app_cache_follows_the_source(real):
    # Alavieska (about 2,500 residents) given Oulu's size in the fetched 2025: its peers change
    country_wide_population(real, alavieska=215000.0)
    statfin = sources.resolve_source("statfin")
    embedded = similar.similar_map(["KU009"], 3)["KU009"]
    fetched = similar.similar_map(["KU009"], 3, source=statfin)["KU009"]
    assert fetched != embedded
    feats = similar.load_similarity_features("KU", source=statfin)
    pops = feats.loc[[*fetched, *embedded], "population"]
    # the fetched peers are larger towns than the embedded ones (population is one of the size features)
    assert pops[fetched].median() > pops[embedded].median()


def test_report_fingerprint_follows_the_population_fetched_beside_the_table(real):
    from kasvudata_utils.reports.batch import table_fingerprint

    table = str(real / "business_table.parquet")
    assert table_fingerprint("abc") == "abc"  # no table: unchanged
    before = table_fingerprint("abc", table)
    assert before == table_fingerprint("abc", table) and before != "abc"
    country_wide_population(real)  # a refreshed population only, the business table's bytes unchanged
    assert table_fingerprint("abc", table) != before


def test_feature_names_carry_the_fetched_years(real):
    country_wide_population(real)
    v = similar.load_similarity_features("SK", source=sources.resolve_source("statfin")).attrs["vintage"]
    assert similar.feature_label("population", "fi", v) == "Väkiluku 2025 (logaritmina)"
    assert similar.feature_label("population_change_pct", "en", v) == "Population change 2015–2025, %"
    assert similar.feature_label("unemployment_rate_pct", "en", v) == "Unemployment rate 2020, %"  # partial fetch


@pytest.mark.slow
def test_support_notebook_on_the_fetched_table_names_its_sources(real, tmp_path):
    # a table has no firms: one line instead of the support evaluation; the header names the table and
    # the population and unemployment fetched beside it
    from test_research_notebooks import _run, _text

    nb = _run("12_support_effectiveness.ipynb", tmp_path, area="KU009", lang="en",
              table_path=str(real / "business_table.parquet"))
    text = _text(nb)
    assert f"Real data · {label(real, 'business_table.parquet')}" in text
    assert f"{label(real, 'population.parquet')}, 2000–2025" in text
    assert f"{label(real, 'unemployment.parquet')}, 2006–2025" in text
    assert text.count("Firm-level figures: not available on a table") == 1 and "Synthetic" not in text
