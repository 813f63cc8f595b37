"""``kasvudata reports``: the area reports and industry profiles, and the knowledge-base site (SPEC §4, §6).

``kasvudata reports [--areas all|SSS-all|AREA-all|CODE,…] [--data default|national|statfin] [--table FILE]
[--synthetic-firm-data] [--jobs N] [--scheduler ADDRESS] [--out DIR] [--lang fi|en|fi,en] [--force] [--site [DIR]]
[--board-url URL]``

Runs the area report for every requested area of Northern Ostrobothnia and the industry profile for
every business section, writes ``manifest.json`` and the knowledge-base site, prints a summary line
and exits 1 when any report failed (SPEC §4, §6). ``--lang fi,en`` builds the site in both languages:
the first at ``--out``, the other in ``--out/en`` (``--out/fi``), every page linked to its counterpart.
With ``--panel`` the disclosure audit runs first and nothing is published when it finds an exposed
cell (issue 12).
"""
from __future__ import annotations

import os
import sys


def register(sub):
    """Add the ``reports`` command to the ``subparsers`` of the ``kasvudata`` parser."""
    p = sub.add_parser("reports", help="run the per-area reports and industry profiles, write the site")
    p.add_argument("--areas", default="all",
                   help="'all' (the 38 areas of MK17), 'SSS-all' (every municipality of Finland), "
                        "'AREA-all' (every municipality within AREA, e.g. MK01-all, SK177-all) or CODE,CODE,… "
                        "(items combine; default: all). Areas outside MK17 need --data national. Up-to-date "
                        "reports are skipped; a report whose only change is new insights is updated in place, "
                        "and the reports of areas containing CODE are checked too")
    p.add_argument("--data", default="default", choices=["default", "national", "statfin"],
                   help="firm panel: the embedded MK17 panel (default) or the national synthetic panel "
                        "built by `kasvudata data build --scale national`; statfin: the real business table "
                        "fetched by `kasvudata data fetch`")
    p.add_argument("--table", default="", metavar="FILE",
                   help="a regional business table (CSV or Parquet, SPEC §3), e.g. exported from StatFin: "
                        "the reports' figures come from it, labelled as user data")
    p.add_argument("--synthetic-firm-data", action="store_true",
                   help="with --table or --data statfin: firm-level figures a table cannot give (size classes, "
                        "births/deaths, high growth, exporters) from the embedded synthetic panel, under the "
                        "synthetic badge (default: marked not available)")
    p.add_argument("--scheduler", default="", metavar="ADDRESS",
                   help="run each report as a task on a Dask distributed cluster, e.g. tcp://host:8786 "
                        "(workers need the same checkout and data paths; see docs/deploy.md)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="reports run in parallel: worker processes, each with its own kernel (default: cores)")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--lang", default="fi", type=_languages, metavar="fi|en|fi,en",
                   help="report language; 'fi,en' builds both, the second in OUT/en with a language switch on "
                        "every page (default: fi; an existing OUT keeps its language at the root)")
    p.add_argument("--board-url", default="", metavar="URL",
                   help="address of the workshop's insights board, linked from insights.html (default: "
                        "$KASVUDATA_BOARD_URL, else http://localhost:8866/voila/render/insights_board.ipynb; "
                        "the link works only while that workshop server runs)")
    p.add_argument("--force", action="store_true", help="rerun reports that are up to date")
    p.add_argument("--start", type=int, default=None,
                   help="first year of the period (default: 2018; with --table/--data statfin five years before "
                        "--end, not before the table's first year)")
    p.add_argument("--end", type=int, default=None,
                   help="last year of the period (default: 2023; with --table/--data statfin the table's last year)")
    p.add_argument("--panel", default="", help="your own firm panel (CSV or Parquet, SPEC §3)")
    p.add_argument("--no-industries", action="store_true", help="skip the industry profiles")
    p.add_argument("--site", nargs="?", const="site", default=None, metavar="DIR",
                   help="also copy the finished site to DIR (default: site) for a static host")
    p.set_defaults(func=run)


