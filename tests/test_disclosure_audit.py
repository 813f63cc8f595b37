"""Issue 12: the disclosure audit finds a leak where there is one and nothing in what is published."""
import copy
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from test_disclosure_attacks import count_panel, lone_firm_panel, panels

from kasvudata_utils.indicators import audit, disclosure, intervals


def test_intervals_by_hand():
    # a + b = 10, b + c = 4, all >= 0: a in [6, 10], b in [0, 4], c in [0, 4]
    a = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    b = np.array([10.0, 4.0])
    assert [intervals.interval(a, b, j) for j in range(3)] == [(6.0, 10.0), (0.0, 4.0), (0.0, 4.0)]
    # truth a = 7, b = 3, c = 1: a needs [6, 8] (±1): inside [6, 10], protected; b needs [2, 4]: protected;
    # c needs [0, 2] but can reach only 4 - 0 ... c in [0, 4]: protected; a protection level of 5 exposes a
    # (it must reach 2) and b (it must reach 8)
    assert intervals.unprotected(a, b, np.array([7.0, 3.0, 1.0]), np.ones(3)).tolist() == [False, False, False]
    assert intervals.unprotected(a, b, np.array([7.0, 3.0, 1.0]), np.full(3, 5.0)).tolist() == [True, True, True]


def _whole_matrix_interval(a, b, j):
    """The interval by definition: min and max of x_j over {x >= 0 : A x = b}, the whole matrix, cold."""
    c = np.zeros(a.shape[1])
    c[j] = 1.0
    lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    assert lo.status == 0 and hi.status in (0, 3)
    return lo.x[j], (np.inf if hi.status == 3 else hi.x[j])


@st.composite
def random_tables(draw):
    """Two or three r x c tables with row and column totals and a grand total, some cells hidden.

    The relations of the hidden cells (the published ones moved to the right-hand side) are one
    matrix whose tables are separate blocks, some with a block of their own inside.
    """
    rows_a, b = [], []
    n_var = 0
    for _ in range(draw(st.integers(2, 3))):
        r, c = draw(st.integers(1, 3)), draw(st.integers(2, 4))
        inner = np.array(draw(st.lists(st.integers(0, 50), min_size=r * c, max_size=r * c)), float).reshape(r, c)
        full = np.zeros((r + 1, c + 1))
        full[:r, :c] = inner
        full[r, :c] = inner.sum(axis=0)
        full[:r, c] = inner.sum(axis=1)
        full[r, c] = inner.sum()
        hide = np.array(draw(st.lists(st.booleans(), min_size=full.size, max_size=full.size))).reshape(full.shape)
        var = -np.ones(full.shape, dtype=int)
        var[hide] = n_var + np.arange(hide.sum())
        n_var += int(hide.sum())
        relations = [[(i, j) for j in range(c)] + [(i, c)] for i in range(r + 1)]
        relations += [[(i, j) for i in range(r)] + [(r, j)] for j in range(c + 1)]
        for rel in relations:  # members - total = 0
            coef, rhs = {}, 0.0
            for k, cell in enumerate(rel):
                s = -1.0 if k == len(rel) - 1 else 1.0
                if var[cell] >= 0:
                    coef[var[cell]] = coef.get(var[cell], 0.0) + s
                else:
                    rhs -= s * full[cell]
            if coef:
                rows_a.append(coef)
                b.append(rhs)
    a = np.zeros((len(rows_a), n_var))
    for i, coef in enumerate(rows_a):
        for j, v in coef.items():
            a[i, j] = v
    return a, np.array(b)


@settings(max_examples=40, deadline=None)
@given(table=random_tables())
def test_block_intervals_equal_the_whole_matrix_intervals(table):
    # each hidden cell's interval solved on its connected block (one warm model per block) is the
    # interval over the whole matrix of relations solved from scratch
    a, b = table
    if a.shape[1] == 0:
        return
    got = intervals.intervals_of(a, b, np.arange(a.shape[1]))
    want = np.array([_whole_matrix_interval(a, b, j) for j in range(a.shape[1])])
    assert np.array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(want)
    assert got[finite] == pytest.approx(want[finite], abs=1e-6)
    # the blocks cover every hidden cell once, and no relation links two blocks
    parts = intervals.blocks(a)
    assert sorted(np.concatenate([c for c, _ in parts]).tolist()) == list(range(a.shape[1]))
    for cols, rws in parts:
        outside = np.setdiff1d(np.arange(a.shape[1]), cols)
        assert not a[np.ix_(rws, outside)].any()


