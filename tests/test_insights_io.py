"""Export → import round trips, merging workshops, and the `kasvudata insights` command."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kasvudata_utils.cli import main
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights.exchange import export_text, import_file
from kasvudata_utils.insights.store import InsightStore


@pytest.fixture
def filled(tmp_path):
    s = InsightStore(tmp_path / "a.sqlite")
    a = s.add("KU009", "bottleneck", "<script>alert(1)</script>", industry="C", indicator="personnel", year=2023,
              author="Maija", workshop="Ylivieska", session_id="tab-1")
    b = s.add("SK177", "best_practice", "=HYPERLINK(\"http://x\")", workshop="Ylivieska")
    c = s.add("KU009", "question", "'quoted' and, commas\nand a new line")
    d = s.add_scenario("KU009", {"exports_growth_pct": 5.0}, {"personnel_2030": 1234.5}, note="Vienti")
    s.vote(a, "x")
    s.vote(a, "y")
    s.vote(d)
    s.edit(b, text="-- starts like a formula")
    s.delete(c)
    return s, {"a": a, "b": b, "c": c, "d": d}


def _write(tmp_path, store, fmt, name, **kw):
    p = tmp_path / name
    p.write_text(export_text(store, fmt, **kw), encoding="utf-8")
    return p


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_into_empty_store_reproduces_every_record(tmp_path, filled, fmt):
    src, _ = filled
    path = _write(tmp_path, src, fmt, f"export.{fmt}")
    dst = InsightStore(tmp_path / f"b_{fmt}.sqlite")
    counts = dst.import_file(path)
    assert (counts["added"], counts["updated"], counts["unchanged"]) == (4, 0, 0)
    assert dst.list(include_deleted=True, order="oldest") == src.list(include_deleted=True, order="oldest")
    again = dst.import_file(path)  # importing twice adds nothing
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert dst.count(include_deleted=True) == 4


def test_json_round_trip_keeps_history(tmp_path, filled):
    src, ids = filled
    dst = InsightStore(tmp_path / "b.sqlite")
    dst.import_file(_write(tmp_path, src, "json", "e.json"))
    # the source's history arrives as it was, and each of the 4 added records gets one "import" entry
    assert [h for h in dst.all_history() if h["action"] != "import"] == src.all_history()
    imports = [h for h in dst.all_history() if h["action"] == "import"]
    assert len(imports) == 4 and {h["source"] for h in imports} == {"e.json"}
    # 4 creates + edit(b) + delete(c) + 4 imports = 10 history entries; importing again changes and adds nothing
    assert len(dst.all_history()) == 10
    dst.import_file(_write(tmp_path, src, "json", "e2.json"))
    assert len(dst.all_history()) == 10
    assert [h["action"] for h in dst.history(ids["c"])] == ["create", "delete", "import"]
    dst.restore(ids["c"])  # a deleted insight from another workshop can be restored here
    assert ids["c"] in {r["uuid"] for r in dst.list()}


def test_csv_protects_spreadsheet_formulas_but_round_trips_exactly(tmp_path, filled):
    src, ids = filled
    text = export_text(src, "csv")
    rows = {r["uuid"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[ids["b"]]["text"] == "'-- starts like a formula"
    assert rows[ids["c"]]["text"] == "''quoted' and, commas\nand a new line"
    assert rows[ids["a"]]["text"] == "<script>alert(1)</script>"  # not a formula: unchanged
    dst = InsightStore(tmp_path / "b.sqlite")
    dst.import_file(_write(tmp_path, src, "csv", "e.csv"))
    assert dst.get(ids["b"])["text"] == "-- starts like a formula"
    assert dst.get(ids["c"])["text"] == "'quoted' and, commas\nand a new line"


def test_export_by_area(filled):
    src, ids = filled
    doc = json.loads(export_text(src, "json", area="Alavieska"))
    assert doc["area"] == "KU009"
    assert {r["uuid"] for r in doc["records"]} == {ids["a"], ids["c"], ids["d"]}
    assert {h["uuid"] for h in doc["history"]} == {ids["a"], ids["c"], ids["d"]}


def test_markdown_export_is_escaped_and_skips_deleted(filled):
    src, _ = filled
    md = export_text(src, "md", lang="en")
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in md
    assert "quoted" not in md  # c is deleted
    assert "## Alavieska (KU009)" in md and "### Bottleneck" in md


def test_merging_seven_workshops_and_newer_versions(tmp_path):
    stores = [InsightStore(tmp_path / f"w{i}.sqlite") for i in range(7)]
    for i, s in enumerate(stores):
        for j in range(i + 1):  # 1 + 2 + … + 7 = 28 insights
            s.add("MK17", "trend", f"workshop {i} insight {j}")
    merged = InsightStore(tmp_path / "merged.sqlite")
    for i, s in enumerate(stores):
        merged.import_file(_write(tmp_path, s, "json", f"w{i}.json"))
    assert merged.count() == 28
    # A later export of workshop 0 carries an edit and more votes: the newer version wins.
    uid = stores[0].list()[0]["uuid"]
    stores[0].edit(uid, text="edited later")
    stores[0].vote(uid)
    c = merged.import_file(_write(tmp_path, stores[0], "json", "w0b.json"))
    assert (c["added"], c["updated"]) == (0, 1)
    assert merged.get(uid)["text"] == "edited later" and merged.get(uid)["votes"] == 1
    assert merged.count() == 28


def test_import_rejects_bad_files(tmp_path):
    s = InsightStore(tmp_path / "s.sqlite")
    md = tmp_path / "x.md"
    md.write_text("# not an export\n")
    with pytest.raises(InputError, match="x.md"):
        import_file(s, md)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "kasvudata-insights", "schema_version": 2, "records": [
        {"uuid": "u", "kind": "gossip", "area_code": "KU009", "text": "x", "created_utc": "2026"}]}))
    with pytest.raises(InputError, match="'gossip'"):
        import_file(s, bad)
    with pytest.raises(InputError, match="not found"):
        import_file(s, tmp_path / "missing.json")
    assert s.count(include_deleted=True) == 0


def test_cli_export_import_list(tmp_path, filled, capsys):
    src, ids = filled
    out = tmp_path / "out" / "e.json"
    assert main(["insights", "--db", str(src.path), "export", "--format", "json", "--out", str(out)]) == 0
    dst = tmp_path / "dst.sqlite"
    assert main(["insights", "--db", str(dst), "import", str(out), str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{out}: added 4, updated 0, unchanged 0", f"{out}: added 0, updated 0, unchanged 4"]
    assert main(["insights", "--db", str(dst), "list", "--area", "KU009"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["uuid"] for r in rows] == [ids["a"], ids["d"]]  # c deleted; a has 2 votes, d has 1
    assert main(["insights", "--db", str(dst), "export", "--format", "md", "--area", "SK177"]) == 0
    assert "formula" in capsys.readouterr().out
    assert main(["insights", "--db", str(dst), "restore", ids["c"]]) == 0
    assert main(["insights", "--db", str(dst), "list", "--area", "Nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Nowhere'" in err
    with pytest.raises(SystemExit) as exc:
        main(["insights", "--db", str(dst), "export", "--format", "xml"])
    assert exc.value.code == 2


def test_cli_delete_history_restore(tmp_path, capsys):
    s = InsightStore(tmp_path / "s.sqlite")
    uid = s.add("KU009", "trend", "poistettava")
    db = str(s.path)
    assert main(["insights", "--db", db, "delete", uid]) == 0
    assert s.list() == []
    assert main(["insights", "--db", db, "history", uid]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["action"] for line in out[1:]] == ["create", "delete"]
    assert main(["insights", "--db", db, "restore", uid]) == 0
    assert [r["uuid"] for r in s.list()] == [uid]
    assert main(["insights", "--db", db, "delete", "no-such-uuid"]) == 2
    assert "'no-such-uuid'" in capsys.readouterr().err
