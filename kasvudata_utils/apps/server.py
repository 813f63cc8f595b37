"""Voilà for a full room (issue 15): kernels freed when a tab closes, a cap with a notice, short culling.

:class:`WorkshopVoila` is the standalone Voilà app that ``kasvudata workshop`` runs
(``python -m kasvudata_utils.commands.workshop``). It differs from :class:`voila.app.Voila` in three ways:

- **Closed tabs free their kernels.** The page's ``beforeunload`` beacon posts to
  ``/voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie's value, but nothing in Voilà 0.5 ever
  sets that cookie, so the request fails with ``403 '_xsrf' argument missing`` (voila#1458) and the
  kernel lives on. :class:`WorkshopPageHandler` reads ``xsrf_token`` when it serves a page, which
  sets the cookie; the beacon then succeeds. As a second line, kernels *without an open connection*
  are culled after :attr:`WorkshopVoila.disconnected_grace` seconds (``cull_connected=False``), while a
  connected participant's idle kernel is kept for the whole workshop.
- **A cap.** With :attr:`WorkshopVoila.max_sessions` > 0 a page beyond the cap gets a friendly
  Finnish/English notice with a retry (HTTP 503, ``Retry-After``), not a kernel. A session is one
  (participant, app) pair: participants are told apart by a cookie, so a reload by the same
  participant is admitted and does not count twice; the replaced kernel (no open connection) is shut
  down as soon as the new page connects (:class:`SessionGuard`).
- **Pools follow the room.** :attr:`WorkshopVoila.room` sets the per-app pools of preheated kernels
  (:func:`kasvudata_utils.apps.supervisor.pool_sizes`); a pool refills :attr:`WorkshopVoila.refill_delay`
  seconds after a kernel is taken, so that a room's burst of pages renders before new kernels compete
  for the processor.
"""
from __future__ import annotations

import asyncio
import html
import os
import re
import uuid

import tornado.web
from jupyter_core.utils import ensure_async
from traitlets import Float, Int
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from kasvudata_utils.apps.supervisor import pool_sizes
from kasvudata_utils.labels import t

#: Cookie that tells participants apart (a random id; nothing personal is stored).
PARTICIPANT_COOKIE = "kd_participant"
#: Seconds after which the notice page retries by itself.
RETRY_S = 20
#: Default grace (s) before a kernel with no open connection is culled. Long enough for a page that is
#: still loading on a busy machine: with 20 pages at once on 2 cores and 45 s, kernels were gone before
#: their pages connected (404 "Kernel does not exist", no widgets). Closed tabs are freed by the beacon.
DISCONNECTED_GRACE_S = 120.0
#: Seconds before a pool starts replacing a kernel a page took: when a room opens the apps together,
#: the pages render first and the new kernels (a few CPU-seconds each) start after the burst.
REFILL_DELAY_S = 10.0
#: Seconds a render waits for a cell's last output after the cell's reply (nbclient's default: 4).
IOPUB_TIMEOUT_S = 60
#: Environment of every kernel: Arrow's buffers from the system allocator and two malloc arenas (instead
#: of eight per core) cut an app kernel's resident memory by about 20–25 MB (docs/deploy.md).
KERNEL_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2"}
_KERNEL_ID = re.compile(r'"kernelId"\s*:\s*"([0-9a-fA-F-]{36})"')
_PARTICIPANT = re.compile(r"[0-9a-f]{32}")