def test_a_warm_run_without_a_status_is_solved_cold():
    # found by the property test above: on this system the warm HiGHS model ended with status "Unknown"
    # (an unbounded cell after other objectives) and the audit raised. By hand: row 4 gives x1 = 0, rows
    # 0 and 3 then x0 = x2 = x3 = 0; rows 1, 5, 2 give x5 = x4 + 1, x6 = x4 + 1, x7 = x4 + 2 (row 6 holds),
    # and x4 ≥ 0 is free above
    a = np.array([[1, 1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, -1, 0, 0], [0, 0, 0, 0, 0, 0, 1, -1],
                  [1, 0, 0, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 1, 0, -1, 0],
                  [0, 0, 0, 0, 0, 1, 0, -1]], dtype=float)
    b = np.array([0, -1, -1, 0, 0, -1, -1], dtype=float)
    got = intervals.intervals_of(a, b, np.arange(8))
    assert got.tolist() == [[0, 0]] * 4 + [[0, np.inf], [1, np.inf], [1, np.inf], [2, np.inf]]


@pytest.mark.parametrize("warm", [True, False])
def test_blocks_by_hand(warm, monkeypatch):
    # a + b = 10, b + c = 4 (one block through b); d + e = 7 (another); f in no relation; g - h = 0
    # (unbounded above). Without scipy's HiGHS bindings (warm=False) every programme goes through linprog.
    if not warm:
        monkeypatch.setattr(intervals, "_highs", None)
    a = np.array([[1.0, 1.0, 0, 0, 0, 0, 0, 0], [0, 1.0, 1.0, 0, 0, 0, 0, 0], [0, 0, 0, 1.0, 1.0, 0, 0, 0],
                  [0, 0, 0, 0, 0, 0, 1.0, -1.0]])
    assert [(c.tolist(), r.tolist()) for c, r in intervals.blocks(a)] == [([0, 1, 2], [0, 1]), ([3, 4], [2]),
                                                                           ([5], []), ([6, 7], [3])]
    assert intervals.intervals_of(a, np.array([10.0, 4.0, 7.0, 0.0]), [2, 0, 3, 5, 7]).tolist() == [
        [0.0, 4.0], [6.0, 10.0], [0.0, 7.0], [0.0, np.inf], [0.0, np.inf]]
    # a = 7, b = 3, c = 1 with protection level 5: a must reach [2, 12], it lies in [6, 10]
    assert intervals.unprotected(a[:2, :3], np.array([10.0, 4.0]), np.array([7.0, 3.0, 1.0]),
                                 np.full(3, 5.0)).tolist() == [True, True, True]


def test_protection_level_is_ten_percent_or_one_unit():
    assert audit.protection_level([60.0, 4.0, 0.5], 1.0).tolist() == pytest.approx([6.0, 1.0, 1.0])
    assert audit.protection_level([5e6], 0.0).tolist() == pytest.approx([5e5])


def test_a_hidden_total_over_published_members_gets_a_member_hidden():
    # total 35 hidden (say dominance) over members 30 and 5: their sum gives it back, so the 5 goes too
    f = disclosure.protect_measure(np.array([False, False, True]), np.array([30.0, 5.0, 35.0]), np.ones(3), 1.0,
                                   np.arange(3), np.zeros(3, int), np.array([0, 0, 1], bool))
    assert f.tolist() == [False, True, True]


