"""The insights store's schema: SQLite migrations, record columns and the store's UTC time format.

Shared by the store (:mod:`kasvudata_utils.insights.store`) and the exchange
(:mod:`kasvudata_utils.insights.exchange`), so neither has to import the other's internals.

>>> from datetime import datetime, timezone
>>> format_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
'2026-01-02T03:04:05.000000Z'
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

# Step n brings a store from user_version n-1 to n. Never edit a released step: add one.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS insights (
            uuid TEXT PRIMARY KEY,
            created_utc TEXT NOT NULL,
            updated_utc TEXT NOT NULL,
            workshop TEXT NOT NULL DEFAULT '',
            area_code TEXT NOT NULL,
            industry_code TEXT,
            indicator TEXT,
            year INTEGER,
            kind TEXT NOT NULL CHECK (kind IN ('trend','bottleneck','best_practice','question',
                                               'action','scenario')),
            text TEXT NOT NULL,
            author TEXT,
            votes INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
            levers_json TEXT,
            results_json TEXT,
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
        )""",
        "CREATE INDEX IF NOT EXISTS insights_area ON insights (area_code, kind)",
        """CREATE TABLE IF NOT EXISTS insight_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            uuid TEXT NOT NULL,
            changed_utc TEXT NOT NULL,
            action TEXT NOT NULL,
            snapshot_json TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS insight_history_uuid ON insight_history (uuid, id)",
    ),
    2: (  # per-session rate limit and one vote per session and insight
        "ALTER TABLE insights ADD COLUMN session_id TEXT",
        "CREATE INDEX IF NOT EXISTS insights_session ON insights (session_id, created_utc)",
        """CREATE TABLE IF NOT EXISTS insight_votes (
            uuid TEXT NOT NULL,
            session_id TEXT NOT NULL,
            voted_utc TEXT NOT NULL,
            PRIMARY KEY (uuid, session_id)
        )""",
    ),
}
SCHEMA_VERSION = max(MIGRATIONS)

# Columns of a record as stored (levers/results as JSON text) and as returned (parsed).
COLUMNS = ("uuid", "created_utc", "updated_utc", "workshop", "area_code", "industry_code", "indicator",
           "year", "kind", "text", "author", "votes", "levers_json", "results_json", "deleted", "session_id")
RECORD_FIELDS = ("uuid", "created_utc", "updated_utc", "workshop", "area_code", "industry_code", "indicator",
                 "year", "kind", "text", "author", "votes", "levers", "results", "deleted", "session_id")


def utc_now() -> str:
    """Current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sorts as text)."""
    return format_utc(datetime.now(UTC))


def format_utc(moment: datetime) -> str:
    """A timezone-aware datetime as the store's fixed-width UTC text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text) -> datetime:
    """An ISO-8601 time with a time zone (``Z`` or an offset) → an aware UTC datetime; ValueError otherwise.

    The store compares times parsed, never as text (as text ``"zzzz"`` would sort after every date).

    >>> format_utc(parse_utc("2026-01-02T05:04:05+02:00"))
    '2026-01-02T03:04:05.000000Z'
    """
    if not isinstance(text, str) or not 10 <= len(text.strip()) <= 40:
        raise ValueError(f"time {str(text)[:40]!r}: expected ISO-8601 UTC such as 2026-11-28T16:00:00Z")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"time {text[:40]!r}: expected ISO-8601 UTC such as 2026-11-28T16:00:00Z") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time {text[:40]!r} has no time zone: expected UTC such as 2026-11-28T16:00:00Z")
    return moment.astimezone(UTC)


def row_to_record(row) -> dict:
    """A stored row (tuple in :data:`COLUMNS` order) → record dict with parsed JSON."""
    rec = dict(zip(COLUMNS, row, strict=False))
    rec["levers"] = json.loads(rec.pop("levers_json")) if rec.get("levers_json") else None
    rec["results"] = json.loads(rec.pop("results_json")) if rec.get("results_json") else None
    rec.pop("levers_json", None)
    rec.pop("results_json", None)
    rec["deleted"] = bool(rec["deleted"])
    return {k: rec.get(k) for k in RECORD_FIELDS}
