"""Issue 12: counts of firms derived from a published share and a published count, and what the CLI prints.

A share times (or over) a count published beside it is a count too: ``micro_share_pct`` × firms gives
the firms of 1-9 and of 10+ persons, ``hge_count`` / ``hge_share_pct`` the firms of 10+ persons three
years earlier and, of those, the ones that did not grow fast. Each must be 0 or at least 3 firms. And
``kasvudata indicators --panel`` / ``shift-share --panel`` print only what the protected table publishes.
"""
import copy
import io

import numpy as np
import pandas as pd
import pytest
from test_disclosure_attacks import COLS, lone_firm_panel, public_reference_table

from kasvudata_utils import cli
from kasvudata_utils.indicators import audit, compute_indicators, intervals

DERIVED_HGE = "count of 1-2 firms from hge_share_pct and hge_count"
DERIVED_MICRO = "size class of 1-2 firms from micro_share_pct"


def derived_panel() -> pd.DataFrame:
    """Kuusamo: four firms of 10 persons in 2019, three grow to 15 by 2022 (HGEs: 15/10 > 1.1³), one
    stays at 10; six micro firms of 2. Taivalkoski: one firm of 15 persons and five of 3 (one firm of 10+).
    """
    firms = [("KU305", "25", (10, 11, 13, 15))] * 3 + [("KU305", "25", (10,) * 4)]
    firms += [("KU305", "47", (2,) * 4)] * 6
    firms += [("KU832", "25", (15,) * 4)] + [("KU832", "47", (3,) * 4)] * 5
    rows = [(f"F{k}", y, m, d, float(p), 1e5 * p, 0.0, 0.0, 2000)
            for k, (m, d, ps) in enumerate(firms) for y, p in zip(range(2019, 2023), ps, strict=True)]
    return pd.DataFrame(rows, columns=COLS)


def _all_2022(out, area):
    return out[(out.area_code == area) & (out.industry_code == "ALL") & (out.year == 2022)].set_index("indicator")


def test_hge_share_beside_hge_count_would_tell_one_firm_that_did_not_grow(monkeypatch):
    # by hand: base 4 (10+ persons in 2019), 3 HGEs, share 75 %: 3 / 0.75 − 3 = 1 firm did not grow fast
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    off = _all_2022(compute_indicators(derived_panel(), "KU305", "KU305", 2019, 2022), "KU305")
    assert off.loc["hge_count", "value"] == 3 and off.loc["hge_share_pct", "value"] == pytest.approx(75.0)
    monkeypatch.delenv("KASVUDATA_DISCLOSURE")
    on = _all_2022(compute_indicators(derived_panel(), "KU305", "KU305", 2019, 2022), "KU305")
    assert on.loc[["hge_count", "hge_share_pct"], "suppressed"].all()
    assert on.loc[["hge_count", "hge_share_pct"], "value"].isna().all()
    # Taivalkoski: one firm of 10+ persons among 6, so its micro share (5/6) is not published
    tv = _all_2022(compute_indicators(derived_panel(), "KU832", "KU832", 2019, 2022), "KU832")
    assert tv.loc["micro_share_pct", "suppressed"] and not tv.loc["establishments", "suppressed"]


@pytest.fixture(scope="module")
def derived_sets():
    p = derived_panel()
    return audit.published_set(p), audit.published_set(p, disclose=False)


def _publish(pub, truth, cells):
    """A leaky output: each (indicator, area, industry, year) of ``cells`` published with its true value."""
    leaky = copy.deepcopy(pub)
    ind, tr = leaky["indicators"], truth["indicators"]
    for indicator, area, industry, year in cells:
        sel = ((ind.indicator == indicator) & (ind.area_code == area) & (ind.industry_code == industry)
               & (ind.year == year))
        tsel = ((tr.indicator == indicator) & (tr.area_code == area) & (tr.industry_code == industry)
                & (tr.year == year))
        assert sel.any() and ind.loc[sel, "suppressed"].all()
        ind.loc[sel, "value"] = tr.loc[tsel, "value"].to_numpy()[0]
        ind.loc[sel, "suppressed"] = False
    return leaky