def test_chained_relations_are_protected_not_only_each_relation():
    # Two relations share cell b: a + b = 10 (total published) and b + c + d = 6 (published), a = 9 is a
    # lone firm. The exact rule hides b = 1 beside a (smallest); then in the second relation b is the only
    # unknown, so c = 2 goes too. Now a in [10 - (1 + 2), 10] = [7, 10]: a must reach 9 ± 1 = [8, 10], it
    # does. The protection is checked by the programme over both relations at once.
    row = np.array([0, 1, 4, 1, 2, 3, 5])
    gid = np.array([0, 0, 0, 1, 1, 1, 1])
    tot = np.array([False, False, True, False, False, False, True])
    values = np.array([9.0, 1.0, 2.0, 3.0, 10.0, 6.0])
    f = disclosure.protect_measure(np.array([True, False, False, False, False, False]), values, np.ones(6), 1.0,
                                   row, gid, tot)
    assert f.tolist() == [True, True, True, False, False, False]
    assert not disclosure.exposed_cells(f, values, 1.0, row, gid, tot).any()
    # publishing c again (a leaky output) pins b = 6 - 2 - 3 = 1 and a = 9: the audit's programme says so
    leaky = f.copy()
    leaky[2] = False
    assert disclosure.exposed_cells(leaky, values, 1.0, row, gid, tot).tolist() == [True, True] + [False] * 4


@pytest.fixture(scope="module")
def lone_sets():
    p = lone_firm_panel()
    return audit.published_set(p), audit.published_set(p, disclose=False)


def test_published_lone_firm_panel_is_safe(lone_sets):
    pub, truth = lone_sets
    assert audit.audit_published(pub, truth).empty


def _leak(pub, truth, indicator, area, industry, year):
    """Publish one suppressed cell with its true value (a leaky output)."""
    leaky = copy.deepcopy(pub)
    ind, tr = leaky["indicators"], truth["indicators"]
    sel = (ind.indicator == indicator) & (ind.area_code == area) & (ind.industry_code == industry) & (ind.year == year)
    tsel = (tr.indicator == indicator) & (tr.area_code == area) & (tr.industry_code == industry) & (tr.year == year)
    assert ind.loc[sel, "suppressed"].all()
    ind.loc[sel, "value"] = tr.loc[tsel, "value"].to_numpy()
    ind.loc[sel, "suppressed"] = False
    return leaky


def test_audit_finds_a_secondary_cell_published_by_mistake(lone_sets):
    # publish every other hidden cell of Kuusamo 2022 (sections and their divisions): then
    # M = 136.7 − the rest = 62.7 exactly, and the audit must say so
    pub, truth = lone_sets
    ind = pub["indicators"]
    hidden = ind[(ind.indicator == "personnel") & (ind.area_code == "KU305") & (ind.year == 2022) & ind.suppressed]
    others = [c for c in hidden.industry_code if c not in ("M", "70")]
    assert others  # M has a secondary partner
    leaky = pub
    for code in others:
        leaky = _leak(leaky, truth, "personnel", "KU305", code, 2022)
    out = audit.audit_published(leaky, truth)
    m = out[(out.area_code == "KU305") & (out.industry_code == "M") & (out.year == 2022)
            & (out.indicator == "personnel")]
    assert len(m) == 1 and m.lower.iloc[0] == pytest.approx(62.7) and m.upper.iloc[0] == pytest.approx(62.7)


def test_audit_finds_herfindahl_total_and_small_counts(lone_sets):
    pub, truth = lone_sets
    leaky = _leak(pub, truth, "herfindahl_index", "KU305", "ALL", 2022)
    ss = leaky["shift_share"]["KU305"]
    tr_ss = truth["shift_share"]["KU305"]
    ss.loc[ss.industry_code == "TOTAL", "industry_mix"] = tr_ss.loc[tr_ss.industry_code == "TOTAL", "industry_mix"]
    out = audit.audit_published(leaky, truth)
    assert set(out.reason) >= {"index over shares published beside a hidden share",
                               "TOTAL components published while a row is hidden"}
    cp = count_panel()
    pub2, truth2 = audit.published_set(cp), audit.published_set(cp, disclose=False)
    leaky2 = _leak(pub2, truth2, "hge_count", "KU305", "ALL", 2022)
    out2 = audit.audit_published(leaky2, truth2)
    assert (out2.reason == "count of 1-2 firms with a confidential property").any()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=panels())
