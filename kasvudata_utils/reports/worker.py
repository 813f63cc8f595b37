"""One report job inside a worker process: a notebook run in a fresh kernel, then its HTML export.

The local process pool (:mod:`kasvudata_utils.reports.batch`) and the Dask cluster
(:mod:`kasvudata_utils.reports.cluster`) run the same :func:`execute_job`.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from pathlib import Path

from kasvudata_utils.reports import kernels as reports_kernels
from kasvudata_utils.reports.html import export_html

START_TIMEOUT_S = 120  # kernel start; generous because two cores may be busy with other kernels
EXECUTION_TIMEOUT_S = 600  # per cell


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _one_line(exc) -> str:
    """papermill's execution error as one line: the exception name and message from the kernel."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return " ".join(str(text).split())[:500]


def execute_job(job: dict, out: str, start_timeout: int = START_TIMEOUT_S,
                execution_timeout: int = EXECUTION_TIMEOUT_S) -> dict:
    """Run one notebook in a fresh kernel and export its HTML (runs inside a worker process).

    Returns the manifest entry: status ``ok`` or ``failed`` with a one-line ``error``.
    """
    target = Path(out) / job["out_subdir"]
    target.mkdir(parents=True, exist_ok=True)
    html, ipynb = target / "report.html", target / "report.ipynb"
    entry = {"started": _now(), "status": "failed", "error": ""}
    t0 = time.perf_counter()
    try:
        reports_kernels.execute_notebook(job["notebook"], ipynb, job["parameters"], target, start_timeout,
                                         execution_timeout)  # pre-started kernel in the batch's own pool
        export_html(ipynb, html, lang=job["parameters"].get("lang", "fi"), home=_home_link(job["out_subdir"]),
                    title=f"{job['name'] or job['key']} · KasvuDATA")
        entry["status"] = "ok"
    except Exception as exc:  # isolation: any failure becomes this report's status, never the batch's
        entry["error"] = _one_line(exc)
        if html.exists():
            html.unlink()  # a stale page from an earlier run must not pass for this run's result
    entry["finished"] = _now()
    entry["duration_s"] = round(time.perf_counter() - t0, 2)
    tables = target / "tables"
    entry["tables"] = sorted(p.name for p in tables.glob("*.csv")) if tables.exists() else []
    return entry


def _quiet_worker() -> None:
    """Send a worker's (and its kernels') stderr to /dev/null: ipykernel's start-up warnings are noise on the
    terminal; every failure still reaches the manifest as the job's exception."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _batch_worker() -> None:
    """Initializer of the batch's worker processes: quiet stderr, and start each next report's kernel ahead
    (:mod:`kasvudata_utils.reports.kernels`; ``KASVUDATA_WARM_KERNELS=0`` turns that off)."""
    _quiet_worker()
    if os.environ.get("KASVUDATA_WARM_KERNELS", "1") != "0":
        reports_kernels.enable()


def _home_link(subdir: str) -> str:
    return "../" * (subdir.count("/") + 1) + "index.html"


def worker_failure(exc) -> dict:
    """The manifest entry of a job whose worker died (or whose task was lost) before it reported."""
    return {"status": "failed", "error": _one_line(exc), "started": "", "finished": _now(),
            "duration_s": None, "tables": []}
