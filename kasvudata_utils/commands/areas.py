"""``kasvudata areas [--within CODE] [--level KU|SK|MK]``: CSV of areas on stdout."""
from __future__ import annotations

import csv
import sys

from kasvudata_utils import areas

COLUMNS = ["area_code", "name_fi", "name_sv", "level", "subregion_code", "region_code", "urban_rural"]


def register(sub):
    """Add the ``areas`` command to the ``subparsers`` of the ``kasvudata`` parser."""
    p = sub.add_parser("areas", help="list areas (municipalities, sub-regions, regions) as CSV")
    p.add_argument("--within", default=areas.COUNTRY, help="only areas inside this one (default: SSS)")
    p.add_argument("--level", type=str.upper, choices=["KU", "SK", "MK", "SSS"], help="only this level")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the areas inside ``--within`` (of ``--level``, if given) as CSV on stdout."""
    rows = areas.areas_rows(args.within, args.level)
    w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return 0
