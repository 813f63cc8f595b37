"""Report kernels of a batch worker: started ahead with the stack imported, and reused when verified clean.

A batch worker process runs reports one after another. Starting a kernel per report (Python,
ipykernel, pandas, matplotlib and the package: about a second of CPU on this project's machine) and
loading the same data files again in every kernel was most of a report's cost beyond its own
figures (issue 18). So the worker keeps its kernel: after a report that finished without error the
kernel is brought back to the state it had before its first report
(:func:`kasvudata_utils.reports.kernelstate.restore`: user namespace reset as in a new session,
figures closed, matplotlib settings, random generators and working directory put back, the warm-up
imports re-run) and checked against that snapshot (:func:`~kasvudata_utils.reports.kernelstate.is_clean`).
Only a kernel that compares equal serves the next report; after a failed report, a failed check or
:data:`MAX_USES` reports it is shut down and a fresh one is started. What a reused kernel keeps is
only what modules cache for themselves (the data files and area-independent tables, keyed by file
and parameters), so nothing computed for one area can reach another area's report;
``tests/test_kernel_reuse.py`` proves it byte for byte against a fresh standalone run.
``KASVUDATA_KERNEL_REUSE=0`` gives every report a fresh kernel again (started one report ahead).

papermill executes the notebook on the kernel through ``km=`` (its parameters cell is injected and
every output saved as usual; papermill does not shut down a kernel it did not start); the kernel's
working directory is set to the report's folder before the first cell, as papermill's ``cwd=`` would.

Only the batch's own process pool turns this on (:func:`enable`, in the worker initializer); any
other caller of :func:`kasvudata_utils.reports.batch.execute_job` (e.g. Dask worker threads) starts a
kernel per report the ordinary way.
"""
from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
import threading
import time

#: Imported in a pre-started kernel before it is handed out (area-independent; no data is read).
WARM_CODE = """\
import matplotlib.pyplot
import pandas
import kasvudata_utils.reports.area
import kasvudata_utils.reports.industry
"""

#: Reports served by one kernel at most before it is replaced by a fresh one (bounds its memory).
MAX_USES = 64

#: Run in a warmed kernel: record the state that a reused kernel must come back to.
SNAPSHOT_CODE = "__import__('kasvudata_utils.reports.kernelstate').reports.kernelstate.snapshot({code!r})"
#: Run in a used kernel: restore that state; the user expression says whether it compares equal.
RESTORE_EXPR = "__import__('kasvudata_utils.reports.kernelstate').reports.kernelstate.restore()"

_state = {"enabled": False, "next": None, "current": None}
_lock = threading.Lock()
_serial = itertools.count(1)


def _socket_dir() -> str:
    """A private folder of this process for its kernels' sockets (removed when the process ends)."""
    if "sockets" not in _state:
        path = tempfile.mkdtemp(prefix="kasvudata-kernels-")
        atexit.register(shutil.rmtree, path, True)
        _state["sockets"] = path
    return _state["sockets"]


def _kept_client_manager_class():
    """jupyter_client's ``AsyncKernelManager`` (what nbclient drives) whose ``client()`` is one kept client.

    papermill (nbclient) asks the manager for a new client for every notebook and waits until it is
    ready: a kernel-info request, then a message on the freshly subscribed IOPub channel, which
    usually misses the reply's status messages (a new subscription takes a moment to reach the
    kernel) and waits 0.2 s for them before asking again; ≈ 0.2 s of idle wall time per report. The
    kept client is started and checked once, by the first report's nbclient, and every later report
    of the same kernel uses it as it is: nbclient neither stops a client of a manager it was given
    nor reads a message that answers another request (each is matched by its parent's id), so the
    notebooks are executed exactly as with a new client.
    """
    if "manager_class" not in _state:
        from jupyter_client import AsyncKernelManager
        from jupyter_client.asynchronous import AsyncKernelClient

        class KeptClient(AsyncKernelClient):
            """A client whose channels are started, and readiness checked, once for all its reports."""

            ready = False

            def start_channels(self, *args, **kwargs) -> None:
                if not self.channels_running:
                    super().start_channels(*args, **kwargs)

            async def wait_for_ready(self, timeout=None) -> None:  # type: ignore[override]
                if not self.ready:
                    await AsyncKernelClient.wait_for_ready(self, timeout)
                    self.ready = True

        class KeptClientManager(AsyncKernelManager):
            kept_client = None

            def client(self, **kwargs):
                kc = self.kept_client
                if kc is None or not kc.channels_running:  # stopped by nbclient after a failed start
                    self.client_factory = KeptClient
                    kc = self.kept_client = super().client(**kwargs)
                return kc

        _state["manager_class"] = KeptClientManager
    return _state["manager_class"]


