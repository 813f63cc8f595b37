"""``kasvudata research coverage``: Monte Carlo coverage of the research estimators.

``kasvudata research coverage --seeds A-B [--scale test|default] [--estimators NAMES] [--format csv|json]
[--draws PATH] [--data default|statfin]``.
Monte Carlo check of the research estimators (:mod:`kasvudata_utils.research.coverage`): per seed a
synthetic panel with the planted effects and one with every effect set to zero; prints per estimator
and parameter ``estimator,parameter,planted,mean_estimate,bias,sd,se_sd_ratio,coverage_95,n_seeds,
rejection_rate`` (zero-effect parameters are named ``<effect>=0``; their ``rejection_rate`` is the
false-positive rate). ``--draws PATH`` also writes every seed's estimates as CSV. ``--data statfin`` takes the
real covariates (population, unemployment) from what ``kasvudata data fetch`` wrote into ``data/real/``; the
panels stay synthetic (they carry the planted effects). Progress and the covariates' sources go to stderr.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def register(sub):
    """Add ``research`` and its ``coverage`` subcommand to the ``kasvudata`` parser."""
    p = sub.add_parser("research", help="checks of the research methods (Monte Carlo coverage)")
    rsub = p.add_subparsers(dest="research_command", metavar="SUBCOMMAND", parser_class=type(p))
    c = rsub.add_parser("coverage", help="95 %% interval coverage of the planted effects over generated panels")
    c.add_argument("--seeds", required=True, help="seeds A-B (inclusive) or A,B,C; e.g. 1000-1099")
    c.add_argument("--scale", choices=["test", "default"], default="test",
                   help="generator scale: test (one tenth of the firms, fast; default) or default")
    c.add_argument("--estimators", default="firm,firm_cr1,municipality,spatial,support",
                   help="comma-separated: firm (CR2), firm_cr1, municipality, spatial, support (default: all)")
    c.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    c.add_argument("--draws", default="", metavar="PATH", help="also write every seed's estimates (CSV) to PATH")
    c.add_argument("--data", default="default", metavar="SOURCE",
                   help="real covariates: default (embedded) or statfin (population and unemployment fetched by "
                        "`kasvudata data fetch`)")
    c.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(sys.stderr), 2)[1])


def _write_atomic(df, path: str) -> None:
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", suffix=".tmp")
    os.close(fd)
    try:
        df.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def run(args) -> int:
    """Run the coverage check and print its summary (CSV or JSON) on stdout."""
    from kasvudata_utils import provenance
    from kasvudata_utils.data import sources
    from kasvudata_utils.errors import InputError
    from kasvudata_utils.research import coverage

    seeds = coverage.parse_seeds(args.seeds)
    estimators = coverage.check_estimators(args.estimators)
    if args.draws and not Path(args.draws).resolve().parent.is_dir():
        raise InputError(f"--draws {args.draws!r}: expected a file in an existing folder")
    source = sources.resolve_source(args.data)
    for name, frame in (("population", sources.population_for(source)),
                        ("unemployment", sources.unemployment_for(source))):
        print(f"kasvudata research coverage: {name}: {provenance.sources_text(provenance.get(frame), 'en')}, "
              f"{int(frame['year'].min())}–{int(frame['year'].max())}", file=sys.stderr)

    def progress(done, total):
        print(f"\rkasvudata research coverage: {done}/{total} seeds", end="" if done < total else "\n",
              file=sys.stderr, flush=True)

    draws = coverage.run_coverage(seeds, args.scale, estimators, progress=progress, source=source)
    if args.draws:
        _write_atomic(draws, args.draws)
    out = coverage.summarise_coverage(draws)
    if args.format == "json":
        sys.stdout.write(out.to_json(orient="records", force_ascii=False, double_precision=6) + "\n")
    else:
        out.to_csv(sys.stdout, index=False, lineterminator="\n", float_format="%.6g")
    return 0
