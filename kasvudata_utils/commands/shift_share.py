"""``kasvudata shift-share``: shift-share decomposition of an area's change (SPEC §4).

``kasvudata shift-share --area CODE [--reference CODE] --start YEAR --end YEAR
[--measure personnel|turnover_eur|establishments] [--method classic|esteban-marquillas|dynamic]
[--level section|division] [--panel PATH] [--format csv|json]``

One row per industry plus ``TOTAL``: ``industry_code,base,end,national_share,industry_mix,
regional_shift`` (Esteban-Marquillas adds ``net_competitive,allocation``), then ``suppressed``
and ``note`` (the ``TOTAL`` row's note says whether the reference contains the area).
"""
from __future__ import annotations

from kasvudata_utils.commands.indicators import EPILOG, add_common, load_inputs, write


def register(sub):
    """Add the ``shift-share`` command to the ``subparsers`` of the ``kasvudata`` parser."""
    p = sub.add_parser("shift-share", help="shift-share decomposition (classic, Esteban-Marquillas, dynamic)",
                       epilog=EPILOG)
    add_common(p)
    p.add_argument("--start", type=int, required=True, help="start year")
    p.add_argument("--end", type=int, required=True, help="end year")
    p.add_argument("--measure", choices=["personnel", "turnover_eur", "establishments"], default="personnel")
    p.add_argument("--method", choices=["classic", "esteban-marquillas", "dynamic"], default="classic")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the shift-share decomposition of ``--area`` as CSV or JSON on stdout."""
    from kasvudata_utils.indicators import compute_shift_share

    area, reference, panel, reference_data = load_inputs(args)
    out = compute_shift_share(panel, area, reference, args.start, args.end, measure=args.measure,
                              method=args.method, level=args.level, reference_data=reference_data)
    write(out, args.format, list(out.columns))
    return 0
