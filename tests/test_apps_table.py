"""The workshop apps on a ``--table`` business table (``kasvudata workshop --table FILE``).

The table is constructed (not statistics): every municipality of Finland, divisions 10 and 47,
2018–2023, personnel by a formula of the municipality's position in the sorted code list.
"""
import pytest
from conftest import run_cli
from test_reports_table import expected, hand_table

from kasvudata_utils.apps import cache
from kasvudata_utils.data import sources
from kasvudata_utils.errors import InputError


@pytest.fixture(scope="module")
def table_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("apps_table")
    path = folder / "workshop_table.csv"
    hand_table().to_csv(path, index=False)
    src = sources.resolve_source("default", table_path=str(path))
    out = cache.ensure_app_data(folder / "cache", source=src)
    return cache.AppData.load(out)


def test_app_cache_holds_the_tables_figures(table_data):
    s = table_data.series("KU009", "personnel").set_index("year")["value"]
    assert s[2023] == expected("KU009", 2023) and s[2018] == expected("KU009", 2018)
    assert table_data.value("MK17", "personnel", 2020) == expected("MK17", 2020)
    assert table_data.value("SSS", "personnel", 2023) == expected("SSS", 2023)
    assert table_data.prov["kind"] == "user" and table_data.prov["sources"] == ["workshop_table.csv"]


def test_explorer_and_scenario_say_user_data(table_data):
    from kasvudata_utils.apps.area_explorer import AreaExplorer
    from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop

    ex = AreaExplorer("KU009", "en", data=table_data, map=False)
    assert "User data · workshop_table.csv" in ex.badge.value and "SYNTHETIC" not in ex.badge.value
    assert f"{int(expected('KU009', 2023))} person-years" in ex.summary.value
    assert "exports no data" in ex.summary.value  # the table holds no exports: missing, not confidential
    sc = ScenarioWorkshop("KU009", "en", data=table_data)
    assert "User data · workshop_table.csv" in sc.badge.value
    # the scenario starts from the table's personnel in its last year
    assert sc.inputs["personnel"].sum() == pytest.approx(expected("KU009", 2023))
    # the table holds no exports: the scenario says "no data", not "confidential"
    assert "exports no data" in sc.summary.value and "exports suppressed" not in sc.summary.value


def test_env_names_the_table_for_app_kernels(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV_TABLE, str(tmp_path / "gone.csv"))
    with pytest.raises(InputError, match="no such file"):
        cache.source_from_env()
    monkeypatch.setenv(cache.ENV_TABLE, "")
    assert cache.source_from_env() == sources.DataSource()


def test_workshop_command_hands_the_table_to_the_kernels(tmp_path, monkeypatch):
    # `kasvudata workshop --table FILE`: the cache is built before Voilà starts and the kernels get the path
    from kasvudata_utils import cli
    from kasvudata_utils.apps import supervisor
    from kasvudata_utils.commands import workshop

    path = tmp_path / "workshop_table.csv"
    hand_table().to_csv(path, index=False)
    seen = {}
    built = []
    monkeypatch.setattr(supervisor, "supervise", lambda argv, env, cwd, ready, banner: seen.update(env=env) or 0)
    monkeypatch.setattr(cache, "ensure_app_data", lambda out_dir=None, source=None: built.append(source))
    assert cli.main(["workshop", "--table", str(path), "--port", "8899"]) == 0
    assert seen["env"][cache.ENV_TABLE] == str(path.resolve())
    assert built and built[0].table_path == str(path.resolve())
    assert workshop.WORKSHOPS_DIR.is_dir()


@pytest.fixture(scope="module")
def synthetic_firm_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("apps_table_syn")
    path = folder / "workshop_table.csv"
    hand_table().to_csv(path, index=False)
    src = sources.resolve_source("default", table_path=str(path), synthetic_firm_data=True)
    return cache.AppData.load(cache.ensure_app_data(folder / "cache", source=src))


