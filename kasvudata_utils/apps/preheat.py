"""Waiting for the page request in a preheated kernel, without loading a Jupyter server into the kernel.

Voilà's own :func:`voila.utils.wait_for_request` does the same, but importing :mod:`voila.utils` loads
``jupyter_server``, ``jupyterlab_server`` and their dependencies into every app kernel: about 45 MB of
resident memory per kernel (measured with psutil, issue 15). :func:`wait_for_request` speaks the same
protocol with the ``websockets`` client alone: connect to ``/voila/query/<kernel id>`` on the server
that started the kernel, receive one JSON message with the request's variables (``QUERY_STRING`` …),
put them into ``os.environ``.
"""
from __future__ import annotations

import asyncio
import json
import os
import threading


def query_url(environ=None) -> str:
    """Where the kernel's request information is served (Voilà's ``RequestInfoSocketHandler``).

    >>> query_url({"VOILA_APP_PORT": "9000", "VOILA_SERVER_URL": "/", "VOILA_KERNEL_ID": "k1"})
    'ws://127.0.0.1:9000/voila/query/k1'
    """
    env = os.environ if environ is None else environ
    protocol = env.get("VOILA_WS_PROTOCOL", "ws")
    host = env.get("VOILA_APP_IP", "127.0.0.1")
    port = env.get("VOILA_APP_PORT", "8866")
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}"


def wait_for_request(url: str | None = None, open_timeout_s: float = 5.0) -> None:
    """Block until a browser asks for this preheated kernel's page; its request variables go to ``os.environ``.

    A no-op unless ``VOILA_PREHEAT`` is set (kernels started on demand already have the variables).
    Runs the websocket client in a thread of its own, because the kernel's event loop is busy running
    the cell that called it. Raises ``OSError``/``TimeoutError`` when the server cannot be reached.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    target = url or query_url()
    result: dict = {}

    async def receive() -> str:
        from websockets.asyncio.client import connect  # small; only a preheated kernel needs it

        # no keepalive pings: the wait can last hours on a loaded machine, where a late pong would close it
        async with connect(target, open_timeout=open_timeout_s, max_size=None, ping_interval=None) as ws:
            return await ws.recv()

    def run() -> None:
        try:
            result["info"] = asyncio.run(receive())
        except Exception as exc:  # handed to the caller's thread below
            result["error"] = exc

    thread = threading.Thread(target=run, name="kasvudata-wait-for-request", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    info = result.get("info")
    if info:
        os.environ.update({str(k): str(v) for k, v in json.loads(info).items()})
