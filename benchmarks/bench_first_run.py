#!/usr/bin/env python3
"""The first run from a fresh clone: `make reports` in a new clone of this checkout's HEAD.

What a new user does: clone, then `make reports`. The clone gets its own `.venv` (the package
download cache — uv's, or pip's where uv is not at hand — is warm, as after any earlier install), builds the
embedded data and writes the 52 reports and the site. The three stages are timed apart by asking make for
their stamp files in order (`.venv/.installed`, `data/processed/.built`, then `reports`), which is exactly
what `make reports` runs. Goal of issue 18: ≤ 90 s in all, install included.

Only committed work is measured (a clone of HEAD). The clone is removed afterwards.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 90.0


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _stage(cwd: Path, target: str, env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(["make", "--no-print-directory", target], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        tail = (proc.stderr.strip() or proc.stdout.strip() or "failed").splitlines()[-1]
        return wall, f"make {target} failed: {tail}"
    return wall, ""


def main() -> int:
    python = shutil.which("python3.11") or shutil.which("python3") or sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="kasvudata-first-run-"))
    try:
        clone = tmp / "kasvudata"
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["PY"] = python
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if not p.startswith(str(ROOT)))
        load_before = _load()
        times = {}
        for name, target in (("install", ".venv/.installed"), ("data build", "data/processed/.built"),
                             ("reports", "reports")):
            times[name], error = _stage(clone, target, env)
            if error:
                print(f"first run: {error} after {sum(times.values()):.0f} s")
                return 1
        n = sum(1 for _ in (clone / "reports").rglob("report.html"))
        total = sum(times.values())
        verdict = "met" if total <= GOAL_S else "NOT met"
        print(f"first run from a fresh clone (make reports, install included): {total:.0f} s "
              f"(goal ≤ {GOAL_S:.0f} s: {verdict})")
        print(f"first run stages: install {times['install']:.0f} s (new .venv with uv, its download cache warm), "
              f"data build {times['data build']:.0f} s, reports {times['reports']:.0f} s ({n} report pages)")
        print(f"first run: load average before / after: {load_before} / {_load()} (2 cores)")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
