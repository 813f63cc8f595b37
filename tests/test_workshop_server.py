"""``kasvudata workshop`` for a full room (issue 15): sizing, cap, notice, closed tabs, clean start and stop.

The unit tests check the bookkeeping by hand; the process tests start the real command on 127.0.0.1 on a
free port (kernels on demand, the lean insights board), then signal it and look for leftovers.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pandas as pd
import psutil
import pytest
from conftest import run_cli

from kasvudata_utils.apps import supervisor as sv
from kasvudata_utils.apps.server import SessionGuard, notice_html
from kasvudata_utils.errors import InputError
from kasvudata_utils.labels import t

ROOT = Path(__file__).resolve().parents[1]
KERNEL_MODULE = "kasvudata_utils.apps.kernel"  # the workshop server's lean kernel (voila_template/kernels)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- sizing -----------------------------------------------------------------------------------------
def test_pool_sizes_follow_the_room():
    # room 20: explorer 20, the others ceil(20 / 4) = 5; room 3: ceil(0.75) = 1; no pool for other notebooks
    assert sv.pool_sizes(20) == {"default": 0, "area_explorer.ipynb": 20, "scenario_workshop.ipynb": 5,
                                 "insights_board.ipynb": 5}
    assert sv.pool_sizes(3)["insights_board.ipynb"] == 1 and sv.pool_sizes(3)["area_explorer.ipynb"] == 3
    with pytest.raises(InputError, match="--room 0"):
        sv.pool_sizes(0)


def test_configured_pool_total_counts_every_served_notebook(tmp_path):
    (tmp_path / "voila.json").write_text('{"VoilaKernelManager": {"kernel_pools_config": '
                                         '{"default": {"pool_size": 1}, "a.ipynb": {"pool_size": 3}}}}')
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        (tmp_path / name).write_text("{}")
    assert sv.configured_pool_total(tmp_path) == 3 + 1 + 1  # b and c take the default pool
    assert sv.configured_pool_total(tmp_path, {"default": 0, "a.ipynb": 2}) == 2
    # the project's own folder: 2 + 2 + 2 for the three apps (nothing else is served)
    assert sv.configured_pool_total(ROOT / "workshops") == 6


def test_default_cap_from_free_memory():
    # 10 GiB free = 10240 MB; − 1500 reserve − 300 server − 4 × 250 pool = 7440 MB → 7440 // 250 = 29
    kw = {"kernel_mb": 250, "reserve_mb": 1500, "server_mb": 300}
    assert sv.default_max_sessions(10 * 2**30, pool_total=4, **kw) == 29
    # a small machine still serves one participant
    assert sv.default_max_sessions(1 * 2**30, pool_total=4, **kw) == 1
    # the stated bound: (29 + 4) × 250 + 300 = 8550 MB
    assert sv.memory_bound_mb(29, 4, kernel_mb=250, server_mb=300) == 8550.0
    # the defaults are the measured figures of docs/deploy.md
    assert sv.memory_bound_mb(1, 0) == sv.KERNEL_MB + sv.SERVER_MB


# -- admission under the cap ------------------------------------------------------------------------
def test_session_guard_caps_pairs_and_lets_a_reload_through():
    g = SessionGuard(2)
    t1 = g.admit("p1", "a.ipynb", live=set())
    t2 = g.admit("p2", "a.ipynb", live=set())
    # two pages being served count before their kernels are known (a burst of requests)
    assert g.admit("p3", "a.ipynb", live=set()) is None
    g.assign(t1, "k1")
    g.assign(t2, "k2")
    g.release(t1)
    g.release(t2)
    live = {"k1", "k2", "pool-kernel"}
    assert g.admit("p3", "a.ipynb", live) is None
    assert g.admit("p1", "b.ipynb", live) is None  # another app is another session
    t1b = g.admit("p1", "a.ipynb", live)  # p1 reloads: same session
    assert t1b is not None
    g.assign(t1b, "k1b")
    g.release(t1b)
    assert g.replaced("k1b") == ["k1"] and g.replaced("k2") == []
    live = {"k1b", "k2"}  # k1 was shut down (beacon, or replaced on connect)
    assert g.sessions(live) == {("p1", "a.ipynb"), ("p2", "a.ipynb")}
    assert g.admit("p3", "a.ipynb", {"k1b"}) is not None  # p2 closed the tab: room for p3
    assert SessionGuard(0).admit("p9", "a.ipynb", {"k1", "k2"}) is not None  # 0: no cap


def test_notice_page_is_bilingual_with_a_retry():
    page = notice_html("/voila/render/area_explorer.ipynb?area=KU009&lang=en", retry_s=15)
    for lang in ("fi", "en"):
        assert t("workshop_full_title", lang) in page and t("workshop_retry", lang) in page
        assert t("workshop_full_body", lang, seconds=15) in page
    assert 'href="/voila/render/area_explorer.ipynb?area=KU009&amp;lang=en"' in page
    assert '<meta http-equiv="refresh" content="15">' in page
    assert "<script" not in notice_html('/x?"><script>alert(1)</script>')  # the URL is escaped


# -- lean kernels ------------------------------------------------------------------------------------
def test_app_kernels_do_not_load_a_jupyter_server():
    # voila.utils (Voilà's own wait_for_request) would load jupyter_server into every kernel: +45 MB
    code = ("import sys; import kasvudata_utils.apps.common, kasvudata_utils.apps.insights_board; "
            "print(sorted(m for m in ('voila', 'jupyter_server', 'jupyterlab_server', 'websockets') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.stdout.strip() == "[]"


def test_workshop_kernels_run_without_the_debugger():
    from jupyter_client.kernelspec import KernelSpecManager

    from kasvudata_utils.commands.workshop import TEMPLATE_ROOT

    spec = KernelSpecManager(kernel_dirs=[str(TEMPLATE_ROOT / "kernels")]).get_kernel_spec("python3")
    assert spec.argv[:3] == ["python", "-m", KERNEL_MODULE] and "{connection_file}" in spec.argv
    code = ("import sys, runpy; sys.argv = ['k', '--help']; "
            "exec(\"try:\\n runpy.run_module('kasvudata_utils.apps.kernel', run_name='__main__')\\n"
            "except SystemExit:\\n pass\"); "
            "import ipykernel.debugger as d; print(d._is_debugpy_available, 'debugpy' in sys.modules and "
            "sys.modules['debugpy'] is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.stdout.strip().splitlines()[-1] == "False False", out.stdout + out.stderr


def _app_python(code: str, tmp_path):
    """Run ``code`` in a fresh Python as an app kernel would (the checkout, its own insights store)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KASVUDATA_INSIGHTS_DB=str(tmp_path / "i.sqlite"))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def test_apps_compute_the_same_without_pyarrow(tmp_path):
    # the workshop kernel blocks pyarrow (apps.kernel.BLOCKED): the apps read the CSV cache with pandas'
    # Python strings and must show exactly what they show with pyarrow (the reports' environment)
    code = ("import sys; {block}from kasvudata_utils.apps.area_explorer import AreaExplorer; "
            "from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop; "
            "print(AreaExplorer('KU009', 'fi').summary.value); print(ScenarioWorkshop('SK177', 'en').summary.value); "
            "print('pyarrow' in sys.modules and sys.modules['pyarrow'] is not None)")
    outs = [_app_python(code.format(block=block), tmp_path) for block in ("", "sys.modules['pyarrow'] = None; ")]
    with_arrow, without = (o.stdout.strip().splitlines() for o in outs)
    assert with_arrow[-1] == "True" and without[-1] == "False", outs[1].stderr[-2000:]
    assert "Alavieska" in with_arrow[0] and with_arrow[:2] == without[:2]


