"""Issue 12: an attacker who combines the published figures recovers no suppressed cell.

Each attack is the one of the issue, written against the published output only (what the CLI
prints): Herfindahl beside the total and the visible shares, the shift-share TOTAL row beside the
visible rows and the reference's public growth rates, and counts of 1–2 firms with a property
derived from confidential figures. On the code before issue 12 every attack succeeded on these
panels (the lone firm's 62.7 and 60.0 persons came back exactly, counts of 1 were printed).
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasvudata_utils.indicators import compute_indicators, compute_indicators_many, compute_shift_share

COLS = ["firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
        "exports_goods_eur", "exports_services_eur", "founded_year"]
SECTION = {"25": "C", "47": "G", "56": "I", "70": "M", "10": "C", "41": "F", "62": "J"}

# Kuusamo (KU305): C 5 x 10, G 4 x 5, M one firm (60.0 → 62.7), I three small firms (3.5 → 4.0);
# Taivalkoski (KU832): M two firms (primary), I three firms of 1 (the smallest, the secondary cell there).
FIRMS = ([("KU305", "25", 10.0, 10.0)] * 5 + [("KU305", "47", 5.0, 5.0)] * 4 + [("KU305", "70", 60.0, 62.7)]
         + [("KU305", "56", 1.0, 1.0), ("KU305", "56", 1.0, 1.5), ("KU305", "56", 1.5, 1.5)]
         + [("KU832", "25", 8.0, 8.0)] * 4 + [("KU832", "47", 3.0, 3.0)] * 5
         + [("KU832", "70", 2.0, 2.0)] * 2 + [("KU832", "56", 1.0, 1.0)] * 3)


def lone_firm_panel() -> pd.DataFrame:
    rows = [(f"F{k:03d}", y, m, d, p, 5e4 * p, 0.0, 0.0, 2000)
            for k, (m, d, p21, p22) in enumerate(FIRMS) for y, p in ((2021, p21), (2022, p22))]
    return pd.DataFrame(rows, columns=COLS)


def public_reference_table() -> pd.DataFrame:
    """A public (StatFin-like) business table for Helsinki (KU091): the attacker knows every g_i."""
    pers = {"25": (1000.0, 1100.0), "47": (800.0, 800.0), "56": (400.0, 300.0), "70": (500.0, 600.0)}
    rows = [("KU091", d, y, 100, v, v * 5e4, 0.0, False)
            for d, (a, b) in pers.items() for y, v in ((2021, a), (2022, b))]
    return pd.DataFrame(rows, columns=["area_code", "industry_code", "year", "establishments", "personnel",
                                       "turnover_eur", "exports_eur", "suppressed"])


def herfindahl_attack(out: pd.DataFrame, area: str, year: int):
    """Solve a + b = total − visible, a² + b² = H·total² − Σ visible² for two hidden sections."""
    x = out[(out.area_code == area) & (out.year == year)]
    pers = x[x.indicator == "personnel"].set_index("industry_code")
    h = x.loc[x.indicator == "herfindahl_index", "value"].iloc[0]
    total = pers.loc["ALL", "value"]
    secs = pers.drop(index="ALL")
    hidden = secs.index[secs.suppressed]
    if math.isnan(h) or math.isnan(total) or len(hidden) != 2:
        return None
    vis = secs.loc[~secs.suppressed, "value"]
    r = total - vis.sum()
    q = h * total ** 2 - (vis ** 2).sum()
    d = 2 * q - r * r
    if d < -1e-6:
        return None
    a, b = (r + math.sqrt(max(d, 0.0))) / 2, (r - math.sqrt(max(d, 0.0))) / 2
    return sorted([round(a, 6), round(b, 6)])


def test_herfindahl_beside_total_and_shares_gives_nothing_back():
    out = compute_indicators(lone_firm_panel(), "KU305", "SK178", 2021, 2022)
    pers = out[(out.indicator == "personnel") & (out.year == 2022)].set_index("industry_code")
    assert pers.loc[["I", "M"], "suppressed"].all()  # the lone firm (M) and its secondary cell (I)
    assert herfindahl_attack(out, "KU305", 2022) is None
    h = out[(out.indicator.isin(["herfindahl_index", "krugman_index"])) & (out.year == 2022)]
    assert h.suppressed.all() and h.value.isna().all()


def test_herfindahl_published_where_every_share_is():
    # one municipality, three sections of 3 firms each: H = 0.5² + 0.3² + 0.2² = 0.38 by hand
    rows = [(f"{d}{k}", 2022, "KU305", d, p, 1e5, 0.0, 0.0, 2000)
            for d, p in (("25", 50 / 3), ("47", 10.0), ("62", 20 / 3)) for k in range(3)]
    rows += [(r[0], 2021, *r[2:]) for r in rows]
    out = compute_indicators(pd.DataFrame(rows, columns=COLS), "KU305", "KU305", 2021, 2022)
    h = out[(out.indicator == "herfindahl_index") & (out.year == 2022)].iloc[0]
    assert not h.suppressed and h.value == pytest.approx(0.38)


def shift_share_attack(ss: pd.DataFrame, table: pd.DataFrame):
    """Hidden rows' start values from TOTAL's sums and industry mix, with the reference's g_i."""
    ref = table.groupby(["industry_code", "year"]).personnel.sum().unstack()
    sec = ref.groupby(lambda d: SECTION[d]).sum()
    g = sec[2022] / sec[2021] - 1
    big_g = ref[2022].sum() / ref[2021].sum() - 1
    s = ss.set_index("industry_code")
    tot, rows = s.loc["TOTAL"], s.drop(index="TOTAL")
    hidden = rows.index[rows.base.isna()]
    if len(hidden) != 2 or any(math.isnan(tot[c]) for c in ("base", "industry_mix")):
        return None
    vis = rows.loc[rows.base.notna()]
    r0 = tot.base - vis.base.sum()
    im = tot.industry_mix - vis.industry_mix.sum()
    a, b = hidden
    # e_a + e_b = r0; e_a (g_a − G) + e_b (g_b − G) = im
    m = np.array([[1.0, 1.0], [g[a] - big_g, g[b] - big_g]])
    sol = np.linalg.solve(m, np.array([r0, im]))
    return dict(zip(hidden, np.round(sol, 6), strict=True))


