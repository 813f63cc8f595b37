"""The report notebooks: parameters cell (papermill.inspect_notebook) and papermill runs.

Each notebook is executed for KU009 (leading zero), SK177 and MK17 in Finnish and English; the
municipality is passed as the integer 9, which is what ``papermill -p area 009`` produces.
"""
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
AREA_NB = ROOT / "notebooks" / "01_area_report.ipynb"
PROFILE_NB = ROOT / "notebooks" / "02_industry_profile.ipynb"
COMMON = {"start_year": "int", "end_year": "int", "lang": "str", "panel_path": "str", "table_path": "str",
          "output_dir": "str"}


def test_area_notebook_parameters():
    params = pm.inspect_notebook(str(AREA_NB))
    assert {k: v["inferred_type_name"] for k, v in params.items()} == {"area": "str", "reference": "str", **COMMON,
                                                                        "synthetic_firm_data": "bool"}
    assert params["area"]["default"] == '"MK17"' and params["lang"]["default"] == '"fi"'
    assert params["synthetic_firm_data"]["default"] == "False"  # only when asked
    assert all(v["help"] for v in params.values())  # every parameter has its comment


def test_profile_notebook_parameters():
    params = pm.inspect_notebook(str(PROFILE_NB))
    assert {k: v["inferred_type_name"] for k, v in params.items()} == {"industry": "str", "area": "str",
                                                                        "reference": "str", **COMMON}
    assert params["industry"]["default"] == '"C"'


@pytest.mark.parametrize("path", [AREA_NB, PROFILE_NB])
def test_parameters_cell_is_tagged_second_and_only_literals(path):
    nb = nbformat.read(str(path), as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [1]  # second cell, after the title
    src = nb.cells[1].source
    assert "(" not in src.split("#")[0]  # no call inside the parameters cell: derived values go next
    assert "normalise_parameters" in nb.cells[2].source  # normalised in the NEXT cell


def _text_of(nb) -> str:
    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            out.append(data.get("text/html", "") if isinstance(data.get("text/html", ""), str)
                       else "".join(data.get("text/html", [])))
            out.append(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"]))
    return "\n".join(out)


CASES = [(9, "fi", "Alavieska"), ("SK177", "en", "Ylivieska sub-region"), ("MK17", "fi", "Pohjois-Pohjanmaa"),
         ("KU009", "en", "Alavieska"), ("SK177", "fi", "Ylivieskan seutukunta"), ("MK17", "en", "North Ostrobothnia")]


@pytest.mark.slow
@pytest.mark.parametrize("area,lang,name", CASES)
def test_area_report_runs(tmp_path, monkeypatch, area, lang, name):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(AREA_NB), str(out), parameters={"area": area, "lang": lang, "output_dir": str(tmp_path)},
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    text = _text_of(nbformat.read(str(out), as_version=4))
    title = {"fi": "Alueraportti: ", "en": "Area report: "}[lang] + name
    assert title in text
    assert ("SYNTEETTINEN data" if lang == "fi" else "SYNTHETIC data") in text
    heading = {"fi": "Yrityspalvelujen havainnot", "en": "What the business services said"}[lang]
    assert heading in text and ("Ei vielä havaintoja." if lang == "fi" else "No insights yet.") in text
    assert {"fi": "KOKEELLINEN", "en": "EXPERIMENTAL"}[lang] in text  # micro-HGE labelled experimental
    assert (tmp_path / "indicators.csv").is_file() and (tmp_path / "structure.csv").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("area,lang,name", CASES)
def test_industry_profile_runs(tmp_path, area, lang, name):
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(PROFILE_NB), str(out), parameters={"industry": "c", "area": area, "lang": lang},
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    text = _text_of(nbformat.read(str(out), as_version=4))
    assert {"fi": "Toimialaprofiili: C Teollisuus", "en": "Industry profile: C Manufacturing"}[lang] in text
    assert name in text


@pytest.mark.slow
def test_bad_area_fails_with_one_line_input_error(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as exc:
        pm.execute_notebook(str(AREA_NB), str(tmp_path / "o.ipynb"), parameters={"area": "KU9999"},
                            kernel_name="python3", progress_bar=False)
    assert exc.value.ename == "InputError" and "KU9999" in exc.value.evalue
