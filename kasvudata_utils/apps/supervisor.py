"""The ``kasvudata workshop`` process around Voilà: address check, sizing, banner, clean stop (issue 15).

``kasvudata workshop`` starts Voilà (``python -m kasvudata_utils.commands.workshop``) as a child in
its own session and stays in front of it:

- the address is checked *before* Voilà starts, so a taken port or an invalid ``--ip`` is one line and
  exit 2 (:func:`check_listen_address`), and Voilà gets ``--port_retries=0`` so it never moves to
  another port behind the banner's back;
- the banner is printed once the server answers, with the URL that is actually served
  (:func:`served_urls`);
- SIGTERM and SIGINT stop Voilà (which shuts its kernels down) and then every process that is left
  of its tree — kernels run in sessions of their own (``jupyter_client`` starts them with
  ``start_new_session``), so a signal to Voilà's process group alone would orphan them
  (:func:`stop_tree`).

Sizing: a room of participants needs ``(max_sessions + pool) × kernel + server`` of memory;
:func:`default_max_sessions` sizes the cap from the free memory and :data:`KERNEL_MB`, the measured
resident memory of one app kernel (docs/deploy.md). :func:`pool_sizes` turns the expected room into
per-app pools of preheated kernels.

>>> default_max_sessions(8_000 * 2**20, pool_total=4, kernel_mb=250, reserve_mb=1000)  # (8000-1000-300-1000)/250
22
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from kasvudata_utils.errors import InputError

#: Resident memory (MB) to size one app kernel with: measured 112 MB for the area explorer (the largest
#: of the three apps) after its page is visible, psutil, ``benchmarks/bench_workshop.py``; the largest
#: kernel of the load test reached 161–177 MB when the app cache's imports pulled in scipy's optimiser and
#: geopandas (2026-11-30), 110 MB since they are imported only where used (a test keeps them out of the
#: kernels); rounded up with room for a slower machine (the load test asserts that no kernel passes it).
KERNEL_MB = 140
#: Resident memory (MB) of the Voilà server process itself with a room of connections.
SERVER_MB = 300
#: Memory (MB) left to the operating system and the facilitator's own programs when sizing the cap.
RESERVE_MB = 1500
#: The three apps and the share of the room each app's pool of warm kernels is sized for: the
#: facilitator hands out the area explorer first, the scenarios and the board come later, one by one.
APP_POOL_SHARE = {"area_explorer.ipynb": 1.0, "scenario_workshop.ipynb": 0.25, "insights_board.ipynb": 0.25}
#: Seconds Voilà and its kernels get to stop after SIGTERM before what is left is killed.
STOP_TIMEOUT_S = 20.0


def pool_sizes(room: int) -> dict[str, int]:
    """Preheated kernels per app for a room of ``room`` participants opening the apps together.

    The area explorer's pool holds the whole room (everybody opens the first link at once); the
    scenario workshop and the insights board, opened later and one by one, get a quarter of it
    (at least one). Other notebooks in the folder get no pool (``default``: 0).

    >>> pool_sizes(20)
    {'default': 0, 'area_explorer.ipynb': 20, 'scenario_workshop.ipynb': 5, 'insights_board.ipynb': 5}
    >>> pool_sizes(1)['scenario_workshop.ipynb']
    1
    """
    room = int(room)
    if room < 1:
        raise InputError(f"--room {room}: expected the number of participants, 1 or more")
    sizes = {"default": 0}
    sizes.update({nb: max(1, math.ceil(room * share)) for nb, share in APP_POOL_SHARE.items()})
    return sizes


def configured_pool_total(workshops_dir, pools: dict | None = None) -> int:
    """Preheated kernels Voilà keeps for the notebooks in ``workshops_dir``.

    ``pools`` maps notebook names (and ``default``) to pool sizes, as :func:`pool_sizes` returns; without
    it, ``voila.json``'s ``kernel_pools_config`` is read. Every notebook not named gets the default pool.
    """
    if pools is None:
        cfg = json.loads((Path(workshops_dir) / "voila.json").read_text(encoding="utf-8"))
        pools = {k: v.get("pool_size", 1) for k, v in
                 cfg.get("VoilaKernelManager", {}).get("kernel_pools_config", {}).items()}
    notebooks = [p.name for p in Path(workshops_dir).glob("*.ipynb")]
    return sum(int(pools.get(nb, pools.get("default", 1))) for nb in notebooks)


def default_max_sessions(available_bytes: int, pool_total: int, kernel_mb: float = KERNEL_MB,
                         reserve_mb: float = RESERVE_MB, server_mb: float = SERVER_MB) -> int:
    """Open app pages the machine can hold: ``(available − reserve − server − pool × kernel) / kernel``.

    Parameters
    ----------
    available_bytes
        Memory available to new processes (``psutil.virtual_memory().available``).
    pool_total
        Preheated kernels kept warm in all pools together (they occupy memory before anybody comes).
    kernel_mb, reserve_mb, server_mb
        Memory of one app kernel, of the system's reserve and of the Voilà server, in MB.

    Returns
    -------
    int
        At least 1, so that a small machine still serves one participant.

    >>> default_max_sessions(3_000 * 2**20, pool_total=2, kernel_mb=200, reserve_mb=1000, server_mb=200)
    7
    """
    free_mb = available_bytes / 2**20 - reserve_mb - server_mb - pool_total * kernel_mb
    return max(1, int(free_mb // kernel_mb))


def memory_bound_mb(max_sessions: int, pool_total: int, kernel_mb: float = KERNEL_MB,
                    server_mb: float = SERVER_MB) -> float:
    """The server's stated memory bound: ``(max_sessions + pool_total) × kernel_mb + server_mb``.

    >>> memory_bound_mb(10, 4, kernel_mb=250, server_mb=300)
    3800.0
    """
    return float((max_sessions + pool_total) * kernel_mb + server_mb)


def check_listen_address(ip: str, port: int) -> None:
    """Raise :class:`InputError` unless ``ip:port`` can be listened on now (one line, exit 2 in the CLI).

    >>> try:
    ...     check_listen_address("not-an-ip", 8866)
    ... except InputError as exc:
    ...     print(str(exc)[:40])
    --ip 'not-an-ip': expected an IP address
    """
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise InputError(f"--ip {ip!r}: expected an IP address of this machine, e.g. 127.0.0.1 (this machine "
                         "only) or 0.0.0.0 (the room's network)") from None
    port = int(port)
    if not 0 < port < 65536:
        raise InputError(f"--port {port}: expected a number from 1 to 65535")
    family = socket.AF_INET6 if addr.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does: TIME_WAIT is no conflict
        try:
            s.bind((str(addr), port))
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise InputError(f"--port {port}: the port is already in use on {ip}; stop the other server "
                                 f"or choose another port, e.g. --port {port + 1}") from None
            raise InputError(f"--ip {ip}: this machine has no such address ({exc.strerror}); "
                             "expected 127.0.0.1, 0.0.0.0 or one of its own addresses") from None


def served_urls(ip: str, port: int, path: str) -> list[str]:
    """The URLs under which ``path`` is served: the loopback one, plus the machine's own addresses for 0.0.0.0.

    >>> served_urls("127.0.0.1", 8866, "/voila/render/a.ipynb")
    ['http://127.0.0.1:8866/voila/render/a.ipynb']
    """
    if ip in ("0.0.0.0", "::"):
        hosts = ["127.0.0.1"] + [a.address for addrs in psutil.net_if_addrs().values() for a in addrs
                                 if a.family == socket.AF_INET and not a.address.startswith("127.")]
    else:
        hosts = [f"[{ip}]" if ":" in ip else ip]
    return [f"http://{h}:{port}{path}" for h in hosts]


def process_tree(pid: int) -> list[psutil.Process]:
    """``pid`` and all its descendants (kernels included, whatever their session), parents first."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def stop_tree(proc: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Stop Voilà gracefully (SIGTERM: it shuts its kernels down), then kill whatever of its tree is left."""
    tree = process_tree(proc.pid)  # remembered now: after Voilà exits its kernels would be re-parented
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=timeout_s)
    tree += [p for p in process_tree(proc.pid) if p not in tree]
    alive = [p for p in tree if p.is_running()]
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(alive, timeout=3)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=3)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1)


def supervise(argv: list[str], env: dict, cwd, ready_url: str, banner: list[str]) -> int:
    """Run Voilà (``argv``) until it exits or SIGTERM/SIGINT arrives; print ``banner`` once it answers.

    Returns Voilà's exit status, or 0 when stopped by a signal. Nothing of Voilà's tree outlives this call.
    """
    stop = {"signal": None}

    def on_signal(signum, frame):
        stop["signal"] = signum

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    proc = subprocess.Popen(argv, env=env, cwd=cwd, start_new_session=True)  # a Ctrl-C reaches us, not it
    try:
        deadline = time.monotonic() + 300
        printed = False
        while proc.poll() is None and stop["signal"] is None:
            if not printed and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(ready_url, timeout=2):
                        pass
                except urllib.error.HTTPError:
                    pass  # an HTTP answer of any kind: the server is up
                except OSError:
                    time.sleep(0.3)
                    continue
                print("\n".join(banner), file=sys.stderr, flush=True)
                printed = True
            time.sleep(0.3)
        return 0 if stop["signal"] is not None else (proc.returncode or 0)
    finally:
        stop_tree(proc)
        for s, h in previous.items():
            signal.signal(s, h)
