"""Pre-started kernels for the report workers: one fresh kernel per report, started one report ahead.

A batch worker process runs reports one after another. Instead of starting each report's kernel
when the report begins (``kasvudata reports`` would then wait for Python, ipykernel, pandas and
matplotlib to start every time), the worker starts the *next* report's kernel while the current
report runs and has it import the heavy, area-independent libraries. Each kernel still serves
exactly one report and is shut down afterwards: nothing computed for one area can reach another
area's report. papermill executes the notebook on it through ``km=`` (its parameters cell is
injected and every output saved as usual); the kernel's working directory is set to the report's
folder before the first cell, as papermill's ``cwd=`` would.

Only the batch's own process pool turns this on (:func:`enable`, in the worker initializer); any
other caller of :func:`kasvudata_utils.reports.batch.execute_job` (e.g. Dask worker threads) starts a
kernel per report the ordinary way.
"""
from __future__ import annotations

import contextlib
import os
import threading

#: Imported in a pre-started kernel before it is handed out (area-independent; no data is read).
WARM_CODE = """\
import matplotlib.pyplot
import pandas
import kasvudata_utils.reports.area
import kasvudata_utils.reports.industry
"""

_state = {"enabled": False, "next": None}
_lock = threading.Lock()


class WarmKernel:
    """A started kernel (``km``) with the warm-up import request already queued on its shell channel."""

    def __init__(self, kernel_name: str = "python3", warm_code: str = WARM_CODE):
        import asyncio

        from jupyter_client import AsyncKernelManager  # what nbclient drives (its default manager class)

        self.km = AsyncKernelManager(kernel_name=kernel_name)
        asyncio.run(self.km.start_kernel(cwd=os.getcwd()))  # launches the process; does not wait for it
        self.warm_code = warm_code
        self.error = None
        self._ready = threading.Event()
        threading.Thread(target=self._warm, daemon=True).start()

    def _client(self):
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self.km.get_connection_info())
        return kc

    def _warm(self) -> None:
        kc = None
        try:
            kc = self._client()
            kc.start_channels()
            kc.wait_for_ready(timeout=120)
            if self.warm_code:
                # silent: no execution count, no outputs; a failure here only costs the pre-import
                kc.execute_interactive(self.warm_code, silent=True, store_history=False, timeout=120)
        except Exception as exc:  # the report's own execution will surface any real kernel problem
            self.error = exc
        finally:
            if kc is not None:
                kc.stop_channels()
            self._ready.set()

    def take(self, cwd: str, timeout: float = 120):
        """Wait for the warm-up, move the kernel into ``cwd`` and return its manager (for papermill's ``km=``)."""
        self._ready.wait(timeout)
        kc = self._client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            reply = kc.execute_interactive(f"import os as _os; _os.chdir({str(cwd)!r}); del _os", silent=True,
                                           store_history=False, timeout=timeout)
            if reply["content"].get("status") != "ok":
                raise RuntimeError(f"kernel could not change into {cwd}")
        finally:
            kc.stop_channels()
        return self.km

    def shutdown(self) -> None:
        """Stop the kernel (immediately: its report is finished, or it was never used)."""
        import asyncio

        async def stop():
            try:
                if self.km.has_kernel:
                    await self.km.shutdown_kernel(now=True)
            finally:
                await self.km.cleanup_resources()

        with contextlib.suppress(Exception):  # a kernel already gone needs no stopping
            asyncio.run(stop())


def enable(warm_code: str = WARM_CODE) -> None:
    """Turn on pre-started kernels in this (worker) process; stopped when the process exits."""
    from multiprocessing.util import Finalize

    _state.update(enabled=True, warm_code=warm_code)
    Finalize(None, disable, exitpriority=10)


def enabled() -> bool:
    """Whether this worker pre-starts the next report's kernel."""
    return bool(_state["enabled"])


def disable() -> None:
    """Stop the kernel kept ready for a next report, if any, and turn pre-starting off."""
    with _lock:
        _state["enabled"] = False
        nxt, _state["next"] = _state["next"], None
    if nxt is not None:
        nxt.shutdown()


def next_kernel(kernel_name: str = "python3") -> WarmKernel:
    """The kernel for the report starting now (pre-started if there is one) and start the following one."""
    with _lock:
        cur = _state["next"] or WarmKernel(kernel_name, _state.get("warm_code", WARM_CODE))
        _state["next"] = WarmKernel(kernel_name, _state.get("warm_code", WARM_CODE))
    return cur


def execute_notebook(notebook, output, parameters: dict | None = None, cwd=None, start_timeout: int = 120,
                     execution_timeout: int = 600, kernel_name: str = "python3"):
    """Papermill on ``notebook`` → ``output`` in a fresh kernel: a pre-started one where :func:`enabled`.

    The same call serves the batch and the benchmark's kernel-start floor, so both go through one
    mechanism. The kernel is shut down afterwards whatever happens.
    """
    import papermill as pm

    kw = dict(parameters=parameters or {}, kernel_name=kernel_name, start_timeout=start_timeout,
              execution_timeout=execution_timeout, progress_bar=False, log_output=False,
              # written once at the end (and with the failing cell on error) instead of at every cell's start
              # and end: 2 × n_cells writes of a notebook growing to ~1 MB of figures
              request_save_on_cell_execute=os.environ.get("KASVUDATA_SAVE_EACH_CELL", "0") == "1")
    if not enabled():
        return pm.execute_notebook(str(notebook), str(output), cwd=str(cwd) if cwd else None, **kw)
    kernel = next_kernel(kernel_name)
    try:
        km = kernel.take(str(cwd or os.getcwd()), timeout=start_timeout)
        return pm.execute_notebook(str(notebook), str(output), km=km, **kw)
    finally:
        kernel.shutdown()
