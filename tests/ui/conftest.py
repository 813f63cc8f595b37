"""Shared harness of the browser tests: Voilà on a free port, Debian's Chromium through Playwright.

- ``voila_server`` (session): Voilà started by :func:`kasvudata_utils.commands.workshop.voila_command`
  on a copy of ``workshops/`` (the project's ``voila.json`` with pool sizes of 1, so the tests do
  not start a dozen kernels), a temporary ``KASVUDATA_INSIGHTS_DB``, and the offline template.
- ``browser`` (session): ``/usr/bin/chromium``, headless, no background networking. Missing
  Chromium is a test failure, not a skip (``.ci/run`` and ``make test`` install it).
- ``page`` (function): a 1280×720 page (the workshop projector) whose every request and
  WebSocket URL is recorded in ``page.kd_urls``; :func:`external_urls` lists those that left
  the machine.

Test modules get :func:`open_app` and :func:`external_urls` through the ``ui`` fixture; the plain
functions (:func:`start_voila`, :func:`launch_browser`, :func:`open_app`) are also used by
``benchmarks/bench_apps.py``.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension"}
START_TIMEOUT_S = 180
APP_TIMEOUT_MS = 120_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class VoilaServer:
    base_url: str
    process: subprocess.Popen
    workdir: Path
    insights_db: Path
    log: Path

    def url(self, notebook: str, query: str = "") -> str:
        return f"{self.base_url}/voila/render/{notebook}" + (f"?{query}" if query else "")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # Voilà and the kernels it started (own session)
                self.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)


def start_voila(tmp: Path, pool_size: int | None = 1, preheat: bool | None = None,
                extra_notebooks=()) -> VoilaServer:
    """Voilà on a copy of ``workshops/`` in ``tmp`` (pool sizes set to ``pool_size``; ``None`` keeps them).

    ``extra_notebooks`` are copied beside the apps (the benchmark's ``benchmarks/trivial.ipynb``): the
    real ``workshops/`` folder holds the three apps only, which is all ``kasvudata workshop`` serves.
    """
    from kasvudata_utils.apps.cache import ensure_app_data
    from kasvudata_utils.commands.workshop import WORKSHOPS_DIR, voila_command

    ensure_app_data()  # built here, once, not inside a kernel while a test waits
    wdir = Path(tmp) / "workshops"
    shutil.copytree(WORKSHOPS_DIR, wdir, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for nb in extra_notebooks:
        shutil.copy2(nb, wdir / Path(nb).name)
    if pool_size is not None:
        cfg = json.loads((wdir / "voila.json").read_text())
        for pool in cfg["VoilaKernelManager"]["kernel_pools_config"].values():
            pool["pool_size"] = pool_size
        (wdir / "voila.json").write_text(json.dumps(cfg, indent=1))
    port = free_port()
    db = Path(tmp) / "insights.sqlite"
    env = dict(os.environ, KASVUDATA_INSIGHTS_DB=str(db))
    argv, env, cwd = voila_command(port, workshops_dir=wdir, preheat=preheat, env=env)
    log = Path(tmp) / "voila.log"
    with open(log, "w") as log_file:  # Voilà writes to its own copy of the descriptor
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = VoilaServer(f"http://127.0.0.1:{port}", proc, wdir, db, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Voilà exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/", timeout=5):
                break  # the tree page answers: the server is up (kernel pools fill in the background)
        except OSError:
            time.sleep(0.5)
    else:
        server.stop()
        raise RuntimeError(f"Voilà did not start within {START_TIMEOUT_S} s: {log.read_text()[-2000:]}")
    return server


def launch_browser(playwright):
    """Debian's Chromium, headless; fails (never skips) when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
                    "the browser tests must not be skipped", pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_page(browser):
    """A 1280×720 page that records every request and WebSocket URL in ``page.kd_urls``."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fi-FI")
    page = context.new_page()
    page.kd_urls = []
    page.on("request", lambda r: page.kd_urls.append(r.url))
    page.on("websocket", lambda ws: page.kd_urls.append(ws.url))
    return page


def external_urls(urls) -> list[str]:
    """The URLs that would have left the machine (anything but localhost and in-page schemes)."""
    out = []
    for u in urls:
        p = urlparse(u)
        if p.scheme in LOCAL_SCHEMES:
            continue
        if (p.hostname or "") not in LOCAL_HOSTS:
            out.append(u)
    return out


def open_app(page, server: VoilaServer, notebook: str, query: str = "", timeout_ms: int = APP_TIMEOUT_MS):
    """Navigate to an app and wait until ``.kd-summary`` is visible; returns the summary locator."""
    page.goto(server.url(notebook, query), wait_until="commit", timeout=timeout_ms)
    summary = page.locator(".kd-summary").first
    summary.wait_for(state="visible", timeout=timeout_ms)
    return summary


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory):
    server = start_voila(tmp_path_factory.mktemp("voila"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():  # fail before starting Playwright at all
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium; browser tests never skip", pytrace=False)
    with sync_playwright() as pw:
        b = launch_browser(pw)
        yield b
        b.close()


@pytest.fixture
def ui():
    """The harness helpers for test modules (which cannot import ``conftest`` reliably)."""
    import types

    return types.SimpleNamespace(open_app=open_app, external_urls=external_urls, timeout_ms=APP_TIMEOUT_MS)


@pytest.fixture
def page(browser):
    p = new_page(browser)
    yield p
    p.context.close()
