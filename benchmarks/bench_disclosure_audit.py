"""Benchmark: the disclosure audit against computing what it audits (issue 12).

    python benchmarks/bench_disclosure_audit.py                       # embedded panel, every covered area
    python benchmarks/bench_disclosure_audit.py --data national       # national panel (`data build --scale national`)
    python benchmarks/bench_disclosure_audit.py --areas SK177,KU208   # a quick run on a few areas

In a fresh process each (so peak memory, ``VmHWM``, is the step's own):

1. *publish*: everything a run publishes for the areas (every indicator at section and division
   level and the shift-share of each area against its reference), once with disclosure control;
2. *audit*: the same published set and its truth, then the attack (LP intervals of every suppressed
   cell, non-linear checks): ``kasvudata_utils.indicators.audit.audit``.

Prints the ratio audit / publish (wall time), both times and peak memories, the number of attacked
and exposed cells, and the load average (the machines are shared). The ratio against the report
batch itself is ``bench_reports.py``'s batch time beside this script's audit time in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEP = """
import json, sys, time
from kasvudata_utils.data import load_business_table, load_firm_panel
from kasvudata_utils.data.loaders import processed_dir
from kasvudata_utils.indicators import audit, prepare
step, data, areas = sys.argv[1], sys.argv[2], sys.argv[3]
path = str(processed_dir() / "national" / "firm_panel.parquet") if data == "national" else None
t0 = time.perf_counter()
cd = prepare(load_firm_panel(path))
ref = load_business_table() if data != "national" else None
area_list = [a for a in areas.split(",") if a] or None
if step == "publish":
    out = audit.published_set(cd, area_list, reference_data=ref)
    info = {"published_rows": int(len(out["indicators"]))}
else:
    out = audit.audit(cd, area_list, reference_data=ref)
    info = dict(out.attrs["summary"])
    info.pop("areas", None)
wall = time.perf_counter() - t0
hwm = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print(json.dumps({"wall_s": wall, "peak_mib": hwm / 1024, **info}))
"""


def run_step(step: str, data: str, areas: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", STEP, step, data, areas], cwd=ROOT, capture_output=True,
                          text=True, env=None)
    if proc.returncode:
        raise SystemExit(f"{step} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="default", choices=["default", "national"])
    ap.add_argument("--areas", default="", help="CODE,CODE,… (default: every area the panel covers)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    pub = run_step("publish", args.data, args.areas)
    aud = run_step("audit", args.data, args.areas)
    print(f"ratio audit / publish (wall) = {aud['wall_s'] / pub['wall_s']:.2f}")
    print(f"publish: {pub['wall_s']:.1f} s, peak {pub['peak_mib']:.0f} MiB, {pub['published_rows']} rows")
    print(f"audit: {aud['wall_s']:.1f} s, peak {aud['peak_mib']:.0f} MiB; {aud['attacked_cells']} suppressed cells "
          f"attacked, {aud['shift_share_tables']} shift-share tables, {aud['exposed']} exposed")
    print(f"data: {args.data}, areas: {args.areas or 'every covered area'}; total {time.perf_counter() - t0:.0f} s")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