def test_generated_panels_have_nothing_exposed(panel):
    # lone firms, pairs and dominated cells across both industry levels and the area hierarchy: the
    # audit's programme narrows no suppressed cell below its protection level, and no index over hidden
    # shares, count of 1-2 firms, ratio of a hidden cell or shift-share total over hidden rows is published
    out = audit.audit(panel)
    assert out.empty, out.head(10).to_string()


def test_files_that_publish_a_hidden_cell_are_found(lone_sets, tmp_path):
    pub, truth = lone_sets
    ind, tr = pub["indicators"], truth["indicators"]
    keys = ["area_code", "indicator", "industry_code", "year"]
    cells = ind[(ind.indicator == "turnover_eur") & ind.suppressed & (ind.area_code == "KU305")].merge(
        tr[keys + ["value"]].rename(columns={"value": "true"}), on=keys)
    hidden = cells[cells.true % 1e6 != 0].iloc[0]  # not a whole number of millions (shown with decimals)
    true_value = hidden.true
    assert true_value >= audit.EURO_MIN
    clean = tmp_path / "clean"
    clean.mkdir()
    ind.to_csv(clean / "indicators.csv", index=False)
    assert audit.audit_published(pub, truth, audit.published_files(clean)).empty
    # a long table with the hidden cell filled in, and a chart CSV printing it in million euros
    leaky = tmp_path / "leaky"
    leaky.mkdir()
    sel = ((ind.indicator == "turnover_eur") & (ind.area_code == "KU305") & (ind.industry_code == hidden.industry_code)
           & (ind.year == hidden.year))
    ind.assign(value=ind.value.mask(sel, true_value), suppressed=ind.suppressed & ~sel).to_csv(
        leaky / "indicators.csv", index=False)
    (leaky / "chart.csv").write_text(f"label,value\nX,{true_value / 1e6:.6f}\n")
    out = audit.audit_published(pub, truth, audit.published_files(leaky))
    assert {"file publishes a suppressed cell", "file prints a suppressed cell's true value"} <= set(out.reason)
    assert set(out.loc[out.reason == "file prints a suppressed cell's true value", "source"]) == {
        str(leaky / "chart.csv"), str(leaky / "indicators.csv")}


def test_cli_exit_codes(tmp_path):
    path = tmp_path / "lone.csv"
    lone_firm_panel().to_csv(path, index=False)
    cmd = [sys.executable, "-m", "kasvudata_utils", "disclosure", "audit", "--panel", str(path), "--out",
           str(tmp_path / "out")]
    ok = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "0 exposed" in ok.stderr and (tmp_path / "out" / "audit_summary.json").exists()
    # with disclosure control off everything is "published": the audit must fail it
    off = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "KASVUDATA_DISCLOSURE": "off"})
    assert off.returncode == 1 and "KU305" in off.stdout and "M" in off.stdout


def test_report_batch_publishes_nothing_when_the_audit_fails(tmp_path):
    # disclosure control off: the audit finds the lone firm, so the batch stops before any report
    path = tmp_path / "lone.csv"
    lone_firm_panel().to_csv(path, index=False)
    out = tmp_path / "reports"
    r = subprocess.run([sys.executable, "-m", "kasvudata_utils", "reports", "--panel", str(path), "--areas", "KU305",
                        "--out", str(out), "--no-industries", "--jobs", "1"], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "KASVUDATA_DISCLOSURE": "off"})
    assert r.returncode == 1 and "nothing published" in r.stderr and "first: KU305" in r.stderr
    assert not out.exists() or not any(out.iterdir())
    # the cells are named, their values never printed (the lone firm's 62.7 persons of section M in 2022)
    assert "62.7" not in r.stderr + r.stdout


def test_audit_of_some_areas_uses_only_complete_area_sums():
    # SK178 without Taivalkoski: SK178 = Kuusamo is no relation (Taivalkoski holds firms too); the
    # audit must neither fail (an infeasible programme) nor flag the true values as exposed
    assert audit.audit(lone_firm_panel(), ["KU305", "SK178"]).empty
    assert audit._parents({"KU305", "SK178"}, {"KU305", "KU832"}) == {}
    assert audit._parents({"KU305", "KU832", "SK178"}, {"KU305", "KU832"}) == {"KU305": "SK178", "KU832": "SK178"}


