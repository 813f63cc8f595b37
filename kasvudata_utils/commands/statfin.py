"""``kasvudata statfin``: fetch real tables from StatFin's PxWeb API (needs a network).

- ``kasvudata statfin search WORD`` → CSV of matching tables (``id,path,title,published``);
- ``kasvudata statfin list [PATH]`` → CSV of the folders and tables under ``PATH``;
- ``kasvudata statfin fetch --table ID [--areas CODES] [--years 2013-2023] [--out FILE]``
  → the table in the project's schema: a regional entrepreneurial-activity table
  (establishments, personnel, turnover) becomes the SPEC §3 business table, an
  openings/closures table becomes register events, anything else the long
  JSON-stat frame. CSV on stdout, or ``--out FILE.csv|.parquet``.

Responses are cached under ``data/cache/pxweb/``. Without a network the command
ends with one line ("StatFin unreachable …; the embedded data stays in use") and
exit code 2; nothing on disk changes.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_target, atomic_write_text, frame_csv_text

KINDS = ("auto", "business", "events", "raw")


def register(sub):
    """Add the ``statfin`` command and its ``search``, ``list`` and ``fetch`` subcommands."""
    p = sub.add_parser("statfin", help="fetch real tables from StatFin (PxWeb API; needs a network)")
    cmds = p.add_subparsers(dest="statfin_command", metavar="SUBCOMMAND", parser_class=type(p))

    s = cmds.add_parser("search", help="find StatFin tables by a word (CSV on stdout)")
    s.add_argument("word", help="e.g. toimipaikat, aloittaneet, population")
    _common(s)
    s.set_defaults(func=run_search)

    ls = cmds.add_parser("list", help="folders and tables of StatFin under PATH (CSV on stdout)")
    ls.add_argument("path", nargs="?", default="", help="a folder id such as alyr (default: the top level)")
    _common(ls)
    ls.set_defaults(func=run_list)

    f = cmds.add_parser("fetch", help="fetch a table into the project's schema")
    f.add_argument("--table", required=True, metavar="ID",
                   help="StatFin table id, e.g. 13wz or 11yq (or FOLDER/ID, e.g. alyr/13wz)")
    f.add_argument("--areas", default=None, metavar="CODES", help="comma-separated area codes (default: all)")
    f.add_argument("--years", default=None, metavar="YEARS", help="e.g. 2013-2023 or 2020,2022 (default: all)")
    f.add_argument("--kind", default="auto", choices=KINDS,
                   help="business table, register events (openings/closures) or raw long table (default: auto)")
    f.add_argument("--level", default="division", choices=["division", "section", "all"],
                   help="industry level kept in a business table (default: division)")
    f.add_argument("--out", default=None, metavar="FILE", help="write .csv or .parquet here (default: CSV on stdout)")
    f.add_argument("--refresh", action="store_true", help="ignore the cache and ask StatFin again")
    _common(f)
    f.set_defaults(func=run_fetch)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _common(p):
    p.add_argument("--lang", default="fi", choices=["fi", "sv", "en"], help="language of StatFin's labels")


def _client(args):
    from kasvudata_utils.data.pxweb import PxWebClient

    return PxWebClient(lang=args.lang)


def parse_years(text: str | None) -> list[int] | None:
    """``"2013-2015"`` → [2013, 2014, 2015]; ``"2020,2022"`` → [2020, 2022]; None → None."""
    if text is None:
        return None
    years: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if m := re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", part):
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                raise InputError(f"--years {text!r}: the range {a}-{b} runs backwards")
            years += list(range(a, b + 1))
        elif re.fullmatch(r"\d{4}", part):
            years.append(int(part))
        else:
            raise InputError(f"--years {text!r}: expected years such as 2013-2023 or 2020,2022")
    return years


def _write(df, out: str | None) -> None:
    if out is None:
        sys.stdout.write(frame_csv_text(df))
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--out {out!r}: expected a file name ending in .csv or .parquet")
    if suffix == ".csv":
        atomic_write_text(path, frame_csv_text(df))
    else:
        with atomic_target(path) as tmp:
            df.to_parquet(tmp, index=False)


def run_search(args) -> int:
    """Write the StatFin tables matching a word as CSV on stdout."""
    df = _client(args).search(args.word)
    _write(df[["id", "path", "title", "published"]], None)
    return 0


def run_list(args) -> int:
    """Write the folders and tables under a StatFin path as CSV on stdout."""
    _write(_client(args).list_tables(args.path), None)
    return 0


def run_fetch(args) -> int:
    """Fetch a StatFin table in the project's schema to stdout or ``--out``, with a summary line on stderr."""
    from kasvudata_utils.data import pxweb_business as pb
    from kasvudata_utils.data.pxweb import split_table_ref

    client = _client(args)
    ref = args.table  # may name a folder too: alyr/13wz
    tid = split_table_ref(ref)[1]
    areas = [a for a in args.areas.split(",") if a.strip()] if args.areas else None
    years = parse_years(args.years)
    kind = args.kind
    if kind == "auto":
        kind = {"business": "business", "events": "events"}.get(pb.table_kind(client.metadata(ref, args.refresh)),
                                                               "raw")
    if args.refresh:
        client.metadata(ref, refresh=True)
    if kind == "business":
        df = pb.fetch_business_table(ref, areas=areas, years=years, level=args.level, client=client)
        note = f"{int(df['suppressed'].sum())} rows suppressed (StatFin '..')"
    elif kind == "events":
        df = pb.fetch_openings_closures(ref, areas=areas, years=years, client=client)
        note = "register events (openings/closures), not demographic births/deaths"
    else:
        meta = client.metadata(ref)
        found = pb.discover(meta) if pb._has_area_time(meta) else None
        sel = pb._selections(meta, found, areas, years, None) if found else \
            {v["code"]: "all" for v in meta["variables"] if not v.get("elimination", True)}
        df = client.fetch(ref, sel, labels=True, meta=meta)
        note = "raw long table"
    _write(df, args.out)
    where = args.out or "stdout"
    stale = "; offline: an older cached copy was used" if client.stale else ""
    print(f"StatFin table {tid.removesuffix('.px')}: {len(df)} rows ({kind}; {note}) → {where}{stale}",
          file=sys.stderr)
    return 0
