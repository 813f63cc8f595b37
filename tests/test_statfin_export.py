"""A business table saved from StatFin's web interface, passed to ``--table`` as it is (researcher guide §3).

The files are constructed in the shape PxWeb's "save as CSV (semicolon separated, with heading)" writes:
a quoted title line, a blank line, StatFin's column names, values with their names, turnover in EUR 1,000,
Windows-1252 text. The numbers are invented:

    personnel (establishments, turnover EUR 1,000)   2021             2022
    Alavieska 10 Elintarvikkeiden valmistus          40 (8, 4000)     40 (8, 4000)
    Alavieska 62 Ohjelmistot …                        5 (1, 500)      ..  (StatFin: confidential)
    Oulu      10                                     50 (10, 5000)    50 (10, 5000)
    Oulu      62                                    110 (22, 11000)  121 (24, 12100)
"""
import io

import pandas as pd
import pytest
from conftest import run_cli

from kasvudata_utils.data import statfin_export
from kasvudata_utils.data.panel_io import read_business_table
from kasvudata_utils.errors import InputError

TITLE = '"Toimipaikkojen lukumäärä, henkilöstö ja liikevaihto muuttujina Alue, Toimiala, Vuosi ja Tiedot"'
FOOD, SOFT = "10 Elintarvikkeiden valmistus", "62 Ohjelmistot, konsultointi ja siihen liittyvä toiminta"
CELLS = {("Alavieska", FOOD): {2021: (8, 40, 4000), 2022: (8, 40, 4000)},
         ("Alavieska", SOFT): {2021: (1, 5, 500), 2022: ("..", "..", "..")},
         ("Oulu", FOOD): {2021: (10, 50, 5000), 2022: (10, 50, 5000)},
         ("Oulu", SOFT): {2021: (22, 110, 11000), 2022: (24, 121, 12100)}}
CONTENTS = ("Toimipaikkojen lukumäärä", "Henkilöstö (htv)", "Liikevaihto (1000 euroa)")


def _q(v) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def _write(path, header, rows):
    text = "\r\n".join([TITLE, "", ";".join(_q(h) for h in header)] + [";".join(_q(v) for v in r) for r in rows])
    path.write_bytes((text + "\r\n").encode("cp1252"))
    return path


def long_export(path, area_label=lambda a: a):
    rows = [[area_label(a), ind, str(y), *vals] for (a, ind), by in CELLS.items() for y, vals in by.items()]
    return _write(path, ["Alue", "Toimiala", "Vuosi", *CONTENTS], rows)


def wide_export(path):
    # PxWeb's default layout: area and industry down, year × content across ("2021 Henkilöstö (htv)")
    header = ["Alue", "Toimiala"] + [f"{y} {c}" for y in (2021, 2022) for c in CONTENTS]
    rows = [[a, ind, *by[2021], *by[2022]] for (a, ind), by in CELLS.items()]
    return _write(path, header, rows)


def _check(t: pd.DataFrame):
    t = t.set_index(["area_code", "industry_code", "year"])
    assert len(t) == 8
    assert t.loc[("KU009", "10", 2022), ["establishments", "personnel", "turnover_eur"]].tolist() == [8, 40, 4_000_000]
    assert t.loc[("KU564", "62", 2022), "turnover_eur"] == 12_100_000  # EUR 1,000 × 1000
    soft = t.loc[("KU009", "62", 2022)]
    assert bool(soft["suppressed"]) and pd.isna(soft["personnel"])  # '..' stays confidential
    assert not t.drop(("KU009", "62", 2022))["suppressed"].any()


def test_long_export_as_saved(tmp_path):
    _check(read_business_table(long_export(tmp_path / "13wz.csv")))


def test_export_with_codes_and_names(tmp_path):
    codes = {"Alavieska": "KU009 Alavieska", "Oulu": "KU564 Oulu"}
    _check(read_business_table(long_export(tmp_path / "13wz.csv", codes.get)))


def test_wide_export_years_across(tmp_path):
    _check(read_business_table(wide_export(tmp_path / "13wz_wide.csv")))


