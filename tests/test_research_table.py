"""Research notebooks on a ``table_path`` business table (hand-made, constructed numbers; no exports).

A table has no firms: the firm-level figures say "not available on a table" in one line, unless
``synthetic_firm_data`` asks for the small synthetic panel (then the figures combining both are mixed).
"""
import pandas as pd
import pytest
from test_reports_table import hand_table
from test_research_notebooks import _run, _text

from kasvudata_utils.research.exports import municipal_export_intensity


def test_export_intensity_of_a_table_without_exports_is_unknown_not_zero():
    bt = pd.DataFrame({"area_code": ["KU009", "KU009", "KU071"], "industry_code": ["10", "46", "10"],
                       "year": 2020, "turnover_eur": [100.0, 300.0, 50.0], "exports_eur": [40.0, None, None],
                       "suppressed": False})
    out = municipal_export_intensity(bt, 2020, 2020).set_index("area_code")["export_intensity_pct"]
    assert out["KU009"] == pytest.approx(40 / 400 * 100)  # the known exports over all turnover
    assert pd.isna(out["KU071"])  # no exports value at all: unknown


@pytest.mark.slow
def test_spatial_notebook_runs_on_a_table_without_exports(tmp_path):
    table = tmp_path / "hand_national.csv"
    hand_table().to_csv(table, index=False)
    nb = _run("10_spatial_patterns.ipynb", tmp_path, area="KU009", lang="en", synthetic_scale="test",
              start_year=2018, end_year=2022, table_path=str(table), synthetic_firm_data=True)
    text = _text(nb)
    assert "Export intensity is not available" in text
    assert "Mixed data" in text and "hand_national.csv" in text
    assert "birth_rate_pct (EB)" in text and "not available on a table" not in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["10_spatial_patterns.ipynb", "12_support_effectiveness.ipynb", "13_exports.ipynb"])
def test_firm_level_figures_on_a_table_are_one_line_not_synthetic(tmp_path, name):
    table = tmp_path / "hand_national.csv"
    hand_table().to_csv(table, index=False)
    nb = _run(name, tmp_path, area="KU009", lang="en", synthetic_scale="test", start_year=2018, end_year=2022,
              table_path=str(table))
    text = _text(nb)
    line = "Firm-level figures: not available on a table"
    assert text.count(line) == 1  # said once, not in every firm-level cell
    assert "Synthetic data" not in text and "Mixed data" not in text and "User data · hand_national.csv" in text
    assert "birth_rate_pct (EB)" not in text and "support_effect" not in text and "exporters" not in text


def test_no_planted_truth_beside_a_table(tmp_path):
    # the planted effects belong to the synthetic data: a table run (no synthetic panel) has none to show
    from kasvudata_utils.research.inputs import load_research_inputs

    table = tmp_path / "hand_national.csv"
    hand_table().to_csv(table, index=False)
    assert load_research_inputs().truth  # the embedded synthetic data carry them
    inp = load_research_inputs(table_path=str(table))
    assert inp.truth == {} and inp.table_prov["kind"] == "user"
