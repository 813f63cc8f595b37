"""Benchmark of ``kasvudata workshop`` holding a room (issue 15), in Debian's headless Chromium.

``kasvudata workshop --room N --max-sessions N`` on 127.0.0.1, pools warm before anybody comes, then:

- one participant alone: navigation → visible ``.kd-summary`` of each app, and each app kernel's
  resident memory (psutil, the kernel process and its children) after the summary is visible;
- N participants opening the area explorer at the same moment: time to summary of the n-th
  (median and 90th percentile, and their ratio to the participant alone);
- memory at the cap: Voilà and all kernels (N sessions + the refilled pools) against the stated bound
  ``(cap + pool) × KERNEL_MB + SERVER_MB``.

N is ``KASVUDATA_BENCH_N`` (default 20).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_workshop_load import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT_MS, participant, tree_rss_mb  # noqa: E402
from test_workshop_server import Workshop  # noqa: E402

from kasvudata_utils.apps import supervisor as sv  # noqa: E402
from kasvudata_utils.commands.workshop import WORKSHOPS_DIR  # noqa: E402

N = int(os.environ.get("KASVUDATA_BENCH_N", "20"))
APPS = ("area_explorer.ipynb", "scenario_workshop.ipynb", "insights_board.ipynb")


def kernel_rss_mb(ws: Workshop) -> dict[int, float]:
    out = {}
    for k in ws.kernels():
        with contextlib.suppress(psutil.Error):
            out[k.pid] = sum(p.memory_info().rss for p in [k, *k.children(recursive=True)]) / 2**20
    return out


async def alone(browser, ws: Workshop, app: str, pool_total: int) -> tuple[float, float]:
    """Time to summary of one participant alone and the resident memory of the kernel that served them."""
    before = set(kernel_rss_mb(ws))
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    t0 = time.monotonic()
    await page.goto(ws.url(f"/voila/render/{app}?area=KU009"), wait_until="commit", timeout=PAGE_TIMEOUT_MS)
    await page.locator(".kd-summary").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    seconds = time.monotonic() - t0
    await asyncio.sleep(3)
    open_rss = kernel_rss_mb(ws)
    await page.close(run_before_unload=True)
    await context.close()
    await asyncio.to_thread(ws.wait_warm, pool_total, 600)
    # the served kernel: one of the pool's kernels from before, and the one gone after the tab closed
    served = [v for pid, v in open_rss.items() if pid in before and pid not in kernel_rss_mb(ws)]
    return seconds, max(served)


async def main() -> None:
    from playwright.async_api import async_playwright

    tmp = Path(tempfile.mkdtemp(prefix="bench_workshop_"))
    pool_total = sv.configured_pool_total(WORKSHOPS_DIR, sv.pool_sizes(N))
    ws = Workshop(tmp, "--room", str(N), "--max-sessions", str(N))
    try:
        await asyncio.to_thread(ws.wait_warm, pool_total, 900)
        idle_mb = tree_rss_mb(ws)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            single = {app: await alone(browser, ws, app, pool_total) for app in APPS}
            t_alone = single["area_explorer.ipynb"][0]
            people = await asyncio.gather(*[participant(browser, ws, "KU009") for _ in range(N)])
            times = sorted(p["seconds"] for p in people)
            await asyncio.to_thread(ws.wait_warm, N + pool_total, 900)
            cap_mb = tree_rss_mb(ws)
            await browser.close()
    finally:
        ws.stop()
    med, p90 = statistics.median(times), times[max(0, int(round(0.9 * len(times))) - 1)]
    bound = sv.memory_bound_mb(N, pool_total)
    print(f"{N} participants opening the area explorer together (room {N}, cap {N}, {pool_total} warm kernels):")
    print(f"  time to summary, ratio to one participant alone: median ×{med / t_alone:.1f}, "
          f"90th percentile ×{p90 / t_alone:.1f}")
    print(f"  median {med:.1f} s, 90th percentile {p90:.1f} s, slowest {times[-1]:.1f} s; alone {t_alone:.1f} s")
    for app, (sec, rss) in single.items():
        print(f"  {app}: alone {sec:.1f} s to summary, kernel {rss:.0f} MB RSS")
    print(f"  memory: idle with warm pools {idle_mb:.0f} MB; at the cap ({N} sessions + {pool_total} warm) "
          f"{cap_mb:.0f} MB = {cap_mb / (N + pool_total):.0f} MB per kernel incl. the server; "
          f"stated bound {bound:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
