"""``kasvudata reports --table FILE``: the report batch on a hand-made business table.

The table is constructed (not statistics): every municipality of Finland, TOL divisions 10 and 47,
2018–2023, with personnel given by a formula of the municipality's position ``k`` in the sorted code
list, so the test knows every total. Two areas (a municipality against its region, the region against
the country) keep the run short; the batch code is the same for all 38.
"""
import json
import re

import pandas as pd
import pytest

from kasvudata_utils import areas, cli
from kasvudata_utils.errors import InputError
from kasvudata_utils.reports import batch

YEARS = range(2018, 2024)


def personnel(k: int, division: str, year: int) -> float:
    """Constructed personnel: division 10 grows linearly, division 47 stays flat."""
    return float((k % 7 + 3) * (year - 2017)) if division == "10" else float(2 * (k % 5 + 4))


def hand_table() -> pd.DataFrame:
    rows = []
    for k, m in enumerate(sorted(areas.municipalities("SSS"))):
        for y in YEARS:
            for div in ("10", "47"):
                p = personnel(k, div, y)
                rows.append([m, div, y, 4, p, 1000.0 * p, None, False])
    return pd.DataFrame(rows, columns=["area_code", "industry_code", "year", "establishments", "personnel",
                                       "turnover_eur", "exports_eur", "suppressed"])


def expected(area: str, year: int, division=None) -> float:
    index = {m: k for k, m in enumerate(sorted(areas.municipalities("SSS")))}
    divs = [division] if division else ["10", "47"]
    return sum(personnel(index[m], d, year) for m in areas.municipalities(area) for d in divs)


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("table_reports")
    table = folder / "hand_national.csv"
    hand_table().to_csv(table, index=False)
    out = folder / "reports"
    rc = cli.main(["reports", "--areas", "KU009,MK17", "--table", str(table), "--out", str(out), "--lang", "en",
                   "--jobs", "2", "--no-industries"])
    return rc, out


def _indicator(out, area, name, industry="ALL", year=2023):
    df = pd.read_csv(out / area / "tables" / "indicators.csv", dtype={"industry_code": str})
    row = df[(df.area_code == area) & (df.indicator == name) & (df.industry_code == industry) & (df.year == year)]
    assert len(row) == 1, (area, name, industry, year)
    return row.iloc[0]


def test_batch_ok_on_the_table(batch_run):
    rc, out = batch_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert rc == 0, manifest
    assert manifest["data_source"]["kind"] == "user"
    assert manifest["data_source"]["sources"] == ["hand_national.csv"]
    assert manifest["data_source"]["files"][0]["name"] == "hand_national.csv"
    assert len(manifest["data_source"]["files"][0]["sha256"]) == 64


def test_report_figures_are_the_tables_own(batch_run):
    _, out = batch_run
    assert _indicator(out, "MK17", "personnel")["value"] == expected("MK17", 2023)
    assert _indicator(out, "KU009", "personnel", year=2018)["value"] == expected("KU009", 2018)
    # the reference's figures come from the same table: MK17's location quotient in section C against Finland
    # (indicators.csv holds the area's own rows, rounded as the page shows them: LQ 2 decimals, rates 1)
    lq = _indicator(out, "MK17", "lq_personnel", "C")["value"]
    want = (expected("MK17", 2023, "10") / expected("MK17", 2023)) / (expected("SSS", 2023, "10")
                                                                       / expected("SSS", 2023))
    assert lq == round(want, 2)
    growth = _indicator(out, "KU009", "personnel_growth_pct")["value"]
    assert growth == round((expected("KU009", 2023) / expected("KU009", 2018) - 1) * 100, 1)


