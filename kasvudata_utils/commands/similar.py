"""``kasvudata similar``: the areas of the same level most similar to an area (METHODS "Similar areas").

``kasvudata similar --area CODE [--n 10] [--within CODE] [--by structure,size,trend,labour,access]
[--format csv|json]``

CSV on stdout: ``area_code,name_fi,distance,rank`` and the raw value of every feature used; the
area itself is the first row (rank 0, distance 0). The features with their weights and sources go
to stderr (CSV) or into the JSON object (``{"area", "features", "areas"}``).
"""
from __future__ import annotations

import json
import sys

from kasvudata_utils import areas


def register(sub):
    """Add the ``similar`` parser to the ``kasvudata`` sub-commands."""
    p = sub.add_parser("similar", help="the most similar areas of the same level (standardised distance)",
                       epilog="Features come from real open data (Paavo, population, unemployment, NLS); "
                              "the optional 'business' group from the synthetic business table.")
    p.add_argument("--area", required=True, help="area code or name: KU009, Alavieska, SK177, MK17")
    p.add_argument("--n", default="10", help="how many similar areas (1–100, default 10)")
    p.add_argument("--within", help="only candidates inside this area, e.g. MK17 (default: all of Finland)")
    p.add_argument("--by", help="feature groups, comma-separated: structure,size,trend,labour,access "
                                "(default) and business (synthetic)")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    p.add_argument("--data", default="default", metavar="SOURCE",
                   help="default (embedded) or statfin: population and unemployment fetched by `kasvudata data "
                        "fetch` (newest country-wide year)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Print the similar areas of ``args.area`` (CSV or JSON); the features and their weights go to stderr."""
    from kasvudata_utils.data import sources
    from kasvudata_utils.research import similar

    source = sources.resolve_source(getattr(args, "data", "default"))
    area = areas.normalise_area(args.area)
    groups = similar.parse_groups(args.by)
    out = similar.similar_areas(area, args.n, args.within, groups, source)
    table = similar.feature_table(groups, out.attrs.get("vintage"))
    if args.format == "json":
        doc = {"area": area, "features": table.to_dict(orient="records"),
               "areas": json.loads(out.to_json(orient="records", force_ascii=False, double_precision=6))}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    else:
        out.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
        for r in table.itertuples():
            print(f"kasvudata: feature {r.feature} (group {r.group}, weight {r.weight:.4g}, {r.kind}): "
                  f"{r.description}; source {r.source}", file=sys.stderr)
    return 0