def test_a_real_run_passes_the_audit_of_its_files_and_a_tampered_file_does_not(tmp_path):
    # an own panel (KU305 with a lone firm, KU832) published with the embedded public table as the
    # region's reference: the batch's own audit passes, then the audit of every CSV it wrote passes too;
    # a report table with a suppressed cell filled in (its true value) fails it
    from kasvudata_utils import paths

    path = tmp_path / "lone.csv"
    lone_firm_panel().to_csv(path, index=False)
    table = paths.processed_dir() / "business_table.parquet"
    out = tmp_path / "reports"
    run = [sys.executable, "-m", "kasvudata_utils"]
    r = subprocess.run(run + ["reports", "--panel", str(path), "--table", str(table), "--areas", "KU305",
                              "--start", "2021", "--end", "2022", "--out", str(out), "--no-industries",
                              "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    audit_cmd = run + ["disclosure", "audit", "--panel", str(path), "--reports", str(out)]
    ok = subprocess.run(audit_cmd, capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0 and " 0 exposed" in ok.stderr, ok.stdout[-2000:] + ok.stderr
    assert int(ok.stderr.split(" files;")[0].rsplit(" ", 1)[1]) > 10  # the report's CSV files were read
    ind_file = out / "KU305" / "tables" / "indicators.csv"
    ind = pd.read_csv(ind_file, dtype={"industry_code": str})
    truth = audit.published_set(lone_firm_panel(), ["KU305"], 2021, 2022, disclose=False)["indicators"]
    hid = ind[ind.suppressed & (ind.indicator == "personnel")].iloc[0]
    true_value = truth[(truth.indicator == "personnel") & (truth.area_code == "KU305")
                       & (truth.industry_code == hid.industry_code) & (truth.year == hid.year)].value.iloc[0]
    sel = (ind.indicator == "personnel") & (ind.industry_code == hid.industry_code) & (ind.year == hid.year)
    ind.loc[sel, "value"] = true_value
    ind.loc[sel, "suppressed"] = False
    ind.to_csv(ind_file, index=False)
    bad = subprocess.run(audit_cmd, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1 and "file publishes a suppressed cell" in bad.stdout


def _two_way(values):
    """Relations of a two-way table: rows (areas a, b, then their sum) × columns (industries, then ALL)."""
    n_r, n_c = values.shape
    row, gid, tot = [], [], []
    for r in range(n_r):  # industries add up to ALL in each area
        row += [r * n_c + c for c in range(n_c)]
        gid += [r] * n_c
        tot += [c == n_c - 1 for c in range(n_c)]
    for c in range(n_c):  # areas add up to their parent in each industry
        row += [r * n_c + c for r in range(n_r)]
        gid += [n_r + c] * n_r
        tot += [r == n_r - 1 for r in range(n_r)]
    avoid = np.array([c == n_c - 1 for r in range(n_r) for c in range(n_c)])
    return np.array(row), np.array(gid), np.array(tot), avoid


def test_the_cheapest_complements_protect_with_members_only():
    # industries X, Y, Z and ALL in areas a, b and their sum; (a, X) = 50 is dominated and needs ±5.
    #        X    Y   Z  ALL
    #   a   50   30   2   82
    #   b   40   20   5   65
    #  sum  90   50   7  147
    # The exact rule hides (a, Z) = 2 beside it in row a (smallest), (b, X) = 40 in column X and then
    # (b, Z) = 5 in column Z. The rectangle X–Z moves (a, X) up by at most (a, Z) = 2 < 5: exposed.
    # Complements: the rectangle X–Y costs (30 + 1) + (20 + 1) per unit moved, the rectangle through
    # the areas' totals (a, ALL), (b, ALL) a hundred times their value: Y goes, no total is hidden.
    v = np.array([[50, 30, 2, 82], [40, 20, 5, 65], [90, 50, 7, 147]], dtype=float)
    row, gid, tot, avoid = _two_way(v)
    primary = np.zeros(12, dtype=bool)
    primary[0] = True
    f = disclosure.protect_measure(primary, v.ravel(), np.ones(12), 1.0, row, gid, tot, avoid=avoid)
    assert f.reshape(3, 4).tolist() == [[True, True, True, False], [True, True, True, False],
                                        [False, False, False, False]]
    assert not disclosure.exposed_cells(f, v.ravel(), 1.0, row, gid, tot).any()
    # (a, X) can now move by 5 both ways with (a, Y), (b, Y), (b, X) against it: its interval holds [45, 55]
    a_eq = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 1, 0],
                     [0, 0, 1, 0, 0, 1]], dtype=float)
    lo, hi = intervals.interval(a_eq, np.array([82.0, 65.0, 90.0, 50.0, 7.0]), 0)
    assert lo <= 45 and hi >= 55


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_areas=st.integers(2, 4), n_ind=st.integers(2, 5))
def test_protection_levels_hold_on_generated_two_way_tables(seed, n_areas, n_ind):
    # any pattern of primary cells (lone firms, dominated cells) in areas × industries: every hidden
    # cell's interval under all relations at once (the audit's exact programme) holds its level
    rng = np.random.default_rng(seed)
    m = np.round(rng.lognormal(2.0, 1.2, size=(n_areas, n_ind)), 1)
    m[rng.random(m.shape) < 0.15] = 0.0
    v = np.zeros((n_areas + 1, n_ind + 1))
    v[:n_areas, :n_ind] = m
    v[:n_areas, n_ind] = m.sum(axis=1)
    v[n_areas] = v[:n_areas].sum(axis=0)
    row, gid, tot, avoid = _two_way(v)
    weights = (v.ravel() > 0).astype(float)
    primary = (rng.random(v.size) < 0.25) & (weights > 0)
    f = disclosure.protect_measure(primary, v.ravel(), weights, 1.0, row, gid, tot, avoid=avoid)
    assert (f >= primary).all()
    assert not disclosure.exposed_cells(f, v.ravel(), 1.0, row, gid, tot).any()