def test_audit_finds_derived_counts_in_a_leaky_output(derived_sets, tmp_path):
    pub, truth = derived_sets
    assert audit.audit_published(pub, truth).empty
    leaky = _publish(pub, truth, [("hge_count", "KU305", "ALL", 2022), ("hge_share_pct", "KU305", "ALL", 2022),
                                  ("micro_share_pct", "KU832", "ALL", 2022)])
    out = audit.audit_published(leaky, truth)
    hge = out[out.reason == DERIVED_HGE]
    micro = out[out.reason == DERIVED_MICRO]
    assert hge[["area_code", "indicator", "year"]].values.tolist() == [["KU305", "hge_share_pct", 2022]]
    assert micro[["area_code", "indicator", "year"]].values.tolist() == [["KU832", "micro_share_pct", 2022]]
    # hge_count = 3 alone is no count of 1-2 firms: only the derived check finds this leak
    assert not ((out.indicator == "hge_count")
                & (out.reason == "count of 1-2 firms with a confidential property")).any()
    # the same leak in a written long table (an app cache, a report's indicators.csv)
    folder = tmp_path / "leaky"
    folder.mkdir()
    leaky["indicators"].to_csv(folder / "indicators.csv", index=False)
    files = audit.file_exposures(audit.published_files(folder), pub["indicators"], truth["indicators"])
    assert {DERIVED_HGE, DERIVED_MICRO} <= set(files.reason)
    assert set(files.loc[files.reason.isin([DERIVED_HGE, DERIVED_MICRO]), "source"]) == {
        str(folder / "indicators.csv")}


def test_audit_cli_exits_1_on_a_leaky_file_of_derived_counts(derived_sets, tmp_path, capsys):
    pub, truth = derived_sets
    panel = tmp_path / "panel.csv"
    derived_panel().to_csv(panel, index=False)
    folder = tmp_path / "cache"
    folder.mkdir()
    pub["indicators"].to_csv(folder / "indicators.csv", index=False)
    assert cli.main(["disclosure", "audit", "--panel", str(panel), "--app-cache", str(folder)]) == 0
    capsys.readouterr()
    leaky = _publish(pub, truth, [("hge_count", "KU305", "ALL", 2022), ("hge_share_pct", "KU305", "ALL", 2022)])
    leaky["indicators"].to_csv(folder / "indicators.csv", index=False)
    assert cli.main(["disclosure", "audit", "--panel", str(panel), "--app-cache", str(folder)]) == 1
    assert DERIVED_HGE in capsys.readouterr().out


# --------------------------------------------------------------------------- what the CLI prints
def _cli_csv(capsys, *argv):
    rc = cli.main(list(argv))
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    return pd.read_csv(io.StringIO(cap.out), dtype={"industry_code": str})


@pytest.fixture()
def lone_files(tmp_path):
    panel, table = tmp_path / "lone.csv", tmp_path / "ref.csv"
    lone_firm_panel().to_csv(panel, index=False)
    public_reference_table().to_csv(table, index=False)
    return str(panel), str(table)


def test_indicators_panel_prints_only_what_the_protected_table_publishes(capsys, lone_files):
    panel, _ = lone_files
    for level in ("section", "division"):
        out = _cli_csv(capsys, "indicators", "--panel", panel, "--area", "KU305", "--reference", "SK178",
                      "--level", level)
        pub = audit.published_set(lone_firm_panel(), ["KU305"])["indicators"]
        keys = ["area_code", "indicator", "industry_code", "year"]
        pub = pub[pub.level.isin(["any", level])].drop_duplicates(keys)
        m = out.merge(pub[keys + ["value", "suppressed"]], on=keys, suffixes=("", "_pub"), validate="one_to_one")
        assert len(m) == len(out)  # every printed cell is a cell of the published set …
        assert (m.suppressed == m.suppressed_pub).all()  # … hidden exactly where it is hidden there …
        shown = m[~m.suppressed]
        assert shown.value.to_numpy() == pytest.approx(shown.value_pub.to_numpy(), rel=1e-12)  # … same value
        assert m.loc[m.suppressed, "value"].isna().all()
        # the lone firm's section M (62.7 persons in 2022) is not printed
        lone = "M" if level == "section" else "70"
        assert out.loc[(out.indicator == "personnel") & (out.industry_code == lone), "suppressed"].all()


