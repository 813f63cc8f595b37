#!/usr/bin/env python3
"""Report batch against the kernel-start floor (issue 4).

Times, in the same run:
1. the floor: papermill executing a trivial one-cell notebook (kernel start + one cell), the median
   of a few runs;
2. the full batch (`kasvudata reports` machinery: 38 area reports + 14 industry profiles, HTML export,
   site) with ``--jobs 2`` and ``--force`` into a temporary folder.

Prints ratio = batch / (n_notebooks × floor / jobs); goal ≤ 2.5. Also the per-report durations.

    python benchmarks/bench_reports.py [--areas all|CODE,…] [--jobs 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from kasvudata_utils.reports import batch as reports


def floor_seconds(runs: int = 3, warm: bool = False) -> float:
    """Median wall time of papermill on a trivial notebook (fresh kernel each time).

    ``warm=False``: plain papermill, which starts its kernel when the run begins (the issue's floor).
    ``warm=True``: the batch's own mechanism (:mod:`kasvudata_utils.reports.kernels`: each run takes a
    kernel started, and its imports done, during the previous run, and starts the next one); one extra
    first run is not counted, as a batch worker's first report also waits for a cold kernel.
    """
    from kasvudata_utils.reports import kernels as reports_kernels

    with tempfile.TemporaryDirectory() as d:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        src = Path(d) / "trivial.ipynb"
        nbformat.write(nb, str(src))
        times = []
        if warm:
            reports_kernels.enable()
        try:
            for i in range(runs + warm):
                t0 = time.perf_counter()
                reports_kernels.execute_notebook(src, Path(d) / f"out{i}.ipynb", cwd=d)
                times.append(time.perf_counter() - t0)
        finally:
            reports_kernels.disable()
    return statistics.median(times[int(warm):])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", default="all")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-industries", action="store_true")
    args = ap.parse_args(argv)
    floor = floor_seconds()
    floor_warm = floor_seconds(warm=True)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        m = reports.run_reports(args.areas, args.jobs, d, "fi", force=True, industry_profiles=not args.no_industries,
                                progress=False)
        batch = time.perf_counter() - t0
    n = m["summary"]["total"]
    ratio = batch / (n * floor / args.jobs)
    ratio_warm = batch / (n * floor_warm / args.jobs)
    durations = sorted(e["duration_s"] for e in m["reports"].values() if e.get("duration_s"))
    print(f"ratio batch / (n_notebooks x floor / jobs) = {ratio:.2f} (goal <= 2.5)")
    print(f"batch: {batch:.1f} s for {n} notebooks with --jobs {args.jobs} "
          f"({m['summary']['ok']} ok, {len(m['summary']['failed'])} failed)")
    print(f"floor: {floor:.2f} s per trivial notebook (plain papermill, kernel started per run, median of 3)")
    print(f"floor through the batch's pre-started kernels: {floor_warm:.2f} s "
          f"(ratio against it {ratio_warm:.2f})")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    if durations:
        print(f"per report (execution + HTML): median {statistics.median(durations):.1f} s, "
              f"min {durations[0]:.1f} s, max {durations[-1]:.1f} s")
    return 0 if not m["summary"]["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
