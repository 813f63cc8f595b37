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

Import is a trustworthy merge (METHODS "Exchange"): every record is checked like
``add()`` (:func:`~kasvudata_utils.insights.validate.validate_record`), unknown UUIDs
are added, known ones replaced only when the incoming ``updated_utc`` is later as a
parsed time (votes: the larger count); every change adds an ``import`` history entry
naming the source file; all files of one command form one transaction, and
``dry_run`` reports the changes without keeping them. Importing the same file twice
changes nothing.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_write_text, csv_text, unneutralise_cell
from kasvudata_utils.insights.schema import (
    COLUMNS,
    RECORD_FIELDS,
    SCHEMA_VERSION,
    format_utc,
    parse_utc,
    row_to_record,
    utc_now,
)
from kasvudata_utils.insights.text import indicator_label, industry_label, lever_label, lever_order, lever_value
from kasvudata_utils.insights.validate import (
    KINDS,
    VERSION_FIELDS,
    to_json,
    validate_history,
    validate_record,
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
        lines += [f"## {_md_escape(areas.official_name(code, lang))} ({code})", ""]  # "Ylivieskan seutukunta"
        for kind in KINDS:
            group = sorted((r for r in live if r["area_code"] == code and r["kind"] == kind),
                           key=lambda r: (-r["votes"], r["created_utc"]))
            if not group:
                continue
            lines += [f"### {t('insight_kind_' + kind, lang)}", ""]
            for r in group:
                # labels, not identifiers (issue 17): "C Teollisuus, Henkilöstö, 2023", levers with units
                ref = ", ".join(x for x in (industry_label(r["industry_code"], lang) if r["industry_code"] else "",
                                            indicator_label(r["indicator"], lang) if r["indicator"] else "",
                                            str(r["year"] or "")) if x)
                extra = f" ({_md_escape(ref)})" if ref else ""
                if kind == "scenario":
                    levers = "; ".join(f"{lever_label(k, lang)} {lever_value(r, k, lang)}"
                                       for k in lever_order([r]))
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
# Import is a trustworthy merge: a file is read whole, every record is checked against the schema of
# the file's version with the limits of ``add()``, times are parsed (never compared as text), and all
# files of one command are merged in one transaction, so a failing import changes nothing.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
DOC_FIELDS = ("format", "schema_version", "exported_utc", "area", "records", "history")
_REQUIRED = ("uuid", "kind", "area_code", "created_utc")
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass
class ExportFile:
    """A parsed export: raw records and history entries, the schema version and the file's name."""

    records: list
    history: list
    version: int
    source: str


class _DryRun(Exception):  # noqa: N818  (not an error: carries the counts out of a rolled-back transaction)
    def __init__(self, result):
        super().__init__("dry run")
        self.result = result


def _bad_file(path, what: str) -> InputError:
    return InputError(f"insights file {Path(path).name!r} {what}: expected a JSON or CSV file made by "
                      "`kasvudata insights export`")


def load_export(path) -> ExportFile:
    """Read a JSON or CSV export whole (UTF-8, at most :data:`MAX_IMPORT_BYTES`); records are checked later.

    Raises
    ------
    InputError
        Missing, too large, binary or non-UTF-8 file, broken JSON/CSV, unknown format or schema version.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"insights file {str(path)!r} not found: expected a JSON or CSV export")
    if p.stat().st_size > MAX_IMPORT_BYTES:
        raise _bad_file(p, f"is {p.stat().st_size} bytes, over the limit of {MAX_IMPORT_BYTES}")
    data = p.read_bytes()
    if b"\x00" in data:
        raise _bad_file(p, "is a binary file")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad_file(p, f"is not UTF-8 text (byte {exc.start})") from None
    if raw.lstrip().startswith(("{", "[")):
        return _load_json(p, raw)
    return _load_csv(p, raw)


def _load_json(p: Path, raw: str) -> ExportFile:
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise _bad_file(p, f"is not valid JSON (line {exc.lineno})") from None
    except RecursionError:
        raise _bad_file(p, "is JSON nested too deeply") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_TAG:
        raise _bad_file(p, f"lacks \"format\": \"{FORMAT_TAG}\"")
    version = doc.get("schema_version")
    if isinstance(version, bool) or version not in VERSION_FIELDS:
        raise InputError(f"insights file {p.name!r} has schema_version {version!r}: expected one of "
                         f"{', '.join(map(str, VERSION_FIELDS))} (a newer KasvuDATA's export? upgrade the package)")
    unknown = sorted(set(doc) - set(DOC_FIELDS))
    if unknown:
        raise _bad_file(p, f"has unknown field(s) {unknown[:3]}")
    records, history = doc.get("records"), doc.get("history") or []
    if not isinstance(records, list) or not isinstance(history, list):
        raise _bad_file(p, "has records or history that are not lists")
    return ExportFile(records, history, version, p.name)


def _load_csv(p: Path, raw: str) -> ExportFile:
    try:
        reader = csv.DictReader(io.StringIO(raw, newline=""))
        fields = reader.fieldnames or []
        if not set(_REQUIRED) <= set(fields) or not set(fields) <= set(RECORD_FIELDS):
            raise _bad_file(p, f"has columns {list(fields)[:6]}, not uuid, kind, area_code, created_utc, text, …")
        recs = []
        for row in reader:
            if None in row:
                raise _bad_file(p, f"has a row with more cells than columns (line {reader.line_num})")
            rec = {k: (None if v in ("", None) else unneutralise_cell(v)) for k, v in row.items()}
            for f in ("levers", "results"):
                if rec.get(f):
                    try:
                        rec[f] = json.loads(rec[f])
                    except (json.JSONDecodeError, RecursionError):
                        raise InputError(f"insights file {p.name!r}, line {reader.line_num}: {f} "
                                         f"{rec[f][:40]!r} is not JSON: expected an object") from None
            recs.append(rec)
    except csv.Error as exc:
        raise _bad_file(p, f"is not a readable CSV ({exc})") from None
    return ExportFile(recs, [], max(VERSION_FIELDS), p.name)


def read_export(path) -> tuple[list[dict], list[dict]]:
    """Parse a JSON or CSV export into (records, history) (unchecked; see :func:`load_export`)."""
    doc = load_export(path)
    return doc.records, doc.history


def _snapshot(row: dict, source=None) -> str:
    rec = row_to_record(tuple(row[c] for c in COLUMNS))
    if source:
        rec["import_source"] = source  # read back as the entry's "source" (store.history)
    return json.dumps(rec, ensure_ascii=False, sort_keys=True)


def _time_or_oldest(text) -> datetime:
    try:
        return parse_utc(text)
    except ValueError:  # a value stored by an older, laxer import: any valid time is newer
        return _OLDEST


def _merge(con, rows: list[dict], history: list[dict], source: str, now: str) -> dict:
    """Merge checked rows and history entries of one file; every change gets an ``import`` history entry.

    Newer wins by parsed ``updated_utc`` (votes: the larger count); on equal times the stored version
    stays. A UUID twice in one file is merged the same way, in file order.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0, "history_added": 0, "changes": []}
    for h in history:
        seen = con.execute("SELECT 1 FROM insight_history WHERE uuid = ? AND changed_utc = ? AND action = ?",
                           (h["uuid"], h["changed_utc"], h["action"])).fetchone()
        if not seen:
            con.execute("INSERT INTO insight_history (uuid, changed_utc, action, snapshot_json) VALUES (?, ?, ?, ?)",
                        (h["uuid"], h["changed_utc"], h["action"], _snapshot(h["row"], h["source"])))
            counts["history_added"] += 1
    for row in rows:
        old = con.execute(f"SELECT {', '.join(COLUMNS)} FROM insights WHERE uuid = ?", (row["uuid"],)).fetchone()
        if old is None:
            con.execute(f"INSERT INTO insights ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                        tuple(row[c] for c in COLUMNS))
            new, change = row, ("add", row["uuid"], [f"{row['area_code']} {row['kind']}"])
            counts["added"] += 1
        else:
            old = dict(zip(COLUMNS, old, strict=True))
            if parse_utc(row["updated_utc"]) > _time_or_oldest(old["updated_utc"]):
                new = dict(row, votes=max(row["votes"], old["votes"]))
            elif row["votes"] > old["votes"]:
                new = dict(old, votes=row["votes"])
            else:
                new = old
            changed = [c for c in COLUMNS if new[c] != old[c]]
            if not changed:
                counts["unchanged"] += 1
                continue
            con.execute(f"UPDATE insights SET {', '.join(f'{c} = ?' for c in COLUMNS if c != 'uuid')} WHERE uuid = ?",
                        (*(new[c] for c in COLUMNS if c != "uuid"), row["uuid"]))
            change = ("update", row["uuid"], changed)
            counts["updated"] += 1
        con.execute("INSERT INTO insight_history (uuid, changed_utc, action, snapshot_json) VALUES (?, ?, ?, ?)",
                    (row["uuid"], now, "import", _snapshot(new, source or "import")))
        counts["history_added"] += 1
        counts["changes"].append(change)
    return counts


def import_exports(store, docs: list[ExportFile], dry_run: bool = False) -> list[dict]:
    """Check every record of every file, then merge all files in one transaction; counts per file.

    ``dry_run`` runs the same merge and rolls it back: the counts and ``changes`` say what would change.
    A bad record anywhere raises :class:`InputError` before the store is touched.
    """
    now = datetime.now(UTC)
    checked = []
    for doc in docs:
        rows = [validate_record(r, f"{doc.source} record {i + 1}", doc.version, now)
                for i, r in enumerate(doc.records)]
        uuids = {r["uuid"] for r in rows}
        hist = [validate_history(h, f"{doc.source} history entry {i + 1}", uuids, doc.version)
                for i, h in enumerate(doc.history)]
        checked.append((doc.source, rows, hist))

    def do(con):  # may be retried as a whole when the store is busy: counts start afresh
        stamp = format_utc(datetime.now(UTC))
        result = [_merge(con, rows, hist, source, stamp) for source, rows, hist in checked]
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        return store._write(do)
    except _DryRun as dry:
        return dry.result


def import_records(store, records: list[dict], history: list[dict] | None = None, source: str = "",
                   dry_run: bool = False) -> dict:
    """Merge records (and history entries) of the current schema version into ``store``; return counts."""
    return import_exports(store, [ExportFile(records, history or [], SCHEMA_VERSION, source)], dry_run)[0]


def import_files(store, paths, dry_run: bool = False) -> list[dict]:
    """Merge JSON or CSV export files into ``store`` in one transaction; counts per file (see :func:`_merge`)."""
    return import_exports(store, [load_export(p) for p in paths], dry_run)


def import_file(store, path, dry_run: bool = False) -> dict:
    """Merge a JSON or CSV export file into ``store``; returns counts ``added, updated, unchanged``."""
    return import_files(store, [path], dry_run)[0]
