"""Import as a trustworthy merge (issue 14): strict schema, parsed times, traced changes, dry run, one transaction."""
import json

import pytest

from kasvudata_utils.cli import main
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights import exchange
from kasvudata_utils.insights.store import InsightStore

UID = "123e4567-e89b-12d3-a456-426614174000"
T0, T1, T2 = "2026-01-01T10:00:00.000000Z", "2026-01-02T10:00:00.000000Z", "2026-01-03T10:00:00.000000Z"


def rec(**kw):
    r = {"uuid": UID, "created_utc": T0, "updated_utc": T0, "kind": "trend", "area_code": "KU009",
         "text": "alkuperäinen", "votes": 2, "deleted": False}
    r.update(kw)
    return r


def doc(records, history=(), version=2, **extra):
    return {"format": "kasvudata-insights", "schema_version": version, "records": list(records),
            "history": list(history), **extra}


def put(tmp_path, name, content) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(content) if not isinstance(content, str) else content, encoding="utf-8")
    return str(p)


@pytest.fixture
def store(tmp_path):
    s = InsightStore(tmp_path / "s.sqlite")
    exchange.import_file(s, put(tmp_path, "base.json", doc([rec()])))
    return s


def snapshot(store):
    return store.list(include_deleted=True), store.all_history()


