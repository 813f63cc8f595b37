"""``kasvudata indicators`` and ``kasvudata shift-share`` (SPEC §4) on a toy extract via ``--panel``."""
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from kasvudata_utils import cli

HEADER = "area_code,reference_code,indicator,industry_code,year,value,suppressed,note"


@pytest.fixture(scope="module")
def panel_csv(toy_panel, tmp_path_factory):
    path = tmp_path_factory.mktemp("panel") / "toy.csv"
    toy_panel().to_csv(path, index=False)
    return str(path)


def run(capsys, *argv):
    try:
        rc = cli.main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_indicators_csv(capsys, panel_csv, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")  # Kuusamo's sections are suppressed otherwise
    rc, out, err = run(capsys, "indicators", "--area", "KU305", "--reference", "SK178", "--panel", panel_csv)
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str})
    assert out.splitlines()[0] == HEADER
    row = df[(df.indicator == "personnel") & (df.industry_code == "ALL") & (df.year == 2022)]
    assert row.value.tolist() == [68.0]  # Kuusamo's personnel in 2022 (test_indicators_growth)
    lq = df[(df.indicator == "lq_personnel") & (df.industry_code == "C") & (df.year == 2022)]
    assert lq.value.iloc[0] == pytest.approx((40 / 68) / (73 / 120))


def test_disclosure_on_by_default(capsys, panel_csv):
    # Kuusamo's C would reveal Taivalkoski's single C firm (SK178 − Kuusamo): empty in the CSV
    rc, out, err = run(capsys, "indicators", "--area", "KU305", "--reference", "SK178", "--panel", panel_csv)
    assert rc == 0 and "NOT FOR PUBLICATION" not in err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str}, keep_default_na=True)
    c = df[(df.indicator == "personnel") & (df.industry_code == "C")]
    assert c.value.isna().all() and c.suppressed.all()
    lines = [ln for ln in out.splitlines() if ln.startswith("KU305,SK178,personnel,C,2022")]
    assert lines == ["KU305,SK178,personnel,C,2022,,True,"]  # empty, never 0


def test_not_for_publication_is_said(capsys, panel_csv, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    rc, out, err = run(capsys, "indicators", "--area", "KU305", "--reference", "SK178", "--panel", panel_csv)
    assert rc == 0 and "NOT FOR PUBLICATION" in err
    assert pd.read_csv(io.StringIO(out)).note.str.contains("not for publication").all()


@pytest.mark.parametrize("form", ["305", "KU305", "Kuusamo", "ku305"])
def test_every_area_code_form(capsys, panel_csv, form):
    rc, out, err = run(capsys, "indicators", "--area", form, "--reference", "Koillismaan seutukunta",
                       "--panel", panel_csv, "--start", "2020", "--end", "2022")
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out))
    assert set(df.area_code) == {"KU305"} and set(df.reference_code) == {"SK178"}


def test_indicators_json(capsys, panel_csv):
    rc, out, _ = run(capsys, "indicators", "--area", "KU305", "--reference", "SK178", "--panel", panel_csv,
                     "--format", "json", "--start", "2021")
    assert rc == 0
    recs = json.loads(out)
    assert list(recs[0]) == HEADER.split(",")
    g = [r for r in recs if r["indicator"] == "personnel_growth_pct" and r["industry_code"] == "ALL"]
    assert g[0]["year"] == 2022 and g[0]["value"] == pytest.approx((68 / 60 - 1) * 100)


