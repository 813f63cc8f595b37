"""Benchmark of the Voilà workshop apps in a real browser (issue 5, "Speed").

Measured in headless Chromium against one Voilà server started with the project's
configuration (``workshops/voila.json``, offline template):

- navigation → visible ``.kd-summary`` for each app, and for ``benchmarks/trivial.ipynb``
  (one widget: the floor of any Voilà page, copied beside the apps on the benchmark's server); the ratio app / floor
  (goals: ≤ 2 with preheated kernels, ≤ 3 without); both modes are run;
- slider change (keyboard, one step) → updated ``.kd-summary`` in the scenario app, median
  over repeated changes (goal ≤ 300 ms);
- resident memory (RSS, psutil) of one app kernel after its page loaded (goal ≤ 350 MB).

Run: ``.venv/bin/python benchmarks/bench_apps.py [--repeats N]``; prints a small report.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

from conftest import launch_browser, new_page, start_voila  # noqa: E402

APPS = ("area_explorer.ipynb", "scenario_workshop.ipynb")
FLOOR = "trivial.ipynb"
GOALS = {"ratio_preheated": 2.0, "ratio_cold": 3.0, "slider_ms": 300.0, "rss_mb": 350.0}


def time_to_summary(browser, server, notebook: str, query: str = "area=KU009") -> float:
    """Seconds from navigation to a visible ``.kd-summary`` in a fresh page."""
    page = new_page(browser)
    try:
        t0 = time.perf_counter()
        page.goto(server.url(notebook, query), wait_until="commit", timeout=60_000)
        page.locator(".kd-summary").first.wait_for(state="visible", timeout=60_000)
        return time.perf_counter() - t0
    finally:
        page.context.close()


def wait_pools(seconds: float) -> None:
    """Let the kernel pools refill between page loads (preheated mode)."""
    time.sleep(seconds)


def slider_latencies(browser, server, n: int) -> list[float]:
    """Milliseconds from a keyboard step on a lever to a changed ``.kd-summary`` (n changes)."""
    page = new_page(browser)
    try:
        page.goto(server.url("scenario_workshop.ipynb", "area=KU009"), wait_until="commit", timeout=60_000)
        summary = page.locator(".kd-summary").first
        summary.wait_for(state="visible", timeout=60_000)
        page.wait_for_timeout(1000)
        handle = page.locator(".kd-lever-birth-rate-pct .noUi-handle")
        handle.focus()
        out = []
        for i in range(n):
            before = summary.inner_text()
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            t0 = time.perf_counter()
            handle.press(key)
            page.wait_for_function("([el, old]) => el.innerText !== old", arg=[summary.element_handle(), before],
                                   polling="raf", timeout=30_000)
            out.append((time.perf_counter() - t0) * 1000)
        return out
    finally:
        page.context.close()


def kernel_rss_mb(server) -> dict[str, float]:
    """RSS (MB) of the kernels under the Voilà process, by kernel pid."""
    import psutil

    proc = psutil.Process(server.process.pid)
    # the workshop server starts its own lean kernel module (apps.kernel), not ipykernel_launcher
    return {str(c.pid): c.memory_info().rss / 1e6 for c in proc.children(recursive=True)
            if any(k in " ".join(c.cmdline()) for k in ("ipykernel", "kasvudata_utils.apps.kernel"))}


def app_kernel_rss(browser, server) -> float:
    """RSS (MB) of the largest kernel once an area explorer page is open (the largest app, worst case).

    A preheated kernel's environment in ``/proc`` does not show the page it serves, so the
    served kernel is not told apart: the maximum over all kernels is an upper bound for it.
    """
    page = new_page(browser)
    try:
        page.goto(server.url("area_explorer.ipynb", "area=KU009"), wait_until="commit", timeout=60_000)
        page.locator(".kd-summary").first.wait_for(state="visible", timeout=60_000)
        page.wait_for_timeout(1500)
        rss = kernel_rss_mb(server)
        return max(rss.values()) if rss else float("nan")
    finally:
        page.context.close()


def run_mode(browser, preheat: bool, repeats: int, tmp: Path) -> dict:
    server = start_voila(tmp / ("preheat" if preheat else "cold"), pool_size=2 if preheat else None,
                         preheat=preheat, extra_notebooks=[ROOT / "benchmarks" / FLOOR])
    try:
        if preheat:
            wait_pools(25)  # pools filled and their notebooks pre-executed
        # one warm-up load each (Chromium's cache of Voilà's static files, like a second visitor)
        for nb in (FLOOR, *APPS):
            time_to_summary(browser, server, nb)
            if preheat:
                wait_pools(8)
        res = {nb: [] for nb in (FLOOR, *APPS)}
        for _ in range(repeats):
            for nb in (FLOOR, *APPS):
                res[nb].append(time_to_summary(browser, server, nb))
                if preheat:
                    wait_pools(8)
        out = {"load_s": {nb: statistics.median(v) for nb, v in res.items()}}
        if preheat:
            out["slider_ms"] = slider_latencies(browser, server, 12)
            out["rss_mb"] = app_kernel_rss(browser, server)
        return out
    finally:
        server.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            modes = {"preheated": run_mode(browser, True, args.repeats, Path(d)),
                     "not preheated": run_mode(browser, False, args.repeats, Path(d))}
        finally:
            browser.close()
    lines = ["Workshop apps in headless Chromium (median of "
             f"{args.repeats} loads, navigation → visible .kd-summary, area=KU009):", ""]
    ok = True
    for mode, res in modes.items():
        floor = res["load_s"][FLOOR]
        goal = GOALS["ratio_preheated" if mode == "preheated" else "ratio_cold"]
        lines.append(f"{mode}: floor {FLOOR} {floor:.2f} s")
        for nb in APPS:
            ratio = res["load_s"][nb] / floor
            ok &= ratio <= goal
            lines.append(f"  {nb:26s} ratio {ratio:4.2f} (goal ≤ {goal:g})  {res['load_s'][nb]:.2f} s")
    pre = modes["preheated"]
    med = statistics.median(pre["slider_ms"])
    ok &= med <= GOALS["slider_ms"]
    lines += ["", f"slider step → updated .kd-summary: median {med:.0f} ms (goal ≤ {GOALS['slider_ms']:g} ms), "
                  f"max {max(pre['slider_ms']):.0f} ms over {len(pre['slider_ms'])} changes",
              f"RSS of one area explorer kernel: {pre['rss_mb']:.0f} MB (goal ≤ {GOALS['rss_mb']:g} MB)",
              "", "all goals met" if ok and pre["rss_mb"] <= GOALS["rss_mb"] else "some goals NOT met"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
