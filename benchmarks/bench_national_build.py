#!/usr/bin/env python3
"""Peak memory and time of the national-scale build (`kasvudata data build --scale national`).

Runs the build in a fresh process into a temporary folder and reads the child's peak resident set
size (getrusage), so the figure is the build's own, not this script's.
"""
import resource
import subprocess
import sys
import tempfile
import time


def main() -> int:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "kasvudata_utils", "data", "build", "--scale", "national",
                               "--out", out], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            print(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "build failed")
            return 1
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB on Linux
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    print(f"national build peak memory: {peak_gib:.2f} GiB (goal of the national benchmark: <= 4 GiB)")
    print(f"national build wall time: {wall:.1f} s (real tables + firm panel for all of Finland); "
          f"load average at the end: {' '.join(load)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