def _ss_attack_interval(ss: pd.DataFrame, table: pd.DataFrame, code: str) -> tuple:
    """The attacker's interval of a hidden division's start value from what a shift-share output prints.

    Unknowns e0_h >= 0 of the hidden rows; known: TOTAL.base − Σ visible base and, where TOTAL prints
    its industry mix, Σ e0_h (g_h − G) = TOTAL.industry_mix − Σ visible industry mix, with the
    reference's public growth rates g_h (the public table). Solved as a linear programme.
    """
    ref = table.groupby(["industry_code", "year"]).personnel.sum().unstack()
    g = ref[2022] / ref[2021] - 1
    big_g = ref[2022].sum() / ref[2021].sum() - 1
    s = ss.set_index("industry_code")
    tot, rows = s.loc["TOTAL"], s.drop(index="TOTAL")
    hidden = list(rows.index[rows.base.isna()])
    vis = rows.loc[rows.base.notna()]
    a = [np.ones(len(hidden))]
    b = [tot.base - vis.base.sum()]
    if not np.isnan(tot.industry_mix):
        a.append(np.array([g[h] - big_g for h in hidden]))
        b.append(tot.industry_mix - vis.industry_mix.sum())
    lo, hi = intervals.intervals_of(np.array(a), np.array(b), [hidden.index(code)])[0]
    return lo, hi


@pytest.mark.parametrize("method", ["classic", "esteban-marquillas"])
def test_shift_share_panel_total_carries_nothing_its_hidden_rows_hide(capsys, lone_files, monkeypatch, method):
    # The lone firm of division 70 in Kuusamo (60.0 persons in 2021) and its complementary cells are
    # blanked; TOTAL prints the area's totals but not its components. Had TOTAL printed its industry
    # mix (as with disclosure control off), the attacker's programme would pin 70's start value to an
    # interval narrower than its protection interval [54, 66]; from the printed output it cannot.
    panel, table = lone_files
    argv = ["shift-share", "--panel", panel, "--table", table, "--area", "KU305", "--reference", "KU091",
            "--start", "2021", "--end", "2022", "--level", "division", "--method", method]
    ss = _cli_csv(capsys, *argv)
    s = ss.set_index("industry_code")
    assert s.loc["70", "suppressed"] and np.isnan(s.loc["70", "base"])
    comps = [c for c in ss.columns if c not in ("industry_code", "base", "end", "suppressed", "note")]
    assert s.loc["TOTAL", comps].isna().all() and s.loc["TOTAL", "base"] == pytest.approx(133.5)
    ref = public_reference_table()
    need = intervals.protection_level([60.0], 1.0)[0]
    lo, hi = _ss_attack_interval(ss, ref, "70")
    assert lo <= 60.0 - need and hi >= 60.0 + need
    # the same output with TOTAL's industry mix filled in from the unprotected run: exposed
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    off = _cli_csv(capsys, *argv).set_index("industry_code")
    leaky = ss.copy()
    leaky.loc[leaky.industry_code == "TOTAL", "industry_mix"] = off.loc["TOTAL", "industry_mix"]
    lo, hi = _ss_attack_interval(leaky, ref, "70")
    assert lo <= 60.0 <= hi and (lo > 60.0 - need or hi < 60.0 + need)


def difference_panel() -> pd.DataFrame:
    """Kuusamo, division 25, seven firms of 10 persons in 2019: three founded 2018 grow to 15 by 2022 (HGEs
    and gazelles: 15/10 > 1.1³, 4 years old), one founded 2000 grows the same (an HGE, no gazelle), three
    founded 2000 stay at 10. Exporters: the three gazelles and two of the stable firms (five of seven).
    """
    grow, stay = (10, 11, 13, 15), (10,) * 4
    firms = [(grow, 2018, True)] * 3 + [(grow, 2000, False)] + [(stay, 2000, True)] * 2 + [(stay, 2000, False)]
    rows = [(f"F{k}", y, "KU305", "25", float(p), 1e5 * p, 1e4 if exp else 0.0, 0.0, founded)
            for k, (ps, founded, exp) in enumerate(firms) for y, p in zip(range(2019, 2023), ps, strict=True)]
    return pd.DataFrame(rows, columns=COLS)


