"""The JupyterHub fragment in deploy/ loads and holds the workshop settings docs/deploy.md measured."""
import json
import runpy
from pathlib import Path

from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


def load_hub_config():
    c = Config()
    runpy.run_path(str(ROOT / "deploy" / "jupyterhub_config.py"), init_globals={"get_config": lambda: c})
    return c


def parse_bytes(text):
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def test_parse_bytes():
    assert parse_bytes("1G") == 1073741824 and parse_bytes("512M") == 536870912 and parse_bytes("10") == 10


def test_hub_config_loads_and_covers_the_measured_memory():
    c = load_hub_config()
    assert c.Spawner.default_url.startswith("/voila/")
    # measured (docs/deploy.md): server 120 MB, kernels 189 + 184 + 58 MB, largest kernel after use 281 MB
    # guarantee: server + two app tabs = 120 + 189 + 184 = 493 MB
    assert 493 * MB <= parse_bytes(c.Spawner.mem_guarantee) <= parse_bytes(c.Spawner.mem_limit)
    # limit: server + three kernels at the largest size = 120 + 3 * 281 = 963 MB
    assert parse_bytes(c.Spawner.mem_limit) >= 963 * MB
    # 50 participants at the guarantee fit the 32 GB server of the sizing table (50 * 512 MB = 25 GB)
    assert 50 * parse_bytes(c.Spawner.mem_guarantee) <= 32 * 2**30 - 2 * 2**30  # 2 GB for hub, proxy, OS
    culler = c.JupyterHub.services[0]
    assert culler["name"] == "idle-culler" and "--timeout=1800" in culler["command"]
    assert {"delete:servers", "list:users"} <= set(c.JupyterHub.load_roles[0]["scopes"])
    assert c.Spawner.environment["KASVUDATA_INSIGHTS_DB"].endswith(".sqlite")


def test_voila_arguments_match_workshops_voila_json():
    c = load_hub_config()
    cfg = json.loads((ROOT / "workshops" / "voila.json").read_text(encoding="utf-8"))
    args = dict(a[2:].split("=", 1) for a in c.Spawner.args)
    assert args["VoilaConfiguration.show_tracebacks"] == str(cfg["VoilaConfiguration"]["show_tracebacks"])
    assert args["VoilaConfiguration.strip_sources"] == str(cfg["VoilaConfiguration"]["strip_sources"])
    assert int(args["VoilaExecutor.timeout"]) == cfg["VoilaExecutor"]["timeout"]
    for key in ("cull_idle_timeout", "cull_interval"):
        assert int(args[f"MappingKernelManager.{key}"]) == cfg["MappingKernelManager"][key]
