"""Export and import of the insights store (``kasvudata insights export|import``).

* ``json``: every record (deleted ones too, flagged) plus the history table —
  the lossless format for merging workshops.
* ``csv``: one row per record, levers/results as JSON text, written by the one CSV
  writer :func:`kasvudata_utils.fileio.csv_text`: every cell (uuid, times and
  session id too, which may come from imported files) that a spreadsheet would read
  as a formula (starting with ``= + - @``, tab or CR) or that starts with ``'``
  gets one leading ``'``; import removes exactly one, so the round trip is exact
  and Excel never runs a participant's text.
* ``md``: a readable summary (not importable), text escaped.

Import merges by UUID: unknown UUIDs are added, known ones are updated only when
the incoming version is newer (votes: the larger count), history entries are
added once. Importing the same file twice adds nothing.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_write_text, csv_text, unneutralise_cell
from kasvudata_utils.insights.schema import COLUMNS, RECORD_FIELDS, SCHEMA_VERSION, row_to_record, utc_now
from kasvudata_utils.insights.validate import (
    KINDS,
    MAX_TEXT_CHARS,
    clean_indicator,
    clean_industry,
    clean_kind,
    clean_year,
    to_json,
)
from kasvudata_utils.labels import t

FORMAT_TAG = "kasvudata-insights"
FORMATS = ("csv", "md", "json")
_MD_SPECIAL = set("\\`*_{}[]()#+!|<>~&-.")


# ------------------------------------------------------------------ export
def export_records(store, area=None) -> tuple[list[dict], list[dict]]:
    """Records (incl. deleted) and their history entries, optionally of one area."""
    recs = store.list(area=area, include_deleted=True, order="oldest")
    keep = {r["uuid"] for r in recs}
    hist = [h for h in store.all_history() if h["uuid"] in keep]
    return recs, hist


def _md_escape(text: str) -> str:
    flat = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in flat)


def export_text(store, format: str = "json", area=None, lang: str = "fi") -> str:
    """The store as ``csv``, ``md`` or ``json`` text.

    Raises
    ------
    InputError
        Unknown format or area.
    """
    fmt = str(format).strip().lower()
    if fmt not in FORMATS:
        raise InputError(f"export format {format!r}: expected one of {', '.join(FORMATS)}")
    area_code = areas.normalise_area(area) if area is not None else None
    recs, hist = export_records(store, area_code)
    if fmt == "json":
        doc = {"format": FORMAT_TAG, "schema_version": SCHEMA_VERSION, "exported_utc": utc_now(),
               "area": area_code, "records": recs, "history": hist}
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if fmt == "csv":
        rows = []
        for r in recs:
            row = []
            for f in RECORD_FIELDS:
                v = r[f]
                if f in ("levers", "results"):
                    v = to_json(v) if v is not None else ""
                elif f == "deleted":
                    v = int(v)
                row.append(v)
            rows.append(row)
        return csv_text(RECORD_FIELDS, rows)  # every cell neutralised: uuid and times come from files too
    return _export_md(recs, lang)


def _export_md(recs: list[dict], lang: str) -> str:
    lines = [f"# {t('insights_export_title', lang)}", ""]
    live = [r for r in recs if not r["deleted"]]
    for code in sorted({r["area_code"] for r in live}):
        lines += [f"## {_md_escape(areas.area_name(code, lang))} ({code})", ""]
        for kind in KINDS:
            group = sorted((r for r in live if r["area_code"] == code and r["kind"] == kind),
                           key=lambda r: (-r["votes"], r["created_utc"]))
            if not group:
                continue
            lines += [f"### {t('insight_kind_' + kind, lang)}", ""]
            for r in group:
                ref = ", ".join(str(x) for x in (r["industry_code"], r["indicator"], r["year"]) if x)
                extra = f" ({_md_escape(ref)})" if ref else ""
                if kind == "scenario":
                    levers = "; ".join(f"{k} = {v}" for k, v in (r["levers"] or {}).items())
                    extra += f" — {_md_escape(levers)}" if levers else ""
                lines.append(f"- {_md_escape(r['text'])}{extra} · {t('insight_votes', lang)}: {r['votes']}")
            lines.append("")
    if not live:
        lines += [t("insights_none", lang), ""]
    return "\n".join(lines)


def write_export(store, format: str = "json", area=None, out=None, lang: str = "fi") -> str:
    """Export and write to ``out`` (a path) when given; returns the text."""
    text = export_text(store, format, area=area, lang=lang)
    if out is not None:
        atomic_write_text(out, text)  # a full disk leaves the old backup whole
    return text


# ------------------------------------------------------------------ import
def _validate(rec: dict, where: str) -> dict:
    """A record from a file → a row dict in :data:`COLUMNS` (raises InputError naming ``where``)."""
    try:
        uid = str(rec.get("uuid") or "").strip()
        if not uid:
            raise InputError("missing uuid: expected the UUID of the exported insight")
        kind = clean_kind(rec.get("kind"))
        text = "" if rec.get("text") is None else str(rec["text"])
        if len(text) > MAX_TEXT_CHARS:
            raise InputError(f"text of {len(text)} characters: expected at most {MAX_TEXT_CHARS}")
        votes = int(rec.get("votes") or 0)
        if votes < 0:
            raise InputError(f"votes {votes}: expected a count ≥ 0")
        deleted = rec.get("deleted")
        deleted = 1 if str(deleted).strip().lower() in ("1", "true") else 0
        created = str(rec.get("created_utc") or "").strip()
        if not created:
            raise InputError("missing created_utc: expected a UTC time such as 2026-11-28T16:00:00.000000Z")
        return {
            "uuid": uid, "created_utc": created, "updated_utc": str(rec.get("updated_utc") or created),
            "workshop": str(rec.get("workshop") or ""), "area_code": areas.normalise_area(rec.get("area_code")),
            "industry_code": clean_industry(rec.get("industry_code")),
            "indicator": clean_indicator(rec.get("indicator")), "year": clean_year(rec.get("year")),
            "kind": kind, "text": text, "author": rec.get("author") or None, "votes": votes,
            "levers_json": to_json(rec["levers"]) if rec.get("levers") is not None else None,
            "results_json": to_json(rec["results"]) if rec.get("results") is not None else None,
            "deleted": deleted, "session_id": rec.get("session_id") or None,
        }
    except (TypeError, ValueError) as exc:  # InputError is a ValueError
        raise InputError(f"{where}: {exc}") from None


def read_export(path) -> tuple[list[dict], list[dict]]:
    """Parse a JSON or CSV export into (records, history)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"insights file {str(path)!r} not found: expected a JSON or CSV export")
    raw = p.read_text(encoding="utf-8-sig")
    stripped = raw.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"insights file {str(path)!r} is not valid JSON (line {exc.lineno}): expected a "
                             f"`kasvudata insights export --format json` file") from None
        if doc.get("format") != FORMAT_TAG or not isinstance(doc.get("records"), list):
            raise InputError(f"insights file {str(path)!r}: expected a `kasvudata insights export` JSON file")
        return doc["records"], list(doc.get("history") or [])
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or not {"uuid", "kind", "area_code", "text"} <= set(reader.fieldnames):
        raise InputError(f"insights file {str(path)!r}: expected a JSON or CSV file made by "
                         f"`kasvudata insights export` (columns uuid, kind, area_code, text, …)")
    recs = []
    for row in reader:
        rec = {k: (None if v == "" else unneutralise_cell(v)) for k, v in row.items() if k in RECORD_FIELDS}
        if rec.get("text") is None:
            rec["text"] = ""
        for f in ("levers", "results"):
            if rec.get(f):
                try:
                    rec[f] = json.loads(rec[f])
                except json.JSONDecodeError:
                    raise InputError(f"insights file {str(path)!r}, insight {rec.get('uuid')}: {f} "
                                     f"{rec[f][:40]!r} is not JSON: expected an object") from None
        recs.append(rec)
    return recs, []


