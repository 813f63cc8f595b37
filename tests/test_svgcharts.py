"""The reports' direct SVG charts (kasvudata_utils.svgcharts): ticks, bar lengths, line points, wrapped
titles and labels, number format and suppression. Every expected number is worked out by hand below."""
from __future__ import annotations

import html
import re

import pytest

from kasvudata_utils import svgcharts
from kasvudata_utils.svgcharts import bar_chart, line_chart, nice_ticks

PROV = {"kind": "synthetic", "sources": ["KasvuDATA synthetic firm panel"]}


def texts(svg: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def bars(svg: str, fill: str = svgcharts.AREA_COLOUR) -> list[tuple[float, float]]:
    """``(x, width)`` of the bars of one colour, top to bottom."""
    return [(float(x), float(w)) for x, w in
            re.findall(rf'<rect x="([^"]*)" y="[^"]*" width="([^"]*)" height="[^"]*" fill="{fill}"/>', svg)]


def test_ticks_are_1_2_5_steps():
    # 0…47.2 in at most 6 intervals: 47.2 / 6 = 7.87 → the step 10 (5 would need 10 intervals)
    assert nice_ticks(0, 47.2, integer=True) == [0, 10, 20, 30, 40]
    # 0…2.596: 0.433 → 0.5
    assert nice_ticks(0, 2.596) == [0, 0.5, 1.0, 1.5, 2.0, 2.5]
    # −3.25…2.25: 0.917 → 1; only ticks inside the range
    assert nice_ticks(-3.25, 2.25) == [-3, -2, -1, 0, 1, 2]
    # 0…0.84: 0.14 → 0.2; with integer=True the step is at least 1
    assert nice_ticks(0, 0.84) == [0, 0.2, 0.4, 0.6, 0.8]
    assert nice_ticks(0, 0.84, integer=True) == [0]
    # years 2017.75…2023.25 at up to 10 intervals: 0.55 → 1
    assert nice_ticks(2017.75, 2023.25, 10, integer=True) == [2018, 2019, 2020, 2021, 2022, 2023]


def test_bar_lengths_follow_the_values():
    # three one-letter labels: left margin 0.3 + 0.1 in = 40 px; right 0.35 in → the plot is 40…865 px.
    # values 10, 20, 40: the axis runs 0…40 + 18 % = 47.2, so a bar is v / 47.2 × 825 px long
    svg = bar_chart(["A", "B", "C"], [10.0, 20.0, 40.0], title="T", unit="u", prov=PROV).svg
    got = bars(svg)
    assert [x for x, _ in got] == [40.0, 40.0, 40.0]  # every bar starts at 0, the axis's left edge
    assert [w for _, w in got] == [pytest.approx(825 * v / 47.2, abs=0.05) for v in (10, 20, 40)]  # 174.8 …
    # tick labels 0 … 40 at step 10 (whole numbers: span 40 ≥ 10), placed at x = 40 + t / 47.2 × 825
    tick_x = dict((html.unescape(tx), float(x)) for x, tx in
                  re.findall(r'<text x="([^"]*)" y="[^"]*" font-size="16.7" text-anchor="middle">([^<]*)<', svg))
    assert [k for k in tick_x if k != "u"] == ["0", "10", "20", "30", "40"]
    assert tick_x["20"] == pytest.approx(40 + 20 / 47.2 * 825, abs=0.05)  # 389.6
    assert {"10", "20", "40"} <= set(texts(svg))  # value labels beside the bars


def test_negative_bars_and_colour_by_sign():
    # −10 and 30: the axis runs −10 − 0.18 × 40 = −17.2 … 30 + 7.2 = 37.2 (54.4 wide); the 0 line is at
    # 40 + 17.2 / 54.4 × 825 = 300.8 px; the −10 bar runs left from it, 151.7 px long
    svg = bar_chart(["A", "B"], [-10.0, 30.0], title="T", unit="u", prov=PROV, colour_by_sign=True, lang="en").svg
    (neg,) = bars(svg, svgcharts.NEGATIVE_COLOUR)
    (pos,) = bars(svg, svgcharts.POSITIVE_COLOUR)
    zero = 40 + 17.2 / 54.4 * 825
    assert neg[0] + neg[1] == pytest.approx(zero, abs=0.1) and neg[1] == pytest.approx(10 / 54.4 * 825, abs=0.05)
    assert pos[0] == pytest.approx(zero, abs=0.05) and pos[1] == pytest.approx(30 / 54.4 * 825, abs=0.05)
    assert "-10" in texts(svg)  # English: hyphen-minus


def test_suppressed_value_is_nowhere_in_the_svg_and_its_stub_is_15_percent():
    svg = bar_chart(["C", "F"], [1500.0, 987.0], suppressed=[False, True], title="T", unit="htv", prov=PROV).svg
    assert "987" not in svg and "salattu" in texts(svg)
    # span 1500: the axis 0…1770, plot 40…865 px; the hatched stub is 0.15 × 1500 = 225 units = 104.9 px
    (stub,) = re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)" height="[^"]*" fill="url\(#kd-hatch\)"', svg)
    assert float(stub) == pytest.approx(225 / 1770 * 825, abs=0.05)
    assert "1\u202f500" in texts(svg)  # Finnish: narrow no-break space between thousands
    # English: a comma; 1 500 is both the value label and a tick (0, 500, 1 000, 1 500 on 0…1 770)
    assert bar_chart(["C"], [1500.0], title="T", unit="u", prov=PROV, lang="en").svg.count(">1,500<") == 2


def test_line_points_and_zero_baseline():
    # 7.5 → 8.0, a rate: the axis 0…8.4 (5 % of 8 above); plot rows 65…400 px (top 0.65 in, bottom 1.0 in
    # of 500 px), so 8.0 sits at 400 − 8 / 8.4 × 335 = 80.95 px and 7.5 at 400 − 7.5 / 8.4 × 335 = 100.9 px;
    # years 2020…2021 with 5 % margins: 95…865 px → 2020 at 95 + 0.05 / 1.1 × 770 = 130 px
    svg = line_chart({"A": ([2020, 2021], [7.5, 8.0])}, title="T", unit="%", prov=PROV, decimals=1).svg
    pts = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([^"]*)" cy="([^"]*)"', svg)]
    assert pts == [(130.0, pytest.approx(100.9, abs=0.06)), (830.0, pytest.approx(80.95, abs=0.06))]
    assert '<path d="M130 100.9L830 81" ' in svg  # coordinates to 0.1 px (80.95 → 81.0 → "81")


def test_missing_value_breaks_the_line_and_index_base():
    # index: 50, –, 75 → 100, missing, 150; two line pieces, each a single point: no L segment at all
    c = line_chart({"A": ([2018, 2019, 2020], [50.0, None, 75.0])}, index_base=True, title="T", unit="i",
                   prov=PROV)
    assert [r["value"] for r in c.kd_data] == [100.0, None, 150.0]
    (d,) = re.findall(r'<path d="([^"]*)"', c.svg)
    assert d.count("M") == 2 and "L" not in d


def test_long_title_and_labels_wrap():
    title = "Henkilöstön muutos toimialoittain Ylivieskan seutukunnassa ja Pohjois-Pohjanmaalla 2018–2023"
    label = "G Tukku- ja vähittäiskauppa; moottoriajoneuvojen ja moottoripyörien korjaus"
    svg = bar_chart([label], [5.0], title=title, unit="%", prov=PROV).svg
    t = texts(svg)
    # a 9-inch title holds int(8.7 × 72 / 9.9) = 63 characters a line; a label 30 characters, two lines
    assert "Henkilöstön muutos toimialoittain Ylivieskan seutukunnassa ja" in t
    assert "Pohjois-Pohjanmaalla 2018–2023" in t
    assert "G Tukku- ja vähittäiskauppa;" in t and "moottoriajoneuvojen ja…" in t
    # the plot starts one title line (0.25 in) lower: 0.65 + 0.25 in = 90 px
    (y,) = re.findall(r'<line x1="[^"]*" y1="([^"]*)" x2="[^"]*" y2="[^"]*" class="kd-axis-y"', svg)
    assert float(y) == 90.0
    # the whole title is the text alternative
    assert f"<title>{title}</title>" in svg and f'aria-label="{title}"' in svg


def test_footer_names_source_and_badge_in_the_reports_language():
    fi = texts(bar_chart(["A"], [1.0], title="T", unit="u", prov=PROV).svg)
    assert any(s.startswith("Lähde: KasvuDATAn synteettinen yritysaineisto") and "SYNTEETTINEN data" in s
               for s in fi)
    en = texts(line_chart({"A": ([1, 2], [1, 2])}, title="T", unit="u", prov={"kind": "real", "sources": []},
                          lang="en").svg)
    assert any("Real data" in s for s in en)


def test_lq_marker_line_at_one():
    # LQs 0.4 and 0.8 with the marker at 1: the axis must reach 1 (+18 %: 0…1.18), the dashed line at
    # 40 + 1 / 1.18 × 825 = 739.2 px
    svg = bar_chart(["A", "B"], [0.4, 0.8], decimals=2, title="T", unit="LQ", prov=PROV, marker_at=1.0).svg
    (x,) = re.findall(r'<line x1="([^"]*)" y1="[^"]*" x2="[^"]*" y2="[^"]*" stroke="#000000" stroke-width="1.7" '
                      r'stroke-dasharray', svg)
    assert float(x) == pytest.approx(40 + 825 / 1.18, abs=0.05)
