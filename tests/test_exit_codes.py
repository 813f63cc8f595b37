"""The exit-code contract (issue 14): 0 ok, 2 bad input with one line on stderr, 1 internal error only.

The listed cases of the issue, then a hypothesis fuzz over the command line's arguments and over the
insight import's JSON and CSV: whatever arrives, no traceback, and rejected input exits 2.
"""
import contextlib
import io
import json
import os
import sqlite3
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasvudata_utils import cli
from kasvudata_utils.insights.schema import RECORD_FIELDS
from kasvudata_utils.insights.store import InsightStore

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
UID = "123e4567-e89b-12d3-a456-426614174000"
GOOD = {"uuid": UID, "created_utc": "2026-01-01T10:00:00Z", "updated_utc": "2026-01-02T10:00:00Z",
        "kind": "trend", "area_code": "KU009", "text": "hyvä havainto", "votes": 1, "deleted": False}


def call(*argv) -> tuple[int, str, str]:
    """Run the CLI in-process; argparse's SystemExit counts as its exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli.main([str(a) for a in argv])
        except SystemExit as exc:
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def assert_contract(rc, out, err, ok=(0, 2)):
    assert rc in ok, (rc, err)
    assert "Traceback" not in err + out and "internal error" not in err
    if rc == 2:
        lines = err.strip().splitlines()
        # one line, or argparse's usage for a missing sub-command
        assert len(lines) == 1 or lines[0].startswith("usage:"), err
        assert lines[-1].strip(), err


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    """No test here may touch the real store."""
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "default.sqlite"))


def state(db) -> tuple:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return (con.execute("SELECT * FROM insights ORDER BY uuid").fetchall(),
                con.execute("SELECT * FROM insight_history ORDER BY id").fetchall())


# --- the cases of the issue ----------------------------------------------------------------------

def test_workshop_bad_ip_is_one_line_exit_2():
    rc, out, err = call("workshop", "--ip", "999.1.1.1")
    assert rc == 2 and err.count("\n") == 1 and "999.1.1.1" in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b"\x1f\x8b\x08\x00broken", b"not gzip at all"])
def test_broken_csv_gz_panel_is_exit_2(tmp_path, content):
    p = tmp_path / "panel.csv.gz"
    p.write_bytes(content)
    rc, out, err = call("indicators", "--area", "KU009", "--panel", p)
    assert rc == 2 and "panel.csv.gz" in err and err.count("\n") == 1


def test_reports_out_naming_a_file_and_empty_areas_are_exit_2(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("x")
    assert call("reports", "--out", f, "--areas", "KU009")[0] == 2 and f.read_text() == "x"
    rc, out, err = call("reports", "--out", tmp_path / "r", "--areas", "")
    assert rc == 2 and "--areas" in err and not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv", [["reports", "--out", "a\x00b"], ["reports", "--site", "a\x00b"],
                                  ["indicators", "--area", "KU009", "--panel", "a\x00b"],
                                  ["insights", "--db", "a\x00b", "list"],
                                  ["insights", "export", "--out", "a\x00b"]])
def test_nul_bytes_in_arguments_are_exit_2(argv):
    rc, out, err = call(*argv)
    assert rc == 2 and "NUL" in err and err.count("\n") == 1


def test_unwritable_or_unreadable_paths_are_exit_2(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database " * 100)
    cases = [(["insights", "export", "--out", tmp_path], "is a folder"),
             (["insights", "export", "--out", a_file / "x.json"], "cannot write"),  # a file as a folder
             (["reports", "--out", a_file / "sub", "--areas", "KU009"], "cannot write"),
             (["insights", "--db", tmp_path, "list"], "is a folder"),
             (["insights", "--db", junk, "list"], "not a database")]
    for argv, message in cases:
        rc, out, err = call(*argv)
        assert rc == 2 and message in err and err.count("\n") == 1, (argv, err)
    assert a_file.read_text() == "x"


def test_a_junk_line_is_not_called_an_empty_panel(tmp_path):
    p = tmp_path / "junk.csv"
    p.write_text("Zm9vYmFy" * 100_000)  # one long line, no header, no rows
    rc, out, err = call("indicators", "--area", "KU009", "--panel", p)
    assert rc == 2 and "no header line" in err and "no rows" not in err and err.count("\n") == 1


# --- fuzz: command-line arguments ------------------------------------------------------------------

TOKEN = st.one_of(
    st.sampled_from(["KU009", "ku9", "MK17", "SSS", "all", "", " ", "-1", "0", "99999", "C", "ALL", "2013",
                     "2099", "fi", "en", "xx", "json", "csv", "md", "--", "-", "=1+1", "\u00e4\u00f6",
                     UID, "nan", "1e309", "a\x00b", "~", "/", ".", ".."]),
    st.text(alphabet=string.printable + "äö€", max_size=12),
)
OPTIONS = {
    "areas": [],
    "indicators": ["--area", "--reference", "--start", "--end", "--level", "--format", "--panel", "--data"],
    "shift-share": ["--area", "--reference", "--start", "--end", "--measure", "--method", "--level"],
    "insights": [],
    "reports": ["--areas", "--jobs", "--out", "--site", "--lang", "--start", "--end", "--panel", "--data"],
    "workshop": ["--ip", "--port"],
}
INSIGHT_ACTIONS = {"list": ["--area", "--kind"], "export": ["--format", "--area", "--lang"],
                   "history": [], "delete": [], "restore": [], "import": []}


@st.composite
def argv_of(draw, command):
    opts = OPTIONS[command]
    args = [command]
    for _ in range(draw(st.integers(0, 4))):
        if opts and draw(st.booleans()):
            args += [draw(st.sampled_from(opts)), draw(TOKEN)]
        else:
            args.append(draw(TOKEN))
    return args


@FUZZ
@given(st.sampled_from(["areas", "reports", "workshop"]).flatmap(argv_of))
def test_fuzz_cli_arguments_never_traceback(monkeypatch, tmp_path, argv):
    # the batch itself, the site copy and the server are replaced: the fuzz checks the arguments only
    import kasvudata_utils.reports.batch as batch
    import kasvudata_utils.reports.site as site

    monkeypatch.setattr(batch, "run_reports", lambda *a, **k: {"summary": {"total": 0, "ok": 0, "up_to_date": 0,
                                                                           "failed": []}, "reports": {}})
    monkeypatch.setattr(site, "publish_site", lambda out, target: Path(target))
    monkeypatch.setattr(site, "broken_links", lambda target: [])
    monkeypatch.setattr("kasvudata_utils.apps.supervisor.supervise", lambda *a, **k: 0)  # no server started
    monkeypatch.setattr("kasvudata_utils.apps.cache.ensure_app_data", lambda *a, **k: None)
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        monkeypatch.chdir(d)
        assert_contract(*call(*argv))


@FUZZ
@given(st.sampled_from(sorted(INSIGHT_ACTIONS)), st.lists(TOKEN, max_size=3), st.data())
def test_fuzz_insights_arguments_never_traceback(tmp_path, action, values, data):
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        db = Path(d) / "s.sqlite"
        InsightStore(db).add("KU009", "trend", "x")
        args = ["insights", "--db", db, action]
        for v in values:
            opts = INSIGHT_ACTIONS[action]
            if opts and data.draw(st.booleans()):
                args.append(data.draw(st.sampled_from(opts)))
            args.append(v if action != "import" else Path(d) / (v.replace("/", "_").replace("\x00", "") or "x"))
        before = state(db)
        rc, out, err = call(*args)
        assert_contract(rc, out, err)
        if rc == 2:
            assert state(db) == before


# --- fuzz: the import's JSON and CSV --------------------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10**40, 10**40) | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(["2026-01-03T00:00:00Z", "zzzz", UID, "KU009", "scenario", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def forged_record(draw):
    rec = dict(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(list(RECORD_FIELDS) + ["extra"]))
        rec[key] = draw(JSON_VALUE)
    if draw(st.booleans()):
        rec.pop(draw(st.sampled_from(sorted(rec))), None)
    return rec


def _import_file(tmp_path, name: str, content: bytes):
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        db = Path(d) / "s.sqlite"
        InsightStore(db).add("KU009", "trend", "alku")
        before = state(db)
        p = Path(d) / name
        p.write_bytes(content)
        rc, out, err = call("insights", "--db", db, "import", p)
        assert_contract(rc, out, err)
        if rc == 2:
            assert state(db) == before  # a rejected import changes nothing
        return rc


@FUZZ
@given(st.lists(forged_record(), min_size=1, max_size=3),
       st.one_of(st.just([]), st.lists(JSON_VALUE, max_size=2)),
       st.sampled_from([2, 1, 99, "2", None]))
def test_fuzz_import_json(tmp_path, records, history, version):
    doc = {"format": "kasvudata-insights", "schema_version": version, "records": records, "history": history}
    _import_file(tmp_path, "f.json", json.dumps(doc).encode())


@FUZZ
@given(st.lists(st.sampled_from(list(RECORD_FIELDS) + ["extra"]), min_size=1, max_size=8, unique=True),
       st.lists(st.lists(st.text(max_size=20) | st.sampled_from([UID, "2026-01-01T00:00:00Z", "trend", "KU009"]),
                         min_size=1, max_size=9), max_size=3),
       st.sampled_from(["utf-8", "latin-1"]))
def test_fuzz_import_csv(tmp_path, header, rows, encoding):
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    try:
        content = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        content = buf.getvalue().encode("utf-8")
    _import_file(tmp_path, "f.csv", content)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_import_bytes(tmp_path, blob):
    _import_file(tmp_path, "f.json", blob)


def test_the_fuzz_reaches_acceptance_too(tmp_path):
    """The import fuzz is not vacuous: the unforged base record imports (exit 0)."""
    doc = {"format": "kasvudata-insights", "schema_version": 2, "records": [GOOD], "history": []}
    assert _import_file(tmp_path, "ok.json", json.dumps(doc).encode()) == 0
    assert os.path.basename(str(tmp_path))
