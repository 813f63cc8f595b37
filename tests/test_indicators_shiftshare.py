"""Shift-share: classic, Esteban-Marquillas and dynamic components worked out by hand.

Same toy as test_indicators_growth.py (disclosure off: Taivalkoski's small cells would suppress
Kuusamo's sections, see test_hierarchy_protection): Kuusamo (KU305) against Koillismaa (SK178), personnel
    Kuusamo  C 35 → 38 → 40   G 9 → 10 → 11   J  9 → 12 → 17   ALL  53 →  60 →  68
    SK178    C 65 → 68 → 73   G 24 → 26 → 28  J 11 → 14 → 19   ALL 100 → 108 → 120
"""
import numpy as np
import pandas as pd
import pytest
from conftest import TOY_COLUMNS as COLS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kasvudata_utils.errors import InputError
from kasvudata_utils.indicators import compute_shift_share, shift_share_components

COMP = ["national_share", "industry_mix", "regional_shift"]


def rows(ss):
    return ss.set_index("industry_code")


def test_classic_by_hand(toy_panel):
    ss = rows(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, disclose=False))
    # G = 120/100 − 1 = 0.2
    # C: NS = 35·0.2 = 7; IM = 35·(73/65 − 1 − 0.2) = 280/65 − 7 = −2.6923077; RS = 5 − 280/65 = 0.6923077
    assert ss.loc["C", COMP].tolist() == pytest.approx([7.0, -2.6923076923, 0.6923076923])
    # G: NS = 1.8; IM = 9·(28/24 − 1.2) = 1.5 − 1.8 = −0.3; RS = 2 − 1.5 = 0.5
    assert ss.loc["G", COMP].tolist() == pytest.approx([1.8, -0.3, 0.5])
    # J: NS = 1.8; IM = 9·8/11 − 1.8 = 4.7454545; RS = 8 − 72/11 = 1.4545455
    assert ss.loc["J", COMP].tolist() == pytest.approx([1.8, 4.7454545455, 1.4545454545])
    # TOTAL: base 53, end 68; NS 10.6, IM 1.7531469, RS 2.6468531 (sum 15)
    assert ss.loc["TOTAL", ["base", "end"]].tolist() == [53.0, 68.0]
    assert ss.loc["TOTAL", COMP].tolist() == pytest.approx([10.6, 1.7531468531, 2.6468531469])
    assert list(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, disclose=False).columns) == [
        "industry_code", "base", "end", *COMP, "suppressed", "note"]


def test_esteban_marquillas_by_hand(toy_panel):
    ss = rows(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, method="esteban-marquillas",
                                  disclose=False))
    # ê_i = 53 · E_i0 / 100: C 34.45, G 12.72, J 5.83
    # C: r − g = 40/35 − 73/65 = 9/455; NC = 34.45·9/455 = 0.6814286; AL = 0.55·9/455 = 0.0108791
    assert ss.loc["C", ["net_competitive", "allocation"]].tolist() == pytest.approx([0.6814285714, 0.0108791209])
    # G: r − g = 11/9 − 28/24 = 1/18; NC = 12.72/18 = 0.7066667; AL = −3.72/18 = −0.2066667
    assert ss.loc["G", ["net_competitive", "allocation"]].tolist() == pytest.approx([0.7066666667, -0.2066666667])
    # J: r − g = 17/9 − 19/11 = 16/99; NC = 5.83·16/99 = 0.9422222; AL = 3.17·16/99 = 0.5123232
    assert ss.loc["J", ["net_competitive", "allocation"]].tolist() == pytest.approx([0.9422222222, 0.5123232323])
    # net competitive + allocation = regional shift, per industry and in total
    np.testing.assert_allclose(ss["net_competitive"] + ss["allocation"], ss["regional_shift"], rtol=1e-9)
    assert ss.loc["TOTAL", "net_competitive"] == pytest.approx(0.6814285714 + 0.7066666667 + 0.9422222222)


