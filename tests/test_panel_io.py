"""Reading a researcher's own extract: CSV (; or ,), Parquet, and every bad file as one line."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from kasvudata_utils.data import panel_io
from kasvudata_utils.errors import InputError

HEADER = ("firm_id,year,municipality_code,industry_code,personnel,turnover_eur,"
          "exports_goods_eur,exports_services_eur,founded_year")
ROWS = ["A1,2020,91,1,2.5,100000,0,0,2010",
        "A1,2021,91,1,3.5,120000,0,0,2010",
        "B2,2021,KU564,62,10,900000,5000,0,2019"]


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


def csv_text(rows=ROWS, sep=","):
    return "\n".join([HEADER.replace(",", sep)] + [r.replace(",", sep) for r in rows]) + "\n"


def error_of(fn, path) -> str:
    with pytest.raises(InputError) as info:
        fn(path)
    msg = str(info.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def test_comma_csv_is_read_validated_and_tagged_real(tmp_path):
    df = panel_io.read_firm_panel(write(tmp_path, "extract.csv", csv_text()))
    assert df["municipality_code"].tolist() == ["KU091", "KU091", "KU564"]
    assert df["industry_code"].tolist() == ["01", "01", "62"]
    assert df["personnel"].sum() == 2.5 + 3.5 + 10  # = 16.0
    prov = df.attrs["provenance"]
    assert prov["kind"] == "real" and prov["sources"] == ["own extract: extract.csv"]


def test_semicolon_csv_with_decimal_comma_and_windows_1252(tmp_path):
    # Finnish Excel: ';' separator, decimal comma, cp1252 text (the firm id has an 'ä')
    rows = ["Pää1;2020;091;01;2,5;100000;0;0;2010", "B2;2021;KU564;62;10;900000;5000;0;2019"]
    text = "\n".join([HEADER.replace(",", ";")] + rows) + "\n"
    df = panel_io.read_firm_panel(write(tmp_path, "excel.csv", text, encoding="cp1252"))
    assert df["firm_id"].tolist() == ["Pää1", "B2"]
    assert df["personnel"].tolist() == [2.5, 10.0]


def test_parquet_round_trip(tmp_path):
    src = pd.read_csv(write(tmp_path, "a.csv", csv_text()), dtype=str)
    src["personnel"] = src["personnel"].astype(float)
    path = tmp_path / "extract.parquet"
    src.to_parquet(path)
    df = panel_io.read_firm_panel(path)
    assert df["personnel"].tolist() == [2.5, 3.5, 10.0]
    assert df.attrs["provenance"]["sources"] == ["own extract: extract.parquet"]


def test_loader_entry_point_uses_panel_io(tmp_path):
    from kasvudata_utils.data import load_firm_panel

    df = load_firm_panel(write(tmp_path, "x.csv", csv_text()))
    assert df.attrs["provenance"]["kind"] == "real" and len(df) == 3


# ------------------------------------------------------------------ bad input from the issue
def test_missing_column(tmp_path):
    text = "\n".join(",".join(r.split(",")[:-1]) for r in [HEADER] + ROWS)
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "m.csv", text))
    assert msg.startswith("firm panel m.csv: missing column 'founded_year'")


def test_unknown_municipality_rejected(tmp_path):
    rows = ROWS[:2] + ["B2,2021,KU9999,62,10,900000,5000,0,2019"]
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "u.csv", csv_text(rows)))
    assert "column 'municipality_code' at row 3" in msg and "KU9999" in msg


def test_negative_personnel(tmp_path):
    rows = ROWS[:2] + ["B2,2021,KU564,62,-3,900000,5000,0,2019"]
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "n.csv", csv_text(rows)))
    assert msg == "firm panel n.csv: column 'personnel' must be >= 0; first bad value -3.0 at row 3"


def test_duplicate_firm_year(tmp_path):
    rows = ROWS + [ROWS[1]]
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "d.csv", csv_text(rows)))
    assert "duplicate firm-year rows: firm_id 'A1', year 2021 appears at rows 2 and 4" in msg


def test_statfin_symbol_in_firm_panel(tmp_path):
    rows = ROWS[:2] + ["B2,2021,KU564,62,..,900000,5000,0,2019"]
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "s.csv", csv_text(rows)))
    assert "column 'personnel' holds the StatFin symbol '..' at row 3" in msg


def test_statfin_symbol_in_business_table_is_flagged(tmp_path):
    text = ("area_code;industry_code;year;establishments;personnel;turnover_eur\n"
            "91;62;2020;..;120;5000000\n"
            "KU564;62;2020;40;300;9000000\n")
    df = panel_io.read_business_table(write(tmp_path, "t.csv", text))
    assert df["suppressed"].tolist() == [True, False]
    assert pd.isna(df.loc[0, "establishments"]) and df.loc[0, "personnel"] == 120.0
    assert df.loc[0, "area_code"] == "KU091"


def test_empty_file_and_header_only(tmp_path):
    assert error_of(panel_io.read_firm_panel, write(tmp_path, "e.csv", "")) == (
        "file 'e.csv' is empty: expected a header line and data rows")
    assert error_of(panel_io.read_firm_panel, write(tmp_path, "h.csv", HEADER + "\n")).startswith(
        "firm panel h.csv: no rows")


def test_broken_and_empty_parquet(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not really parquet")
    assert error_of(panel_io.read_firm_panel, broken).startswith("cannot read Parquet file 'broken.parquet'")
    empty = tmp_path / "empty.parquet"
    empty.write_bytes(b"")
    assert error_of(panel_io.read_firm_panel, empty) == "file 'empty.parquet' is empty: expected a Parquet file"


def test_unknown_extension_and_missing_file(tmp_path):
    assert error_of(panel_io.read_firm_panel, write(tmp_path, "p.xlsx", "x")) == (
        "unsupported file type '.xlsx' for 'p.xlsx': expected .csv or .parquet")
    assert error_of(panel_io.read_firm_panel, tmp_path / "nope.csv").startswith("file not found:")
    assert error_of(panel_io.read_firm_panel, tmp_path).startswith("not a file:")


def test_ragged_csv_is_one_line(tmp_path):
    text = HEADER + "\n" + ROWS[0] + ",extra,fields,here\n"
    msg = error_of(panel_io.read_firm_panel, write(tmp_path, "r.csv", text))
    assert msg.startswith("cannot read CSV file 'r.csv'")


# ------------------------------------------------------------------ through the command line
BAD_PANELS = {
    # file name: (content or bytes, a fragment the one-line message must hold)
    "unknown_area.csv": (csv_text(ROWS[:2] + ["B2,2021,KU9999,62,10,900000,5000,0,2019"]), "KU9999"),
    "missing.csv": ("\n".join(",".join(r.split(",")[:-1]) for r in [HEADER] + ROWS), "missing column 'founded_year'"),
    "negative.csv": (csv_text(ROWS[:2] + ["B2,2021,KU564,62,-3,900000,5000,0,2019"]), "must be >= 0"),
    "dupes.csv": (csv_text(ROWS + [ROWS[0]]), "duplicate firm-year rows"),
    "symbol.csv": (csv_text(ROWS[:2] + ["B2,2021,KU564,62,..,900000,5000,0,2019"]), "StatFin symbol '..'"),
    "empty.csv": ("", "is empty"),
    "broken.parquet": (b"PAR1 not parquet at all", "cannot read Parquet file"),
}


@pytest.mark.parametrize("name", sorted(BAD_PANELS))
def test_indicators_cli_bad_panel_is_exit_2_one_line(name, tmp_path, capsys):
    from kasvudata_utils import cli

    content, fragment = BAD_PANELS[name]
    path = tmp_path / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    rc = cli.main(["indicators", "--area", "KU564", "--panel", str(path)])
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kasvudata: error: ") and fragment in lines[0]


def test_indicators_cli_subprocess_bad_panel(tmp_path):
    path = write(tmp_path, "bad.csv", BAD_PANELS["unknown_area.csv"][0])
    proc = subprocess.run([sys.executable, "-m", "kasvudata_utils", "indicators", "--area", "KU564",
                           "--panel", str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "KU9999" in lines[0] and "Traceback" not in proc.stderr