class SessionGuard:
    """Bookkeeping of who holds which app kernel, and admission under a cap (no I/O, no tornado).

    Parameters
    ----------
    max_sessions
        Most (participant, app) sessions at once; 0 means no cap.

    Examples
    --------
    >>> g = SessionGuard(1)
    >>> tok = g.admit("p1", "a.ipynb", live=set())
    >>> g.assign(tok, "k1"); g.release(tok)
    >>> g.admit("p2", "a.ipynb", live={"k1"}) is None        # the room is full
    True
    >>> tok = g.admit("p1", "a.ipynb", live={"k1"})           # p1 reloading is not a second session
    >>> tok is not None
    True
    >>> g.assign(tok, "k1b"); g.release(tok); g.replaced("k1b")  # the kernel the reload replaces
    ['k1']
    >>> g.admit("p2", "a.ipynb", live={"k1b"}) is None       # still full: p1 holds one session
    True
    >>> g.admit("p2", "a.ipynb", live=set()) is not None     # k1 was shut down: room again
    True
    """

    def __init__(self, max_sessions: int = 0):
        self.max_sessions = int(max_sessions)
        self._pending: dict[object, tuple[str, str]] = {}
        self._kernels: dict[str, tuple[str, str]] = {}

    def sessions(self, live) -> set[tuple[str, str]]:
        """The (participant, app) pairs holding a live kernel or a page being served now."""
        self._kernels = {k: v for k, v in self._kernels.items() if k in live}
        return set(self._kernels.values()) | set(self._pending.values())

    def admit(self, participant: str, notebook: str, live) -> object | None:
        """A token for serving ``notebook`` to ``participant``, or None when the cap is reached."""
        held = self.sessions(live)
        key = (participant, notebook)
        if self.max_sessions > 0 and key not in held and len(held) >= self.max_sessions:
            return None
        token = object()
        self._pending[token] = key
        return token

    def assign(self, token: object, kernel_id: str) -> None:
        """Record that the page served under ``token`` got ``kernel_id``."""
        if token in self._pending:
            self._kernels[kernel_id] = self._pending[token]

    def release(self, token: object) -> None:
        """The page served under ``token`` is complete (or failed)."""
        self._pending.pop(token, None)

    def replaced(self, kernel_id: str) -> list[str]:
        """Other kernels of ``kernel_id``'s participant and app: what a reload leaves behind."""
        key = self._kernels.get(kernel_id)
        return [k for k, v in self._kernels.items() if v == key and k != kernel_id] if key else []


def notice_html(retry_url: str, retry_s: int = RETRY_S) -> str:
    """The page a participant beyond the cap sees: the notice in Finnish and English, a retry link.

    >>> page = notice_html("/voila/render/area_explorer.ipynb?area=KU009")
    >>> 'class="kd-full-notice"' in page and 'http-equiv="refresh"' in page and "area=KU009" in page
    True
    """
    url = html.escape(retry_url, quote=True)
    parts = []
    for lang in ("fi", "en"):
        parts.append(f'<section lang="{lang}"><h1>{html.escape(t("workshop_full_title", lang))}</h1>'
                     f'<p>{html.escape(t("workshop_full_body", lang, seconds=retry_s))}</p>'
                     f'<p><a class="kd-retry" href="{url}">{html.escape(t("workshop_retry", lang))}</a></p>'
                     "</section>")
    return ("<!DOCTYPE html><html lang=\"fi\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="refresh" content="{int(retry_s)}">'
            f"<title>{html.escape(t('workshop_full_title', 'fi'))}</title>"
            "<style>body{font-family:sans-serif;font-size:18px;max-width:40em;margin:3em auto;color:#222}"
            ".kd-full-notice{padding:4px 16px;background:#fff4dc;border-left:4px solid #e0a100}"
            "a.kd-retry{font-weight:bold}</style></head>"
            f'<body><div class="kd-full-notice">{"".join(parts)}</div></body></html>')


class WorkshopPageHandler(TornadoVoilaHandler):
    """``/voila/render/<app>``: sets the ``_xsrf`` cookie, applies the cap, records the page's kernel."""

    @tornado.web.authenticated
    async def get(self, path=None):
        """Serve an app page (or the notice page beyond the cap)."""
        # Reading the token sets the ``_xsrf`` cookie, which the page's unload beacon sends back (voila#1458).
        self.xsrf_token  # noqa: B018
        participant = self.get_cookie(PARTICIPANT_COOKIE) or ""
        if not _PARTICIPANT.fullmatch(participant):
            participant = uuid.uuid4().hex
            self.set_cookie(PARTICIPANT_COOKIE, participant, httponly=True)
        guard: SessionGuard = self.settings["kasvudata_guard"]
        notebook = path or ""
        if not notebook.endswith(".ipynb"):
            return await super().get(path)
        token = guard.admit(participant, notebook, set(self.kernel_manager.list_kernel_ids()))
        if token is None:
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_S))
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            self.finish(notice_html(self.request.uri or ""))
            return
        try:
            assigned = False
            async for chunk in self.get_generator(path=path):
                if not assigned:
                    m = _KERNEL_ID.search(chunk)
                    if m:
                        guard.assign(token, m.group(1))
                        assigned = True
                self.write(chunk)
                self.flush()
        finally:
            guard.release(token)


class WorkshopKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """The kernel channel: when a reloaded page connects, the kernel it replaced is shut down."""

    async def open(self, kernel_id, *args, **kwargs):
        """Open the channel; shut down kernels this participant's reload left without a connection."""
        await ensure_async(super().open(kernel_id, *args, **kwargs))
        guard: SessionGuard | None = self.settings.get("kasvudata_guard")
        km = self.kernel_manager
        for old in guard.replaced(kernel_id) if guard else []:
            if old in km and not km._kernel_connections.get(old, 0):
                self.log.info("Shutting down kernel %s: replaced by %s (reload)", old, kernel_id)
                asyncio.ensure_future(ensure_async(km.shutdown_kernel(old)))


class WorkshopVoila(Voila):
    """Standalone Voilà with the workshop's page and kernel handling (see the module docstring)."""

    max_sessions = Int(0, config=True, help="Most app sessions at once (0: no cap); beyond it a notice page.")
    room = Int(0, config=True, help="Expected participants; sets the preheated pools (0: keep voila.json's).")
    refill_delay = Float(REFILL_DELAY_S, config=True,
                         help="Seconds before a pool refills after a kernel is taken (a room's burst renders first).")
    disconnected_grace = Float(DISCONNECTED_GRACE_S, config=True,
                               help="Seconds before a kernel without an open connection is culled.")

    def init_settings(self):
        """Voilà's settings, plus the room's pools, short culling of unconnected kernels and the guard."""
        for key, value in KERNEL_ENV.items():  # kernels inherit Voilà's environment (pooled and on demand)
            os.environ.setdefault(key, value)
        if self.ip not in ("", "0.0.0.0", "::", "localhost"):
            # a preheated kernel asks this address for its page request (apps.preheat; default 127.0.0.1)
            os.environ.setdefault("VOILA_APP_IP", self.ip)
        # nbclient waits 4 s for a cell's last output after its reply; with a room rendering at once on
        # a small machine the app's view arrived later than that and the page came without it
        self.config.VoilaExecutor.iopub_timeout = IOPUB_TIMEOUT_S
        # kernels talk to Voilà over Unix sockets, not TCP ports: a port chosen for a kernel could be taken
        # by another program before the kernel bound it ("Address already in use"), and the kernel that
        # Jupyter then restarted came back without its preheated app (seen in a full test run)
        self.config.KernelManager.transport = "ipc"
        if self.room > 0:
            pools = {nb: {"pool_size": n} for nb, n in pool_sizes(self.room).items()}
            self.config.VoilaKernelManager.kernel_pools_config = pools
        self.config.VoilaKernelManager.fill_delay = self.refill_delay
        settings = super().init_settings()
        km = self.kernel_manager
        km.cull_idle_timeout = int(self.disconnected_grace)
        km.cull_interval = max(1, min(10, int(self.disconnected_grace)))
        km.cull_connected = False
        km.cull_busy = False
        settings["kasvudata_guard"] = SessionGuard(self.max_sessions)
        return settings

    def init_handlers(self):
        """Voilà's handlers with the page and kernel-channel handlers swapped for the workshop's."""
        swap = {TornadoVoilaHandler: WorkshopPageHandler,
                VoilaKernelWebsocketHandler: WorkshopKernelWebsocketHandler}
        return [(h[0], swap.get(h[1], h[1]), *h[2:]) for h in super().init_handlers()]