def test_dynamic_by_hand(toy_panel):
    ss = rows(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, method="dynamic", disclose=False))
    # 2020→21: G = 0.08;  C NS 2.8, IM 35·3/65 − 2.8 = −1.1846154, RS 3 − 35·3/65 = 1.3846154
    # 2021→22: G = 1/9;   C NS 38/9 = 4.2222222, IM 38·5/68 − 38/9 = −1.4281046, RS 2 − 38·5/68 = −0.7941176
    c_ns = 2.8 + 38 / 9
    c_im = (35 * 3 / 65 - 2.8) + (38 * 5 / 68 - 38 / 9)
    c_rs = (3 - 35 * 3 / 65) + (2 - 38 * 5 / 68)
    assert ss.loc["C", COMP].tolist() == pytest.approx([c_ns, c_im, c_rs])
    assert c_ns == pytest.approx(7.0222222) and c_rs == pytest.approx(0.5904977)
    # J: 2020→21 NS 0.72, IM 9·3/11 − 0.72, RS 3 − 27/11; 2021→22 NS 12/9, IM 12·5/14 − 12/9, RS 5 − 60/14
    j = [0.72 + 12 / 9, (27 / 11 - 0.72) + (60 / 14 - 12 / 9), (3 - 27 / 11) + (5 - 60 / 14)]
    assert ss.loc["J", COMP].tolist() == pytest.approx(j)
    assert ss.loc["TOTAL", COMP].sum() == pytest.approx(15.0)


def test_measures_turnover_and_establishments(toy_panel):
    # turnover = 1000 × personnel: every component scales by 1000
    t = rows(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, measure="turnover_eur", disclose=False))
    assert t.loc["C", COMP].tolist() == pytest.approx([7000.0, -2692.3076923, 692.3076923])
    # establishments are constant (C: 3 → 3 in Kuusamo, 4 → 4 in SK178): all components 0
    e = rows(compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, measure="establishments", disclose=False))
    assert e.loc["C", ["base", "end", *COMP]].tolist() == [3, 3, 0, 0, 0]


def edge_panel():
    # Kuusamo: C 10 → 12 (3 firms of 2/3/5 → 3/4/5), F absent in 2020, 6 in 2022 (3 firms of 2)
    # Taivalkoski (reference, does not contain Kuusamo): C 20 → 30 (3 firms), no F at all
    rows = []
    firms = (("K1", "KU305", "10", 2, 3), ("K2", "KU305", "10", 3, 4), ("K3", "KU305", "10", 5, 5),
             ("T1", "KU832", "10", 5, 10), ("T2", "KU832", "10", 5, 10), ("T3", "KU832", "10", 10, 10))
    for fid, m, d, p0, p1 in firms:
        rows += [(fid, 2020, m, d, p0, 1.0, 0.0, 0.0, 2000), (fid, 2022, m, d, p1, 1.0, 0.0, 0.0, 2000)]
    for fid in ("N1", "N2", "N3"):
        rows.append((fid, 2022, "KU305", "41", 2.0, 1.0, 0.0, 0.0, 2021))
    return pd.DataFrame(rows, columns=COLS)


def test_absent_at_start_and_absent_from_reference(toy_panel):
    ss = rows(compute_shift_share(edge_panel(), "KU305", "KU832", 2020, 2022))
    # F is absent at the start: its whole change (+6) is regional shift, nothing in NS or IM
    assert ss.loc["F", COMP].tolist() == [0.0, 0.0, 6.0]
    assert "absent at start" in ss.loc["F", "note"] and "absent from reference" in ss.loc["F", "note"]
    # C: G = 30/20 − 1 = 0.5 = g_C; NS = 10·0.5 = 5, IM = 0, RS = 2 − 5 = −3
    assert ss.loc["C", COMP].tolist() == pytest.approx([5.0, 0.0, -3.0])
    assert ss.loc["TOTAL", "note"] == "reference does not contain the area"
    assert ss.attrs["reference_contains_area"] is False
    contained = compute_shift_share(toy_panel(), "KU305", "SK178", 2020, 2022, disclose=False)
    assert rows(contained).loc["TOTAL", "note"] == "reference contains the area; not for publication"
    assert contained.attrs["reference_contains_area"] is True