def import_records(store, records: list[dict], history: list[dict] | None = None, source: str = "") -> dict:
    """Merge records (and history entries) into ``store`` by UUID; return counts."""
    rows = [_validate(r, f"{source} record {i + 1}") for i, r in enumerate(records)]
    history = history or []

    def do(con):  # may be retried as a whole when the store is busy: counts start afresh
        counts = {"added": 0, "updated": 0, "unchanged": 0, "history_added": 0}
        now = utc_now()
        for row in rows:
            old = con.execute(f"SELECT {', '.join(COLUMNS)} FROM insights WHERE uuid = ?",
                              (row["uuid"],)).fetchone()
            if old is None:
                con.execute(f"INSERT INTO insights ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                            tuple(row[c] for c in COLUMNS))
                counts["added"] += 1
                continue
            old = dict(zip(COLUMNS, old, strict=False))
            if row["updated_utc"] > old["updated_utc"]:
                merged = dict(row, votes=max(row["votes"], old["votes"]))
                con.execute(f"UPDATE insights SET {', '.join(f'{c} = ?' for c in COLUMNS if c != 'uuid')} "
                            f"WHERE uuid = ?", (*(merged[c] for c in COLUMNS if c != "uuid"), row["uuid"]))
                counts["updated"] += 1
            elif row["votes"] > old["votes"]:
                con.execute("UPDATE insights SET votes = ? WHERE uuid = ?", (row["votes"], row["uuid"]))
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        for h in history:
            uid, when, action = str(h.get("uuid")), str(h.get("changed_utc")), str(h.get("action"))
            seen = con.execute("SELECT 1 FROM insight_history WHERE uuid = ? AND changed_utc = ? AND action = ?",
                               (uid, when, action)).fetchone()
            if not seen:
                con.execute("INSERT INTO insight_history (uuid, changed_utc, action, snapshot_json) "
                            "VALUES (?, ?, ?, ?)",
                            (uid, when, action, json.dumps(h.get("record"), ensure_ascii=False, sort_keys=True)))
                counts["history_added"] += 1
        # Records that arrived without any history get one "import" entry, so nothing is untraceable.
        for row in rows:
            has = con.execute("SELECT 1 FROM insight_history WHERE uuid = ?", (row["uuid"],)).fetchone()
            if not has:
                rec = row_to_record(tuple(row[c] for c in COLUMNS))
                con.execute("INSERT INTO insight_history (uuid, changed_utc, action, snapshot_json) "
                            "VALUES (?, ?, ?, ?)",
                            (row["uuid"], now, "import", json.dumps(rec, ensure_ascii=False, sort_keys=True)))
                counts["history_added"] += 1
        return counts
    return store._write(do)


def import_file(store, path) -> dict:
    """Merge a JSON or CSV export file into ``store``; returns counts ``added, updated, unchanged``."""
    records, history = read_export(path)
    return import_records(store, records, history, source=Path(path).name)
