"""JupyterHub fragment for KasvuDATA workshops (The Littlest JupyterHub or Zero-to-JupyterHub).

Drop into /opt/tljh/config/jupyterhub_config.d/kasvudata.py (TLJH) or the `hub.extraConfig`
of the Zero-to-JupyterHub Helm chart. Each participant gets a single-user server that opens
straight on the Voilà apps; the sizes come from docs/deploy.md (measured per app kernel).
tests/test_deploy.py loads this file with a stand-in `c` and checks the values.
"""
# `c` is provided by JupyterHub when it loads the file.
c = get_config()  # noqa: F821

# Participants land on the workshop apps, not on JupyterLab.
c.Spawner.default_url = "/voila/tree/workshops"
c.Spawner.notebook_dir = "/srv/kasvudata"  # a checkout with `kasvudata data build` done
c.Spawner.environment = {
    # one shared store for the whole workshop (SQLite in WAL mode handles concurrent writers)
    "KASVUDATA_INSIGHTS_DB": "/srv/kasvudata-workshop/insights.sqlite",
    "KASVUDATA_WORKSHOP": "workshop",
}
# Memory (docs/deploy.md, measured under `jupyter lab` + Voilà's server extension): single-user
# server 120 MB; app kernels 189 MB (area explorer), 184 MB (scenarios), 58 MB (insights board),
# up to 281 MB after use. Guarantee = server + two app tabs (120 + 189 + 184 = 493 MB);
# limit = server + three kernels at the largest size seen (120 + 3 × 281 = 963 MB).
c.Spawner.mem_limit = "1G"
c.Spawner.mem_guarantee = "512M"
c.Spawner.cpu_limit = 1.0
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

# Cull idle participant servers after 30 min so a 30–50 person workshop fits on one server.
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": ["python3", "-m", "jupyterhub_idle_culler", "--timeout=1800", "--cull-every=300"],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]

# Voilà inside each single-user server: the values of workshops/voila.json (tests/test_deploy.py
# compares them). The offline template and the no-CDN MathJax setting come from running
# `python -m kasvudata_utils.commands.workshop --write-jupyter-config <user env>/etc/jupyter` once
# (docs/deploy.md); these arguments repeat the essentials in case that step was skipped.
c.Spawner.args = [
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaExecutor.timeout=60",
    "--MappingKernelManager.cull_idle_timeout=1800",
    "--MappingKernelManager.cull_interval=60",
]
