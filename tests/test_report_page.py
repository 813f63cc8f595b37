"""Report page pieces of issue 17 without a browser: section anchors and contents, chart downloads,
readable ticks and zero baselines. Expected values follow from the definitions, worked out by hand."""
from __future__ import annotations

import csv
import html
import re

import matplotlib

matplotlib.use("Agg")

import nbformat  # noqa: E402
import pytest  # noqa: E402

from kasvudata_utils import plots, svgcharts  # noqa: E402
from kasvudata_utils.reports.common import chart_downloads_html, save_chart, show  # noqa: E402
from kasvudata_utils.reports.toc import add_anchors, add_toc, slug, toc_html  # noqa: E402

PROV = {"kind": "synthetic", "sources": ["KasvuDATA synthetic firm panel"]}


def test_slug_is_ascii_and_repeats_are_numbered():
    assert slug("Työmarkkinat ja väestö") == "kd-tyomarkkinat-ja-vaesto"
    text, entries = add_anchors("<h2>Vienti</h2><h2>Vienti</h2><h2 class='x'>Ä &amp; Ö</h2>")
    assert [i for i, _ in entries] == ["kd-vienti", "kd-vienti-2", "kd-a-o"]
    assert entries[2][1] == "Ä & Ö"  # the entry holds the heading's text, unescaped
    assert text.count('id="kd-vienti"') == 1 and 'id="kd-vienti-2"' in text


def test_toc_goes_before_the_first_section_and_lists_all_in_order():
    nb = nbformat.v4.new_notebook()
    title = nbformat.v4.new_code_cell()
    title.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<h1>Raportti</h1>"})]
    first = nbformat.v4.new_code_cell()
    first.outputs = [nbformat.v4.new_output("display_data", {"text/html": "<p>x</p><h2>Yksi</h2>"})]
    second = nbformat.v4.new_code_cell()
    second.outputs = [nbformat.v4.new_output("display_data", {"text/html": ["<h2>Kaksi</h2>", "<p>y</p>"]})]
    nb.cells = [title, first, second]
    assert add_toc(nb, "en") == [("kd-yksi", "Yksi"), ("kd-kaksi", "Kaksi")]
    html1 = first.outputs[0]["data"]["text/html"]
    assert html1.startswith('<p>x</p><nav class="kd-toc" aria-label="Contents">')
    assert html1.index("kd-toc") < html1.index('<h2 id="kd-yksi">')
    assert second.outputs[0]["data"]["text/html"] == '<h2 id="kd-kaksi" class="kd-after-summary">Kaksi</h2><p>y</p>'
    assert "kd-toc" not in title.outputs[0]["data"]["text/html"]
    assert toc_html([("a", "Only one")]) == ""  # a page with one section needs no contents list


def test_chart_data_holds_what_is_drawn_and_never_a_suppressed_value():
    fig = svgcharts.bar_chart(["C Teollisuus", "F Rakentaminen"], [1500.0, 987.0], suppressed=[False, True],
                          reference_values=[10.0, 20.0], title="t", unit="u", prov=PROV)
    assert plots.chart_data(fig) == [
        {"label": "C Teollisuus", "value": 1500.0, "suppressed": False, "reference_value": 10.0},
        {"label": "F Rakentaminen", "value": None, "suppressed": True, "reference_value": 20.0}]
    # an index chart's data are the drawn index values: 50 → 60 is 100 → 120
    line = svgcharts.line_chart({"A": ([2020, 2021], [50, 60])}, index_base=True, title="t", unit="u", prov=PROV)
    assert [r["value"] for r in plots.chart_data(line)] == [100.0, 120.0]


