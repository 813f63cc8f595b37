"""The Binder start-up (issue 8): JupyterLab with Voilà's server extension, configured by postBuild's step.

mybinder runs ``binder/postBuild`` (which ends with ``python -m kasvudata_utils.commands.workshop
--write-jupyter-config ~/.jupyter``) and then starts ``jupyter lab`` in the repository root; the
badges open ``voila/render/workshops/<app>.ipynb``. Here the same configuration step writes into a
temporary ``JUPYTER_CONFIG_DIR``/``JUPYTER_DATA_DIR``, ``jupyter lab`` starts from the project's
environment, and Chromium opens an app through the server extension. Without the step the page
would use Voilà's ``lab`` template (Font Awesome from cdn.jsdelivr.net) and MathJax from cdnjs, so
the offline assertion below fails if the config writer stops doing its job.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kasvudata_utils.paths import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("binder")]
START_TIMEOUT_S = 180


class LabServer:
    """``jupyter lab`` as Binder starts it; :meth:`url` gives the badge's Voilà path."""

    def __init__(self, base_url, process, log):
        self.base_url, self.process, self.log = base_url, process, log

    def url(self, notebook, query=""):
        return f"{self.base_url}/voila/render/workshops/{notebook}" + (f"?{query}" if query else "")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    from kasvudata_utils.apps.cache import ensure_app_data

    ensure_app_data()  # postBuild's `kasvudata data build` (already done in the project checkout)
    tmp = tmp_path_factory.mktemp("binder")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               KASVUDATA_INSIGHTS_DB=str(tmp / "insights.sqlite"))
    env.pop("JUPYTER_PATH", None)  # the template must come from the config step, not from voila_command
    # postBuild's last line, verbatim but for the folder
    subprocess.run([sys.executable, "-m", "kasvudata_utils.commands.workshop", "--write-jupyter-config",
                    env["JUPYTER_CONFIG_DIR"]], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    with socket.socket() as s:  # a free port (the harness's fixtures are shared; its plain functions are not)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [str(Path(sys.executable).with_name("jupyter")), "lab", "--ip", "127.0.0.1", "--port", str(port),
            "--no-browser", "--ServerApp.token=", "--ServerApp.password="]
    if os.geteuid() == 0:  # Binder runs as an ordinary user; a root CI container needs this flag
        argv.append("--allow-root")
    log = tmp / "lab.log"
    with open(log, "w") as log_file:  # jupyter lab writes to its own copy of the descriptor
        proc = subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}: {log.read_text()[-2000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{server.base_url}/api", timeout=5):
                break
        except Exception:  # not listening yet (connection refused, reset, bad status line)
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"jupyter lab did not start in {START_TIMEOUT_S} s: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    yield server
    server.stop()


def test_binder_voila_url_renders_the_app_offline(lab_server, page, ui):
    summary = ui.open_app(page, lab_server, "area_explorer.ipynb", "area=KU009")
    expect(summary).to_contain_text("Alavieska (KU009)", timeout=ui.timeout_ms)
    assert page.locator(".kd-data-badge").inner_text().startswith("SYNTEETTINEN")
    assert "Traceback" not in page.locator("body").inner_text()
    page.wait_for_timeout(2000)  # late requests (MathJax is loaded after the first typeset)
    assert ui.external_urls(page.kd_urls) == []


def test_binder_lab_opens_the_notebooks_folder(lab_server, page, ui):
    page.goto(f"{lab_server.base_url}/lab/tree/notebooks", timeout=ui.timeout_ms)
    listing = page.locator(".jp-DirListing-item")
    expect(listing.filter(has_text="01_area_report.ipynb")).to_have_count(1, timeout=ui.timeout_ms)
    assert ui.external_urls(page.kd_urls) == []
