"""``kasvudata disclosure audit [--panel PATH] [--reports DIR] [--app-cache DIR] [--table FILE] [--out DIR] …``.

Attacks everything a run publishes for the areas (every indicator at section and division level,
the shift-share of each area against its reference, and, when given, the CSV files of a reports
folder and of the app cache) and prints the cells an attacker can pin down
(:mod:`kasvudata_utils.indicators.audit`). Exit 0 when nothing is exposed, 1 when any cell is,
2 on bad input. With ``--out DIR`` the exposed cells (``audit_exposed.csv``) and a summary
(``audit_summary.json``) are written there as well, atomically.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub):
    """Add ``disclosure audit`` to the command line."""
    p = sub.add_parser("disclosure", help="disclosure control tools: audit what a run publishes")
    inner = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    a = inner.add_parser("audit", help="attack the published figures; exit 1 if any cell is exposed")
    a.add_argument("--panel", help="firm-panel extract to audit (CSV or Parquet, SPEC §3; default: embedded)")
    a.add_argument("--areas", default="", help="CODE,CODE,… (default: every area the panel covers)")
    a.add_argument("--start", type=int, help="first year (default: first year of the data)")
    a.add_argument("--end", type=int, help="last year (default: last year of the data)")
    a.add_argument("--reports", metavar="DIR", help="a reports folder written from this panel: its CSV files "
                                                     "(tables, chart data) are attacked too")
    a.add_argument("--app-cache", metavar="DIR", help="an app cache folder built from this panel (its CSVs too)")
    a.add_argument("--table", metavar="FILE", help="the public business table the run used for references the "
                                                    "panel does not cover (default: the one in the reports' "
                                                    "manifest, else none for an own panel)")
    a.add_argument("--out", help="folder for audit_exposed.csv and audit_summary.json")
    a.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])  # no action: usage, exit 2


def run(args) -> int:
    """Audit the published set; exit 1 when any cell is exposed."""
    import pandas as pd

    from kasvudata_utils import areas
    from kasvudata_utils.data import load_business_table, load_firm_panel
    from kasvudata_utils.errors import InputError
    from kasvudata_utils.fileio import atomic_write_text, check_output_folder
    from kasvudata_utils.indicators import audit, prepare

    for opt, folder in (("--reports", args.reports), ("--app-cache", args.app_cache)):
        if folder is not None and not Path(folder).is_dir():
            raise InputError(f"{opt} {folder}: no such folder")
    out = check_output_folder(args.out) if args.out else None
    panel = prepare(load_firm_panel(args.panel))
    area_list = [areas.normalise_area(a) for a in args.areas.split(",") if a.strip()] or None
    start, end, table = args.start, args.end, args.table
    manifest = Path(args.reports) / "manifest.json" if args.reports else None
    if manifest is not None and manifest.exists():
        # the reports' own period and reference table: period and reference figures are checked as run
        params = [r.get("parameters", {}) for r in json.loads(manifest.read_text()).get("reports", {}).values()]
        params = [p for p in params if p.get("start_year") and p.get("end_year")]
        if params:
            start = start if start is not None else int(params[0]["start_year"])
            end = end if end is not None else int(params[0]["end_year"])
            table = table or params[0].get("table_path") or None
    # references the panel does not cover: the run's table, the embedded one for the embedded panel
    reference_data = load_business_table(table or None) if (table or args.panel is None) else None
    # each folder is checked against the period it was made for: the reports' (their manifest), the app
    # cache's own (the data's years, or --start/--end); one period for both flagged the cache's growth figures
    if args.reports and args.app_cache and (start, end) != (args.start, args.end):
        runs = [((start, end), audit.published_files(args.reports)),
                ((args.start, args.end), audit.published_files(args.app_cache))]
    else:
        runs = [((start, end), audit.published_files(args.reports, args.app_cache))]
    found = [audit.audit(panel, area_list, s0, e0, reference_data=reference_data, files=f) for (s0, e0), f in runs]
    exposed = found[0] if len(found) == 1 else pd.concat(found, ignore_index=True)
    summary = merged_summary([f.attrs.get("summary", {}) for f in found])
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "audit_exposed.csv", exposed.to_csv(index=False, lineterminator="\n"))
        atomic_write_text(out / "audit_summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    if len(exposed):
        exposed.to_csv(sys.stdout, index=False, lineterminator="\n")
    print(f"disclosure audit: {summary.get('attacked_cells', 0)} suppressed cells attacked over "
          f"{len(summary.get('areas', []))} areas, {summary.get('shift_share_tables', 0)} shift-share tables, "
          f"{summary.get('files_checked', 0)} files; {len(exposed)} exposed", file=sys.stderr)
    return 1 if len(exposed) else 0


def merged_summary(parts: list) -> dict:
    """One summary of audits of the same panel over different periods: counts added, areas joined."""
    if len(parts) == 1:
        return parts[0]
    out = dict(parts[0])
    out["areas"] = sorted({a for p in parts for a in p.get("areas", [])})
    for key, value in parts[0].items():
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = sum(int(p.get(key, 0)) for p in parts)
    return out
