"""Validation of what goes into the insights store (kinds, codes, years, text limits, JSON, imported records).

Every check raises :class:`InputError` with one line naming the value received
and what was expected; text-limit messages are the friendly ``labels`` ones.
"""
from __future__ import annotations

import json
import uuid as _uuid_mod
from datetime import UTC, datetime, timedelta

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.industries import normalise_industry
from kasvudata_utils.insights.schema import RECORD_FIELDS, SCHEMA_VERSION, format_utc, parse_utc
from kasvudata_utils.labels import t

KINDS = ("trend", "bottleneck", "best_practice", "question", "action", "scenario")
# SPEC §5 indicator names (an insight may refer to one of them).
INDICATORS = (
    "establishments", "personnel", "turnover_eur", "exports_eur", "personnel_growth_pct",
    "turnover_growth_pct", "cagr_personnel_pct", "lq_personnel", "share_personnel_pct",
    "birth_rate_pct", "death_rate_pct", "churn_rate_pct", "survival_rate_1y_pct",
    "survival_rate_3y_pct", "survival_rate_5y_pct", "hge_count", "hge_share_pct",
    "micro_hge_count", "gazelle_count", "exporter_count", "export_intensity_pct",
    "micro_share_pct", "krugman_index", "herfindahl_index",
)
MAX_TEXT_CHARS = 2000
MAX_SHORT_CHARS = 200          # workshop label, author
YEAR_RANGE = (1990, 2100)
MAX_VOTES = 100_000            # a workshop room, not a web poll
MAX_JSON_CHARS = 20_000        # levers/results of one scenario
FUTURE_SLACK = timedelta(days=1)
HISTORY_ACTIONS = ("create", "edit", "delete", "restore", "import")
HISTORY_FIELDS = ("uuid", "changed_utc", "action", "record", "source")
# The record fields each export version may carry (version 1 had no session id).
VERSION_FIELDS = {1: tuple(f for f in RECORD_FIELDS if f != "session_id"), 2: RECORD_FIELDS}


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value) -> str | None:
    """Lever or result mapping → canonical JSON text (``None`` stays ``None``)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"scenario levers/results {type(value).__name__!s}: expected a mapping of name → value")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


def clean_kind(kind) -> str:
    """Normalise a kind (``"Best practice"`` → ``best_practice``) or raise :class:`InputError`."""
    k = str(kind or "").strip().lower().replace(" ", "_").replace("-", "_")
    if k not in KINDS:
        raise InputError(f"unknown insight kind {kind!r}: expected one of {', '.join(KINDS)}")
    return k


def clean_indicator(indicator) -> str | None:
    """``None``/empty → ``None``; a SPEC §5 name → itself; anything else → :class:`InputError`."""
    if indicator is None or str(indicator).strip() == "":
        return None
    name = str(indicator).strip()
    if name not in INDICATORS:
        raise InputError(f"unknown indicator {indicator!r}: expected a SPEC §5 name such as personnel or "
                         f"birth_rate_pct")
    return name


def clean_year(year) -> int | None:
    """``None``/empty → ``None``; a year 1990–2100 → int; anything else → :class:`InputError`."""
    if year is None or str(year).strip() == "":
        return None
    try:
        y = int(str(year).strip())
    except ValueError:
        raise InputError(f"year {year!r}: expected a whole number such as 2023") from None
    if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        raise InputError(f"year {year!r}: expected a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}")
    return y


def clean_industry(industry) -> str | None:
    """``None``/empty → ``None``; otherwise :func:`industries.normalise_industry`."""
    if industry is None or str(industry).strip() == "":
        return None
    return normalise_industry(industry)


def clean_text(text, lang: str = "fi", allow_empty: bool = False) -> str:
    """The insight text, verbatim apart from surrounding whitespace; length-checked."""
    s = "" if text is None else str(text).strip()
    if not s and not allow_empty:
        raise InputError(t("insight_text_empty", lang))
    if len(s) > MAX_TEXT_CHARS:
        raise InputError(t("insight_text_too_long", lang, limit=MAX_TEXT_CHARS, length=len(s)))
    return s


def clean_short(value, what: str) -> str | None:
    """Author or workshop label: stripped, ≤ :data:`MAX_SHORT_CHARS` characters."""
    if value is None:
        return None
    s = " ".join(str(value).split())
    if len(s) > MAX_SHORT_CHARS:
        raise InputError(f"{what} of {len(s)} characters: expected at most {MAX_SHORT_CHARS}")
    return s


# ------------------------------------------------------------------ records from files (import)
def _typed(rec: dict, name: str, types=(str,), required=False):
    v = rec.get(name)
    if v is None:
        if required:
            raise InputError(f"missing {name}")
        return None
    if isinstance(v, bool) or not isinstance(v, types):
        raise InputError(f"{name} of type {type(v).__name__}: expected {' or '.join(t_.__name__ for t_ in types)}")
    return v


def _count(value, name: str) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        value = int(value.strip())
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VOTES:
        raise InputError(f"{name} {str(value)[:20]!r}: expected a whole number 0–{MAX_VOTES}")
    return value


def _flag(value) -> int:
    m = {None: 0, False: 0, True: 1, "0": 0, "1": 1, "false": 0, "true": 1}  # 0 == False, 1 == True
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, (dict, list, float)) or key not in m:
        raise InputError(f"deleted {str(value)[:20]!r}: expected true or false")
    return m[key]


def _uuid(value, name: str = "uuid") -> str:
    uid = _typed({name: value}, name, required=True)
    try:
        ok = str(_uuid_mod.UUID(uid)) == uid
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"{name} {uid[:40]!r}: expected a UUID such as 123e4567-e89b-12d3-a456-426614174000")
    return uid


def _json_field(value, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"{name} of type {type(value).__name__}: expected an object of name → value")
    text = to_json(value)
    if len(text) > MAX_JSON_CHARS:
        raise InputError(f"{name} of {len(text)} characters: expected at most {MAX_JSON_CHARS}")
    return text


def validate_record(rec, where: str, version: int = SCHEMA_VERSION, now: datetime | None = None) -> dict:
    """A record from a file → a row dict in :data:`COLUMNS`, with the checks and limits of ``add()``.

    Strict: only the fields of the file's schema version, each of its type; UUIDs in canonical form;
    ``created_utc``/``updated_utc`` ISO-8601 with a time zone (stored as UTC), updated not before created
    nor more than a day in the future; votes 0–:data:`MAX_VOTES`. Raises :class:`InputError` naming ``where``.
    """
    now = now or datetime.now(UTC)
    try:
        if not isinstance(rec, dict):
            raise InputError(f"a {type(rec).__name__}: expected an object with uuid, kind, area_code, …")
        unknown = sorted(set(rec) - set(VERSION_FIELDS.get(version, RECORD_FIELDS)))
        if unknown:
            raise InputError(f"unknown field(s) {unknown[:3]} for schema version {version}")
        kind = clean_kind(_typed(rec, "kind", required=True))
        uid = _uuid(rec.get("uuid"))
        created = parse_utc(_typed(rec, "created_utc", required=True))
        updated = parse_utc(_typed(rec, "updated_utc") or rec["created_utc"])
        if updated < created:
            raise InputError(f"updated_utc {rec.get('updated_utc')!r} is before created_utc: expected a later time")
        if updated > now + FUTURE_SLACK:
            raise InputError(f"updated_utc {rec.get('updated_utc')!r} lies in the future: expected a past time")
        return {
            "uuid": uid, "created_utc": format_utc(created), "updated_utc": format_utc(updated),
            "workshop": clean_short(_typed(rec, "workshop"), "workshop label") or "",
            "area_code": areas.normalise_area(_typed(rec, "area_code", required=True)),
            "industry_code": clean_industry(_typed(rec, "industry_code")),
            "indicator": clean_indicator(_typed(rec, "indicator")),
            "year": clean_year(_typed(rec, "year", (int, str))), "kind": kind,
            "text": clean_text(_typed(rec, "text"), "en", allow_empty=kind == "scenario"),
            "author": clean_short(_typed(rec, "author"), "author name") or None,
            "votes": _count(rec.get("votes"), "votes"),
            "levers_json": _json_field(rec.get("levers"), "levers"),
            "results_json": _json_field(rec.get("results"), "results"),
            "deleted": _flag(rec.get("deleted")),
            "session_id": clean_short(_typed(rec, "session_id"), "session id") or None,
        }
    except (TypeError, ValueError, RecursionError) as exc:  # InputError is a ValueError
        raise InputError(f"{where}: {exc}") from None


def validate_history(entry, where: str, uuids: set, version: int = SCHEMA_VERSION) -> dict:
    """A history entry from a file → ``uuid, changed_utc, action, record, source`` (checked like a record)."""
    try:
        if not isinstance(entry, dict):
            raise InputError(f"a {type(entry).__name__}: expected an object with uuid, changed_utc, action, record")
        unknown = sorted(set(entry) - set(HISTORY_FIELDS))
        if unknown:
            raise InputError(f"unknown field(s) {unknown[:3]}")
        uid = _uuid(entry.get("uuid"))
        if uid not in uuids:
            raise InputError(f"uuid {uid} has no record in the file: expected the history of an exported record")
        action = _typed(entry, "action", required=True)
        if action not in HISTORY_ACTIONS:
            raise InputError(f"action {action[:20]!r}: expected one of {', '.join(HISTORY_ACTIONS)}")
        when = format_utc(parse_utc(_typed(entry, "changed_utc", required=True)))
        row = validate_record(entry.get("record"), "record", version)
        if row["uuid"] != uid:
            raise InputError(f"record uuid {row['uuid']} differs from the entry's {uid}")
        source = clean_short(_typed(entry, "source"), "source")
        return {"uuid": uid, "changed_utc": when, "action": action, "row": row, "source": source}
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputError(f"{where}: {exc}") from None