def test_totals_and_sections_are_left_to_the_tool(tmp_path):
    # the whole country and the all-industries / section rows are sums the tool forms itself
    rows = [[a, ind, str(y), *v] for (a, ind), by in CELLS.items() for y, v in by.items()]
    rows += [["KOKO MAA", FOOD, "2021", 900, 9000, 90000], ["Oulu", "SSS Yhteensä", "2021", 32, 160, 16000],
             ["Oulu", "C Teollisuus", "2021", 10, 50, 5000]]
    t = read_business_table(_write(tmp_path / "13wz.csv", ["Alue", "Toimiala", "Vuosi", *CONTENTS], rows))
    assert sorted(t["area_code"].unique()) == ["KU009", "KU564"] and sorted(t["industry_code"].unique()) == ["10", "62"]
    assert t.loc[(t.area_code == "KU564") & (t.year == 2021), "personnel"].sum() == 160  # 50 + 110, no double count


def test_nil_symbol_is_zero_not_confidential(tmp_path):
    # StatFin's '-' means "magnitude nil" (a true zero, as the fetch reads it); '..' is confidential
    rows = [["Oulu", FOOD, "2021", "-", "-", "-"], ["Oulu", SOFT, "2021", "..", "..", ".."]]
    t = read_business_table(_write(tmp_path / "13wz.csv", ["Alue", "Toimiala", "Vuosi", *CONTENTS], rows))
    t = t.set_index("industry_code")
    assert t.loc["10", ["establishments", "personnel", "turnover_eur"]].tolist() == [0, 0, 0]
    assert not t.loc["10", "suppressed"] and t.loc["62", "suppressed"]


def test_turnover_in_eur_1000_with_space_thousands_is_multiplied_like_any_other(tmp_path):
    # a UTF-8 save writes thousands with a narrow no-break space and decimals with a comma: 12 100,5 × 1000 euros,
    # read by the same rule as the schema's, so the figure is not left in thousands
    rows = [["Oulu", SOFT, "2022", 24, "121", "12\u202f100,5"], ["Oulu", FOOD, "2022", 3, "4", "1\u00a0000"]]
    text = "\r\n".join([TITLE, "", ";".join(_q(h) for h in ["Alue", "Toimiala", "Vuosi", *CONTENTS])]
                       + [";".join(_q(v) for v in r) for r in rows])
    path = tmp_path / "13wz.csv"
    path.write_bytes((text + "\r\n").encode("utf-8"))
    t = read_business_table(path).set_index("industry_code")
    assert t.loc["62", "turnover_eur"] == 12_100_500 and t.loc["10", "turnover_eur"] == 1_000_000


def test_size_classes_are_refused_in_one_line(tmp_path):
    rows = [["Oulu", FOOD, "2021", cls, 1, 2, 3] for cls in ("Yhteensä", "0-4 henkilöä")]
    path = _write(tmp_path / "13wz.csv", ["Alue", "Toimiala", "Vuosi", "Henkilöstön suuruusluokka", *CONTENTS], rows)
    with pytest.raises(InputError, match="several size classes"):
        read_business_table(path)
    total_only = _write(tmp_path / "13wz_total.csv", ["Alue", "Toimiala", "Vuosi", "Henkilöstön suuruusluokka",
                                                      *CONTENTS], rows[:1])
    assert read_business_table(total_only)["personnel"].tolist() == [2]


def test_spec_table_is_left_as_it_is():
    df = pd.DataFrame({"area_code": ["KU009"], "industry_code": ["10"], "year": [2022], "establishments": [1],
                       "personnel": [2], "turnover_eur": [3]})
    assert statfin_export.from_web_export(df) is df
    assert statfin_export.header_line(["area_code,year", "KU009,2022", "KU009"]) == 0


def test_indicators_on_the_export(tmp_path, capsys):
    # KU009 against KU564, 2021: LQ of 10 = (40/45) / (50/160) = 2.8444…
    rc, out, err = run_cli(capsys, "indicators", "--area", "KU009", "--reference", "KU564", "--level", "division",
                           "--table", str(wide_export(tmp_path / "13wz_wide.csv")))
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str})
    lq = df[(df.indicator == "lq_personnel") & (df.industry_code == "10")].set_index("year")
    assert lq.loc[2021, "value"] == pytest.approx((40 / 45) / (50 / 160))
    assert bool(lq.loc[2022, "suppressed"])  # Alavieska's total in 2022 holds the '..'
    assert "User data · 13wz_wide.csv" in err
