"""``--synthetic-firm-data`` for ``reports`` (and the area notebook's ``synthetic_firm_data`` parameter).

Only when asked, the firm-level figures a business table cannot give (size classes, births/deaths,
high growth, exporters) come from the embedded synthetic panel, under the synthetic badge; the table's
own figures keep their label. Without it they are marked not available (``test_reports_table``).
The table is the constructed one of ``test_reports_table`` (every municipality of Finland).
"""
import json
import re

import pandas as pd
import pytest
from test_reports_table import expected, hand_table

from kasvudata_utils import cli
from kasvudata_utils.data import load_firm_panel
from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import compute_indicators
from kasvudata_utils.indicators.compute import NOTE_NOT_AVAILABLE
from kasvudata_utils.reports import batch
from kasvudata_utils.reports.common import compute_report_data, normalise_parameters

NAME = "hand_table_syn.csv"


@pytest.fixture(scope="module")
def table_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("syn_firm") / NAME
    hand_table().to_csv(path, index=False)
    return path


def _rows(ind, area, name):
    return ind[(ind.area_code == area) & (ind.indicator == name) & (ind.industry_code == "ALL")].set_index("year")


def test_firm_level_rows_come_from_the_synthetic_panel_only_when_asked(table_file):
    plain = compute_report_data(normalise_parameters("KU009", "", 2018, 2023, "en", table_path=str(table_file)))
    assert plain.firm_panel is None
    assert set(_rows(plain.indicators, "KU009", "birth_rate_pct")["note"]) == {NOTE_NOT_AVAILABLE}

    asked = compute_report_data(normalise_parameters("KU009", "", 2018, 2023, "en", table_path=str(table_file),
                                                     synthetic_firm_data="true"))  # papermill may send text
    births = _rows(asked.indicators, "KU009", "birth_rate_pct")
    want = _rows(compute_indicators(load_firm_panel(), "KU009", "KU009", 2018, 2023), "KU009", "birth_rate_pct")
    pd.testing.assert_series_equal(births["value"], want["value"])
    assert all(n.endswith("synthetic firm panel") for n in births["note"])
    # the reference MK17 lies inside the synthetic panel: filled too; the table's own figures unchanged
    assert _rows(asked.indicators, "MK17", "exporter_count")["value"].notna().any()
    assert _rows(asked.indicators, "KU009", "personnel").loc[2023, "value"] == expected("KU009", 2023)
    assert asked.prov["kind"] == "user" and asked.firm_prov["kind"] == "synthetic"


def test_reference_outside_the_synthetic_panel_stays_not_available(table_file):
    asked = compute_report_data(normalise_parameters("MK17", "", 2018, 2023, "en", table_path=str(table_file),
                                                     synthetic_firm_data=True))
    assert _rows(asked.indicators, "MK17", "birth_rate_pct")["value"].notna().all()
    # Finland is not in the MK17 synthetic panel: never filled in from it
    assert set(_rows(asked.indicators, "SSS", "birth_rate_pct")["note"]) == {NOTE_NOT_AVAILABLE}


def test_only_with_a_table(table_file, tmp_path):
    with pytest.raises(InputError, match="expected table_path"):
        normalise_parameters("KU009", "", 2018, 2023, "en", synthetic_firm_data=True)
    with pytest.raises(InputError, match="expected True or False"):
        normalise_parameters("KU009", "", 2018, 2023, "en", table_path=str(table_file), synthetic_firm_data="maybe")
    with pytest.raises(InputError, match="--synthetic-firm-data: expected --table FILE"):
        batch.run_reports("KU009", 1, str(tmp_path / "out"), synthetic_firm_data=True)
    jobs = batch.plan_jobs(["KU009"], "en", table_path=str(table_file), synthetic_firm_data=True)
    assert jobs[0].parameters["synthetic_firm_data"] is True
    assert all("synthetic_firm_data" not in j.parameters for j in jobs[1:])  # industry profiles: no firm figures


def _text(path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_report_badges_the_borrowed_figures_synthetic(table_file, tmp_path):
    out = tmp_path / "reports"
    rc = cli.main(["reports", "--areas", "KU009", "--table", str(table_file), "--out", str(out), "--lang", "en",
                   "--jobs", "1", "--no-industries", "--synthetic-firm-data"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert rc == 0, manifest
    assert manifest["reports"]["KU009"]["parameters"]["synthetic_firm_data"] is True
    assert manifest["data_source"]["kind"] == "mixed"
    assert manifest["data_source"]["sources"][0] == NAME
    text = _text(out / "KU009" / "report.html")
    # first screen: the table's label, then the synthetic badge of the borrowed firm-level figures
    first = text[:text.index("Key findings")]
    assert f"User data · {NAME}" in first and "SYNTHETIC data" in first
    assert "Not available: firm-level figures" not in text
    # no model result on the borrowed synthetic firms (the LISA on the table's own figures stays)
    assert "The growth-factor model is not shown: this run's firm-level figures are synthetic" in text
    births = pd.read_csv(out / "KU009" / "tables" / "demography.csv")
    got = births[(births.area_code == "KU009") & (births.indicator == "birth_rate_pct")].set_index("year")["value"]
    want = _rows(compute_indicators(load_firm_panel(), "KU009", "KU009", 2018, 2023), "KU009", "birth_rate_pct")
    assert got.loc[2020] == pytest.approx(round(want.loc[2020, "value"], 1))  # published at one decimal
    ind = pd.read_csv(out / "KU009" / "tables" / "indicators.csv", dtype={"industry_code": str})
    p = ind[(ind.area_code == "KU009") & (ind.indicator == "personnel") & (ind.industry_code == "ALL")
            & (ind.year == 2023)]
    assert p["value"].iloc[0] == expected("KU009", 2023)  # the table's own figure, not the panel's
    index = _text(out / "index.html")
    assert "Mixed data" in index and NAME in index
