"""The workshop apps on a ``--table`` business table (``kasvudata workshop --table FILE``).

The table is constructed (not statistics): every municipality of Finland, divisions 10 and 47,
2018–2023, personnel by a formula of the municipality's position in the sorted code list.
"""
import pytest
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
