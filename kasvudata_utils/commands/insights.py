"""``kasvudata insights export|import|list|history|restore``: the workshop knowledge base (SPEC §4, §7).

* ``export [--format csv|md|json] [--area CODE] [--out FILE]`` — to stdout or FILE;
* ``import [--dry-run] FILE [FILE …]`` — merge other workshops' JSON/CSV exports by UUID (checked like
  ``add()``, newer wins by parsed time, every change in the history, all files in one transaction);
* ``list [--area CODE] [--kind KIND]`` — CSV of the live insights on stdout;
* ``history UUID`` / ``delete UUID`` / ``restore UUID`` — every version of an insight / hide one
  (e.g. from the projector) / undo a deletion.

``--db PATH`` overrides ``$KASVUDATA_INSIGHTS_DB``.
"""
from __future__ import annotations

import sys

from kasvudata_utils.fileio import csv_text
from kasvudata_utils.insights.exchange import FORMATS, import_files, write_export
from kasvudata_utils.insights.store import KINDS, InsightStore

LIST_COLUMNS = ["uuid", "created_utc", "workshop", "area_code", "industry_code", "indicator", "year", "kind",
                "votes", "author", "text"]


def register(sub):
    """Add the ``insights`` command and its ``export``, ``import``, ``list``, ``history``, ``delete``, ``restore``."""
    p = sub.add_parser("insights", help="export, import and list the workshop insights store")
    p.add_argument("--db", default=None, help="store file (default: $KASVUDATA_INSIGHTS_DB or "
                                              "workshop_data/insights.sqlite)")
    isub = p.add_subparsers(dest="insights_command", metavar="ACTION", parser_class=type(p))
    e = isub.add_parser("export", help="write the store as CSV, Markdown or JSON")
    e.add_argument("--format", default="json", type=str.lower, choices=FORMATS)
    e.add_argument("--area", default=None, help="only this area's insights (code or name)")
    e.add_argument("--out", default=None, help="write to this file instead of stdout")
    e.add_argument("--lang", default="fi", choices=["fi", "en"], help="language of the Markdown headings")
    e.set_defaults(func=run_export)
    i = isub.add_parser("import", help="merge JSON or CSV exports into the store (by UUID, no duplicates)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--dry-run", action="store_true", help="print what the import would change; change nothing")
    i.set_defaults(func=run_import)
    ls = isub.add_parser("list", help="CSV of the insights on stdout")
    ls.add_argument("--area", default=None)
    ls.add_argument("--kind", default=None, choices=KINDS)
    ls.add_argument("--deleted", action="store_true", help="include deleted insights")
    ls.set_defaults(func=run_list)
    h = isub.add_parser("history", help="every stored version of one insight (JSON lines)")
    h.add_argument("uuid")
    h.set_defaults(func=run_history)
    d = isub.add_parser("delete", help="hide an insight (kept in the history; `restore` brings it back)")
    d.add_argument("uuid")
    d.set_defaults(func=run_delete)
    r = isub.add_parser("restore", help="bring back a deleted insight")
    r.add_argument("uuid")
    r.set_defaults(func=run_restore)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def run_export(args) -> int:
    """Export the store as CSV, Markdown or JSON to stdout or ``--out``."""
    store = InsightStore(args.db)
    text = write_export(store, args.format, area=args.area, out=args.out, lang=args.lang)
    if args.out is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def run_import(args) -> int:
    """Merge the files in one transaction (a bad record anywhere: nothing changes, exit 2)."""
    store = InsightStore(args.db)
    results = import_files(store, args.files, dry_run=args.dry_run)
    for f, c in zip(args.files, results, strict=True):
        if args.dry_run:
            for action, uid, what in c["changes"]:
                print(f"{f}: would {action} {uid}: {', '.join(what)}")
            print(f"{f}: would add {c['added']}, update {c['updated']}, leave {c['unchanged']} unchanged "
                  "(dry run: nothing changed)")
        else:
            print(f"{f}: added {c['added']}, updated {c['updated']}, unchanged {c['unchanged']}")
    return 0


def run_list(args) -> int:
    """Write the insights (optionally of one area or kind) as CSV on stdout."""
    store = InsightStore(args.db)
    records = store.list(area=args.area, kind=args.kind, include_deleted=args.deleted)  # errors before output
    cols = LIST_COLUMNS + (["deleted"] if args.deleted else [])
    # the one CSV writer: a participant's "=HYPERLINK(…)" reaches Excel as text, never as a formula
    sys.stdout.write(csv_text(cols, ([r.get(c) for c in cols] for r in records)))
    return 0


def run_history(args) -> int:
    """Print every stored version of one insight as JSON lines."""
    import json

    for h in InsightStore(args.db).history(args.uuid) or [None]:
        if h is None:
            InsightStore(args.db).get(args.uuid)  # raises InputError for an unknown UUID
            continue
        print(json.dumps(h, ensure_ascii=False, sort_keys=True))
    return 0


def run_delete(args) -> int:
    """Hide one insight (kept in its history)."""
    rec = InsightStore(args.db).delete(args.uuid)
    print(f"deleted {rec['uuid']} (restore with: kasvudata insights restore {rec['uuid']})")
    return 0


def run_restore(args) -> int:
    """Bring back a deleted insight."""
    rec = InsightStore(args.db).restore(args.uuid)
    print(f"restored {rec['uuid']}")
    return 0
