"""``kasvudata workshop [--port N] [--table FILE | --data statfin]``: serve the Voilà apps of ``workshops/``.

SPEC §4, issue 5; with ``--table`` or ``--data statfin`` the apps' figures come from that business table
(the kernels get it in ``$KASVUDATA_TABLE``; its indicator cache is built before Voilà starts).

Voilà runs in ``workshops/`` so that it reads ``workshops/voila.json``: preheated
kernel pools per app, idle culling, an execution timeout, no tracebacks, no
sources, and the project's offline template (``kasvudata_utils/voila_template``,
the ``lab`` template without CDN links) found through ``JUPYTER_PATH``.
:func:`voila_command` is also what the browser tests and the benchmark start.
"""
from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_write_text
from kasvudata_utils.paths import PROJECT_ROOT

WORKSHOPS_DIR = PROJECT_ROOT / "workshops"
TEMPLATE_ROOT = Path(__file__).resolve().parents[1] / "voila_template"


#: Execution timeout (s) of an app notebook's cells (``VoilaExecutor``); see :func:`cell_timeout`.
CELL_TIMEOUT_S = 60
#: Cells that wait for the page request in a preheated kernel (``App.from_url``, ``wait_for_request``).
_WAITING_MARKERS = ("from_url(", "wait_for_request(")


def cell_timeout(cell) -> int | None:
    """Per-cell execution timeout for Voilà (``VoilaExecutor.timeout_func``, set by :func:`serve`).

    A preheated kernel runs the notebook ahead of time and blocks in the cell that waits for
    the page request (``voila.utils.wait_for_request`` inside ``App.from_url``) until a
    participant opens the page — possibly hours later. A plain ``VoilaExecutor.timeout`` would
    kill that wait after a minute and leave a broken kernel in the pool, so such cells (tag
    ``wait-for-request`` or a call of ``from_url(``/``wait_for_request(``) get no timeout; every
    other cell gets :data:`CELL_TIMEOUT_S`.

    >>> cell_timeout({"source": "x = 1", "metadata": {}}), cell_timeout({"source": "App.from_url(a)", "metadata": {}})
    (60, None)
    """
    source = cell.get("source", "") if hasattr(cell, "get") else ""
    tags = (cell.get("metadata", {}) or {}).get("tags", []) if hasattr(cell, "get") else []
    if "wait-for-request" in tags or any(m in source for m in _WAITING_MARKERS):
        return None
    return CELL_TIMEOUT_S


def check_ip(ip) -> str:
    """The listening address if it is ``localhost`` or an IPv4/IPv6 address, else :class:`InputError`.

    >>> check_ip("0.0.0.0")
    '0.0.0.0'
    """
    text = str(ip).strip()
    if text != "localhost":
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise InputError(f"--ip {str(ip)[:60]!r}: expected an address such as 127.0.0.1 (this machine) or "
                             "0.0.0.0 (every network interface)") from None
    return text


