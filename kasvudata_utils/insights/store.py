"""The workshop knowledge base: insights and saved scenarios in one SQLite file.

Many Voilà kernels (one per browser tab) and the command line write to the
same file at once, so the store

* runs SQLite in WAL mode with a busy timeout, opens every write with
  ``BEGIN IMMEDIATE`` and retries on "database is locked", so a busy store
  waits a moment instead of surfacing an error to a workshop participant;
* opens one short-lived connection per operation (safe across threads,
  forks and widget callbacks);
* never really loses anything: edits, deletions and restores append a full
  snapshot of the record to ``insight_history``; a deletion only sets a flag;
* uses parametrised queries only (SQL metacharacters are stored verbatim);
* is schema-versioned with ``PRAGMA user_version`` and upgrades old files
  step by step (:data:`MIGRATIONS`).

Export and import live in :mod:`kasvudata_utils.insights.exchange`, HTML rendering in
:mod:`kasvudata_utils.insights.render`.

>>> import tempfile, pathlib
>>> store = InsightStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")
>>> uid = store.add("KU009", "bottleneck", "Hitsaajia ei saa", industry="c")
>>> [(r["area_code"], r["industry_code"], r["kind"]) for r in store.list()]
[('KU009', 'C', 'bottleneck')]
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid as _uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kasvudata_utils import paths
from kasvudata_utils.areas import normalise_area
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights import exchange
from kasvudata_utils.insights.schema import (  # noqa: F401
    COLUMNS,
    MIGRATIONS,
    RECORD_FIELDS,
    SCHEMA_VERSION,
    format_utc,
    row_to_record,
    utc_now,
)
from kasvudata_utils.insights.validate import (  # noqa: F401
    INDICATORS,
    KINDS,
    MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
    YEAR_RANGE,
    clean_indicator,
    clean_industry,
    clean_kind,
    clean_short,
    clean_text,
    clean_year,
    to_json,
)
from kasvudata_utils.labels import t

RATE_LIMIT = 10                # submissions ...
RATE_WINDOW_S = 60             # ... per this many seconds per session id
BUSY_TIMEOUT_MS = 10_000       # SQLite's own wait for a lock
LOCK_PATIENCE_S = 120.0        # our retry loop on top of it

def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


def with_retry(fn, patience_s: float = LOCK_PATIENCE_S):
    """Call ``fn()``; on "database is locked/busy" wait with jittered backoff and call again.

    After ``patience_s`` seconds of failures a friendly :class:`InputError`
    is raised instead of SQLite's message.
    """
    deadline = time.monotonic() + patience_s
    delay = 0.005
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() > deadline:
                raise InputError(t("insight_store_busy")) from None
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.25)


def _history_entry(entry: dict, snapshot_json: str) -> dict:
    """A history row as a dict; an import's snapshot carries its source file, returned as ``source``."""
    rec = json.loads(snapshot_json)
    source = rec.pop("import_source", None) if isinstance(rec, dict) else None
    entry["record"] = rec
    if source is not None:
        entry["source"] = source
    return entry


