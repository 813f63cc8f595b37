"""Repository hygiene: stripped notebooks, one source of truth for pins, no reads of ../shared."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path):
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: unpinned requirement {line!r}"
            out[name.lower().replace("_", "-")] = version
    return out


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted(p for d in ("notebooks", "workshops") for p in (ROOT / d).glob("*.ipynb"))
    for nb_path in notebooks:
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{nb_path.name} has outputs: strip them (nbstripout)"
                assert cell.get("execution_count") is None, f"{nb_path.name} has execution counts"


def test_requirements_are_pinned_and_binder_agrees():
    runtime = pins(ROOT / "requirements.txt")
    dev = pins(ROOT / "requirements-dev.txt")
    assert {"pandas", "geopandas", "voila", "ipywidgets", "ipyleaflet", "papermill", "seaborn"} <= set(runtime)
    assert {"pytest", "playwright", "hypothesis"} <= set(dev)
    assert not set(runtime) & set(dev), "a package is pinned twice"
    assert pins(ROOT / "binder" / "requirements.txt") == runtime, "run scripts/sync_binder.py"


def test_package_never_reads_shared_folder():
    for path in (ROOT / "kasvudata_utils").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"\.\./shared|/work/shared", text), f"{path} reads ../shared at run time"


def test_generated_folders_are_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    for folder in ("reports/", "workshop_data/", "data/processed/", ".venv/"):
        assert folder in ignored