def test_explorer_similar_areas_in_a_kernel_without_pyarrow(tmp_path):
    # issue 17 follow-up: compare=similar read the similarity features' Parquet files inside the kernel and
    # failed there ("cannot read …/population.parquet: ImportError"); they come from the CSV app cache now
    code = ("import sys; sys.modules['pyarrow'] = None; "
            "from kasvudata_utils.apps.area_explorer import AreaExplorer; "
            "a = AreaExplorer('KU009', 'fi'); a.compare_box.value = 'similar'; "
            "print(a.compare); print(repr(a.notice.value)); print('Kärsämäki (KU317)' in a.similar_info.value)")
    out = _app_python(code, tmp_path)
    assert out.stdout.strip().splitlines()[-3:] == ["['KU317', 'KU791', 'KU691', 'KU625', 'KU071']", "''",
                                                    "True"], out.stdout + out.stderr[-2000:]


def test_explorer_custom_area_in_a_kernel_without_pyarrow(tmp_path, capsys):
    # a user's grouping (KU009+KU977) was computed from the firm panel inside the kernel and failed there
    # ("cannot read …/firm_panel.parquet: ImportError"); it is summed from the CSV app cache now
    code = ("import sys; sys.modules['pyarrow'] = None; "
            "from kasvudata_utils.apps.area_explorer import AreaExplorer; "
            "a = AreaExplorer('KU009+KU977', 'fi'); print(repr(a.notice.value)); "
            "a.compare_box.value = 'SK177+SK178'; print(a.compare); print(repr(a.notice.value)); "
            "print(repr(a.data.value('KU009+KU977', 'personnel', 2022)), repr(a.data.value('SK177+SK178', "
            "'birth_rate_pct', 2022))); "
            "print(sys.modules['pyarrow'] is None); "
            "print(a.summary.value); from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop; "
            "w = ScenarioWorkshop('KU009+KU977', 'en'); print(repr(w.notice.value), w.summary.value)")
    out = _app_python(code, tmp_path)
    lines = out.stdout.strip().splitlines()
    assert lines[:3] == ["''", "['SK177+SK178']", "''"], out.stdout + out.stderr[-2000:]
    assert lines[4] == "True"  # still blocked: nothing imported it
    assert "Alavieska + Ylivieska" in lines[5] and "ImportError" not in out.stdout
    assert lines[6].startswith("'' Alavieska + Ylivieska"), lines[6]  # the scenario workshop too: no notice
    # the figures are the engine's for the grouping (`kasvudata indicators --area …`)
    personnel, birth_rate = (float(x) for x in lines[3].split())
    for area, indicator, value in (("KU009+KU977", "personnel", personnel),
                                   ("SK177+SK178", "birth_rate_pct", birth_rate)):
        rc, csv, err = run_cli(capsys, "indicators", "--area", area, "--format", "csv")
        assert rc == 0, err
        eng = pd.read_csv(io.StringIO(csv), dtype={"industry_code": str})
        eng = eng[(eng["indicator"] == indicator) & (eng["industry_code"] == "ALL") & (eng["year"] == 2022)]
        assert value == pytest.approx(float(eng["value"].iloc[0]), rel=1e-12)


