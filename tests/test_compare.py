"""Several areas side by side: ``research.similar.comparison_set`` and ``kasvudata indicators --compare``."""
import io

import pandas as pd
import pytest
from conftest import run_cli as run

from kasvudata_utils import areas
from kasvudata_utils.data import load_firm_panel
from kasvudata_utils.errors import InputError
from kasvudata_utils.research.similar import MAX_SIDE_BY_SIDE, comparison_set


def test_comparison_set_normalises_keeps_order_and_drops_duplicates():
    assert comparison_set("Alavieska", "977, Haapavesi,KU009, ku977") == ["KU009", "KU977", "KU071"]
    assert comparison_set("KU009", ["SK173+SK178"]) == ["KU009", "SK173+SK178"]


def test_comparison_set_limits_and_unknown_codes():
    eleven = ",".join(areas.members("MK17", "KU")[1:11])  # ten others + the area = 11
    with pytest.raises(InputError, match=f"expected at most {MAX_SIDE_BY_SIDE}"):
        comparison_set("KU564", eleven)
    assert len(comparison_set("KU564", ",".join(areas.members("MK17", "KU")[1:10]))) == 10
    with pytest.raises(InputError, match="unknown area 'KU999'"):
        comparison_set("KU009", "KU977,KU999")


def _table(out):
    return pd.read_csv(io.StringIO(out), dtype={"industry_code": str})


def test_cli_compare_equals_each_area_alone(capsys):
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--compare", "KU977,KU071", "--start", "2018",
                       "--end", "2022")
    assert rc == 0, err
    both = _table(out)
    assert set(both["area_code"]) == {"KU009", "KU977", "KU071"}
    for code in ("KU977", "KU071"):
        rc, out, err = run(capsys, "indicators", "--area", code, "--start", "2018", "--end", "2022")
        alone = _table(out)
        mine = both[both["area_code"] == code].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)


def test_cli_bare_compare_uses_similar_areas_from_the_business_table(capsys):
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--compare", "--start", "2018", "--end", "2022")
    assert rc == 0, err
    df = _table(out)
    codes = set(df["area_code"])
    assert len(codes) == 6 and "KU009" in codes and all(c.startswith("KU") for c in codes)
    assert "business table" in err  # similar areas lie outside the Northern Ostrobothnia panel
    # the business table's MK17 rows are the aggregated firm panel: Alavieska's total is the panel's sum
    panel = load_firm_panel()
    expected = panel[(panel["municipality_code"] == "KU009") & (panel["year"] == 2022)]["personnel"].sum()
    row = df[(df.area_code == "KU009") & (df.indicator == "personnel") & (df.industry_code == "ALL")
             & (df.year == 2022)]
    assert row["value"].tolist() == [pytest.approx(expected)]


def test_cli_compare_bad_input_is_one_line(capsys):
    eleven = ",".join(areas.members("MK17", "KU")[1:11])
    for compare in (eleven, "KU977,KU999", "KU564+SK171"):
        rc, out, err = run(capsys, "indicators", "--area", "KU564", "--compare", compare)
        assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, (compare, err)