def test_a_number_printed_more_precisely_than_a_hidden_value_is_no_leak(tmp_path):
    # a hidden turnover of 67 144 € beside published figures: a file that prints it (as euros, rounded
    # to 0.1, or as million euros) leaks it; 67144.12 persons, a full-precision component whose
    # millionfold is 67 144.1234567, or a population of 67 144 are other numbers that happen to be near
    keys = ["area_code", "indicator", "industry_code", "year"]
    truth = pd.DataFrame([["KU305", "turnover_eur", "M", 2022, 67144.0], ["KU305", "personnel", "ALL", 2022, 67144.12]],
                         columns=keys + ["value"])
    pub = truth.assign(suppressed=[True, False], value=[np.nan, 67144.12])

    def found(text):
        path = tmp_path / "f.csv"
        path.write_text(text)
        return audit.file_exposures([path], pub, truth)["reason"].tolist()

    leak = ["file prints a suppressed cell's true value"]
    assert found("label,value\nX,67144\n") == leak
    assert found("label,value\nX,67144.0\n") == leak
    assert found("label,value\nX,0.067144\n") == leak  # million euros, six decimals
    assert found("label,value\nX,0.0671440\n") == leak  # million euros, seven decimals
    assert found("label,value\nX,67144.12\n") == []  # 67144.12 is 0.12 from 67 144: printed to 0.005
    assert found("label,value\nX,0.0671441234567\n") == []  # 67 144.1234567 €, printed to 10⁻⁷ €
    assert found("area_code,population\nKU305,67144\n") == []  # the public population, no firm's figure
    # a long table: the country's 67 144 firms are no euros; the same number as a turnover is
    long = "area_code,reference_code,indicator,industry_code,year,value,suppressed\n"
    assert found(long + "SSS,SSS,establishments,G,2013,67144.0,False\n") == []
    assert found(long + "SSS,SSS,turnover_eur,G,2013,67144.0,False\n") == leak