def test_two_counts_side_by_side_would_tell_their_difference(monkeypatch):
    # by hand (2022, all industries): 7 firms, 5 exporters → 2 firms do not export; 4 HGEs (base 7, 3 not
    # fast: published), 3 of them gazelles → 1 HGE older than 5 years
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    off = _all_2022(compute_indicators(difference_panel(), "KU305", "KU305", 2019, 2022), "KU305")
    assert off.loc[["establishments", "exporter_count", "hge_count", "gazelle_count"], "value"].tolist() == [
        7, 5, 4, 3]
    monkeypatch.delenv("KASVUDATA_DISCLOSURE")
    on = _all_2022(compute_indicators(difference_panel(), "KU305", "KU305", 2019, 2022), "KU305")
    assert on.loc[["exporter_count", "gazelle_count"], "suppressed"].all()
    assert on.loc[["exporter_count", "gazelle_count"], "value"].isna().all()
    assert not on.loc[["establishments", "hge_count"], "suppressed"].any()  # 7 firms, 4 of 7 fast: no such pair
    assert on.loc["hge_count", "value"] == 4
    # the audit finds the pair where an output prints both counts
    pub, truth = audit.published_set(difference_panel()), audit.published_set(difference_panel(), disclose=False)
    assert audit.audit_published(pub, truth).empty
    leaky = _publish(pub, truth, [("exporter_count", "KU305", "ALL", 2022), ("gazelle_count", "KU305", "ALL", 2022)])
    found = audit.audit_published(leaky, truth)
    found = found[(found.year == 2022) & (found.industry_code == "ALL")]
    pairs = set(zip(found.indicator, found.reason, strict=True))
    assert {("exporter_count", "count of 1-2 non-exporting firms"),
            ("gazelle_count", "count of 1-2 HGEs that are no gazelles")} <= pairs


def test_audit_cli_checks_reports_and_app_cache_each_against_its_own_period(tmp_path, capsys):
    # The reports were run for 2020-2022 (their manifest says so), the app cache holds the data's years
    # 2019-2022: a growth figure of the cache (base 2019) is not the reports' (base 2020), and neither is a
    # leak. Audited together, each folder is compared with the protected set of its own period.
    p = derived_panel()
    panel = tmp_path / "panel.csv"
    p.to_csv(panel, index=False)
    reports, cache = tmp_path / "reports", tmp_path / "cache"
    (reports / "KU305" / "tables").mkdir(parents=True)
    cache.mkdir()
    audit.published_set(p, start=2020, end=2022)["indicators"].to_csv(
        reports / "KU305" / "tables" / "indicators.csv", index=False)
    (reports / "manifest.json").write_text(
        '{"reports": {"KU305": {"parameters": {"start_year": 2020, "end_year": 2022}}}}')
    full = audit.published_set(p)["indicators"]
    full.to_csv(cache / "indicators.csv", index=False)
    growth = full[(full.indicator == "personnel_growth_pct") & ~full.suppressed & full.value.notna()]
    assert len(growth)  # the cache does publish growth figures over its own period
    argv = ["disclosure", "audit", "--panel", str(panel), "--reports", str(reports), "--app-cache", str(cache),
            "--out", str(tmp_path / "audit")]
    assert cli.main(argv) == 0, capsys.readouterr().out
    err = capsys.readouterr().err
    assert "2 files; 0 exposed" in err
    # and a leak in either folder is still found
    pub, truth = audit.published_set(p), audit.published_set(p, disclose=False)
    _publish(pub, truth, [("hge_count", "KU305", "ALL", 2022), ("hge_share_pct", "KU305", "ALL", 2022)])[
        "indicators"].to_csv(cache / "indicators.csv", index=False)
    assert cli.main(argv) == 1
    assert DERIVED_HGE in capsys.readouterr().out