@pytest.mark.parametrize("argv, message", [
    (["--area", "XYZ"], "XYZ"),
    (["--area", "KU9999"], "KU9999"),
    (["--start", "2022", "--end", "2021"], "not before"),
    (["--start", "2010"], "outside the data"),
    (["--end", "2030"], "outside the data"),
    (["--reference", "MK17"], "not covered"),
])
def test_bad_input_exit_2_one_line(capsys, panel_csv, argv, message):
    base = {"--area": "KU305", "--reference": "SK178"}
    for k, v in zip(argv[::2], argv[1::2], strict=False):
        base[k] = v
    args = ["indicators", "--panel", panel_csv] + [x for kv in base.items() for x in kv]
    rc, out, err = run(capsys, *args)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_bad_panel_exit_2(toy_panel, capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    rc, _, err = run(capsys, "indicators", "--area", "KU305", "--panel", str(missing))
    assert rc == 2 and len(err.strip().splitlines()) == 1
    broken = tmp_path / "broken.csv"
    toy_panel().drop(columns="personnel").to_csv(broken, index=False)
    rc, _, err = run(capsys, "indicators", "--area", "KU305", "--panel", str(broken))
    assert rc == 2 and "personnel" in err and len(err.strip().splitlines()) == 1


def test_shift_share_classic_csv(capsys, panel_csv, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    rc, out, err = run(capsys, "shift-share", "--area", "305", "--reference", "SK178", "--start", "2020",
                       "--end", "2022", "--panel", panel_csv)
    assert rc == 0, err
    assert out.splitlines()[0] == "industry_code,base,end,national_share,industry_mix,regional_shift,suppressed,note"
    df = pd.read_csv(io.StringIO(out)).set_index("industry_code")
    # hand-worked in test_indicators_shiftshare.py: C NS 7, IM −2.6923077, RS 0.6923077
    assert df.loc["C", ["national_share", "industry_mix", "regional_shift"]].tolist() == pytest.approx(
        [7.0, -2.6923076923, 0.6923076923])
    assert df.loc["TOTAL", "note"] == "reference contains the area; not for publication"


def test_shift_share_options(capsys, panel_csv, monkeypatch):
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    rc, out, _ = run(capsys, "shift-share", "--area", "KU305", "--reference", "SK178", "--start", "2020",
                     "--end", "2022", "--panel", panel_csv, "--method", "esteban-marquillas", "--measure",
                     "turnover_eur", "--level", "division", "--format", "json")
    assert rc == 0
    recs = {r["industry_code"]: r for r in json.loads(out)}
    assert set(recs) == {"10", "47", "62", "TOTAL"}
    # division 47 = section G here: NC = 12.72/18 × 1000 €
    assert recs["47"]["net_competitive"] == pytest.approx(12720 / 18)
    rc, _, err = run(capsys, "shift-share", "--area", "KU305", "--start", "2020", "--panel", panel_csv)
    assert rc == 2 and "--end" in err  # --end is required
    rc, _, err = run(capsys, "shift-share", "--area", "KU305", "--reference", "SK178", "--start", "2020",
                     "--end", "2022", "--panel", panel_csv, "--method", "bogus")
    assert rc == 2 and "bogus" in err


@pytest.fixture(scope="module")
def embedded():
    from kasvudata_utils.data.synthetic import generate

    return generate(scale="test")


def test_embedded_reference_outside_panel_comes_from_the_table(capsys, monkeypatch, embedded):
    # MK17 against SSS: the panel covers MK17 only, so SSS comes from the business table
    import kasvudata_utils.data as data

    monkeypatch.setattr(data, "load_firm_panel", lambda path=None: embedded.firm_panel)
    monkeypatch.setattr(data, "load_business_table", lambda path=None: embedded.business_table)
    rc, out, err = run(capsys, "indicators", "--area", "MK17", "--format", "json")
    assert rc == 0, err
    recs = [r for r in json.loads(out) if r["indicator"] == "lq_personnel"]
    assert {r["reference_code"] for r in recs} == {"SSS"}
    # LQ against the country: MK17 share / SSS share, computed here from the inputs directly
    p, t = embedded.firm_panel, embedded.business_table
    year = int(p.year.max())
    e = p[p.year == year].groupby("industry_code").personnel.sum()
    E = t[t.year == year].groupby("industry_code").personnel.sum()
    from kasvudata_utils.industries import division_section_map
    es, Es = e.groupby(e.index.map(division_section_map())).sum(), E.groupby(E.index.map(division_section_map())).sum()
    sec = "C"
    want = (es[sec] / es.sum()) / (Es[sec] / Es.sum())
    got = [r for r in recs if r["industry_code"] == sec and r["year"] == year][0]
    assert got["value"] == pytest.approx(want, rel=1e-9)


def test_console_script_runs(panel_csv):
    proc = subprocess.run([sys.executable, "-m", "kasvudata_utils", "shift-share", "--area", "Kuusamo",
                           "--reference", "SK178", "--start", "2020", "--end", "2022", "--panel", panel_csv,
                           "--method", "dynamic"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "KASVUDATA_DISCLOSURE": "off"})
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(io.StringIO(proc.stdout)).set_index("industry_code")
    assert df.loc["TOTAL", ["national_share", "industry_mix", "regional_shift"]].sum() == pytest.approx(15.0)