@pytest.mark.parametrize("method", ["classic", "esteban-marquillas", "dynamic"])
def test_shift_share_total_gives_no_hidden_row_back(method):
    table = public_reference_table()
    ss = compute_shift_share(lone_firm_panel(), "KU305", "KU091", 2021, 2022, method=method, reference_data=table)
    s = ss.set_index("industry_code")
    assert s.loc[["I", "M"], "suppressed"].all()
    assert shift_share_attack(ss, table) is None
    comps = [c for c in ss.columns if c not in ("industry_code", "base", "end", "suppressed", "note")]
    # TOTAL keeps the area's published totals (5·10 + 4·5 + 60 + 3.5 = 133.5) but not its components
    assert s.loc["TOTAL", "base"] == pytest.approx(133.5) and s.loc["TOTAL", comps].isna().all()
    assert "total components suppressed" in s.loc["TOTAL", "note"]


def test_shift_share_total_published_when_no_row_is_hidden():
    # only C and G in Kuusamo (both ≥ 3 firms, not dominated): TOTAL carries its components;
    # NS = 70 · G where G = (1100 + 800) / (1000 + 800) − 1 over the reference's C and G
    p = lone_firm_panel()
    p = p[p.industry_code.isin(["25", "47"])]
    t = public_reference_table()
    t = t[t.industry_code.isin(["25", "47"])]
    ss = compute_shift_share(p, "KU305", "KU091", 2021, 2022, reference_data=t).set_index("industry_code")
    assert not ss.suppressed.any()
    assert ss.loc["TOTAL", "national_share"] == pytest.approx(70 * (1900 / 1800 - 1))


# --------------------------------------------------------------------------- counts of firms
def count_panel() -> pd.DataFrame:
    """Kuusamo: one HGE (10 → 20, founded 2018: a gazelle), two 10-person firms, six micro firms of
    which one grows 2 → 6 (micro-HGE); two exporters. Taivalkoski: one 15-person firm, five micro firms.
    """
    firms = [("KU305", (10, 12, 15, 20), 2018, True), ("KU305", (10,) * 4, 2000, True),
             ("KU305", (10,) * 4, 2000, False), ("KU305", (2, 3, 4, 6), 2000, False)]
    firms += [("KU305", (2,) * 4, 2000, False)] * 5
    firms += [("KU832", (15,) * 4, 2000, False)] + [("KU832", (3,) * 4, 2000, False)] * 5
    rows = [(f"F{k}", y, m, "25", float(p), 1e5 * p, 1e4 if exp else 0.0, 0.0, founded)
            for k, (m, ps, founded, exp) in enumerate(firms) for y, p in zip(range(2019, 2023), ps, strict=True)]
    return pd.DataFrame(rows, columns=COLS)


COUNTS = ("hge_count", "gazelle_count", "micro_hge_count", "exporter_count")


