"""``kasvudata data build|check|fetch|manifest``: build, verify and record the embedded data; fetch real tables."""
from __future__ import annotations

import sys
import time

from kasvudata_utils.errors import InputError


def register(sub):
    """Add the ``data`` command and its ``build``, ``check`` and ``manifest`` subcommands."""
    p = sub.add_parser("data", help="build and check the embedded data (data/processed, data/manifest.csv)")
    dsub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    b = dsub.add_parser("build", help="(re)build data/processed from data/raw, deterministically")
    b.add_argument("--scale", default="default", choices=["default", "test", "national"],
                   help="size of the synthetic firm panel (default: MK17 firms; national: whole country)")
    b.add_argument("--out", default=None, metavar="DIR", help="write here instead of data/processed")
    b.add_argument("--quiet", action="store_true", help="print nothing but warnings")
    b.set_defaults(func=run_build)
    c = dsub.add_parser("check", help="verify every data file against data/manifest.csv (exit 2 on failure)")
    c.set_defaults(func=run_check)
    f = dsub.add_parser("fetch", help="fetch the public StatFin tables (business table, openings/closures, "
                                      "population, unemployment) into data/real/ (needs a network)")
    f.add_argument("--years", default=None, metavar="YEARS", help="e.g. 2013-2024 or 2020,2023 (default: all)")
    f.add_argument("--areas", default=None, metavar="CODES",
                   help="comma-separated area codes (default: every municipality, needed for the comparison "
                        "with Finland)")
    f.add_argument("--refresh", action="store_true", help="ask StatFin again even where a cached response exists")
    f.add_argument("--out", default=None, metavar="DIR", help="write here instead of data/real")
    f.add_argument("--quiet", action="store_true", help="no progress bar, no per-table lines")
    f.set_defaults(func=run_fetch)
    m = dsub.add_parser("manifest", help="(developer) show or recompute data/manifest.csv")
    m.add_argument("--update", action="store_true", help="recompute sha256, rows and columns of every file")
    m.set_defaults(func=run_manifest)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_build(args) -> int:
    """Build ``data/processed`` (or ``--out``) from the raw data, plus the app cache for the default scale."""
    from kasvudata_utils.data import build

    started = time.perf_counter()
    log = None if args.quiet else print
    written = build.build_all(scale=args.scale, out_dir=args.out, log=log)
    if args.scale == "default" and args.out is None:
        # The workshop apps read a small precomputed indicator cache so their kernels stay lean
        # and the first page renders fast; build it now rather than at the first participant's click.
        from kasvudata_utils.apps.cache import precompute_app_data

        written.append(precompute_app_data())
    if not args.quiet:
        print(f"built {len(written)} files in {time.perf_counter() - started:.1f} s")
    return 0


def run_fetch(args) -> int:
    """``kasvudata data fetch``: one line per table written; offline or an API error → one line, exit 2."""
    from kasvudata_utils.commands.statfin import parse_years
    from kasvudata_utils.data import fetch

    years = parse_years(args.years)
    wanted = [a.strip() for a in args.areas.split(",") if a.strip()] if args.areas else None
    log = None if args.quiet else print
    written = fetch.fetch_all(years, wanted, refresh=args.refresh, out_dir=args.out,
                              progress=not args.quiet and sys.stderr.isatty(), log=log)
    if not args.quiet:
        print(f"fetched {len(written)} tables; use them with --data statfin")
    return 0


def run_check(args) -> int:
    """Check every data file against the manifest; exit code 2 if any file fails."""
    from kasvudata_utils.data import manifest, sources

    results = manifest.check()
    for r in results:
        print(r.line())
    failed = [r for r in results if not r.ok]
    real = sources.check_real()  # tables fetched by `kasvudata data fetch`: unchanged since the fetch?
    for path, ok, reason in real:
        print(f"OK {path}: {reason}" if ok else f"FAIL {path}: {reason}")
        if not ok:
            failed.append(path)
    if failed:
        print(f"{len(failed)} of {len(results) + len(real)} files failed the check", file=sys.stderr)
        return 2
    return 0


def run_manifest(args) -> int:
    """Print the data manifest, or recompute it with ``--update``."""
    from kasvudata_utils.data import manifest

    if args.update:
        rows = manifest.update()
        print(f"wrote {manifest.MANIFEST}: {len(rows)} files")
        return 0
    rows = manifest.read()
    for r in rows:
        print(f"{r['layer']:9} {r['rows']:>7} {r['sha256'][:12]} {r['path']}")
    if not rows:
        raise InputError("the data manifest is empty: run `kasvudata data manifest --update`")
    return 0
