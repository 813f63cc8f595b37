"""The insights store: validation, limits, history, migration, verbatim storage, concurrency, crashes."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kasvudata_utils.errors import InputError
from kasvudata_utils.insights import store as insights
from kasvudata_utils.insights.store import MIGRATIONS, InsightStore
from kasvudata_utils.labels import t

ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path):
    return InsightStore(tmp_path / "store.sqlite")


def test_add_normalises_codes_and_creates_folder(tmp_path):
    s = InsightStore(tmp_path / "new" / "folder" / "s.sqlite")
    uid = s.add("Alavieska", "Best practice", "Yhteinen rekrytointipäivä", industry="c", indicator="personnel",
                year="2023", author="  Maija  ", workshop="Ylivieska 2026")
    r = s.get(uid)
    assert (r["area_code"], r["kind"], r["industry_code"], r["indicator"], r["year"], r["author"]) == \
        ("KU009", "best_practice", "C", "personnel", 2023, "Maija")
    assert r["votes"] == 0 and r["deleted"] is False and r["workshop"] == "Ylivieska 2026"
    assert len(uid) == 36 and r["created_utc"].endswith("Z")


def test_wal_mode_and_busy_timeout(store):
    con = sqlite3.connect(store.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    c2 = store._connect()
    assert c2.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    c2.close()


def test_default_path_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "env" / "i.sqlite"))
    s = InsightStore()
    s.add("KU009", "trend", "x")
    assert s.path == tmp_path / "env" / "i.sqlite" and s.path.is_file()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"area": "Atlantis"}, "'Atlantis'"),
    ({"kind": "rumour"}, "'rumour'"),
    ({"industry": "ZZ"}, "'ZZ'"),
    ({"indicator": "happiness"}, "'happiness'"),
    ({"year": "20x3"}, "'20x3'"),
    ({"year": 1850}, "1850"),
])
def test_bad_input_is_one_line_naming_the_value(store, kwargs, fragment):
    args = {"area": "KU009", "kind": "trend", "text": "ok"} | kwargs
    with pytest.raises(InputError) as exc:
        store.add(**args)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)
    assert store.count() == 0


def test_text_limits(store):
    store.add("KU009", "trend", "x" * 2000)  # exactly the limit is accepted
    with pytest.raises(InputError) as exc:
        store.add("KU009", "trend", "x" * 2001)
    assert str(exc.value) == t("insight_text_too_long", "fi", limit=2000, length=2001)
    with pytest.raises(InputError) as exc:
        store.add("KU009", "trend", "   \n ")
    assert str(exc.value) == t("insight_text_empty", "fi")
    assert store.count() == 1


def test_rate_limit_per_session(tmp_path):
    clock = FakeClock()
    s = InsightStore(tmp_path / "s.sqlite", clock=clock, lang="en")
    for i in range(10):  # 10 in 9 seconds: allowed
        s.add("KU009", "trend", f"t{i}", session_id="tab-1")
        clock.advance(1)
    with pytest.raises(InputError) as exc:
        s.add("KU009", "trend", "eleventh", session_id="tab-1")
    assert str(exc.value) == t("insight_rate_limited", "en", limit=10, seconds=60)
    s.add("KU009", "trend", "other tab", session_id="tab-2")  # other sessions are not affected
    s.add("KU009", "trend", "no session")                      # the command line has no session
    # The first submission was at 09:00:00; at 09:01:00.5 it is more than 60 s old → one slot free again.
    clock.now = datetime(2026, 11, 28, 9, 1, 0, 500000, tzinfo=UTC)
    s.add("KU009", "trend", "later", session_id="tab-1")
    assert s.count() == 13  # 10 + other tab + no session + later


def test_injections_and_sql_metacharacters_stored_verbatim(store):
    texts = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "**bold** [link](javascript:x)",
             "Robert'); DROP TABLE insights;--", '" OR 1=1 --', "100 % _ \\ ; ' \"", "Ääkköset ja emoji 🚜"]
    uids = [store.add("KU009", "question", tx) for tx in texts]
    assert [store.get(u)["text"] for u in uids] == texts
    assert store.count() == len(texts)  # the table is still there and nothing else was touched
    assert len(store.list(area="KU009")) == len(texts)


def test_sql_injection_through_filters_is_a_bad_area_not_sql(store):
    store.add("KU009", "trend", "x")
    with pytest.raises(InputError):
        store.list(area="KU009' OR '1'='1")
    assert store.count() == 1


def test_edit_delete_restore_keep_history(store):
    uid = store.add("KU009", "bottleneck", "Hitsaajia ei saa")
    store.edit(uid, text="Osaavia hitsaajia ei saa", industry="25")
    store.delete(uid)
    assert store.list() == [] and store.count() == 0
    deleted = store.list(include_deleted=True)
    assert [r["uuid"] for r in deleted] == [uid] and deleted[0]["deleted"] is True
    store.restore(uid)
    assert [r["text"] for r in store.list()] == ["Osaavia hitsaajia ei saa"]
    h = store.history(uid)
    assert [e["action"] for e in h] == ["create", "edit", "delete", "restore"]
    assert h[0]["record"]["text"] == "Hitsaajia ei saa" and h[0]["record"]["industry_code"] is None
    assert h[1]["record"]["industry_code"] == "25" and h[2]["record"]["deleted"] is True
    with pytest.raises(InputError):
        store.delete("no-such-uuid")


def test_votes_once_per_session(store):
    uid = store.add("KU009", "action", "Yhteinen messuosasto")
    assert store.vote(uid, session_id="a") is True
    assert store.vote(uid, session_id="a") is False
    assert store.vote(uid, session_id="b") is True
    assert store.vote(uid) is True  # no session (facilitator): always counts
    assert store.get(uid)["votes"] == 3


def test_list_filters_and_order(tmp_path):
    clock = FakeClock()
    s = InsightStore(tmp_path / "s.sqlite", clock=clock)
    a = s.add("KU009", "trend", "a", industry="C")
    clock.advance(1)
    b = s.add("KU009", "trend", "b")
    clock.advance(1)
    c = s.add("SK177", "bottleneck", "c", industry="C")
    s.vote(b)
    assert [r["uuid"] for r in s.list()] == [b, a, c]          # most votes first, then oldest
    assert [r["uuid"] for r in s.list(order="newest")] == [c, b, a]
    assert [r["uuid"] for r in s.list(area="Alavieska")] == [b, a]
    assert [r["uuid"] for r in s.list(industry="c")] == [a, c]
    assert [r["uuid"] for r in s.list(kind="bottleneck")] == [c]


def test_scenario_records_carry_levers_and_results(store):
    import numpy as np
    uid = store.add_scenario("SK177", {"exports_growth_pct": np.float64(5.0), "births": 2},
                             {"personnel_2030": 12345.5}, note="Vienti vetää")
    r = store.get(uid)
    assert r["kind"] == "scenario" and r["text"] == "Vienti vetää"
    assert r["levers"] == {"births": 2, "exports_growth_pct": 5.0} and r["results"] == {"personnel_2030": 12345.5}
    with pytest.raises(InputError):
        store.add("KU009", "scenario", "use add_scenario")


def test_migration_v1_to_v2(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    for sql in MIGRATIONS[1]:
        con.execute(sql)
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO insights (uuid, created_utc, updated_utc, area_code, kind, text, votes) "
                "VALUES ('u-1', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z', 'KU009', "
                "'trend', 'vanha', 4)")
    con.commit()
    assert [r[1] for r in con.execute("PRAGMA table_info(insights)")].count("session_id") == 0
    con.close()
    s = InsightStore(path)
    assert s.schema_version() == 2
    r = s.get("u-1")
    assert (r["text"], r["votes"], r["session_id"]) == ("vanha", 4, None)
    assert s.vote("u-1", session_id="tab") is True and s.vote("u-1", session_id="tab") is False  # v2 table
    s.add("KU009", "trend", "uusi", session_id="tab")
    assert s.count() == 2


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(InputError, match="schema version 99"):
        InsightStore(path)


WRITER = textwrap.dedent("""
    import sys, time
    from kasvudata_utils.insights.store import InsightStore
    path, worker, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    store = InsightStore(path)
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(50):
        store.add("KU009", "trend", f"worker {worker} insert {i}", workshop=f"w{worker}")