def published_small_counts(out: pd.DataFrame) -> pd.DataFrame:
    """Published rows that tell that 1 or 2 firms have a confidential property."""
    pub = out[~out.suppressed]
    small = pub[pub.indicator.isin(COUNTS) & pub.value.isin([1.0, 2.0])]
    est = out[out.indicator == "establishments"].set_index(["area_code", "industry_code", "year"]).value
    ms = pub[pub.indicator == "micro_share_pct"]
    n = est.reindex(pd.MultiIndex.from_frame(ms[["area_code", "industry_code", "year"]])).to_numpy()
    micro = np.round(ms.value.to_numpy() * n / 100)
    bad = ms[np.isin(micro, [1, 2]) | np.isin(n - micro, [1, 2])]
    return pd.concat([small, bad])


def test_no_count_of_one_or_two_firms_with_a_confidential_property():
    out = compute_indicators_many(count_panel(), ["KU305", "KU832", "SK178"], "SK178", 2019, 2022)
    assert published_small_counts(out).empty
    x = out[(out.area_code == "KU305") & (out.industry_code == "ALL") & (out.year == 2022)].set_index("indicator")
    assert x.loc[["hge_count", "gazelle_count", "micro_hge_count", "exporter_count"], "suppressed"].all()
    # Taivalkoski: exactly one firm has 10+ persons, so the micro share (5/6) is not published
    y = out[(out.area_code == "KU832") & (out.industry_code == "ALL") & (out.year == 2022)].set_index("indicator")
    assert y.loc["micro_share_pct", "suppressed"]
    # births and deaths are register facts and the 9 firms of Kuusamo are ≥ 3: published
    assert not x.loc["establishments", "suppressed"] and x.loc["establishments", "value"] == 9


def test_counts_of_three_or_more_are_published():
    # three exporters among the 9 Kuusamo firms: exporter_count 3 is published (hand count)
    p = count_panel()
    p.loc[p.firm_id == "F2", "exports_goods_eur"] = 1e4
    out = compute_indicators(p, "KU305", "KU305", 2019, 2022)
    row = out[(out.indicator == "exporter_count") & (out.industry_code == "ALL") & (out.year == 2022)].iloc[0]
    assert not row.suppressed and row.value == 3


# --------------------------------------------------------------------------- generated panels
@st.composite
def panels(draw):
    """Two municipalities, five divisions in four sections, lone firms, pairs and dominated cells."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    divs = ["10", "25", "41", "47", "62"]
    recs = []
    for f in range(draw(st.integers(3, 30))):
        m, d = ("KU305", "KU832")[rng.integers(2)], divs[rng.integers(len(divs))]
        big = rng.random() < 0.2
        founded = int(rng.integers(2012, 2020))
        exporter = rng.random() < 0.3
        for y in range(2019, 2023):
            if y >= founded and rng.random() < 0.9:
                p = float(np.round(rng.lognormal(3 if big else 1, 1), 2))
                recs.append((f"F{f}", y, m, d, p, p * 1e3, p * 500.0 if exporter else 0.0, 0.0, founded))
    if not recs:
        recs = [("F0", 2019, "KU305", "10", 1.0, 1e3, 0.0, 0.0, 2010)]
    recs += [(f"Z{y}{m}{k}", y, m, "47", 1.0, 1e3, 0.0, 0.0, 2010) for y in range(2019, 2023)
             for m in ("KU305", "KU832") for k in range(3)]
    return pd.DataFrame(recs, columns=COLS)


SLOW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(panel=panels(), level=st.sampled_from(["section", "division"]))
def test_generated_panels_publish_no_small_count_and_no_index_over_hidden_shares(panel, level):
    out = compute_indicators_many(panel, ["KU305", "KU832", "SK178"], "SK178", 2019, 2022, level=level)
    assert published_small_counts(out).empty
    shares = out[(out.indicator == "personnel") & (out.industry_code != "ALL")]
    hidden = shares.groupby(["area_code", "year"]).suppressed.any()
    idx = out[out.indicator == "herfindahl_index"].set_index(["area_code", "year"])
    for key, row in idx.iterrows():
        if hidden.get(key, False):
            assert row.suppressed and np.isnan(row.value), key


@SLOW
@given(panel=panels(), method=st.sampled_from(["classic", "esteban-marquillas", "dynamic"]))
def test_generated_panels_shift_share_total_never_carries_hidden_rows(panel, method):
    ss = compute_shift_share(panel, "KU305", "SK178", 2019, 2022, method=method).set_index("industry_code")
    rows = ss.drop(index="TOTAL")
    if rows.suppressed.any():
        assert ss.loc["TOTAL", ["national_share", "industry_mix", "regional_shift"]].isna().all()