def test_synthetic_firm_data_only_when_asked_and_badged(table_data, synthetic_firm_data):
    from kasvudata_utils.apps.area_explorer import AreaExplorer
    from kasvudata_utils.data import load_business_table, load_firm_panel
    from kasvudata_utils.indicators import compute_indicators

    # without --synthetic-firm-data: births are not available from the table
    assert table_data.series("KU009", "birth_rate_pct")["value"].isna().all()
    assert table_data.firm_indicators == frozenset()
    # with it: the synthetic panel's births (as the engine computes them on that panel), the table's personnel
    want = compute_indicators(load_firm_panel(), "KU009", "MK17", 2013, 2023, reference_data=load_business_table())
    want = want[(want.indicator == "birth_rate_pct") & (want.industry_code == "ALL") & (want.area_code == "KU009")]
    got = synthetic_firm_data.series("KU009", "birth_rate_pct").set_index("year")["value"]
    want = want[want["year"].isin(got.index)]  # the table's years (2018–2023)
    assert len(want) == len(got) == 6
    for y, v in zip(want["year"], want["value"], strict=True):
        assert got[y] == pytest.approx(v, nan_ok=True)
    assert got.notna().any()
    assert synthetic_firm_data.value("KU009", "personnel", 2023) == expected("KU009", 2023)
    assert "birth_rate_pct" in synthetic_firm_data.firm_indicators
    assert synthetic_firm_data.prov_for("birth_rate_pct")["kind"] == "synthetic"
    assert synthetic_firm_data.prov_for("personnel")["kind"] == "user"
    # the explorer's badge follows the indicator shown
    ex = AreaExplorer("KU009", "en", data=synthetic_firm_data, map=False)
    ex.indicator_select.value = "personnel"
    ex.refresh()
    assert "User data · workshop_table.csv" in ex.badge.value and "SYNTHETIC" not in ex.badge.value
    ex.indicator_select.value = "birth_rate_pct"
    ex.refresh()
    assert "SYNTHETIC data" in ex.badge.value


def test_workshop_synthetic_firm_data_reaches_the_kernels(tmp_path, monkeypatch, capsys):
    from kasvudata_utils import cli
    from kasvudata_utils.apps import supervisor

    path = tmp_path / "workshop_table.csv"
    hand_table().to_csv(path, index=False)
    seen, built = {}, []
    monkeypatch.setattr(supervisor, "supervise", lambda argv, env, cwd, ready, banner: seen.update(env=env) or 0)
    monkeypatch.setattr(cache, "ensure_app_data", lambda out_dir=None, source=None: built.append(source))
    assert cli.main(["workshop", "--table", str(path), "--port", "8899", "--synthetic-firm-data"]) == 0
    assert seen["env"][cache.ENV_SYNTHETIC_FIRM] == "1" and built[0].synthetic_firm_data is True
    monkeypatch.setenv(cache.ENV_TABLE, str(path))
    monkeypatch.setenv(cache.ENV_SYNTHETIC_FIRM, "1")
    assert cache.source_from_env().synthetic_firm_data is True
    # without a table: one line, exit 2, nothing served
    seen.clear()
    rc, _, err = run_cli(capsys, "workshop", "--port", "8899", "--synthetic-firm-data")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "--synthetic-firm-data: expected --table FILE" in err
    assert not seen


def test_a_cache_without_the_explorers_similar_areas_is_rebuilt(tmp_path, monkeypatch):
    """A cache from before the explorer's similar areas moved into it, or of older disclosure rules: rebuilt, once."""
    import json

    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / cache.APP_CACHE_FILE).write_text("area_code\n")
    (folder / cache.APP_META_FILE).write_text(json.dumps({"similar": {}}))  # an older meta file
    built = []
    monkeypatch.setattr(cache, "precompute_app_data", lambda out, source: built.append(out))
    cache.ensure_app_data(folder, source=sources.DataSource())
    assert built == [folder]
    current = {"similar": {}, cache.SIMILAR_KEY: {"areas": {}}, cache.RULES_KEY: cache.RULES_VERSION}
    (folder / cache.APP_META_FILE).write_text(json.dumps(current))
    cache.ensure_app_data(folder, source=sources.DataSource())
    assert built == [folder]  # current: not rebuilt again
    # figures suppressed under older disclosure rules (e.g. before base − HGEs had to be 0 or ≥ 3): rebuilt
    (folder / cache.APP_META_FILE).write_text(json.dumps(current | {cache.RULES_KEY: "lp-protection-3"}))
    cache.ensure_app_data(folder, source=sources.DataSource())
    assert built == [folder, folder]


def test_table_caches_similar_areas_from_the_population_fetched_beside_it(table_data):
    # the hand table has no fetched files beside it: the embedded years, and the same pairs as the embedded run
    from kasvudata_utils.research.similar import similar_areas

    pairs, vintage = table_data.similar("KU009")
    want = similar_areas("KU009", 5, within="MK17")
    assert [c for c, _ in pairs] == want["area_code"].tolist()[1:]
    assert vintage["population_year"] == 2022 and vintage["fetched"] is False