""")


def test_twenty_processes_fifty_inserts_each(tmp_path):
    path = tmp_path / "busy.sqlite"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    start_at = time.time() + 3.0  # every process starts writing at the same moment
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, str(script), str(path), str(w), str(start_at)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(20)]
    outs = [p.communicate(timeout=600) for p in procs]
    errors = [err for _, err in outs if err.strip()]
    assert [p.returncode for p in procs] == [0] * 20, errors[:2]
    assert not any("locked" in e.lower() for e in errors)
    s = InsightStore(path)
    assert s.count() == 20 * 50  # 1,000 records, none lost
    texts = {r["text"] for r in s.list()}
    assert texts == {f"worker {w} insert {i}" for w in range(20) for i in range(50)}
    assert len(s.all_history()) == 1000 and s.integrity_check() == "ok"


KILLED = textwrap.dedent("""
    import sys, time
    from kasvudata_utils.insights.store import InsightStore, COLUMNS
    store = InsightStore(sys.argv[1])
    for i in range(30):
        uid = store.add("KU009", "trend", f"committed {i}")
        print(uid, flush=True)
    def slow_big_write(con):
        for i in range(100000):
            con.execute("INSERT INTO insights (uuid, created_utc, updated_utc, area_code, kind, text) "
                        "VALUES (?, 'x', 'x', 'KU009', 'trend', ?)", (f"uncommitted-{i}", "y" * 500))
            if i == 2000:
                print("MIDWRITE", flush=True)
            if i > 2000:
                time.sleep(0.001)
    store._write(slow_big_write)
    print("FINISHED", flush=True)
""")


def test_process_killed_mid_write_leaves_store_consistent(tmp_path):
    path = tmp_path / "crash.sqlite"
    script = tmp_path / "killed.py"
    script.write_text(KILLED)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, str(script), str(path)], env=env, stdout=subprocess.PIPE, text=True)
    committed = []
    for line in p.stdout:
        line = line.strip()
        if line == "MIDWRITE":
            time.sleep(0.2)
            os.kill(p.pid, signal.SIGKILL)
            break
        committed.append(line)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL and len(committed) == 30
    s = InsightStore(path)
    assert s.integrity_check() == "ok"
    assert sorted(r["uuid"] for r in s.list()) == sorted(committed)  # all 30 committed, none of the half write
    s.add("KU009", "trend", "after the crash")  # no stale lock left behind
    assert s.count() == 31


def test_retry_turns_a_long_lock_into_a_friendly_message(store, monkeypatch):
    calls = []

    def always_locked():
        calls.append(1)
        raise sqlite3.OperationalError("database is locked")
    with pytest.raises(InputError) as exc:
        insights.with_retry(always_locked, patience_s=0.05)
    assert str(exc.value) == t("insight_store_busy") and len(calls) >= 2
    # Other SQLite errors are not swallowed.
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        insights.with_retry(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("no such table: x")))
