"""``kasvudata indicators``: every SPEC §5 indicator of an area as a long CSV/JSON table (SPEC §4).

``kasvudata indicators --area CODE [--reference CODE] [--start YEAR] [--end YEAR] [--panel PATH]
[--table PATH] [--data default|statfin] [--format csv|json] [--level section|division] [--compare CODE,CODE…|similar]``

The embedded synthetic firm panel is used unless ``--panel`` names a researcher's own extract or
``--table`` / ``--data statfin`` a regional business table. Where the panel does not cover the
reference (e.g. ``SSS`` for the Northern Ostrobothnia panel), the reference's figures come from the
companion business table (:mod:`kasvudata_utils.data.sources` owns that rule). Disclosure control is
on; ``KASVUDATA_DISCLOSURE=off`` switches it off and every row is then marked "not for
publication".
"""
from __future__ import annotations

import sys

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import frame_csv_text

EPILOG = ("Figures from firm-level data pass disclosure control (cells of < 3 firms or dominated by one firm "
          "are empty, suppressed=True). Inside a secure environment KASVUDATA_DISCLOSURE=off switches it off; "
          "the output is then marked 'not for publication'.")
COLUMNS = ["area_code", "reference_code", "indicator", "industry_code", "year", "value", "suppressed", "note"]


def register(sub):
    """Add the ``indicators`` command to the ``subparsers`` of the ``kasvudata`` parser."""
    p = sub.add_parser("indicators", help="all indicators of an area against a reference (long table)",
                       epilog=EPILOG)
    add_common(p)
    p.add_argument("--start", type=int, help="first year (default: first year of the data)")
    p.add_argument("--end", type=int, help="last year (default: last year of the data)")
    p.add_argument("--compare", nargs="?", const="similar", metavar="CODE,CODE…",
                   help="areas side by side with --area in one table (at most 10 in all); bare --compare or "
                        "'similar': the 5 most similar areas (kasvudata similar)")
    p.add_argument("--synthetic-firm-data", action="store_true",
                   help="with --table/--data statfin: take the firm-level indicators a table cannot give "
                        "(births, survival, high growth, exporters) from the embedded SYNTHETIC panel, "
                        "marked 'synthetic firm panel' (default: not available)")
    p.set_defaults(func=run)


def add_common(p):
    """Arguments shared with ``shift-share``: area, reference, panel, table, data, format, level."""
    p.add_argument("--area", required=True, help="area code or name: KU009, 9, 009, Alavieska, SK177, MK17")
    p.add_argument("--reference", help="reference area (default: the parent area, MK17 → SSS)")
    p.add_argument("--panel", help="own firm-panel extract (CSV or Parquet, SPEC §3 schema)")
    p.add_argument("--table", help="a regional business table (CSV or Parquet, SPEC §3 schema), e.g. exported "
                                   "from StatFin; with --panel it serves references outside the panel")
    p.add_argument("--data", default="default", choices=["default", "statfin"],
                   help="statfin: the business table fetched by `kasvudata data fetch` (default: embedded data)")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    p.add_argument("--level", choices=["section", "division"], default="section",
                   help="industry level (default section)")


def load_inputs(args):
    """Normalised area and reference, the main data, and reference data where the main data lack it.

    The data source (``--panel``, ``--table``, ``--data statfin`` or the embedded default) and which
    data set serves the area and the reference are decided by :mod:`kasvudata_utils.data.sources`.
    """
    from kasvudata_utils.data import sources
    from kasvudata_utils.indicators import prepare

    area = areas.normalise_area(args.area)
    reference = areas.default_reference(area) if args.reference is None else areas.normalise_area(args.reference)
    source = sources.resolve_source(getattr(args, "data", "default"), args.panel or "",
                                    getattr(args, "table", None) or "")
    main, companion = sources.load_main_and_companion(source)
    data = prepare(main)
    what = "panel" if data.kind == "panel" else "table"
    if not data.covers(area):
        raise InputError(f"area {area} ({areas.area_name(area)}) is not covered by the {what}: expected an area "
                         f"with at least half of its municipalities in the data")
    reference_data = sources.reference_data_for(data.municipalities, companion, [reference])
    return area, reference, data, reference_data


def write(df, fmt: str, columns) -> None:
    """CSV (suppressed values empty) or JSON records (suppressed values null) on stdout."""
    from kasvudata_utils import provenance
    from kasvudata_utils.indicators import disclosure

    out = df[columns]
    if fmt == "json":
        sys.stdout.write(out.to_json(orient="records", force_ascii=False, double_precision=15) + "\n")
    else:
        sys.stdout.write(frame_csv_text(out))
    prov = provenance.get(df)
    if prov.get("not_for_publication"):
        print(f"kasvudata: {disclosure.NOT_FOR_PUBLICATION.upper()}: disclosure control is off", file=sys.stderr)
    if prov.get("kind") != "synthetic":  # an own file or fetched data: say which data the figures are
        print(f"kasvudata: {provenance.badge_text(prov, 'en')}", file=sys.stderr)


def run(args) -> int:
    """Print the indicators of ``args.area`` (and of the ``--compare`` areas) as CSV or JSON."""
    from kasvudata_utils.indicators import compute_indicators

    if args.compare is not None:
        return run_compare(args)
    area, reference, panel, reference_data = load_inputs(args)
    out = compute_indicators(panel, area, reference, args.start, args.end, level=args.level,
                             reference_data=reference_data)
    if getattr(args, "synthetic_firm_data", False):
        out = _with_synthetic_firm_data(out, panel, args.level)
    write(out, args.format, COLUMNS)
    return 0


def run_compare(args) -> int:
    """``--compare``: the area and the compared areas in one long table, each against its reference.

    The firm panel is used where it covers every area; otherwise (the embedded panel covers only
    Northern Ostrobothnia) every area comes from the regional business table, so that all figures
    in the table are of one kind, and a notice on stderr says so.
    """
    from kasvudata_utils.data import load_business_table, load_firm_panel
    from kasvudata_utils.errors import InputError
    from kasvudata_utils.indicators import compute_indicators_many, prepare
    from kasvudata_utils.research.similar import comparison_set

    codes = comparison_set(args.area, args.compare)
    reference = None if args.reference is None else areas.normalise_area(args.reference)
    refs = [reference or areas.default_reference(c) for c in codes]
    data = prepare(load_firm_panel(args.panel))
    table = None if args.panel is not None else load_business_table()
    if not all(data.covers(c) for c in codes):
        if args.panel is not None:
            missing = next(c for c in codes if not data.covers(c))
            raise InputError(f"--compare: {missing} ({areas.area_name(missing)}) is not covered by the panel "
                             f"{args.panel}: expected areas inside the extract")
        data = prepare(table)
        print("kasvudata: --compare: some areas lie outside the firm panel; every area comes from the regional "
              "business table", file=sys.stderr)
    reference_data = table if not all(data.covers(r) for r in refs) else None
    out = compute_indicators_many(data, codes, reference, args.start, args.end, level=args.level,
                                  reference_data=reference_data)
    write(out, args.format, COLUMNS)
    return 0


def _with_synthetic_firm_data(out, data, level):
    """``--synthetic-firm-data``: firm-level rows of a table run from the embedded synthetic panel."""
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.indicators.fill import fill_firm_level

    if data.kind != "table":
        raise InputError("--synthetic-firm-data: expected --table FILE or --data statfin (the firm panel "
                         "already gives firm-level figures)")
    return fill_firm_level(out, load_firm_panel(), level)
