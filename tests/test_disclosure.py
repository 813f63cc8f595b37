"""Disclosure control: threshold, dominance and secondary suppression; the switch; properties."""
import numpy as np
import pandas as pd
import pytest
from conftest import TOY_COLUMNS as COLS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasvudata_utils import provenance
from kasvudata_utils.indicators import compute_indicators, compute_indicators_many, compute_shift_share, disclosure


def table(values, counts, maxes, codes=None):
    codes = codes or [chr(ord("A") + i) for i in range(len(values) - 1)] + ["ALL"]
    return pd.DataFrame({"industry_code": codes, "value": [float(v) for v in values], "n_firms": counts,
                         "max_value": [float(m) for m in maxes]})


def test_threshold_rule_two_firm_cell():
    # B rests on 2 firms → suppressed; A (3 firms) and C (0 firms: a structural zero) are published
    # (no total in this table, so no secondary suppression)
    t = table([30, 5, 0, 35], [3, 2, 0, 5], [12, 3, 0, 12], ["A", "B", "C", "D"])
    out = disclosure.apply_disclosure(t, "value", "n_firms", group_cols=[])
    assert out["suppressed"].tolist()[:3] == [False, True, False]
    assert np.isnan(out.loc[1, "value"]) and out.loc[2, "value"] == 0.0


def test_dominance_rule():
    # A: largest 80 of 100 = exactly 80 % → published (more than 80 % needed); B: 81 of 100 → suppressed
    t = table([100, 100, 200], [4, 4, 8], [80, 81, 81], ["A", "B", "ALL"])
    assert disclosure.dominance_flags(t["value"], t["max_value"]).tolist() == [False, True, False]
    assert disclosure.primary_flags(t["n_firms"], t["value"], t["max_value"]).tolist() == [False, True, False]
    out = disclosure.apply_disclosure(t, "value", "n_firms", "max_value", group_cols=[])
    # one suppressed cell (B) in a row with a published total → A is suppressed as well (secondary),
    # otherwise B = 200 − 100
    assert out["suppressed"].tolist() == [True, True, False]
    # without the max column there is no dominance rule (counts, rates)
    assert not disclosure.apply_disclosure(t, "value", "n_firms", group_cols=[])["suppressed"].any()


def test_secondary_suppression_picks_the_smallest_other_cell():
    # cells A 50 (5 firms), B 7 (2 firms: primary), C 8 (4 firms), D 15 (3 firms), total 80
    # B alone would be 80 − 50 − 8 − 15 = 7: the smallest other published cell with firms (C, 8) goes too
    t = table([50, 7, 8, 15, 80], [5, 2, 4, 3, 14], [10, 4, 2, 5, 10])
    out = disclosure.apply_disclosure(t, "value", "n_firms", "max_value", group_cols=[])
    assert out["suppressed"].tolist() == [False, True, True, False, False]
    assert out.loc[[0, 3, 4], "value"].tolist() == [50.0, 15.0, 80.0]  # unsuppressed values unchanged


def test_secondary_suppression_within_each_row():
    # two rows (years); only the 2022 row has a single primary cell
    t = pd.concat([table([50, 7, 8, 65], [5, 2, 1, 8], [10, 4, 8, 10]).assign(year=2021),
                   table([50, 7, 9, 66], [5, 2, 4, 11], [10, 4, 3, 10]).assign(year=2022)], ignore_index=True)
    out = disclosure.apply_disclosure(t, "value", "n_firms", "max_value", group_cols=["year"])
    # 2021: B and C both primary → nothing recoverable, nothing more suppressed
    assert out.loc[out.year == 2021, "suppressed"].tolist() == [False, True, True, False]
    # 2022: B primary, C (9 < 50) secondary
    assert out.loc[out.year == 2022, "suppressed"].tolist() == [False, True, True, False]


def test_secondary_suppresses_the_total_when_no_other_cell_exists():
    # one industry with 2 firms plus an empty one: the total would equal the suppressed cell
    t = table([7, 0, 7], [2, 0, 2], [4, 0, 4])
    out = disclosure.apply_disclosure(t, "value", "n_firms", group_cols=[])
    assert out["suppressed"].tolist() == [True, False, True]


def test_switch_off_marks_not_for_publication(monkeypatch):
    t = table([30, 5, 35], [3, 2, 5], [12, 3, 12])
    off = disclosure.apply_disclosure(t, "value", "n_firms", enabled=False)
    assert off["value"].tolist() == [30, 5, 35] and (off["note"] == "not for publication").all()
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    assert not disclosure.disclosure_enabled()
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "on")
    assert disclosure.disclosure_enabled() and not disclosure.disclosure_enabled(False)


# Engine toy: Kuusamo 2021–2022 (same both years): C 5 firms × 10 persons; G 2 firms (3 + 4);
# J 4 firms × 2; M 3 firms × 5; F 4 firms 1 + 1 + 1 + 20 (dominated: 20/23 = 87 %). No firm in
# Taivalkoski, so SK178 (Kuusamo + Taivalkoski) holds the same figures as Kuusamo.
SECTIONS = {"10": [10] * 5, "47": [3, 4], "62": [2] * 4, "71": [5] * 3, "41": [1, 1, 1, 20]}