def test_forged_update_with_unparseable_time_changes_nothing(tmp_path, store, capsys):
    before = snapshot(store)
    forged = put(tmp_path, "forged.json", doc([rec(updated_utc="zzzz", text="DEFACED", kind="question",
                                                  deleted=True, votes=999999)]))
    assert main(["insights", "--db", str(store.path), "import", forged]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "forged.json record 1" in err and "'zzzz'" in err
    assert snapshot(store) == before


def test_newer_wins_by_parsed_time_and_every_change_is_in_the_history(tmp_path, store):
    # +02:00 is 08:00 UTC on 2 January: newer than T0 although "…+02:00" sorts differently as text
    newer = put(tmp_path, "newer.json", doc([rec(updated_utc="2026-01-02T10:00:00+02:00", text="muokattu",
                                                 votes=1)]))
    c = exchange.import_file(store, newer)
    assert (c["added"], c["updated"]) == (0, 1)
    r = store.get(UID)
    assert r["text"] == "muokattu" and r["updated_utc"] == "2026-01-02T08:00:00.000000Z"
    assert r["votes"] == 2  # votes: the larger count
    last = store.history(UID)[-1]
    assert last["action"] == "import" and last["source"] == "newer.json" and last["record"]["text"] == "muokattu"
    older = put(tmp_path, "older.json", doc([rec(updated_utc=T0, text="vanha")]))
    c = exchange.import_file(store, older)
    assert (c["updated"], c["unchanged"]) == (0, 1) and store.get(UID)["text"] == "muokattu"


def test_duplicate_uuid_in_one_file_resolved_like_two_files_both_traced(tmp_path):
    s = InsightStore(tmp_path / "d.sqlite")
    a, b = rec(updated_utc=T1, text="A"), rec(updated_utc=T2, text="B")
    c = exchange.import_file(s, put(tmp_path, "dup.json", doc([b, a])))  # B (newer) first, then A
    assert s.get(UID)["text"] == "B" and (c["added"], c["updated"], c["unchanged"]) == (1, 0, 1)
    t = InsightStore(tmp_path / "e.sqlite")
    c = exchange.import_file(t, put(tmp_path, "dup2.json", doc([a, b])))  # A, then B replaces it
    assert t.get(UID)["text"] == "B" and (c["added"], c["updated"]) == (1, 1)
    assert [h["record"]["text"] for h in t.history(UID)] == ["A", "B"]  # both versions traced


@pytest.mark.parametrize("bad, message", [
    (rec(author={"x": 1}), "author of type dict"),
    (rec(author=["x"]), "author of type list"),
    (rec(author=[None]), "author of type list"),
    (rec(workshop="w" * 201), "at most 200"),
    (rec(author="a" * 10_000_000), "at most 200"),
    (rec(votes=10**30), "votes"),
    (rec(votes=-1), "votes"),
    (rec(votes=True), "votes"),
    (rec(uuid="not-a-uuid"), "uuid"),
    (rec(created_utc="2026-01-01T10:00:00"), "time zone"),
    (rec(updated_utc="9999-01-01T00:00:00Z"), "future"),
    (rec(updated_utc="2025-01-01T00:00:00Z"), "before created_utc"),
    (rec(kind="gossip"), "gossip"),
    (rec(text=""), "record 1"),
    (rec(extra="x"), "unknown field"),
    (rec(deleted="maybe"), "deleted"),
    (rec(levers=[1, 2]), "levers"),
    ("a string", "expected an object"),
])
def test_bad_records_are_rejected_with_one_line_and_change_nothing(tmp_path, store, bad, message):
    before = snapshot(store)
    other = rec(uuid="00000000-0000-4000-8000-000000000001", text="uusi")
    with pytest.raises(InputError, match=message) as exc:
        exchange.import_file(store, put(tmp_path, "bad.json", doc([bad, other])))
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 400
    assert snapshot(store) == before  # the good record of the same file was not added either


@pytest.mark.parametrize("history", ["a string", [1, 2], [{"uuid": UID, "changed_utc": T0, "action": "create",
                                                            "record": "x"}],
                                     [{"uuid": UID, "changed_utc": "zzzz", "action": "create", "record": rec()}],
                                     [{"uuid": UID, "changed_utc": T0, "action": "hack", "record": rec()}]])
def test_bad_history_is_rejected(tmp_path, store, history):
    before = snapshot(store)
    content = doc([rec(updated_utc=T1)])
    content["history"] = history
    with pytest.raises(InputError):
        exchange.import_file(store, put(tmp_path, "h.json", content))
    assert snapshot(store) == before


@pytest.mark.parametrize("version", [99, 0, "2", None, True])
def test_unknown_schema_versions_are_rejected(tmp_path, store, version):
    with pytest.raises(InputError, match="schema_version"):
        exchange.import_file(store, put(tmp_path, "v.json", doc([rec(updated_utc=T1)], version=version)))


def test_version_1_has_no_session_id(tmp_path, store):
    with pytest.raises(InputError, match="session_id"):
        exchange.import_file(store, put(tmp_path, "v1.json", doc([rec(session_id="s")], version=1)))
    c = exchange.import_file(store, put(tmp_path, "v1b.json", doc([rec(updated_utc=T1, text="v1")], version=1)))
    assert c["updated"] == 1


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary", "uuid,kind,area_code,created_utc,text\n"
                                     "123e4567-e89b-12d3-a456-426614174000,trend,KU009,2026-01-01T00:00:00Z,"
                                     "P\xe4\xe4\n".encode("latin-1"), b"[" * 200_000 + b"]" * 200_000,
                                     b'{"format": "kasvudata-insights", "schema_version": 2, "records": '
                                     + b"[" * 200_000 + b"]" * 200_000 + b"}"])
def test_binary_latin1_and_deep_files_are_exit_2(tmp_path, store, capsys, content):
    p = tmp_path / "x.json"
    p.write_bytes(content)
    assert main(["insights", "--db", str(store.path), "import", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.json" in err


def test_one_transaction_over_all_files_and_dry_run(tmp_path, store, capsys):
    good = put(tmp_path, "good.json", doc([rec(updated_utc=T1, text="hyvä")]))
    bad = put(tmp_path, "bad.json", doc([rec(updated_utc="zzzz")]))
    before = snapshot(store)
    assert main(["insights", "--db", str(store.path), "import", good, bad]) == 2
    assert snapshot(store) == before  # good.json was not merged either
    capsys.readouterr()
    assert main(["insights", "--db", str(store.path), "import", "--dry-run", good]) == 0
    out = capsys.readouterr().out
    assert f"would update {UID}: updated_utc, text" in out and "would add 0, update 1" in out
    assert snapshot(store) == before
    assert main(["insights", "--db", str(store.path), "import", good]) == 0
    assert store.get(UID)["text"] == "hyvä"
