"""Batch reports on a Dask distributed cluster (``kasvudata reports --scheduler ADDRESS``).

Each report is one task: the workers run :func:`kasvudata_utils.reports.worker.execute_job`, the same
function the local process pool runs, so every notebook still gets its own fresh kernel. The
results come back to the submitting process, which folds them into the same manifest and index.
A failing notebook is that report's ``failed`` status; a task the cluster loses (a worker that
dies, a worker that cannot import the package) is also only that report's failure.

Requirements for the workers (docs/deploy.md, "Batch reports beyond one machine"): the same
checkout of the repository and the same data at the same absolute paths (a network filesystem or
identical checkouts), and the output folder on a filesystem that the submitting machine reads.
Start workers with one thread each (``dask worker ADDRESS --nthreads 1 --nworkers N``): papermill
runs in parallel inside one process are not reliable (papermill#239).
"""
from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path

from kasvudata_utils.errors import InputError
from kasvudata_utils.reports.worker import execute_job, worker_failure

CONNECT_TIMEOUT_S = 20


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` for the scheduler at ``address``; InputError in one line if unreachable."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is pinned in requirements.txt
        raise InputError("--scheduler needs the 'distributed' package: pip install -r requirements.txt") from None
    try:
        return Client(str(address), timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {address!r}: no Dask scheduler reachable ({type(exc).__name__}); "
                         "expected an address such as tcp://host:8786 of a running `dask scheduler`") from None


def dispatch_dask(todo, out, address: str, start_timeout: int, execution_timeout: int):
    """Submit one task per job to the cluster at ``address``; yield ``(job, entry)`` as they finish.

    Parameters
    ----------
    todo : list of reports.Job
        The jobs to run (up-to-date ones already removed).
    out : path
        The output folder; made absolute, because the workers write there themselves.
    address : str
        The scheduler address, e.g. ``tcp://10.0.0.5:8786``.
    start_timeout, execution_timeout : int
        papermill's kernel start and per-cell timeouts, as for the local pool.
    """
    from distributed import as_completed


    out = str(Path(out).resolve())
    client = connect(address)
    try:
        futures = {}
        for job in todo:
            # a fresh key per run: a rerun (``--force``) is a new task even with the same arguments
            key = f"kasvudata-report-{job.key.replace('/', '-')}-{uuid.uuid4().hex[:8]}"
            fut = client.submit(execute_job, asdict(job), out, start_timeout, execution_timeout, key=key)
            futures[fut] = job
        for fut in as_completed(list(futures), loop=client.loop):  # this client, not a global default
            try:
                entry = fut.result()
            except Exception as exc:  # lost task, dead worker, import error on the worker
                entry = worker_failure(exc)
            yield futures[fut], entry
    finally:
        client.close()
