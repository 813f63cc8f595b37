#!/usr/bin/env python3
"""Report batch against the kernel-start floor (issues 4 and 18).

Times, in the same run and interleaved so that the machine's load falls on both alike:
1. the floor: papermill executing a trivial one-cell notebook with a fresh kernel (kernel start + one
   cell), five runs before the batch and five after, the median of the ten (:data:`FLOOR_RUNS`);
2. the full batch (`kasvudata reports` machinery: 38 area reports + 14 industry profiles, HTML export,
   site) with ``--jobs 2`` and ``--force`` into a temporary folder;
3. the same trivial notebook through the batch's own kernels (:mod:`kasvudata_utils.reports.kernels`:
   a warmed kernel kept and reset between notebooks), before and after.

Prints first ``batch ratio: X (goal ≤ 1.5)`` = batch / (n_notebooks × floor / jobs), then the ratio
against the batch's own kernels, the floors, the load (/proc/loadavg) before and after, and the
per-report durations.

    python benchmarks/bench_reports.py [--areas all|CODE,…] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

# nbformat and the batch (pandas …) are imported in the functions: the batch's spawned workers re-import
# this script as their main module, and `kasvudata reports` (the command measured) has a light one


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished children (workers, kernels) so far."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


FLOOR_CPU: list[float] = []  # CPU seconds of each plain floor run (kernel included), filled by floor_seconds


#: Plain floor runs before and after the batch. A fresh papermill kernel now and then stalls ≈ 3.4 s before its
#: first reply (1 run in 10 measured on 2026-12-01, also with nothing else running): with 3 + 3 runs two such stalls
#: moved the median floor from 0.65 to 2.50 s (a batch ratio of 0.30); with 5 + 5 the median needs five.
FLOOR_RUNS = 5


def floor_seconds(runs: int = FLOOR_RUNS, warm: bool = False) -> list[float]:
    """Wall times of papermill on a trivial notebook (fresh kernel each time).

    ``warm=False``: plain papermill, which starts its kernel when the run begins (the issue's floor).
    ``warm=True``: the batch's own mechanism (:mod:`kasvudata_utils.reports.kernels`: a warmed kernel,
    kept and reset between runs); one extra first run is not counted, as a batch worker's first
    report also waits for a cold kernel.
    """
    import nbformat

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
                t0, c0 = time.perf_counter(), cpu_seconds()
                reports_kernels.execute_notebook(src, Path(d) / f"out{i}.ipynb", cwd=d)
                times.append(time.perf_counter() - t0)
                if not warm:
                    FLOOR_CPU.append(cpu_seconds() - c0)
        finally:
            reports_kernels.disable()
    return times[int(warm):]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--areas", default="all")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-industries", action="store_true")
    args = ap.parse_args(argv)
    from kasvudata_utils.reports import batch as reports

    load_before = Path("/proc/loadavg").read_text().split()[:3]
    floors = floor_seconds()
    floors_warm = floor_seconds(warm=True)
    with tempfile.TemporaryDirectory() as d:
        t0, c0 = time.perf_counter(), cpu_seconds()
        m = reports.run_reports(args.areas, args.jobs, d, "fi", force=True, industry_profiles=not args.no_industries,
                                progress=False)
        batch = time.perf_counter() - t0
        batch_cpu = cpu_seconds() - c0
    floors_after = floor_seconds()
    floors_warm += floor_seconds(warm=True)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    floor, floor_warm = statistics.median(floors + floors_after), statistics.median(floors_warm)
    n = m["summary"]["total"]
    ratio = batch / (n * floor / args.jobs)
    ratio_warm = batch / (n * floor_warm / args.jobs)
    durations = sorted(e["duration_s"] for e in m["reports"].values() if e.get("duration_s"))
    print(f"batch ratio: {ratio:.2f} (goal <= 1.5; batch / (n_notebooks x floor / jobs), floor = plain papermill "
          "with a fresh kernel, interleaved)")
    print(f"batch ratio against the batch's own kernels: {ratio_warm:.2f} (floor {floor_warm:.2f} s: the trivial "
          "notebook in a warmed kernel kept and reset between notebooks; that floor is a few hundredths of a second "
          "since a kept kernel keeps its client, so this ratio says little)")
    floor_cpu = statistics.median(FLOOR_CPU)
    print(f"batch CPU ratio: {batch_cpu / (n * floor_cpu):.2f} (batch CPU seconds / (n_notebooks x floor CPU "
          f"seconds), workers and kernels included: {batch_cpu:.1f} s against {n} x {floor_cpu:.2f} s; less "
          "sensitive to other processes' load than the wall ratio, and above it when the batch keeps the cores "
          f"busy: the floor's wall time, {floor:.2f} s, holds waits its CPU seconds do not)")
    print(f"load average before / after: {' '.join(load_before)} / {' '.join(load_after)} "
          f"({os.cpu_count()} cores)")
    print(f"batch: {batch:.1f} s for {n} notebooks with --jobs {args.jobs} "
          f"({m['summary']['ok']} ok, {len(m['summary']['failed'])} failed)")
    stalled = sum(x > 2 * min(floors + floors_after) for x in floors + floors_after)
    print(f"floor: {floor:.2f} s per trivial notebook (median of {len(floors)} before the batch: "
          f"{statistics.median(floors):.2f} s, {len(floors_after)} after: {statistics.median(floors_after):.2f} s; "
          f"{stalled} of {len(floors) + len(floors_after)} runs over twice the fastest, "
          f"{min(floors + floors_after):.2f} s)")
    for key in m["summary"]["failed"]:
        print(f"failed: {key}: {m['reports'][key].get('error', '')[:300]}")
    if durations:
        print(f"per report (execution + HTML): median {statistics.median(durations):.1f} s, "
              f"min {durations[0]:.1f} s, max {durations[-1]:.1f} s")
    return 0 if not m["summary"]["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
