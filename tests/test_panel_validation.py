"""Issue 12: a firm panel with non-finite or absurd values is refused in one line (CLI exit 2)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from kasvudata_utils.data import panel_io
from kasvudata_utils.data.schemas import MAX_FIRM_EUR, MAX_FIRM_PERSONNEL, validate_firm_panel
from kasvudata_utils.errors import InputError

HEADER = ("firm_id,year,municipality_code,industry_code,personnel,turnover_eur,"
          "exports_goods_eur,exports_services_eur,founded_year")


def panel_csv(tmp_path, turnover="120000", personnel="3"):
    p = tmp_path / "panel.csv"
    p.write_text(f"{HEADER}\nA1,2020,91,1,2.5,100000,0,0,2010\nA2,2020,91,1,{personnel},{turnover},0,0,2010\n",
                 encoding="utf-8")
    return p


def error_of(path) -> str:
    with pytest.raises(InputError) as info:
        panel_io.read_firm_panel(path)
    msg = str(info.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize("value", ["inf", "Infinity", "+inf", "1" + "0" * 400])
def test_infinite_and_overflowing_values_are_refused(tmp_path, value):
    msg = error_of(panel_csv(tmp_path, turnover=value))
    assert "'turnover_eur'" in msg and "row 2" in msg and "finite" in msg


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
def test_nan_spelled_out_is_refused_not_read_as_empty(tmp_path, value):
    msg = error_of(panel_csv(tmp_path, turnover=value))
    assert f"holds '{value}' at row 2" in msg and "finite" in msg


def test_values_beyond_the_stated_bound_are_refused(tmp_path):
    msg = error_of(panel_csv(tmp_path, turnover=f"{MAX_FIRM_EUR * 2:.0f}"))
    assert "'turnover_eur'" in msg and "beyond the bound 1e+12" in msg and "row 2" in msg
    msg = error_of(panel_csv(tmp_path, personnel=f"{MAX_FIRM_PERSONNEL + 1:.0f}"))
    assert "'personnel'" in msg and "beyond the bound 1e+06" in msg


def test_values_at_the_bound_are_accepted(tmp_path):
    df = panel_io.read_firm_panel(panel_csv(tmp_path, turnover=f"{MAX_FIRM_EUR:.0f}"))
    assert df["turnover_eur"].max() == MAX_FIRM_EUR


def test_inf_in_a_parquet_or_frame_is_refused():
    df = pd.DataFrame({"firm_id": ["F1"], "year": [2020], "municipality_code": ["KU091"], "industry_code": ["01"],
                       "personnel": [3.0], "turnover_eur": [np.inf], "exports_goods_eur": [0.0],
                       "exports_services_eur": [0.0], "founded_year": [2015]})
    with pytest.raises(InputError, match="non-finite"):
        validate_firm_panel(df)


def test_cli_exits_2_with_one_line_on_inf(tmp_path):
    path = panel_csv(tmp_path, turnover="inf")
    r = subprocess.run([sys.executable, "-m", "kasvudata_utils", "indicators", "--area", "KU091", "--reference",
                        "KU091", "--panel", str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "finite" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""
