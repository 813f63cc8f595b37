"""Co-learning across similar areas on the insights board (issue 19): insights of the similar areas, marked as
coming from elsewhere, read from the app cache without pandas."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kasvudata_utils.apps import insights_board
from kasvudata_utils.apps.insights_board import InsightsBoard, similar_areas_of
from kasvudata_utils.insights.store import InsightStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    return InsightStore(tmp_path / "board.sqlite")


@pytest.fixture
def meta_dir(tmp_path, monkeypatch):
    """A processed folder whose app cache says Alavieska's similar areas are Kärsämäki and Perho."""
    folder = tmp_path / "processed"
    (folder / "app_cache").mkdir(parents=True)
    (folder / "app_cache" / "app_meta.json").write_text(json.dumps({"similar": {"KU009": ["KU317", "KU584"]}}))
    monkeypatch.setattr(insights_board, "processed_dir", lambda: folder)
    return folder


def test_board_shows_insights_of_similar_areas_marked_as_from_elsewhere(store, meta_dir):
    store.add("KU317", "best_practice", "Yrittäjäaamut joka kuukausi")
    store.add("KU584", "trend", "Etätyöläiset muuttavat kylille")
    store.add("KU564", "trend", "Oulun havainto ei kuulu tähän")   # not a similar area
    store.add("KU009", "question", "Oma kysymys")                   # the board's own area: the main list
    b = InsightsBoard(area="KU009", lang="fi", store=store)
    assert b.similar == ["KU317", "KU584"]
    panel = b.similar_panel.value
    assert "Yrittäjäaamut joka kuukausi" in panel and "Etätyöläiset muuttavat kylille" in panel
    assert "Oulun havainto" not in panel and "Oma kysymys" not in panel
    assert "kirjattu muilla alueilla" in panel and "Kärsämäki" in panel
    assert "kd-similar-insights" in b.similar_panel._dom_classes
    own = [it.children[1].value for it in b.list_box.children if "kd-insight-item" in it._dom_classes]
    assert len(own) == 1 and "Oma kysymys" in own[0]
    # a new insight in a similar area shows on the next refresh
    store.add("KU317", "action", "Yhteinen hanke naapurin kanssa")
    assert b.refresh() and "Yhteinen hanke" in b.similar_panel.value


def test_without_similar_areas_the_panel_says_so(store, meta_dir):
    b = InsightsBoard(area="KU564", lang="en", store=store)
    assert b.similar == []
    assert "No insights have been recorded for the similar areas yet." in b.similar_panel.value


def test_missing_cache_gives_no_similar_areas(tmp_path, monkeypatch):
    monkeypatch.setattr(insights_board, "processed_dir", lambda: tmp_path / "nowhere")
    assert similar_areas_of("KU009") == []


def test_board_reads_the_file_the_cache_writes():
    from kasvudata_utils.apps import cache

    assert insights_board.APP_META_PATH == (cache.APP_CACHE_DIR, cache.APP_META_FILE)


def test_board_kernel_stays_lean_with_similar_areas():
    code = ("import sys, tempfile; from kasvudata_utils.apps.insights_board import InsightsBoard; "
            "b = InsightsBoard(area='KU009', store=tempfile.mkdtemp() + '/s.sqlite'); "
            "print(sorted(m for m in ('pandas', 'geopandas', 'matplotlib', 'ipyleaflet') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_board_reads_the_similar_areas_of_the_workshops_table(tmp_path, monkeypatch, meta_dir):
    """``kasvudata workshop --table FILE``: the board reads that table's cache (its similar areas use the
    population fetched beside the table, as the report does), not the embedded data's."""
    import hashlib

    from kasvudata_utils.apps import cache
    from kasvudata_utils.data import sources

    table = tmp_path / "table.csv"
    table.write_bytes(b"area_code,year\n")
    sub = f"table-{hashlib.sha256(b'area_code,year' + bytes([10])).hexdigest()[:16]}"
    (meta_dir / "app_cache" / sub).mkdir()
    (meta_dir / "app_cache" / sub / "app_meta.json").write_text(json.dumps({"similar": {"KU009": ["KU071"]}}))
    monkeypatch.setenv(cache.ENV_TABLE, str(table))
    monkeypatch.delenv(cache.ENV_SYNTHETIC_FIRM, raising=False)
    assert similar_areas_of("KU009") == ["KU071"]
    monkeypatch.setenv(cache.ENV_SYNTHETIC_FIRM, "1")  # its own folder, not written here: none
    assert similar_areas_of("KU009") == []
    monkeypatch.delenv(cache.ENV_TABLE)
    assert similar_areas_of("KU009") == ["KU317", "KU584"]  # the embedded data's cache
    # the folder the cache writes for that table is the one the board reads
    monkeypatch.setattr(cache, "processed_dir", lambda: meta_dir)
    src = sources.DataSource(table_path=str(table))
    assert cache.app_cache_dir(source=src) == meta_dir / "app_cache" / sub