def _text(path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_source_label_on_the_first_screen_and_no_synthetic_badge(batch_run):
    _, out = batch_run
    for page in (out / "KU009" / "report.html", out / "MK17" / "report.html"):
        raw = page.read_text(encoding="utf-8")
        text = _text(page)
        assert "User data · hand_national.csv" in text
        assert text.index("User data · hand_national.csv") < text.index("Key findings")
        assert "SYNTHETIC" not in raw and "kd-synthetic" not in raw
        # what a table cannot give is marked not available, not filled in
        assert "Not available: firm-level figures cannot be computed from a regional business table" in text
    index = _text(out / "index.html")
    assert "User data · hand_national.csv" in index and "SYNTHETIC" not in index
    assert index.index("User data · hand_national.csv") < index.index("Areas")


def test_statfin_choice_and_table_together_is_one_line(capsys, tmp_path):
    path = tmp_path / "t.csv"
    hand_table().head(4).to_csv(path, index=False)
    with pytest.raises(InputError, match="only one of them"):
        batch.run_reports("KU009", 1, str(tmp_path / "out"), data="statfin", table_path=str(path))


def test_period_follows_the_tables_years(tmp_path):
    # a table of 2020–2022: no --start/--end → 2020–2022 (the default 2018–2023 made every report fail)
    short = tmp_path / "short.csv"
    hand_table().query("2020 <= year <= 2022").to_csv(short, index=False)
    assert batch.table_period(str(short)) == (2020, 2022)
    assert batch.table_period(str(short), end_year=2021) == (2020, 2021)
    # a long table keeps the default span: its last year and the five before it
    long = tmp_path / "long.csv"
    t = hand_table()
    pd.concat([t.assign(year=t["year"] - 5), t]).drop_duplicates(["area_code", "industry_code", "year"]).to_csv(
        long, index=False)
    assert batch.table_period(str(long)) == (2018, 2023)


def test_table_batch_without_years_runs_on_the_tables_period(tmp_path):
    table = tmp_path / "short.csv"
    hand_table().query("2020 <= year <= 2022").to_csv(table, index=False)
    out = tmp_path / "reports"
    rc = cli.main(["reports", "--areas", "KU009", "--table", str(table), "--out", str(out), "--lang", "en",
                   "--jobs", "1", "--no-industries"])
    assert rc == 0, json.loads((out / "manifest.json").read_text())
    ind = pd.read_csv(out / "KU009" / "tables" / "indicators.csv", dtype={"industry_code": str})
    assert sorted(ind["year"].unique()) == [2020, 2021, 2022]
    assert _indicator(out, "KU009", "personnel", year=2022)["value"] == expected("KU009", 2022)


def test_period_outside_the_table_is_one_line_before_anything_is_written(tmp_path, capsys):
    table = tmp_path / "short.csv"
    hand_table().query("2020 <= year <= 2022").to_csv(table, index=False)
    out = tmp_path / "reports"
    rc = cli.main(["reports", "--areas", "KU009", "--table", str(table), "--out", str(out), "--start", "2018",
                   "--end", "2022", "--no-industries"])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert err.strip().count("\n") == 0 and "expected years within 2020–2022" in err and "short.csv" in err


def test_research_section_runs_on_the_table_not_called_synthetic(tmp_path):
    # the LISA of a table run reads the table; the section must not say the data are synthetic
    import html
    from unittest import mock

    from kasvudata_utils.reports.area import AreaReport
    from kasvudata_utils.research.spatial import growth_lisa, spatial_context_text

    path = tmp_path / "hand_national.csv"
    hand_table().to_csv(path, index=False)
    rep = AreaReport.__new__(AreaReport)
    rep.lang, rep.name, rep.table_path, rep.table_only = "en", "Alavieska", str(path), True
    rep.firm_synthetic = False  # no --synthetic-firm-data
    rep.d = mock.Mock(area="KU009", start=2018, end=2023)
    shown = []
    with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)):
        rep.spatial_context()
    text = html.unescape(shown[0])
    assert "synthetic" not in text.lower() and "not causal effects" in text
    from kasvudata_utils.data import load_geometries, sources

    want = spatial_context_text(growth_lisa(load_geometries("KU", 3067), sources.load_table(path), 2018, 2023),
                                "KU009", "en", 2018, 2023)
    assert want in text
    assert "Not available: firm-level figures cannot be computed from a regional business table " \
           "(growth-factor model)" in text  # the model needs firms; the LISA above is shown


def test_shift_share_table_shows_the_known_figures_of_a_hidden_row(tmp_path):
    # KU564 against MK17 on a table whose MK17 total of 2022 is unknown: the components are hidden, the
    # area's own base and end (C 50 → 50, J 100 → 121, total 150 → 171) are known and shown
    import html
    from unittest import mock

    import numpy as np

    from kasvudata_utils.reports.area import AreaReport

    nan = np.nan
    ss = pd.DataFrame({"industry_code": ["C", "J", "TOTAL"], "base": [50.0, 100.0, 150.0],
                       "end": [50.0, 121.0, 171.0], "national_share": [nan] * 3, "industry_mix": [nan] * 3,
                       "regional_shift": [nan] * 3, "suppressed": [True] * 3, "note": ["", "", ""]})
    rep = AreaReport.__new__(AreaReport)
    rep.lang, rep.ref_name, rep.out = "en", "Northern Ostrobothnia", tmp_path
    rep.d = mock.Mock(shift_share=ss, start=2020, end=2022, prov={"kind": "user", "sources": ["t.csv"]})
    shown = []
    with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)), \
            mock.patch.object(AreaReport, "_chart", lambda self, fig, name: None):
        rep.shift_share()
    table = html.unescape(shown[1])
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[1:6] == ["50", "50", "..", "..", ".."]  # cells[0] is the row's label
    assert cells[7:12] == ["100", "121", "..", "..", ".."]
    assert cells[13:18] == ["150", "171", "..", "..", ".."]
