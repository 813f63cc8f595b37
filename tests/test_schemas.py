"""Schemas of the firm panel and the business table: normalisation first, then one-line errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils.data.schemas import validate_business_table, validate_firm_panel
from kasvudata_utils.errors import InputError


def panel(**changes) -> pd.DataFrame:
    """Four valid firm-year rows; ``changes`` replace whole columns."""
    cols = {
        "firm_id": ["F1", "F1", "F2", "F3"],
        "year": [2020, 2021, 2020, 2020],
        "municipality_code": ["KU564", "KU564", "KU009", "KU091"],
        "industry_code": ["62", "62", "01", "10"],
        "personnel": [2.0, 3.0, 1.0, 12.5],
        "turnover_eur": [1e5, 2e5, 5e4, 3e6],
        "exports_goods_eur": [0.0, 0.0, 0.0, 1e6],
        "exports_services_eur": [0.0, 1e4, 0.0, 0.0],
        "founded_year": [2015, 2015, 2020, 1990],
    }
    cols.update(changes)
    return pd.DataFrame(cols)


def table(**changes) -> pd.DataFrame:
    cols = {
        "area_code": ["KU564", "KU564", "SK177", "MK17"],
        "industry_code": ["62", "01", "C", "ALL"],
        "year": [2020, 2020, 2020, 2020],
        "establishments": [10.0, 4.0, 7.0, 100.0],
        "personnel": [50.0, 6.0, 30.0, 900.0],
        "turnover_eur": [5e6, 3e5, 4e6, 9e7],
    }
    cols.update(changes)
    return pd.DataFrame(cols)


def error_of(fn, df) -> str:
    with pytest.raises(InputError) as info:
        fn(df)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


# ---------------------------------------------------------------- firm panel: normalisation
def test_valid_panel_keeps_values_and_types():
    out = validate_firm_panel(panel())
    assert out["personnel"].tolist() == [2.0, 3.0, 1.0, 12.5]
    assert out["year"].dtype == np.int64 and out["founded_year"].dtype == np.int64
    assert out["municipality_code"].tolist() == ["KU564", "KU564", "KU009", "KU091"]


def test_municipality_code_91_and_friends_normalise_to_ku091():
    out = validate_firm_panel(panel(municipality_code=[91, "091", "KU091", "Helsinki"]))
    assert out["municipality_code"].tolist() == ["KU091"] * 4


def test_industry_codes_zero_padded_from_numbers_and_spreadsheet_floats():
    out = validate_firm_panel(panel(industry_code=[1, "1", "1.0", 62.0]))
    assert out["industry_code"].tolist() == ["01", "01", "01", "62"]


def test_decimal_comma_and_thin_space_thousands_are_read():
    # "1 234,5" with a no-break space: 1234.5 persons; "12,5" → 12.5
    out = validate_firm_panel(panel(personnel=["2", "3", "1\u00a0234,5", "12,5"]))
    assert out["personnel"].tolist() == [2.0, 3.0, 1234.5, 12.5]


def test_column_names_are_matched_after_strip_and_lower():
    df = panel().rename(columns={"personnel": " Personnel ", "year": "YEAR"})
    assert validate_firm_panel(df)["personnel"].sum() == 2.0 + 3.0 + 1.0 + 12.5


def test_input_frame_is_not_mutated():
    df = panel(municipality_code=[91, 91, 9, 9])
    validate_firm_panel(df)
    assert df["municipality_code"].tolist() == [91, 91, 9, 9]


# ---------------------------------------------------------------- firm panel: bad input (issue #2)
def test_missing_column_named():
    msg = error_of(validate_firm_panel, panel().drop(columns="turnover_eur"))
    assert msg.startswith("firm panel: missing column 'turnover_eur'")


def test_unknown_municipality_ku9999_rejected_naming_it():
    msg = error_of(validate_firm_panel, panel(municipality_code=["KU564", "KU564", "KU9999", "KU091"]))
    assert "'municipality_code' at row 3" in msg and "KU9999" in msg


def test_region_code_is_not_a_municipality():
    msg = error_of(validate_firm_panel, panel(municipality_code=["MK17"] * 4))
    assert "expected a municipality code" in msg and "MK17" in msg


def test_negative_personnel_names_value_and_row():
    msg = error_of(validate_firm_panel, panel(personnel=[2.0, 3.0, 1.0, -3.0]))
    assert msg == "firm panel: column 'personnel' must be >= 0; first bad value -3.0 at row 4"


def test_duplicate_firm_year_names_first_duplicate():
    df = panel(firm_id=["F1", "F2", "F2", "F3"], year=[2020, 2020, 2020, 2020])
    msg = error_of(validate_firm_panel, df)
    assert "duplicate firm-year rows" in msg and "firm_id 'F2', year 2020" in msg and "rows 2 and 3" in msg


def test_statfin_symbol_in_firm_panel_is_an_error_naming_column_and_row():
    msg = error_of(validate_firm_panel, panel(turnover_eur=["1", "..", "3", "4"]))
    assert "column 'turnover_eur' holds the StatFin symbol '..' at row 2" in msg


def test_text_in_numeric_column():
    msg = error_of(validate_firm_panel, panel(personnel=["2", "3", "many", "1"]))
    assert msg == "firm panel: column 'personnel' must be numeric; first bad value 'many' at row 3"


def test_empty_measure_value():
    msg = error_of(validate_firm_panel, panel(exports_goods_eur=[0.0, np.nan, 0.0, 0.0]))
    assert msg == "firm panel: column 'exports_goods_eur' is empty at row 2: expected a value"


def test_founded_after_year():
    msg = error_of(validate_firm_panel, panel(founded_year=[2015, 2015, 2021, 1990]))
    assert "founded_year <= year" in msg and "row 3" in msg and "founded_year 2021" in msg


def test_year_out_of_range_and_fractional_year():
    assert "must be between 1950 and 2100; first bad value 1800 at row 1" in error_of(
        validate_firm_panel, panel(year=[1800, 2021, 2020, 2020]))
    assert "must be a whole number; first bad value 2020.5 at row 3" in error_of(
        validate_firm_panel, panel(year=[2020, 2021, 2020.5, 2020]))


def test_section_letter_is_not_a_division():
    assert "not a TOL 2008 division" in error_of(validate_firm_panel, panel(industry_code=["C"] * 4))


def test_empty_frame_no_rows():
    assert error_of(validate_firm_panel, panel().iloc[:0]).startswith("firm panel: no rows")


def test_negative_support_when_present():
    msg = error_of(validate_firm_panel, panel(support_eur=[0.0, 0.0, -1.0, 0.0]))
    assert msg == "firm panel: column 'support_eur' must be >= 0; first bad value -1.0 at row 3"


# ---------------------------------------------------------------- business table
def test_statfin_symbols_become_suppressed_not_zero():
    out = validate_business_table(table(establishments=["..", ".", "-", "100"]))
    assert out["establishments"].isna().tolist() == [True, True, True, False]
    assert out["suppressed"].tolist() == [True, True, True, False]
    assert out["personnel"].tolist() == [50.0, 6.0, 30.0, 900.0]  # the other measures are kept


def test_business_table_codes_normalised_and_exports_added():
    out = validate_business_table(table(area_code=[564, "564", "sk 177", "Pohjois-Pohjanmaa"],
                                        industry_code=[62, "1", "c", "all"]))
    assert out["area_code"].tolist() == ["KU564", "KU564", "SK177", "MK17"]
    assert out["industry_code"].tolist() == ["62", "01", "C", "ALL"]
    assert out["exports_eur"].isna().all() and not out["suppressed"].any()


def test_empty_measure_is_flagged_suppressed():
    out = validate_business_table(table(turnover_eur=[np.nan, 1.0, 2.0, 3.0]))
    assert out["suppressed"].tolist() == [True, False, False, False]


def test_given_suppressed_flags_are_kept():
    out = validate_business_table(table(suppressed=["true", "0", "False", 1]))
    assert out["suppressed"].tolist() == [True, False, False, True]


def test_business_table_bad_input():
    assert "column 'personnel' must be >= 0; first bad value -6.0 at row 2" in error_of(
        validate_business_table, table(personnel=[50.0, -6.0, 30.0, 900.0]))
    assert "KU9999" in error_of(validate_business_table, table(area_code=["KU564", "KU9999", "SK177", "MK17"]))
    assert error_of(validate_business_table, table().drop(columns="establishments")).startswith(
        "business table: missing column 'establishments'")
    msg = error_of(validate_business_table, table(industry_code=["62", "62", "C", "ALL"]))
    assert "duplicate area-industry-year rows" in msg and "rows 1 and 2" in msg
    assert error_of(validate_business_table, table().iloc[:0]).startswith("business table: no rows")


def test_the_synthetic_generator_output_passes_both_schemas_unchanged():
    """Contract with kasvudata_utils.data.synthetic: what the embedded build writes is valid as it is."""
    from kasvudata_utils.data.synthetic import generate

    data = generate(scale="test")
    panel_out = validate_firm_panel(data.firm_panel)
    assert len(panel_out) == len(data.firm_panel)
    pd.testing.assert_series_equal(panel_out["personnel"], data.firm_panel["personnel"].reset_index(drop=True))
    table_out = validate_business_table(data.business_table)
    assert table_out["suppressed"].tolist() == data.business_table["suppressed"].tolist()
    assert table_out["personnel"].sum() == pytest.approx(data.business_table["personnel"].sum(), rel=1e-12)