#: Libraries no app kernel needs: scipy's optimiser and sparse matrices (the disclosure programmes), the
#: polygon stack (data build and report maps), matplotlib (report figures). Together ≈ 50 MB a kernel.
HEAVY = ("scipy", "geopandas", "shapely", "pyproj", "pyogrio", "matplotlib")


def test_app_kernels_do_not_import_the_heavy_libraries(tmp_path):
    # the largest kernel of the load test grew to 177 MB (over supervisor.KERNEL_MB) when the app cache's
    # imports pulled in scipy.optimize (disclosure intervals) and geopandas (similar areas' geometry);
    # the three apps, an area change, similar and custom areas must work without them
    code = ("import sys; sys.modules['pyarrow'] = None; "
            "from kasvudata_utils.apps.area_explorer import AreaExplorer; "
            "from kasvudata_utils.apps.scenario_workshop import ScenarioWorkshop; "
            "from kasvudata_utils.apps.insights_board import InsightsBoard; AreaExplorer.preload(); "
            "a = AreaExplorer('KU009', 'fi'); a.compare_box.value = 'similar'; a.compare_box.value = 'SK177+SK178'; "
            "b = AreaExplorer('KU009+KU977', 'en'); w = ScenarioWorkshop('SK177', 'fi'); i = InsightsBoard('SK177'); "
            "print(repr(a.notice.value), repr(b.notice.value), "
            f"sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    out = _app_python(code, tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "'' '' []", out.stdout + out.stderr[-2000:]


def test_wait_for_request_reads_the_request_info_of_voila_query(monkeypatch):
    import asyncio
    import json
    import threading

    from websockets.asyncio.server import serve

    from kasvudata_utils.apps.preheat import query_url, wait_for_request

    seen = {}

    async def handler(ws):
        seen["path"] = ws.request.path
        await ws.send(json.dumps({"QUERY_STRING": "area=KU009&lang=en", "SERVER_PORT": "1"}))

    ready, stop = threading.Event(), None

    def server():
        nonlocal stop

        async def main():
            nonlocal stop
            stop = asyncio.get_running_loop().create_future()
            async with serve(handler, "127.0.0.1", port):
                ready.set()
                await stop

        asyncio.run(main())

    port = free_port()
    thread = threading.Thread(target=server, daemon=True)
    thread.start()
    assert ready.wait(10)
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/base/")
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    monkeypatch.setenv("QUERY_STRING", "")
    assert query_url() == f"ws://127.0.0.1:{port}/base/voila/query/abc"
    wait_for_request()
    assert os.environ["QUERY_STRING"] == "area=KU009&lang=en" and seen["path"] == "/base/voila/query/abc"
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # kernels started on demand: nothing to wait for
    monkeypatch.setenv("QUERY_STRING", "x=1")
    wait_for_request()
    assert os.environ["QUERY_STRING"] == "x=1"


# -- the address ------------------------------------------------------------------------------------
def test_taken_port_bad_ip_and_bad_sizes_are_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"--port {port}: the port is already in use"):
            sv.check_listen_address("127.0.0.1", port)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        for args, expected in ((["--port", str(port)], "already in use"),
                               (["--ip", "not-an-ip"], "--ip 'not-an-ip': expected an address"),
                               (["--ip", "192.0.2.1", "--port", str(port)], "no such address"),
                               (["--port", str(free_port()), "--max-sessions", "0"], "--max-sessions 0"),
                               (["--port", str(free_port()), "--room", "0"], "--room 0")):
            r = subprocess.run([sys.executable, "-m", "kasvudata_utils", "workshop", *args], env=env,
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 2, (args, r.stderr)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and expected in lines[0] and "Traceback" not in r.stderr, r.stderr
    with pytest.raises(InputError, match="--port 70000"):
        sv.check_listen_address("127.0.0.1", 70000)


# -- the running server -----------------------------------------------------------------------------
class Workshop:
    """``kasvudata workshop`` as a subprocess on a free port; stderr collected in a file."""

    def __init__(self, tmp: Path, *args: str):
        self.port = free_port()
        self.log = tmp / "workshop.log"
        env = dict(os.environ, PYTHONPATH=str(ROOT), KASVUDATA_INSIGHTS_DB=str(tmp / "insights.sqlite"))
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "kasvudata_utils", "workshop", "--port",
                                          str(self.port), *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "KasvuDATA workshop:" not in self.log.read_text():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()[-2000:]
            time.sleep(0.3)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def tree(self) -> list[psutil.Process]:
        return sv.process_tree(self.proc.pid)

    def kernels(self) -> list[psutil.Process]:
        """Live kernel processes of the server (a shut-down kernel not yet reaped is no longer one)."""
        out = []
        for p in self.tree():
            with contextlib.suppress(psutil.Error):
                cmd = " ".join(p.cmdline())
                if p.status() != psutil.STATUS_ZOMBIE and ("ipykernel_launcher" in cmd or KERNEL_MODULE in cmd):
                    out.append(p)
        return out

    def wait_kernels(self, n: int, timeout_s: float = 60) -> list[psutil.Process]:
        deadline = time.monotonic() + timeout_s
        while len(ks := self.kernels()) != n:
            assert time.monotonic() < deadline, f"{len(ks)} kernels, expected {n}"
            time.sleep(0.3)
        return ks

    def wait_warm(self, n: int, timeout_s: float = 600) -> None:
        """Wait for ``n`` kernels that have run their notebooks up to the page request (CPU quiet for 2 s)."""
        deadline = time.monotonic() + timeout_s
        self.wait_kernels(n, timeout_s)

        def cpu() -> float:
            total = 0.0
            for p in self.kernels():
                with contextlib.suppress(psutil.NoSuchProcess):
                    c = p.cpu_times()
                    total += c.user + c.system
            return total

        while time.monotonic() < deadline:
            before = cpu()
            time.sleep(2)
            if cpu() - before < 0.05 * n and len(self.kernels()) == n:  # under 2.5 % of a core each
                return
        raise AssertionError(f"the {n} kernels did not settle within {timeout_s} s")

    def stop(self) -> None:
        """Kill whatever is left (the tests stop the server with a signal first; this is the safety net)."""
        tree = self.tree()  # before the command dies: its children would be re-parented
        for p in tree:
            with contextlib.suppress(psutil.Error):
                p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


def open_page(opener, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=120) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_voila_and_every_kernel(tmp_path, sig):
    ws = Workshop(tmp_path, "--no-preheat", "--max-sessions", "3")
    try:
        assert f"KasvuDATA workshop: http://127.0.0.1:{ws.port}/voila/render/" in ws.log.read_text()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        status, _ = open_page(opener, ws.url("/voila/render/insights_board.ipynb"))
        assert status == 200
        before = ws.tree()
        assert len(ws.wait_kernels(1)) == 1 and len(before) >= 3  # command, Voilà, kernel
        ws.proc.send_signal(sig)
        assert ws.proc.wait(timeout=60) == 0
        _, alive = psutil.wait_procs(before, timeout=10)
        assert alive == [], [p.cmdline() for p in alive]
        with socket.socket() as s:  # the port is free again
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", ws.port))
    finally:
        ws.stop()


@pytest.mark.slow
def test_closed_tab_frees_its_kernel_and_the_cap_shows_the_notice(tmp_path):
    ws = Workshop(tmp_path, "--no-preheat", "--max-sessions", "1")
    try:
        jar = CookieJar()
        p1 = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, page = open_page(p1, ws.url("/voila/render/insights_board.ipynb"))
        assert status == 200
        kernel_id = re.search(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"', page).group(1)
        ws.wait_kernels(1)
        # a second participant beyond the cap: the notice, no kernel
        p2 = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        status, notice = open_page(p2, ws.url("/voila/render/insights_board.ipynb"))
        assert status == 503 and t("workshop_full_title", "fi") in notice and t("workshop_retry", "en") in notice
        assert len(ws.kernels()) == 1
        # what the page's unload beacon posts (FormData with the _xsrf cookie's value) now succeeds
        xsrf = {c.name: c.value for c in jar}["_xsrf"]
        body = urllib.parse.urlencode({"_xsrf": xsrf}).encode()
        with p1.open(urllib.request.Request(ws.url(f"/voila/api/shutdown/{kernel_id}"), data=body), timeout=30) as r:
            assert r.status == 204
        ws.wait_kernels(0, timeout_s=30)
        status, _ = open_page(p2, ws.url("/voila/render/insights_board.ipynb"))  # the retry gets in
        assert status == 200
    finally:
        ws.proc.send_signal(signal.SIGTERM)
        ws.proc.wait(timeout=60)
        ws.stop()