def test_components_function_absent_from_reference():
    # industry present in the area (e 4 → 6) but not in the reference: IM left out (0),
    # NS = 4·G with G = 110/100 − 1 = 0.1 → 0.4, RS = 2 − 0.4 = 1.6
    c = shift_share_components([4.0], [6.0], [0.0], [0.0], 100.0, 110.0, e_total0=4.0)
    assert [c[k][0] for k in COMP] == pytest.approx([0.4, 0.0, 1.6])
    assert bool(c["absent_reference"][0]) and not bool(c["absent_start"][0])
    # EM: ê = 0 (no reference share), so the whole RS is allocation
    assert (c["net_competitive"][0], c["allocation"][0]) == pytest.approx((0.0, 1.6))


def test_bad_arguments(toy_panel):
    p = toy_panel()
    with pytest.raises(InputError, match="unknown method 'shiftshare'"):
        compute_shift_share(p, "KU305", "SK178", 2020, 2022, method="shiftshare")
    with pytest.raises(InputError, match="unknown measure 'sales'"):
        compute_shift_share(p, "KU305", "SK178", 2020, 2022, measure="sales")
    with pytest.raises(InputError, match="not before"):
        compute_shift_share(p, "KU305", "SK178", 2021, 2021)


@st.composite
def random_panels(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(3, 40))
    munis = ["KU305", "KU832"]
    divs = ["10", "25", "41", "47", "62", "68"]
    recs = []
    for f in range(n):
        m, d = munis[rng.integers(2)], divs[rng.integers(len(divs))]
        first, last = sorted(rng.integers(2015, 2020, size=2))
        for y in range(first, last + 1):
            if rng.random() < 0.9:  # occasional gaps in a firm's rows
                p = float(np.round(rng.lognormal(1.0, 1.2), 2))
                recs.append((f"F{f}", int(y), m, d, p, p * 900.0, 0.0, 0.0, 2010))
    # both municipalities in every year, so each year's reference total is positive
    for y in range(2015, 2020):
        for m in munis:
            recs.append((f"Z{y}{m}", y, m, "47", 1.0, 1.0, 0.0, 0.0, 2010))
    return pd.DataFrame(recs, columns=COLS).drop_duplicates(["firm_id", "year"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=random_panels(), method=st.sampled_from(["classic", "esteban-marquillas", "dynamic"]),
       measure=st.sampled_from(["personnel", "turnover_eur", "establishments"]),
       reference=st.sampled_from(["SK178", "KU832"]), level=st.sampled_from(["section", "division"]))
def test_identity_holds_on_random_panels(panel, method, measure, reference, level):
    ss = compute_shift_share(panel, "KU305", reference, 2015, 2019, measure=measure, method=method, level=level,
                             disclose=False)
    change = (ss["end"] - ss["base"]).to_numpy()
    total = ss[COMP].sum(axis=1).to_numpy()
    scale = np.max(np.abs(ss[["base", "end", *COMP]].to_numpy()), axis=1) + 1e-12
    assert np.all(np.abs(total - change) <= 1e-9 * scale)
    # TOTAL is the sum of the industries, and its base/end are the area's totals
    ind, tot = ss[ss.industry_code != "TOTAL"], ss[ss.industry_code == "TOTAL"].iloc[0]
    for col in ["base", "end", *COMP]:
        assert tot[col] == pytest.approx(ind[col].sum(), rel=1e-9, abs=1e-9)
    if method == "esteban-marquillas":
        np.testing.assert_allclose(ss["net_competitive"] + ss["allocation"], ss["regional_shift"],
                                   rtol=1e-9, atol=1e-9)


def _statfin_like_table():
    """Constructed business table (not statistics): Alavieska (KU009) and Oulu (KU564), divisions 10 and 62.

    personnel        2020  2021  2022
    KU009 10           40    40    40
    KU009 62            5     5    ..   (StatFin's '..': confidential)
    KU564 10           50    50    50
    KU564 62          100   110   121
    """
    from kasvudata_utils.data.schemas import validate_business_table

    rows = []
    for area, ind, values in (("KU009", "10", (40, 40, 40)), ("KU009", "62", (5, 5, "..")),
                              ("KU564", "10", (50, 50, 50)), ("KU564", "62", (100, 110, 121))):
        for year, v in zip((2020, 2021, 2022), values, strict=True):
            rows.append({"area_code": area, "industry_code": ind, "year": year, "establishments": v,
                         "personnel": v, "turnover_eur": v if v == ".." else v * 1000})
    return validate_business_table(pd.DataFrame(rows).astype({"establishments": str, "personnel": str,
                                                              "turnover_eur": str}))


def test_table_confidential_cell_is_never_read_as_zero():
    # KU009 against KU564, 2020 → 2022: Oulu's total 150 → 171, G = 0.14
    ss = rows(compute_shift_share(_statfin_like_table(), "KU009", "KU564", 2020, 2022, level="division"))
    # 10: NS = 40·0.14 = 5.6; IM = 40·(50/50 − 1 − 0.14) = −5.6; RS = 40·(0 − 0) = 0
    assert ss.loc["10", ["base", "end", *COMP]].tolist() == pytest.approx([40, 40, 5.6, -5.6, 0.0])
    assert not ss.loc["10", "suppressed"]
    # 62 ends in '..': no end value, no components (before: end 0 and RS = 5·(0/5 − 1 − 0.21) = −6.05)
    assert ss.loc["62", "suppressed"] and ss.loc["62", ["end", *COMP]].isna().all()
    # TOTAL: its end is unknown and its components would give 62's back; its base 40 + 5 is known
    assert ss.loc["TOTAL", "suppressed"] and ss.loc["TOTAL", COMP].isna().all()
    assert ss.loc["TOTAL", "base"] == 45 and pd.isna(ss.loc["TOTAL", "end"])
    assert ss.loc["62", "base"] == 5  # 2020's cell is known; only 2022's is '..'


def test_table_reference_with_a_confidential_cell_hides_the_components():
    # KU564 against a reference holding Alavieska's '..' (custom area KU009+KU564): every growth rate
    # of the reference's total is unknown in 2022, so no component can be computed; Oulu's own cells
    # stay visible (before: TOTAL RS = 100·(0.21 − (−1)) = 121 from the '..' read as 0)
    ss = rows(compute_shift_share(_statfin_like_table(), "KU564", "KU009+KU564", 2020, 2022, level="division"))
    assert ss.loc["10", ["base", "end"]].tolist() == [50.0, 50.0]
    assert ss.loc["62", ["base", "end"]].tolist() == [100.0, 121.0]
    assert ss.loc["TOTAL", ["base", "end"]].tolist() == [150.0, 171.0]
    assert ss[COMP].isna().all().all() and ss["suppressed"].all()
    # a period without the '..' is computed in full: reference 62 (5 + 100) → (5 + 110), total 195 → 205
    ok = rows(compute_shift_share(_statfin_like_table(), "KU564", "KU009+KU564", 2020, 2021, level="division"))
    G = 205 / 195 - 1
    assert ok.loc["62", COMP].tolist() == pytest.approx([100 * G, 100 * (115 / 105 - 1 - G),
                                                         100 * (110 / 100 - 115 / 105)])
    assert not ok["suppressed"].any()
