"""One report job inside a worker process: a notebook run in a fresh kernel, then its HTML export.

The local process pool (:mod:`kasvudata_utils.reports.batch`) and the Dask cluster
(:mod:`kasvudata_utils.reports.cluster`) run the same :func:`execute_job`.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from kasvudata_utils.fileio import atomic_write_text, replace_folder, staging_folder
from kasvudata_utils.paths import PROJECT_ROOT
from kasvudata_utils.reports import kernels as reports_kernels
from kasvudata_utils.reports.html import export_html, lighten_notebook
from kasvudata_utils.reports.html import exporter as html_exporter

START_TIMEOUT_S = 120  # kernel start; generous because two cores may be busy with other kernels
EXECUTION_TIMEOUT_S = 600  # per cell


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _one_line(exc) -> str:
    """Papermill's execution error as one line: the exception name and message from the kernel."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return " ".join(str(text).split())[:500]


def execute_job(job: dict, out: str, start_timeout: int = START_TIMEOUT_S,
                execution_timeout: int = EXECUTION_TIMEOUT_S) -> dict:
    """Run one notebook in a fresh kernel and export its HTML (runs inside a worker process).

    Returns the manifest entry: status ``ok`` or ``failed`` with a one-line ``error``.
    """
    target = Path(out) / job["out_subdir"]
    # Built in a temporary folder beside the report's own and moved into place only when complete: a
    # failing run keeps the last good report (the batch marks it stale), never half a new one.
    stage = staging_folder(target)
    html, ipynb = stage / "report.html", stage / "report.ipynb"
    entry = {"started": _now(), "status": "failed", "error": ""}
    t0 = time.perf_counter()
    try:
        reports_kernels.execute_notebook(job["notebook"], ipynb, job["parameters"], stage, start_timeout,
                                         execution_timeout)  # pre-started kernel in the batch's own pool
        strip_local_paths(ipynb, [(job["parameters"].get("panel_path") or "", None), (str(stage), ".")])
        # the stylesheet inlined (no request before the first paint); the figures are files beside the page
        export_html(ipynb, html, lang=job["parameters"].get("lang", "fi"), home=_home_link(job["out_subdir"]),
                    title=f"{job['name'] or job['key']} · KasvuDATA")
        lighten_notebook(ipynb, stage)  # the published notebook shows the same figure files, no base64 copies
        replace_folder(stage, target, check=False)
        entry["status"] = "ok"
    except Exception as exc:  # isolation: any failure becomes this report's status, never the batch's
        entry["error"] = _one_line(exc)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    entry["finished"] = _now()
    entry["duration_s"] = round(time.perf_counter() - t0, 2)
    tables = target / "tables"
    entry["tables"] = sorted(p.name for p in tables.glob("*.csv")) if tables.exists() else []
    return entry


def scrub_paths(text: str, replacements=()) -> str:
    """Return ``text`` without local paths.

    Each ``(path, new)`` of ``replacements`` becomes ``new`` (``None``: the path's file name), then the
    checkout becomes ``.`` and the home folder ``~`` (longest first).

    Examples
    --------
    >>> scrub_paths("cannot read /srv/secret/panel.csv", [("/srv/secret/panel.csv", None)])
    'cannot read panel.csv'
    """
    pairs = [(str(old), Path(old).name if new is None else new) for old, new in replacements if old]
    pairs += [(str(PROJECT_ROOT), "."), (str(Path.home()), "~")]
    for old, new in sorted(pairs, key=lambda x: -len(x[0])):  # longest first: a panel under home
        if old not in ("", "/", "."):
            text = text.replace(old, new)
    return text


def _scrub_tree(obj, replacements, key: str = ""):
    """:func:`scrub_paths` on every string of a notebook's JSON except image data (base64 may hold ``/root``)."""
    if key.startswith("image/"):
        return obj
    if isinstance(obj, str):
        return scrub_paths(obj, replacements)
    if isinstance(obj, list):
        return [_scrub_tree(v, replacements) for v in obj]
    if isinstance(obj, dict):
        return {k: _scrub_tree(v, replacements, k) for k, v in obj.items()}
    return obj


def strip_local_paths(ipynb, replacements=()) -> Path:
    """Rewrite an executed notebook so that it names no local path (it is published beside the report).

    papermill's ``input_path``/``output_path`` become file names; every text (sources, outputs, metadata;
    not image data) goes through :func:`scrub_paths`. The firm panel is named by its file name (its
    checksum is in ``manifest.json``).
    """
    p = Path(ipynb)
    nb = json.loads(p.read_text(encoding="utf-8"))
    pm = nb.get("metadata", {}).get("papermill", {})
    for key in ("input_path", "output_path"):
        if pm.get(key):
            pm[key] = Path(str(pm[key])).name
    atomic_write_text(p, json.dumps(_scrub_tree(nb, list(replacements)), ensure_ascii=False, indent=1) + "\n")
    return p


def _quiet_worker() -> None:
    """Send a worker's (and its kernels') stderr to /dev/null.

    ipykernel's start-up warnings are noise on the terminal; every failure still reaches the manifest
    as the job's exception.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


#: Imported by jsonschema (under papermill's and nbconvert's nbformat) only for its "iri" format check, which
#: no notebook schema uses; building its grammar cost ≈ 1 s of CPU in every worker process.
SLOW_UNUSED_IMPORTS = ("rfc3987_syntax",)


def skip_slow_imports() -> None:
    """Make :data:`SLOW_UNUSED_IMPORTS` raise ImportError in this process (jsonschema then skips that check)."""
    for name in SLOW_UNUSED_IMPORTS:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]


def _batch_worker() -> None:
    """Initialise a batch worker process: quiet stderr, and start each next report's kernel ahead.

    (:mod:`kasvudata_utils.reports.kernels`; ``KASVUDATA_WARM_KERNELS=0`` turns that off).
    """
    _quiet_worker()
    skip_slow_imports()
    if os.environ.get("KASVUDATA_WARM_KERNELS", "1") != "0":
        reports_kernels.enable()
        reports_kernels.prestart()  # the kernel boots while this process makes its exporter
    # the page exporter (nbconvert's imports and templates, ≈ 1.7 s of CPU) is made while the first
    # kernel starts, instead of after the first report's cells
    threading.Thread(target=warm_exporter, daemon=True).start()


def warm_exporter(lang: str = "fi") -> None:
    """Make this process's page exporter ahead of its first report (any failure shows at the export)."""
    with contextlib.suppress(Exception):
        html_exporter(lang, warm=True)


def _site_link(subdir: str, name: str) -> str:
    """Relative link from a report folder (``KU009``, ``industries/C``) to a file at the site's root."""
    return "../" * (subdir.count("/") + 1) + name


def _home_link(subdir: str) -> str:
    return _site_link(subdir, "index.html")


def worker_failure(exc) -> dict:
    """The manifest entry of a job whose worker died (or whose task was lost) before it reported."""
    return {"status": "failed", "error": _one_line(exc), "started": "", "finished": _now(),
            "duration_s": None, "tables": []}