def test_show_writes_the_chart_csv_and_svg_and_links_them(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig = svgcharts.line_chart({"Alue": ([2020, 2021], [7.5, 8.0])}, title="Syntyvyys", unit="%", prov=PROV,
                               decimals=1)
    show(fig, "births", str(tmp_path / "tables"), "fi")
    rows = list(csv.DictReader((tmp_path / "tables" / "chart_births.csv").open(encoding="utf-8")))
    assert [(r["series"], r["year"], float(r["value"])) for r in rows] == [("Alue", "2020", 7.5), ("Alue", "2021", 8.0)]
    svg = (tmp_path / "tables" / "chart_births.svg").read_text(encoding="utf-8")
    assert not (tmp_path / "tables" / "chart_births.png").exists()  # the SVG is the chart's one image
    # the figure shown is that file's text, with the size of a 9 × 5 inch figure at 100 dpi and its title as alt
    data, meta = shown[0]._repr_mimebundle_()
    assert data["image/svg+xml"] == svg and meta["image/svg+xml"] == {"width": 900, "height": 500, "alt": "Syntyvyys"}
    assert svg.startswith('<svg') and 'width="900" height="500"' in svg.split(">", 1)[0]
    assert '<title>Syntyvyys</title>' in svg and 'aria-label="Syntyvyys"' in svg
    # text as text, not glyph outlines: the title, the unit, and tick labels 0,0 … 8,0 (a rate starts at
    # zero; steps of 2 reach 8, the highest value) in the decimal comma of a Finnish report
    assert {"Syntyvyys", "%", "0,0", "8,0"} <= set(svg_texts(svg)) and "DejaVuSans-" not in svg  # no glyph defs
    link = shown[-1].data
    assert 'href="tables/chart_births.csv"' in link and 'href="tables/chart_births.svg"' in link
    assert "Lataa luvut (CSV)" in link and "Lataa kuva (SVG)" in link


def svg_texts(svg: str) -> list[str]:
    """The texts of an SVG's ``<text>`` elements, unescaped."""
    import html

    return [html.unescape(s) for s in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_chart_svg_never_carries_a_suppressed_value():
    # F's 987 is suppressed: the figure's text has C's value (1 500 with a narrow no-break space), the
    # "salattu" mark, and nowhere 987 (nor in any attribute: the bar is the hatched 15 % stub)
    def chart():
        return svgcharts.bar_chart(["C Teollisuus", "F Rakentaminen"], [1500.0, 987.0], suppressed=[False, True],
                                   title="Henkilöstö", unit="htv", prov=PROV)
    svg = chart().svg
    texts = [s.strip() for s in svg_texts(svg)]
    assert "1\u202f500" in texts and "salattu" in texts
    assert not any("987" in s for s in texts) and "987" not in svg
    assert svg == chart().svg  # same chart, same bytes
    # the matplotlib path (the location maps) keeps its rule too
    mpl = plots.figure_svg(plots.bar_chart(["C Teollisuus", "F Rakentaminen"], [1500.0, 987.0],
                                           suppressed=[False, True], title="Henkilöstö", unit="htv", prov=PROV))
    assert "987" not in mpl


def test_no_download_links_without_an_output_folder(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    show(svgcharts.line_chart({"A": ([1, 2], [1, 2])}, title="t", unit="u", prov=PROV))
    assert len(shown) == 1  # the image alone
    assert "download" in chart_downloads_html(save_chart([{"a": 1}], b"\x89PNG", str(tmp_path), "x"), str(tmp_path))
    assert 'href="' + tmp_path.name + '/chart_y.svg"' in chart_downloads_html(
        save_chart([{"a": 1}], "<svg/>", str(tmp_path), "y"), str(tmp_path))


def _y_ticks(svg: str) -> list[tuple[str, float]]:
    """The value-axis tick labels of a line chart's SVG (right-aligned, beside the axis) with their y."""
    return [(html.unescape(text), float(y)) for y, text in
            re.findall(r'<text x="[^"]*" y="([^"]*)" font-size="[^"]*" text-anchor="end" '
                       r'dominant-baseline="central">([^<]*)</text>', svg)]


def _number(label: str) -> float:
    return float(label.replace("\u2212", "-").replace("\u202f", "").replace(",", "."))


def _bottom_axis_y(svg: str) -> float:
    """The y of the chart's bottom axis line."""
    (y,) = re.findall(r'<line x1="[^"]*" y1="([^"]*)" x2="[^"]*" y2="[^"]*" class="kd-axis-x"', svg)
    return float(y)


def test_index_ticks_are_whole_numbers_at_readable_steps():
    # an index from 100 falling to 85: 2.5-point steps would print 102, 100, 98, 95 … after rounding;
    # the axis 84.25…100.75 (5 % beyond) holds the ticks 85, 90, 95, 100 (step 5: 2 would make 8 intervals)
    svg = svgcharts.line_chart({"A": ([2018, 2019, 2020, 2021], [100, 92, 88, 85])}, index_base=True,
                               title="t", unit="indeksi", prov=PROV).svg
    ticks = [_number(label) for label, _ in _y_ticks(svg)]
    assert ticks == [85, 90, 95, 100]
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert all(float(t).is_integer() for t in ticks)
    assert len(steps) == 1 and steps.pop() in (1, 2, 5, 10)
    assert min(ticks) > 0  # an index keeps its break from zero


def test_rates_start_at_zero():
    # birth and death rates between 7.5 and 9.5: the axis starts at 0, not at 7.5 — the 0,0 tick sits on
    # the bottom axis line
    svg = svgcharts.line_chart({"b": ([2020, 2021], [7.5, 9.5]), "d": ([2020, 2021], [8.0, 8.2])}, decimals=1,
                               title="t", unit="%", prov=PROV).svg
    ticks = _y_ticks(svg)
    assert ticks[0][0] == "0,0" and ticks[0][1] == pytest.approx(_bottom_axis_y(svg))
    assert [label for label, _ in ticks] == ["0,0", "2,0", "4,0", "6,0", "8,0"]  # 0…9.975, step 2
    # a series with negative values keeps its own range: −3.25…2.25, ticks −3 … 2, none at the bottom line
    neg = svgcharts.line_chart({"x": ([2020, 2021], [-3.0, 2.0])}, title="t", unit="%", prov=PROV).svg
    nt = _y_ticks(neg)
    assert [_number(label) for label, _ in nt] == [-3, -2, -1, 0, 1, 2]
    assert nt[0][1] < _bottom_axis_y(neg)


def test_map_hatches_suppressed_areas_and_names_them_in_the_legend():
    square = lambda x: {"type": "Polygon", "coordinates": [[[x, 64], [x + 1, 64], [x + 1, 65], [x, 64]]]}  # noqa: E731
    feats = [{"type": "Feature", "properties": {"area_code": c, "name_fi": c, "subregion_code": "SK177"},
              "geometry": square(i)} for i, c in enumerate(["KU009", "KU977", "KU071"])]
    fig = plots.area_map(feats, ["KU009"], suppressed=["KU977"], legend_labels=("LQ > 1", "LQ ≤ 1"),
                         title="t", prov=PROV, lang="fi")
    rows = {r["area_code"]: (r["highlighted"], r["suppressed"]) for r in plots.chart_data(fig)}
    assert rows == {"KU009": (True, False), "KU977": (False, True), "KU071": (False, False)}
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["LQ > 1", "LQ ≤ 1", "salattu"]
    assert [c.get_hatch() for c in ax.collections] == [None, "///"]
    assert len(ax.collections[1].get_paths()) == 1  # the suppressed municipality alone is hatched
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "SYNTEETTINEN data" in footer  # the colours' data, not "Todellinen data"


def test_index_column_headings_carry_their_years(tmp_path, monkeypatch):
    from kasvudata_utils.reports.site import build_index

    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    m = {"reports": {"KU009": {"kind": "area", "name": "Alavieska", "status": "ok", "html": "KU009/report.html",
                               "notebook": "KU009/report.ipynb", "tables": [],
                               "parameters": {"area": "KU009", "start_year": 2018, "end_year": 2023}}}}
    index = build_index(tmp_path, m, "fi").read_text(encoding="utf-8")
    heads = re.findall(r"<th>([^<]*)</th>", index)
    assert "Henkilöstö 2023 (htv)" in heads and "Henkilöstön muutos 2018–2023 (%)" in heads
    assert "Yritysten syntyvyys 2023 (%)" in heads


def test_index_map_is_clickable_and_links_only_existing_reports(tmp_path, monkeypatch):
    from kasvudata_utils.reports.site import broken_links, build_site

    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    (tmp_path / "SK177").mkdir()
    (tmp_path / "SK177" / "report.html").write_text('<section id="insights">x</section>')
    m = {"reports": {"SK177": {"kind": "area", "name": "Ylivieskan seutukunta", "status": "ok",
                               "html": "SK177/report.html", "notebook": "SK177/report.ipynb", "tables": [],
                               "parameters": {"area": "SK177", "start_year": 2018, "end_year": 2023}}}}
    (tmp_path / "SK177" / "report.ipynb").write_text("{}")
    build_site(tmp_path, m, "fi")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'<area shape="poly" coords="[\d,]+" href="([^"]+)"', index)
    # the six municipalities of the Ylivieska sub-region (at least one outline each) link to its report
    assert set(hrefs) == {"SK177/report.html"} and len(hrefs) >= 6
    assert 'alt="Alavieska → Ylivieskan seutukunta"' in index and 'usemap="#kd-area-map"' in index
    assert broken_links(tmp_path) == []
    # every outline lies inside the picture
    w, h = map(int, re.search(r'<img src="map.png" alt="[^"]*" width="(\d+)" height="(\d+)"', index).groups())
    for coords in re.findall(r'coords="([\d,]+)"', index):
        xy = list(map(int, coords.split(",")))
        assert all(0 <= x <= w for x in xy[::2]) and all(0 <= y <= h for y in xy[1::2])
