#!/usr/bin/env python3
"""Run every benchmark script (benchmarks/bench_*.py) and write docs/benchmarks.md.

Each script prints its own results, ratios first; this runner records the machine, runs the
scripts one after another (never in parallel: they measure time) and collects what they print.
Benchmarks are not tests: targets are ratios against a floor measured in the same run, because
the machines are shared and noisy.

    make bench                      # all scripts
    python benchmarks/run_all.py bench_indicators   # one script, into docs/benchmarks-bench_indicators.md
    python benchmarks/run_all.py --append bench_x   # one script, added to the last run in docs/benchmarks.md
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from kasvudata_utils import fileio  # noqa: E402  (the checkout's package, also without an install)

#: docs/benchmarks.md keeps everything from this line on when a new run is written above it
NOTES_MARKER = "<!-- earlier runs and their analysis: kept by run_all.py below this line -->"


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.platform()}"


def is_headline(line: str) -> bool:
    """A result line that states a goal, a ratio or the machine load (the summary's lines)."""
    low = line.lower()
    return "goal" in low or "ratio" in low or "load" in low


def main(argv: list[str]) -> int:
    append = "--append" in argv
    wanted = set(argv) - {"--append"}
    scripts = sorted(p for p in (ROOT / "benchmarks").glob("bench_*.py") if not wanted or p.stem in wanted)
    parts = [f"# Benchmarks\n\nWritten by `make bench` ({Path(__file__).name}) on "
             f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.\n\nMachine: {machine()}.\n\n"
             "Each section is one script's own output: ratios against a floor measured in the same run "
             "first, absolute times after.\n"]
    failed = 0
    headline = []  # every line that states a goal or a ratio, per script: the summary written first
    for script in scripts:
        t0 = time.perf_counter()
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - t0
        print(proc.stdout[-3000:], proc.stderr[-2000:] if proc.returncode else "", flush=True)
        status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        failed += proc.returncode != 0
        body = proc.stdout.strip() or "(no output)"
        if proc.returncode:
            body += "\n\n" + "\n".join(proc.stderr.strip().splitlines()[-5:])
        parts.append(f"\n## {script.stem} — {status}, {took:.0f} s\n\n```\n{body}\n```\n")
        headline += [f"{script.stem}: {ln.strip()}" for ln in proc.stdout.splitlines() if is_headline(ln)]
        if proc.returncode:
            headline.append(f"{script.stem}: {status}")
    summary = "\n## Ratios and goals (all scripts)\n\n```\n" + ("\n".join(headline) or "(none)") + "\n```\n"
    print(summary, flush=True)
    parts.insert(1, summary)
    out = ROOT / "docs" / ("benchmarks.md" if not wanted or append else f"benchmarks-{'-'.join(sorted(wanted))}.md")
    old = out.read_text() if out.exists() else ""
    if append and old:  # after the last run's sections, above the earlier runs
        at = old.index(NOTES_MARKER) if NOTES_MARKER in old else len(old)
        text = old[:at] + "".join(parts[1:]).lstrip("\n") + "\n" + old[at:]
    else:  # a new run on top; the earlier runs and their analysis, below the marker, are kept
        kept = old[old.index(NOTES_MARKER):] if NOTES_MARKER in old else f"{NOTES_MARKER}\n"
        text = "".join(parts) + "\n" + kept
    fileio.atomic_write_text(out, text)
    print(f"wrote {out.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