class WarmKernel:
    """A started kernel (``km``) with the warm-up import request already queued on its shell channel."""

    def __init__(self, kernel_name: str = "python3", warm_code: str = WARM_CODE):
        import asyncio

        # Unix sockets in this process's own folder, not TCP ports: a port chosen for a kernel can be taken
        # before the kernel binds it ("Address already in use") when both workers start kernels at once,
        # and that kernel never answers (the workshop server's kernels had the same race)
        self.km = _kept_client_manager_class()(kernel_name=kernel_name, transport="ipc",
                                               ip=os.path.join(_socket_dir(), f"k{next(_serial)}"))
        asyncio.run(self.km.start_kernel(cwd=os.getcwd()))  # launches the process; does not wait for it
        self.warm_code = warm_code
        self.error = None
        self.snapshotted = False
        self.uses = 0
        self.last_check: dict = {}  # the kernel's answer to the last restore (for diagnosis)
        self._kc = None  # see _control
        self._ready = threading.Event()
        threading.Thread(target=self._warm, daemon=True).start()

    def _client(self):
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self.km.get_connection_info())
        return kc

    def _ready_client(self, timeout: float = 120):
        """A started client once the kernel answers.

        A client's heartbeat can call a kernel that is still binding its ports dead ("Kernel died
        before replying to kernel_info"), which left some kernels without their warm-up and snapshot;
        so a new client tries again until ``timeout``.
        """
        deadline = time.monotonic() + timeout
        while True:
            kc = self._client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
                return kc
            except RuntimeError:
                kc.stop_channels()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def _warm(self) -> None:
        kc = None
        try:
            kc = self._ready_client(120)
            if self.warm_code:
                # silent: no execution count, no outputs; a failure here only costs the pre-import
                kc.execute_interactive(self.warm_code, silent=True, store_history=False, timeout=120)
            reply = kc.execute_interactive(SNAPSHOT_CODE.format(code=self.warm_code), silent=True,
                                           store_history=False, timeout=120)
            self.snapshotted = reply["content"].get("status") == "ok"
        except Exception as exc:  # the report's own execution will surface any real kernel problem
            self.error = exc
        finally:
            if kc is not None:
                kc.stop_channels()
            self._ready.set()

    def take(self, cwd: str, timeout: float = 120):
        """Wait for the warm-up, move the kernel into ``cwd`` and return its manager (for papermill's ``km=``)."""
        self._ready.wait(timeout)
        reply = self._control().execute_interactive(f"import os as _os; _os.chdir({str(cwd)!r}); del _os",
                                                    silent=True, store_history=False, timeout=timeout)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel could not change into {cwd}")
        return self.km

    def _control(self, timeout: float = 120):
        """The client of the kernel in this process, started once and kept for every report it serves.

        (A new client per request waited ≈ 0.2 s for its channels each time.) Used only by the thread
        that runs the reports, after the warm-up thread has finished with its own client.
        """
        if self._kc is None:
            self._kc = self._ready_client(timeout)
        return self._kc

    def recycle(self, timeout: float = 60) -> bool:
        """Bring the kernel back to its snapshot for another report; False when it does not compare equal."""
        if not self.snapshotted or self.uses >= MAX_USES:
            self.last_check = {"status": "not reusable", "snapshotted": self.snapshotted, "uses": self.uses,
                               "error": repr(self.error)}
            return False
        try:
            reply = self._control(timeout).execute_interactive("", silent=False, store_history=False, timeout=timeout,
                                           user_expressions={"clean": RESTORE_EXPR})
            result = reply["content"].get("user_expressions", {}).get("clean", {})
            self.last_check = result
            return (reply["content"].get("status") == "ok" and result.get("status") == "ok"
                    and result.get("data", {}).get("text/plain") == "True")
        except Exception as exc:  # no answer: not reusable
            self.last_check = {"status": "error", "error": repr(exc)}
            return False

    def shutdown(self) -> None:
        """Stop the kernel (immediately: its report is finished, or it was never used)."""
        import asyncio

        async def stop():
            try:
                if self.km.has_kernel:
                    await self.km.shutdown_kernel(now=True)
            finally:
                await self.km.cleanup_resources()

        for kc in (self._kc, getattr(self.km, "kept_client", None)):
            if kc is not None:
                with contextlib.suppress(Exception):
                    kc.stop_channels()
        self._kc = None
        self.km.kept_client = None
        with contextlib.suppress(Exception):  # a kernel already gone needs no stopping
            asyncio.run(stop())


