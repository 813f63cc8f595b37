"""Benchmark: Monte Carlo coverage of the research estimators (``kasvudata research coverage``).

    python benchmarks/bench_coverage.py                          # seeds 1000-1099, every estimator
    python benchmarks/bench_coverage.py --seeds 1000-1019 --estimators firm

Generates a test-scale synthetic panel per seed with the planted effects and one with every effect set to
zero, runs each estimator the research notebooks use, and prints first the acceptance check (95 %
coverage of each planted effect in [0.88, 0.99], false-positive rate of each zero effect ≤ 0.12, for the
firm model and the support DiD), then the whole summary table and the CPU time per seed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kasvudata_utils.research import coverage  # noqa: E402

CHECKED = {"firm": ("support", "distance", "broadband", "rd"), "support": ("support",)}


def main(argv=None) -> int:
    """Run the coverage check and print the acceptance lines, the summary and the time per seed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1000-1099")
    ap.add_argument("--estimators", default=",".join(coverage.ESTIMATORS))
    ap.add_argument("--scale", default="test", choices=coverage.SCALES)
    args = ap.parse_args(argv)
    seeds = coverage.parse_seeds(args.seeds)
    t0, c0 = time.perf_counter(), time.process_time()
    draws = coverage.run_coverage(seeds, args.scale, coverage.check_estimators(args.estimators))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = coverage.summarise_coverage(draws).set_index(["estimator", "parameter"])
    failed = 0
    for est, names in CHECKED.items():
        for name in names:
            if (est, name) not in out.index:
                continue
            cov, fpr = out.loc[(est, name), "coverage_95"], out.loc[(est, f"{name}=0"), "rejection_rate"]
            ok = 0.88 <= cov <= 0.99 and fpr <= 0.12
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {est:8s} {name:10s} coverage_95 {cov:.3f}  "
                  f"false-positive rate {fpr:.3f}")
    print()
    print(out.reset_index().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\n{len(seeds)} seeds, scale {args.scale}: {wall:.0f} s wall, {cpu / len(seeds):.2f} s CPU a seed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