def engine_panel():
    rows = []
    for div, ps in SECTIONS.items():
        for i, p in enumerate(ps):
            rows += [(f"{div}-{i}", y, "KU305", div, float(p), 1000.0 * p, 0.0, 0.0, 2000) for y in (2021, 2022)]
    return pd.DataFrame(rows, columns=COLS)


def pick(out, indicator, industry, year=2022):
    return out[(out.indicator == indicator) & (out.industry_code == industry) & (out.year == year)].iloc[0]


def test_engine_suppression_primary_secondary_and_derived():
    out = compute_indicators(engine_panel(), "KU305", "SK178")
    # personnel: G (2 firms) and F (dominated) primary; two cells → no secondary needed
    supp = {c: pick(out, "personnel", c).suppressed for c in ("C", "G", "J", "M", "F", "ALL")}
    assert supp == {"C": False, "G": True, "J": False, "M": False, "F": True, "ALL": False}
    # ALL = 50 + 7 + 8 + 15 + 23 = 103 is published
    assert pick(out, "personnel", "ALL").value == 103
    # establishments: only G (2) primary; the smallest other cell with firms is M (3 firms) → secondary
    est = {c: pick(out, "establishments", c).suppressed for c in ("C", "G", "J", "M", "F")}
    assert est == {"C": False, "G": True, "J": False, "M": True, "F": False}
    # derived figures of a suppressed cell are suppressed: share, LQ, growth, turnover
    for ind in ("share_personnel_pct", "lq_personnel", "personnel_growth_pct", "turnover_eur"):
        row = pick(out, ind, "G")
        assert row.suppressed and np.isnan(row.value), ind
    # a published figure is the true one: J share 8/103
    assert pick(out, "share_personnel_pct", "J").value == pytest.approx(800 / 103)
    assert not out["note"].fillna("").str.contains("not for publication").any()


def test_engine_switch_off(monkeypatch):
    out = compute_indicators(engine_panel(), "KU305", "SK178", disclose=False)
    assert pick(out, "personnel", "G").value == 7 and not out.suppressed.any()
    assert out["note"].str.contains("not for publication").all()
    assert provenance.get(out)["not_for_publication"] is True
    monkeypatch.setenv("KASVUDATA_DISCLOSURE", "off")
    env = compute_indicators(engine_panel(), "KU305", "SK178")
    assert pick(env, "personnel", "G").value == 7 and provenance.get(env)["not_for_publication"]
    ss = compute_shift_share(engine_panel(), "KU305", "SK178", 2021, 2022)
    assert provenance.get(ss)["not_for_publication"] and ss["note"].str.contains("not for publication").all()


def test_shift_share_rows_are_protected():
    ss = compute_shift_share(engine_panel(), "KU305", "SK178", 2021, 2022).set_index("industry_code")
    # G (2 firms) and F (dominated) rows are empty; the TOTAL's base and end (the area's published
    # total) stay, its components go (issue 12: TOTAL minus the visible rows gave G and F back)
    assert ss.loc["G", "suppressed"] and ss.loc[["G", "F"], ["base", "end", "regional_shift"]].isna().all().all()
    assert ss.loc["TOTAL", "base"] == 103 and ss.loc["TOTAL", "suppressed"]
    assert ss.loc["TOTAL", ["national_share", "industry_mix", "regional_shift"]].isna().all()


@st.composite
def panels(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 30))
    divs = ["10", "25", "41", "47", "62"]
    recs = []
    for f in range(n):
        m, d = ("KU305", "KU832")[rng.integers(2)], divs[rng.integers(len(divs))]
        big = rng.random() < 0.2
        for y in (2020, 2021, 2022):
            if rng.random() < 0.85:
                p = float(np.round(rng.lognormal(3 if big else 1, 1), 2))
                ex = p * 500.0 if rng.random() < 0.3 else 0.0
                recs.append((f"F{f}", y, m, d, p, p * 1000.0, ex, 0.0, 2015))
    recs += [(f"Z{y}{m}", y, m, "47", 1.0, 1000.0, 0.0, 0.0, 2015) for y in (2020, 2022) for m in ("KU305", "KU832")]
    return pd.DataFrame(recs, columns=COLS)


SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(panel=panels(), area=st.sampled_from(["KU305", "KU832", "SK178"]),
       level=st.sampled_from(["section", "division"]))