def reuse_enabled() -> bool:
    """Whether a worker's kernel serves several reports (``KASVUDATA_KERNEL_REUSE=0`` turns it off)."""
    return os.environ.get("KASVUDATA_KERNEL_REUSE", "1") != "0"


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
        cur, _state["current"] = _state["current"], None
    for k in (nxt, cur):
        if k is not None:
            k.shutdown()


def prestart(kernel_name: str = "python3") -> None:
    """Start this worker's first kernel now (from the worker's initializer), not when its first report arrives.

    Its process start and warm-up imports then run while the worker process is still setting itself up
    (its page exporter, the first job's arguments) instead of after it.
    """
    if not enabled():
        return
    code = _state.get("warm_code", WARM_CODE)
    with _lock:
        slot = "current" if reuse_enabled() else "next"
        if _state[slot] is None:
            _state[slot] = WarmKernel(kernel_name, code)


def next_kernel(kernel_name: str = "python3") -> WarmKernel:
    """The kernel for the report starting now.

    With reuse: the worker's kept kernel, or a new warmed one (nothing is started ahead: a kept kernel
    needs no successor). Without: the one pre-started during the previous report, and the following
    one is started now.
    """
    code = _state.get("warm_code", WARM_CODE)
    with _lock:
        if reuse_enabled():
            cur, _state["current"] = _state["current"], None
            nxt, _state["next"] = _state["next"], None  # one started before reuse was turned off
            return cur or nxt or WarmKernel(kernel_name, code)
        cur = _state["next"] or WarmKernel(kernel_name, code)
        _state["next"] = WarmKernel(kernel_name, code)
    return cur


def release_kernel(kernel: WarmKernel, ok: bool) -> None:
    """After a report: keep the kernel for the next one when it ran without error and restores clean."""
    kernel.uses += 1
    if ok and reuse_enabled() and enabled() and kernel.recycle():
        with _lock:
            if _state["current"] is None:
                _state["current"] = kernel
                return
    _state["discarded"] = kernel.last_check  # why (for diagnosis)
    kernel.shutdown()


def execute_notebook(notebook, output, parameters: dict | None = None, cwd=None, start_timeout: int = 120,
                     execution_timeout: int = 600, kernel_name: str = "python3"):
    """Papermill on ``notebook`` → ``output``: in the worker's warmed (reused) kernel where :func:`enabled`.

    The same call serves the batch and the benchmark's kernel floors, so both go through one
    mechanism. Without :func:`enabled` a fresh kernel is started and shut down by papermill; with it,
    the kernel is kept for the next report only as :func:`release_kernel` decides.
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
    ok = False
    try:
        km = kernel.take(str(cwd or os.getcwd()), timeout=start_timeout)
        result = pm.execute_notebook(str(notebook), str(output), km=km, **kw)
        ok = True
        return result
    finally:
        release_kernel(kernel, ok)