class InsightStore:
    """The SQLite knowledge base (see the module docstring).

    Parameters
    ----------
    path : str or Path, optional
        The database file; default :func:`paths.insights_db` (``$KASVUDATA_INSIGHTS_DB``).
        Its folder is created.
    clock : callable, optional
        Returns the current time as a timezone-aware datetime (tests pass a fake clock).
    lang : {"fi", "en"}
        Language of the friendly messages raised as :class:`InputError`.
    """

    def __init__(self, path=None, clock=None, lang: str = "fi"):
        self.path = Path(path) if path is not None else paths.insights_db()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.lang = lang
        # A store on a read-only mount (a copied USB stick, a CD, a read-only share) still lists and
        # exports; only writes are refused, with one line.
        if self.path.is_dir():
            raise InputError(f"insights store {str(self.path)!r} is a folder: expected a SQLite file such as "
                             "workshop_data/insights.sqlite")
        self.read_only = not self._writable()
        if self.read_only and not self.path.is_file():
            raise InputError(f"insights store {self.path} does not exist and its folder is read-only: expected "
                             "an existing store or a writable folder")
        try:
            with_retry(self._ensure_schema)
        except sqlite3.DatabaseError as exc:  # not a database, cannot be opened, …
            raise InputError(f"insights store {str(self.path)!r} cannot be opened ({exc}): expected a KasvuDATA "
                             "insights file in a readable folder") from None

    def _writable(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        if not os.access(self.path.parent, os.W_OK):
            return False
        return not self.path.exists() or os.access(self.path, os.W_OK)

    # ------------------------------------------------------------ plumbing
    def _now(self) -> str:
        return format_utc(self._clock())

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return self._connect_read_only()
        con = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
        except BaseException:
            con.close()
            raise
        return con

    def _connect_read_only(self) -> sqlite3.Connection:
        """A read-only connection; ``immutable`` when even SQLite's lock files cannot be made (read-only mount)."""
        uri = self.path.resolve().as_uri()
        try:
            con = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError:
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)

    def _ensure_schema(self, target: int = SCHEMA_VERSION) -> None:
        with closing(self._connect()) as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(f"insights store {self.path} has schema version {version}: expected at most "
                                 f"{SCHEMA_VERSION} (made by a newer KasvuDATA; upgrade the package)")
            if version >= target:
                return
            if self.read_only:
                raise InputError(f"insights store {self.path} has schema version {version} and is read-only: "
                                 f"expected version {target}, or a writable copy that can be upgraded")
            con.execute("BEGIN IMMEDIATE")
            try:
                version = con.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
                for step in range(version + 1, target + 1):
                    for sql in MIGRATIONS[step]:
                        con.execute(sql)
                    con.execute(f"PRAGMA user_version = {int(step)}")
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``."""
        def read():
            with closing(self._connect()) as con:
                return con.execute("PRAGMA user_version").fetchone()[0]
        return with_retry(read)

    def _write(self, fn):
        """Run ``fn(con)`` inside ``BEGIN IMMEDIATE … COMMIT``, retrying while the store is locked."""
        if self.read_only:
            raise InputError(t("insight_store_read_only", self.lang, path=self.path))

        def attempt():
            with closing(self._connect()) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    out = fn(con)
                    con.execute("COMMIT")
                    return out
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
        return with_retry(attempt)

    def _read(self, sql: str, params=()) -> list[tuple]:
        def attempt():
            with closing(self._connect()) as con:
                return con.execute(sql, params).fetchall()
        return with_retry(attempt)

    @staticmethod
    def _fetch(con, uid: str) -> dict | None:
        row = con.execute(f"SELECT {', '.join(COLUMNS)} FROM insights WHERE uuid = ?", (uid,)).fetchone()
        return row_to_record(row) if row else None

    @staticmethod
    def _log(con, rec: dict, action: str, when: str) -> None:
        con.execute("INSERT INTO insight_history (uuid, changed_utc, action, snapshot_json) VALUES (?, ?, ?, ?)",
                    (rec["uuid"], when, action, json.dumps(rec, ensure_ascii=False, sort_keys=True)))

    def _check_rate(self, con, session_id: str | None, now: str) -> None:
        if not session_id:
            return
        since = format_utc(datetime.strptime(now, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
                           - timedelta(seconds=RATE_WINDOW_S))
        n = con.execute("SELECT COUNT(*) FROM insights WHERE session_id = ? AND created_utc > ?",
                        (session_id, since)).fetchone()[0]
        if n >= RATE_LIMIT:
            raise InputError(t("insight_rate_limited", self.lang, limit=RATE_LIMIT, seconds=RATE_WINDOW_S))

    def _insert(self, values: dict) -> str:
        uid = values["uuid"]

        def do(con):
            self._check_rate(con, values.get("session_id"), values["created_utc"])
            con.execute(f"INSERT INTO insights ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                        tuple(values.get(c) for c in COLUMNS))
            self._log(con, self._fetch(con, uid), "create", values["created_utc"])
            return uid
        return self._write(do)

    # ------------------------------------------------------------ public API
    def add(self, area, kind, text, industry=None, indicator=None, year=None, author=None,
            workshop: str = "", session_id: str | None = None) -> str:
        """Record an insight and return its UUID.

        Parameters
        ----------
        area : str
            Any spelling accepted by :func:`areas.normalise_area`.
        kind : str
            One of :data:`KINDS` except ``scenario`` (use :meth:`add_scenario`).
        text : str
            Stored verbatim (stripped), at most :data:`MAX_TEXT_CHARS` characters.
        industry, indicator, year : optional
            What the insight refers to (TOL code, SPEC §5 indicator name, year).
        author, workshop : str, optional
            Who said it and at which workshop.
        session_id : str, optional
            The browser session; at most :data:`RATE_LIMIT` submissions per
            :data:`RATE_WINDOW_S` seconds per session.

        Raises
        ------
        InputError
            Bad area/kind/industry/indicator/year, empty or too long text, rate limit.
        """
        k = clean_kind(kind)
        if k == "scenario":
            raise InputError("insight kind 'scenario': expected add_scenario() for saved scenarios")
        now = self._now()
        return self._insert({
            "uuid": str(_uuid.uuid4()), "created_utc": now, "updated_utc": now,
            "workshop": clean_short(workshop, "workshop label") or "", "area_code": normalise_area(area),
            "industry_code": clean_industry(industry), "indicator": clean_indicator(indicator),
            "year": clean_year(year), "kind": k, "text": clean_text(text, self.lang),
            "author": clean_short(author, "author name") or None, "votes": 0, "levers_json": None,
            "results_json": None, "deleted": 0, "session_id": session_id or None,
        })

    def add_scenario(self, area, levers: dict, results: dict, note: str = "", industry=None, author=None,
                     workshop: str = "", session_id: str | None = None, year=None) -> str:
        """Save a scenario snapshot (lever values and results as JSON, plus a note); return its UUID."""
        now = self._now()
        return self._insert({
            "uuid": str(_uuid.uuid4()), "created_utc": now, "updated_utc": now,
            "workshop": clean_short(workshop, "workshop label") or "", "area_code": normalise_area(area),
            "industry_code": clean_industry(industry), "indicator": None, "year": clean_year(year),
            "kind": "scenario", "text": clean_text(note, self.lang, allow_empty=True),
            "author": clean_short(author, "author name") or None, "votes": 0,
            "levers_json": to_json(dict(levers or {})), "results_json": to_json(dict(results or {})),
            "deleted": 0, "session_id": session_id or None,
        })

    def get(self, uid: str) -> dict:
        """The record ``uid`` (deleted ones too); unknown → :class:`InputError`."""
        rows = self._read(f"SELECT {', '.join(COLUMNS)} FROM insights WHERE uuid = ?", (str(uid),))
        if not rows:
            raise InputError(f"unknown insight {uid!r}: expected the UUID of a stored insight")
        return row_to_record(rows[0])

    def list(self, area=None, kind=None, industry=None, include_deleted: bool = False,
             order: str = "votes") -> list[dict]:
        """Records, optionally filtered; ``order`` ``"votes"`` (most-voted first) or ``"newest"``."""
        where, params = [], []
        if area is not None:
            where.append("area_code = ?")
            params.append(normalise_area(area))
        if kind is not None:
            where.append("kind = ?")
            params.append(clean_kind(kind))
        if industry is not None:
            where.append("industry_code = ?")
            params.append(clean_industry(industry))
        if not include_deleted:
            where.append("deleted = 0")
        orders = {"votes": "votes DESC, created_utc ASC, uuid", "newest": "created_utc DESC, uuid",
                  "oldest": "created_utc ASC, uuid"}
        if order not in orders:
            raise InputError(f"order {order!r}: expected one of {', '.join(orders)}")
        sql = (f"SELECT {', '.join(COLUMNS)} FROM insights"
               + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {orders[order]}")
        return [row_to_record(r) for r in self._read(sql, tuple(params))]

    def count(self, area=None, include_deleted: bool = False) -> int:
        """Number of records (optionally of one area)."""
        where, params = [], []
        if area is not None:
            where.append("area_code = ?")
            params.append(normalise_area(area))
        if not include_deleted:
            where.append("deleted = 0")
        sql = "SELECT COUNT(*) FROM insights" + (" WHERE " + " AND ".join(where) if where else "")
        return self._read(sql, tuple(params))[0][0]

    def change_token(self) -> tuple:
        """A cheap value that changes whenever records are added, edited, deleted, restored, imported or voted on.

        Apps poll it before rereading the store.
        """
        return tuple(self._read("SELECT COUNT(*), COALESCE(SUM(votes), 0), COALESCE(SUM(deleted), 0), "
                                "MAX(updated_utc), (SELECT MAX(id) FROM insight_history) FROM insights")[0])

    def vote(self, uid: str, session_id: str | None = None) -> bool:
        """Add one vote; with ``session_id`` at most one per session. Returns whether it counted."""
        uid = str(uid)

        def do(con):
            if self._fetch(con, uid) is None:
                raise InputError(f"unknown insight {uid!r}: expected the UUID of a stored insight")
            if session_id:
                cur = con.execute("INSERT OR IGNORE INTO insight_votes (uuid, session_id, voted_utc) "
                                  "VALUES (?, ?, ?)", (uid, session_id, self._now()))
                if cur.rowcount == 0:
                    return False
            con.execute("UPDATE insights SET votes = votes + 1 WHERE uuid = ?", (uid,))
            return True
        return self._write(do)

    def _change(self, uid: str, action: str, sets: dict) -> dict:
        uid = str(uid)

        def do(con):
            if self._fetch(con, uid) is None:
                raise InputError(f"unknown insight {uid!r}: expected the UUID of a stored insight")
            now = self._now()
            cols = dict(sets, updated_utc=now)
            con.execute(f"UPDATE insights SET {', '.join(f'{c} = ?' for c in cols)} WHERE uuid = ?",
                        (*cols.values(), uid))
            rec = self._fetch(con, uid)
            self._log(con, rec, action, now)
            return rec
        return self._write(do)

    def edit(self, uid: str, text=None, kind=None, industry=..., indicator=..., year=..., author=...) -> dict:
        """Change fields of an insight (the previous version stays in the history); return the new record.

        Arguments left at their default are not changed; ``industry=None`` clears the industry.
        """
        sets = {}
        if text is not None:
            current = self.get(uid)
            sets["text"] = clean_text(text, self.lang, allow_empty=current["kind"] == "scenario")
        if kind is not None:
            k = clean_kind(kind)
            if k == "scenario" or self.get(uid)["kind"] == "scenario":
                raise InputError(f"insight kind {kind!r}: a scenario cannot become an insight or vice versa")
            sets["kind"] = k
        if industry is not ...:
            sets["industry_code"] = clean_industry(industry)
        if indicator is not ...:
            sets["indicator"] = clean_indicator(indicator)
        if year is not ...:
            sets["year"] = clean_year(year)
        if author is not ...:
            sets["author"] = clean_short(author, "author name") or None
        if not sets:
            return self.get(uid)
        return self._change(uid, "edit", sets)

    def delete(self, uid: str) -> dict:
        """Hide an insight (kept with its history; :meth:`restore` brings it back)."""
        return self._change(uid, "delete", {"deleted": 1})

    def restore(self, uid: str) -> dict:
        """Bring back a deleted insight."""
        return self._change(uid, "restore", {"deleted": 0})

    def history(self, uid: str) -> list[dict]:
        """Every version of the record, oldest first: dicts ``changed_utc, action, record``."""
        rows = self._read("SELECT changed_utc, action, snapshot_json FROM insight_history WHERE uuid = ? "
                          "ORDER BY id", (str(uid),))
        return [_history_entry({"changed_utc": c, "action": a}, s) for c, a, s in rows]

    def all_history(self) -> list[dict]:
        """The whole history table (for export): dicts ``uuid, changed_utc, action, record``."""
        rows = self._read("SELECT uuid, changed_utc, action, snapshot_json FROM insight_history ORDER BY id")
        return [_history_entry({"uuid": u, "changed_utc": c, "action": a}, s) for u, c, a, s in rows]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``"ok"`` when sound)."""
        return self._read("PRAGMA integrity_check")[0][0]

    # Export and import are implemented in the exchange module (kept here as methods: ARCHITECTURE contract).
    def export(self, format: str = "json", area=None, lang: str = "fi") -> str:
        """The records as ``csv``, ``md`` or ``json`` text (see :mod:`kasvudata_utils.insights.exchange`)."""
        return exchange.export_text(self, format, area=area, lang=lang)

    def import_file(self, path, dry_run: bool = False) -> dict:
        """Merge an export (JSON or CSV) by UUID; returns counts ``added, updated, unchanged``, ``changes``.

        See :mod:`kasvudata_utils.insights.exchange`: checked like ``add()``, newer wins by parsed time,
        every change recorded in the history with the file's name; ``dry_run`` changes nothing.
        """
        return exchange.import_file(self, path, dry_run=dry_run)