def _languages(value) -> list[str]:
    """``--lang``: ``fi``, ``en`` or both comma-separated, in order, without duplicates."""
    import argparse

    langs = list(dict.fromkeys(v.strip().lower() for v in str(value).split(",") if v.strip()))
    if not langs or any(v not in ("fi", "en") for v in langs):
        raise argparse.ArgumentTypeError(f"{value!r}: expected fi, en or fi,en")
    return langs


def run(args) -> int:
    """Run the batch (after the disclosure audit when ``--panel`` is given) and optionally publish the site.

    Exit code 1 if the audit finds an exposed cell, a report failed or a link is broken.
    """
    from kasvudata_utils.errors import InputError
    from kasvudata_utils.fileio import check_claimable, check_output_folders
    from kasvudata_utils.reports.batch import run_reports, summary_line
    from kasvudata_utils.reports.site import broken_links, publish_site

    if args.jobs < 1:
        raise InputError(f"--jobs {args.jobs}: expected a whole number ≥ 1")
    if not str(args.areas).strip().strip(","):
        raise InputError(f"--areas {args.areas!r}: expected 'all', '<AREA>-all' such as 'SSS-all', "
                         "or a comma-separated list of area codes")
    check_output_folders(args.out, args.site)  # before any work: unsafe or nested folders are refused
    check_claimable(args.out, "--out")  # ... and folders of someone else's files, before a long batch
    if args.site:
        check_claimable(args.site, "--site")
    if args.panel and _audit_fails(args):
        return 1
    from kasvudata_utils.reports.site import language_folder, link_languages

    langs = args.lang if isinstance(args.lang, list) else _languages(args.lang)
    failed = False
    for lang in langs:
        out = language_folder(args.out, lang)  # the root's language at the root, the other beside it
        manifest = run_reports(args.areas, args.jobs, out, lang, args.force,
                               industry_profiles=not args.no_industries,
                               start_year=args.start, end_year=args.end,
                               panel_path=args.panel, progress=True, data=args.data,
                               scheduler=args.scheduler, table_path=args.table, board_url=args.board_url,
                               synthetic_firm_data=args.synthetic_firm_data)
        print(summary_line(manifest) if len(langs) == 1 else f"[{lang}] {summary_line(manifest)}")
        print(f"{os.path.join(out, 'index.html')}")
        failed = failed or bool(manifest["summary"]["failed"])
    link_languages(args.out)
    if args.site:
        target = publish_site(args.out, args.site)
        bad = broken_links(target)
        print(f"site: {target} ({'no broken links' if not bad else f'{len(bad)} broken links: ' + bad[0]})")
        if bad:
            return 1
    return 1 if failed else 0


def _audit_fails(args) -> bool:
    """Issue 12: with an own extract, attack what would be published first; publish nothing that fails.

    Only the exposed cells' names go to stderr, never their values: a refused run's messages and its
    ``--out`` folder must not carry what the audit protects (``kasvudata disclosure audit --out DIR``
    inside the secure environment gives the values and intervals).
    """
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.indicators import audit, prepare

    # every area the panel covers: a superset of what any --areas publishes (the industry profiles show
    # every municipality), so a pass holds for the subset too
    exposed = audit.audit(prepare(load_firm_panel(args.panel)), None, args.start, args.end)
    if exposed.empty:
        return False
    names = exposed.drop_duplicates(["area_code", "indicator", "industry_code", "year"])
    first = ", ".join(f"{r.area_code} {r.indicator} {r.industry_code} {r.year}" for r in names.head(5).itertuples())
    print(f"kasvudata reports: disclosure audit failed: {len(names)} cells exposed, nothing published; first: "
          f"{first} (details: kasvudata disclosure audit --panel {args.panel} --out DIR, inside the secure "
          "environment)", file=sys.stderr)
    return True
