"""The JupyterHub fragment in deploy/ loads and holds sane workshop settings."""
import runpy
from pathlib import Path

from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]


def load_hub_config():
    c = Config()
    runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), init_globals={"get_config": lambda: c})
    return c


def parse_bytes(text):
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def test_hub_config_loads_and_is_consistent():
    c = load_hub_config()
    assert c.Spawner.default_url.startswith("/voila/")
    assert parse_bytes(c.Spawner.mem_guarantee) <= parse_bytes(c.Spawner.mem_limit)
    # an app kernel is budgeted at 350 MB (issue 5's goal) plus the server: the limit must cover it
    assert parse_bytes(c.Spawner.mem_limit) >= 350 * 2**20 + 100 * 2**20
    culler = c.JupyterHub.services[0]
    assert culler["name"] == "idle-culler" and "--timeout=1800" in culler["command"]
    assert {"delete:servers", "list:users"} <= set(c.JupyterHub.load_roles[0]["scopes"])
    assert "--VoilaConfiguration.show_tracebacks=False" in c.Spawner.args
    assert c.Spawner.environment["KASVUDATA_INSIGHTS_DB"].endswith(".sqlite")