def voila_command(port: int = 8866, workshops_dir: Path | None = None, preheat: bool | None = None,
                  env: dict | None = None, ip: str = "127.0.0.1") -> tuple[list[str], dict, Path]:
    """``(argv, environment, cwd)`` that start Voilà on the workshop apps.

    Parameters
    ----------
    port
        TCP port.
    workshops_dir
        Folder with the app notebooks and ``voila.json`` (default ``workshops/``).
    preheat
        Override ``voila.json``'s ``preheat_kernel`` (the benchmark measures both).
    env
        Base environment (default ``os.environ``); ``JUPYTER_PATH`` gets the template root first.
    ip
        Address to listen on: ``127.0.0.1`` (this machine only, the default) or ``0.0.0.0`` so that
        participants' laptops in the room can reach the server.
    """
    port = int(port)
    if not 0 < port < 65536:
        raise InputError(f"port {port}: expected a number from 1 to 65535")
    check_ip(ip)
    wdir = Path(workshops_dir or WORKSHOPS_DIR).resolve()
    if not (wdir / "voila.json").exists():
        raise InputError(f"workshop folder {wdir}: expected a folder with voila.json and the app notebooks")
    argv = [sys.executable, "-m", "kasvudata_utils.commands.workshop", "--no-browser", f"--port={port}",
            f"--Voila.ip={ip}"]
    if preheat is not None:
        argv.append(f"--preheat_kernel={bool(preheat)}")
    argv.append(str(wdir))
    e = dict(os.environ if env is None else env)
    e["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), e.get("JUPYTER_PATH", "")) if p)
    e.setdefault("PYTHONUNBUFFERED", "1")
    # Kernels must not try to reach the internet (matplotlib font cache etc. stay local anyway).
    e.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return argv, e, wdir


def register(sub):
    """Add the ``workshop`` command to the ``subparsers`` of the ``kasvudata`` parser."""
    p = sub.add_parser("workshop", help="serve the Voilà workshop apps (area explorer, scenarios, insights)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 lets participants' "
                        "laptops on the same network open the apps)")
    p.add_argument("--no-preheat", action="store_true", help="start kernels on demand instead of preheating")
    p.add_argument("--table", default="", metavar="FILE",
                   help="a regional business table (CSV or Parquet, SPEC §3) the apps' figures come from, "
                        "labelled as user data (default: the embedded data)")
    p.add_argument("--data", default="default", choices=["default", "statfin"],
                   help="statfin: the business table fetched by `kasvudata data fetch`")
    p.add_argument("--synthetic-firm-data", action="store_true",
                   help="with --table or --data statfin: firm-level figures a table cannot give (births/deaths, "
                        "high growth, exporters) from the embedded synthetic panel, under the synthetic badge "
                        "(default: not available)")
    p.add_argument("--room", type=int, default=None,
                   help="participants expected to open the apps together: the area explorer keeps that many "
                        "warm kernels, the other apps a quarter (default: 2 per app, workshops/voila.json)")
    p.add_argument("--max-sessions", type=int, default=None,
                   help="most app pages open at once (one per participant and app); beyond it a page gets a "
                        "notice with a retry (default: what the free memory holds, 140 MB per kernel)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the app cache if needed and serve the workshop apps with Voilà until SIGTERM/SIGINT.

    The address is checked first (a taken port or a bad ``--ip`` is an :class:`InputError`, exit 2); the
    banner shows the URL actually served once Voilà answers; stopping leaves no process behind
    (:mod:`kasvudata_utils.apps.supervisor`).
    """
    import psutil

    from kasvudata_utils.apps import supervisor as sv
    from kasvudata_utils.apps.cache import ENV_SYNTHETIC_FIRM, ENV_TABLE, ensure_app_data
    from kasvudata_utils.data import sources

    source = sources.resolve_source(getattr(args, "data", "default"), table_path=getattr(args, "table", ""),
                                    synthetic_firm_data=getattr(args, "synthetic_firm_data", False))
    argv, env, cwd = voila_command(args.port, preheat=False if args.no_preheat else None, ip=args.ip)
    env[ENV_TABLE] = source.table_path  # the app kernels read the same table ("" = the embedded data)
    env[ENV_SYNTHETIC_FIRM] = "1" if source.synthetic_firm_data else ""
    sv.check_listen_address(args.ip, args.port)
    room = getattr(args, "room", None)
    pools = sv.pool_sizes(room) if room is not None else None
    pool_total = 0 if args.no_preheat else sv.configured_pool_total(cwd, pools)
    cap = getattr(args, "max_sessions", None)
    if cap is None:
        cap = sv.default_max_sessions(psutil.virtual_memory().available, pool_total)
    elif cap < 1:
        raise InputError(f"--max-sessions {cap}: expected 1 or more open app pages")
    extra = ["--Voila.port_retries=0", f"--WorkshopVoila.max_sessions={cap}"]
    if room is not None:
        extra.append(f"--WorkshopVoila.room={room}")
    argv = argv[:-1] + extra + argv[-1:]
    ensure_app_data(source=source)  # build the small app cache now, not on a participant's first click
    path = "/voila/render/area_explorer.ipynb?area=MK17"
    banner = [f"KasvuDATA workshop: {url}" for url in sv.served_urls(args.ip, args.port, path)]
    banner.append(f"  at most {cap} app pages at once, {pool_total} warm kernels; memory bound "
                  f"{sv.memory_bound_mb(cap, pool_total) / 1024:.1f} GB. Stop with Ctrl-C.")
    ready = sv.served_urls("127.0.0.1" if args.ip in ("0.0.0.0", "::") else args.ip, args.port, "/")[0]
    return sv.supervise(argv, env, cwd, ready, banner)


def write_jupyter_config(config_dir, data_dir=None) -> list[Path]:
    """Set up Voilà's *server extension* (Binder, JupyterHub: ``/voila/render/workshops/<app>.ipynb``).

    Copies the offline template into ``data_dir`` (default: Jupyter's user data dir) and writes
    ``voila.json`` (template, hidden tracebacks and sources) and ``jupyter_server_config.json``
    (execution timeout, idle culling, no MathJax from a CDN; merged into an existing file) into
    ``config_dir``.
    Preheated pools exist only in ``kasvudata workshop`` (the standalone Voilà app).
    """
    import json
    import shutil

    from jupyter_core.paths import jupyter_data_dir

    cfg = json.loads((WORKSHOPS_DIR / "voila.json").read_text(encoding="utf-8"))
    config_dir, data = Path(config_dir), Path(data_dir or jupyter_data_dir())
    config_dir.mkdir(parents=True, exist_ok=True)
    target = data / "voila" / "templates" / "kasvudata"
    shutil.copytree(TEMPLATE_ROOT / "voila" / "templates" / "kasvudata", target, dirs_exist_ok=True)
    voila_cfg = {"VoilaConfiguration": {k: v for k, v in cfg["VoilaConfiguration"].items() if k != "preheat_kernel"}}
    atomic_write_text(config_dir / "voila.json", json.dumps(voila_cfg, indent=1))
    server_path = config_dir / "jupyter_server_config.json"
    server = json.loads(server_path.read_text(encoding="utf-8")) if server_path.exists() else {}
    server.setdefault("VoilaExecutor", {}).update(cfg["VoilaExecutor"])
    server.setdefault("MappingKernelManager", {}).update(cfg["MappingKernelManager"])
    # Under the server extension Voilà's front end loads MathJax from cdnjs unless the web app's
    # settings hold ``mathjax_url`` and ``mathjax_config`` as None, which is what standalone Voilà sets.
    tornado = server.setdefault("ServerApp", {}).setdefault("tornado_settings", {})
    tornado.update(mathjax_url=None, mathjax_config=None)
    atomic_write_text(server_path, json.dumps(server, indent=1))
    return [target, config_dir / "voila.json", server_path]


def serve(argv=None) -> None:
    """Run Voilà (:class:`~kasvudata_utils.apps.server.WorkshopVoila`) with ``argv`` plus the per-cell timeout.

    ``voila.json`` (read from the working directory) supplies the rest of the configuration.
    """
    from traitlets.config import Config

    from kasvudata_utils.apps.server import WorkshopVoila

    config = Config()
    config.VoilaExecutor.timeout_func = cell_timeout
    WorkshopVoila.launch_instance(argv=argv, config=config)


if __name__ == "__main__":  # `python -m kasvudata_utils.commands.workshop <voila arguments>` (voila_command)
    if sys.argv[1:2] == ["--write-jupyter-config"] and len(sys.argv) == 3:  # binder/postBuild
        for written in write_jupyter_config(sys.argv[2]):
            print(written)
    else:
        serve(sys.argv[1:])