def test_no_published_cell_rests_on_fewer_than_three_firms(panel, area, level):
    out = compute_indicators(panel, area, "SK178", level=level)
    munis = ["KU305", "KU832"] if area == "SK178" else [area]
    p = panel[panel.municipality_code.isin(munis)].copy()
    p["code"] = p.industry_code if level == "division" else p.industry_code.map(
        {"10": "C", "25": "C", "41": "F", "47": "G", "62": "J"})
    firms = p.groupby(["code", "year"]).firm_id.nunique()
    total = p.groupby("year").firm_id.nunique()
    levels = out[out.indicator.isin(["establishments", "personnel", "turnover_eur", "exports_eur",
                                     "share_personnel_pct", "lq_personnel", "micro_share_pct"]) & ~out.suppressed]
    for row in levels.itertuples():
        n = total.get(row.year, 0) if row.industry_code == "ALL" else firms.get((row.industry_code, row.year), 0)
        # a published figure rests on ≥ 3 firms, or on none at all (a structural zero)
        assert n >= 3 or (n == 0 and (row.value == 0 or np.isnan(row.value))), row
    # every suppressed value is empty, never 0
    assert out.loc[out.suppressed, "value"].isna().all()


@SLOW
@given(panel=panels(), area=st.sampled_from(["KU305", "SK178"]))
def test_suppression_never_changes_an_unsuppressed_value(panel, area):
    on = compute_indicators(panel, area, "SK178")
    off = compute_indicators(panel, area, "SK178", disclose=False)
    keys = ["indicator", "industry_code", "year"]
    m = on.merge(off, on=keys, suffixes=("", "_off"))
    assert len(m) == len(on) == len(off)
    kept = m[~m.suppressed]
    np.testing.assert_array_equal(kept["value"].to_numpy(), kept["value_off"].to_numpy())


@SLOW
@given(panel=panels())
def test_no_suppressed_cell_is_recoverable_from_published_totals(panel):
    # Every published table of the data: Kuusamo, Taivalkoski and SK178 at section and division level.
    # In each additive relation (industries → ALL, divisions → section, municipalities → SK178) whose
    # total is published, the number of suppressed members is never exactly one.
    sec = compute_indicators_many(panel, ["KU305", "KU832", "SK178"], "SK178", level="section")
    div = compute_indicators_many(panel, ["KU305", "KU832", "SK178"], "SK178", level="division")
    div = div[div.industry_code != "ALL"]
    to_section = {"10": "C", "25": "C", "41": "F", "47": "G", "62": "J"}
    for ind in ("establishments", "personnel", "turnover_eur", "exports_eur", "exporter_count"):
        s = sec[sec.indicator == ind].set_index(["area_code", "industry_code", "year"]).suppressed
        d = div[div.indicator == ind].set_index(["area_code", "industry_code", "year"]).suppressed
        checks = []
        for (a, y), grp in s.groupby(level=["area_code", "year"]):  # sections → ALL
            cells = grp.drop(index="ALL", level="industry_code", errors="ignore")
            checks.append((bool(grp.get((a, "ALL", y), True)), int(cells.sum())))
        for a, code, y in d.index:  # divisions → their section
            members = d[[k for k in d.index if k[0] == a and k[2] == y and to_section[k[1]] == to_section[code]]]
            checks.append((bool(s.get((a, to_section[code], y), True)), int(members.sum())))
        both = pd.concat([s, d])
        for (code, y), grp in both.groupby(level=["industry_code", "year"]):  # municipalities → SK178
            kids = grp.drop(index="SK178", level="area_code", errors="ignore")
            checks.append((bool(grp.get(("SK178", code, y), True)), int(kids.sum())))
        assert all(total_supp or n != 1 for total_supp, n in checks), ind


def random_groups(rng, n: int):
    """Random overlapping relations over ``n`` cells: (row, group, is_total) arrays, one total per group."""
    rows, gids, tots = [], [], []
    for g in range(int(rng.integers(1, 2 * n))):
        members = rng.choice(n, size=int(rng.integers(2, min(n, 8) + 1)), replace=False)
        rows += list(members)
        gids += [g] * len(members)
        tots += [True] + [False] * (len(members) - 1)
    return np.array(rows), np.array(gids), np.array(tots)


def _secondary_by_rounds(flags, values, weights, row, gid, tot):
    """Reference: :func:`disclosure.secondary_pass` repeated until nothing changes."""
    while True:
        new = disclosure.secondary_pass(flags, values, weights, row, gid, tot)
        if (new == flags).all():
            return new
        flags = new


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_incremental_secondary_equals_repeated_passes(seed):
    # random tables of 5-60 cells in random overlapping groups (each with one total), many ties
    # in the values: the incremental rounds must give exactly the flags of full rounds.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    flags = rng.random(n) < 0.15
    values = rng.integers(0, 5, n).astype(float)
    values[rng.random(n) < 0.05] = np.nan
    weights = rng.integers(0, 3, n).astype(float)
    row, gid, tot = random_groups(rng, n)
    expected = _secondary_by_rounds(flags, values, weights, row, gid, tot)
    got = disclosure.secondary_until_stable(flags, values, weights, row, gid, tot)
    assert got.tolist() == expected.tolist()
    assert (got | ~flags).all()  # never un-suppresses a cell
