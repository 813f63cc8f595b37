"""The researcher notebooks 10–13: parameters cells and papermill runs.

Every notebook declares the SPEC §1 parameters plus its own (inspected with
``papermill.inspect_notebook``), and runs end to end under papermill on a small
synthetic panel, with a leading-zero municipality code (``KU009``, also given
as the bare ``"009"``) among the cases, on the embedded data and on a
researcher's own ``panel_path`` extract.
"""
from __future__ import annotations

import json

import nbformat
import papermill as pm
import pytest

from kasvudata_utils.paths import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
# the data-source parameters of the area notebook (01) too: table_path and synthetic_firm_data
SPEC_PARAMS = {"area", "reference", "start_year", "end_year", "lang", "panel_path", "table_path", "synthetic_firm_data"}
OWN_PARAMS = {
    "10_spatial_patterns.ipynb": {"synthetic_scale", "seed", "k_neighbours", "alpha"},
    "11_growth_factors.ipynb": {"synthetic_scale", "seed", "firm_model"},
    "12_support_effectiveness.ipynb": {"synthetic_scale", "seed", "window_before", "window_after", "caliper"},
    "13_exports.ipynb": {"synthetic_scale", "seed", "top_firms"},
}


@pytest.mark.parametrize("name", sorted(OWN_PARAMS))
def test_parameters_cell_declares_the_documented_parameters(name):
    path = NOTEBOOKS / name
    params = pm.inspect_notebook(str(path))
    assert set(params) == SPEC_PARAMS | OWN_PARAMS[name]
    assert params["area"]["default"] == '"MK17"' and params["lang"]["default"] == '"fi"'
    assert all(p["help"] for p in params.values()), "every parameter has a comment"
    nb = nbformat.read(path, as_version=4)
    # first cell: title and learning goals, Finnish first; second: the tagged parameters cell
    assert nb.cells[0].cell_type == "markdown" and "Oppimistavoitteet" in nb.cells[0].source
    assert nb.cells[0].source.index("Oppimistavoitteet") < nb.cells[0].source.index("Learning goals")
    assert "parameters" in nb.cells[1].metadata.get("tags", [])
    assert "normalise_parameters" in nb.cells[2].source
    # committed without outputs (nbstripout)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    # thin: no function or class defined in the notebook
    assert not any(line.lstrip().startswith(("def ", "class ")) for c in nb.cells if c.cell_type == "code"
                   for line in c.source.splitlines())


def _run(name, tmp_path, **params):
    out = tmp_path / name
    pm.execute_notebook(str(NOTEBOOKS / name), str(out), parameters=params, kernel_name="python3",
                        cwd=str(tmp_path), progress_bar=False, start_timeout=120, execution_timeout=300)
    return nbformat.read(out, as_version=4)


def _text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream":
                parts.append(o.get("text", ""))
            elif "data" in o:
                parts.append(o["data"].get("text/markdown", "") + o["data"].get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("name, params, expected", [
    ("10_spatial_patterns.ipynb", {"area": "KU009", "lang": "en"}, ["Alavieska", "Moran's I", "knn5"]),
    ("11_growth_factors.ipynb", {"area": "009", "lang": "fi"}, ["Alavieska", "rd_1000eur_per_capita", "covered"]),
    ("12_support_effectiveness.ipynb", {"area": "KU009", "lang": "en"}, ["support_effect", "Planted value"]),
    ("13_exports.ipynb", {"area": "SK177", "lang": "en"}, ["exporters", "customs_goods_eur"]),
])
def test_notebook_runs_on_a_small_synthetic_panel(name, params, expected, tmp_path):
    nb = _run(name, tmp_path, synthetic_scale="test", start_year=2014, end_year=2021, **params)
    text = _text(nb)
    for fragment in expected:
        assert fragment in text, fragment
    assert "KU009" in text or "SK177" in text  # the normalised code is echoed in the header


@pytest.mark.slow
def test_support_notebook_on_the_embedded_data_recovers_the_planted_effect(tmp_path):
    nb = _run("12_support_effectiveness.ipynb", tmp_path, area=9, lang="en")
    text = _text(nb)
    assert "Alavieska** (KU009)" in text           # papermill's integer 9 normalised
    assert "inside the interval" in text


@pytest.mark.slow
def test_exports_notebook_on_an_own_extract(tmp_path):
    from kasvudata_utils.data.synthetic import generate

    panel = generate(scale="test").firm_panel
    extract = tmp_path / "my_extract.csv"
    panel[panel["municipality_code"].isin(["KU009", "KU977", "KU564"])].to_csv(extract, index=False)
    nb = _run("13_exports.ipynb", tmp_path, area="KU977", panel_path=str(extract), lang="fi")
    text = _text(nb)
    assert "Ylivieska" in text and "exporters" in text
    # the header names the area of the extract (normalised code and name)
    header = json.dumps(next(c.outputs for c in nb.cells if "load_research_inputs(" in c.source))
    assert "Ylivieska" in header and "KU977" in header
