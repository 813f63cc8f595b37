"""Chart style and number formatting (kasvudata_utils.plots); expected strings written by hand."""
import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from kasvudata_utils import plots  # noqa: E402
from kasvudata_utils.plots import MINUS, THIN_SPACE, format_cell, format_number, format_pct  # noqa: E402

SYN = {"kind": "synthetic", "sources": ["KasvuDATA synthetic firm panel"], "columns": {}, "not_for_publication": False}


def test_finnish_thousands_and_decimal_comma():
    # 1234567.891 rounded to one decimal is 1234567.9: groups 1|234|567, thin space, decimal comma
    assert format_number(1234567.891, "fi", 1) == f"1{THIN_SPACE}234{THIN_SPACE}567,9"
    assert format_number(1234567.891, "en", 1) == "1,234,567.9"


def test_integer_and_negative_and_small_numbers():
    assert format_number(1234.4, "fi") == f"1{THIN_SPACE}234"  # 0 decimals: .4 rounds down
    assert format_number(-1234.5, "fi", 1) == f"{MINUS}1{THIN_SPACE}234,5"  # real minus sign in Finnish
    assert format_number(-1234.5, "en", 1) == "-1,234.5"
    assert format_number(999, "fi") == "999"  # no separator below a thousand
    assert format_number(0.125, "fi", 2) == "0,12"  # 0.125 is exact: half to even gives 0.12
    assert format_number(-0.04, "fi", 1) == "0,0"  # rounds to zero: no signed zero


def test_missing_values_are_dashes_never_numbers():
    for v in (None, float("nan"), "..", "abc"):
        assert format_number(v, "fi") == "–"
    assert format_cell(123.0, True, "fi") == "–"  # suppressed: never the number
    assert format_cell(123.0, False, "fi") == "123"


def test_percentages():
    assert format_pct(12.34, "fi", 1) == "12,3\u00a0%"
    assert format_pct(12.34, "en", 1) == "12.3%"
    assert format_pct(5, "en", 1, signed=True) == "+5.0%"
    assert format_pct(-5, "fi", 1, signed=True) == f"{MINUS}5,0\u00a0%"
    assert format_pct(math.nan, "fi") == "–"


def test_tick_formatter_uses_finnish_format():
    f = plots.number_formatter("fi")
    assert f(12345.0, 0) == f"12{THIN_SPACE}345"


def _texts(fig):
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts] + [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel()]
    return out


def test_bar_chart_has_title_unit_footer_and_never_shows_a_suppressed_value():
    import matplotlib.pyplot as plt

    fig = plots.bar_chart(["C", "F", "G"], [1500.0, 987.0, 20.0], suppressed=[False, True, False],
                          title="Henkilöstö", unit="henkilötyövuotta", prov=SYN, lang="fi")
    texts = _texts(fig)
    assert "Henkilöstö" in texts and "henkilötyövuotta" in texts
    footer = " ".join(t.get_text() for t in fig.texts)
    # a Finnish chart names its source in Finnish too (issue 17: "Lähde: KasvuDATA synthetic firm panel")
    assert "SYNTEETTINEN data" in footer and "Lähde: KasvuDATAn synteettinen yritysaineisto" in footer
    assert "synthetic" not in footer
    joined = " ".join(texts)
    assert "987" not in joined  # the suppressed value appears nowhere
    assert "salattu" in joined
    assert f"1{THIN_SPACE}500" in joined  # the published value, Finnish format
    # the suppressed bar has zero length in the data bars (only a hatched marker is drawn)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert 987.0 not in widths
    plt.close(fig)


def test_line_chart_index_base_and_english_footer():
    import matplotlib.pyplot as plt

    fig = plots.line_chart({"A": ([2018, 2019], [50.0, 75.0])}, index_base=True, title="T", unit="index",
                           prov={"kind": "real", "sources": ["Statistics Finland"]}, lang="en")
    y = fig.axes[0].lines[0].get_ydata()
    assert list(y) == pytest.approx([100.0, 150.0])  # 75 / 50 * 100
    assert "Real data" in " ".join(t.get_text() for t in fig.texts)
    plt.close(fig)


def test_area_map_highlights_the_area():
    import matplotlib.pyplot as plt

    square = {"type": "Polygon", "coordinates": [[[25, 64], [26, 64], [26, 65], [25, 65], [25, 64]]]}
    feats = [{"type": "Feature", "geometry": square, "properties": {"area_code": "KU009", "name_fi": "Alavieska",
                                                                     "subregion_code": "SK177"}},
             {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [square["coordinates"]]},
              "properties": {"area_code": "KU564", "name_fi": "Oulu", "subregion_code": "SK171"}}]
    fig = plots.area_map(feats, {"KU009"}, title="Kartta", prov={"kind": "real", "sources": []}, lang="fi",
                         label_codes={"KU009"})
    colours = fig.axes[0].collections[0].get_facecolors()
    assert matplotlib.colors.to_hex(colours[0]) == plots.AREA_COLOUR.lower()
    assert matplotlib.colors.to_hex(colours[1]) != plots.AREA_COLOUR.lower()
    assert "Alavieska" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


def test_small_value_axes_keep_their_decimals():
    # location quotients 0.4…2.2: whole-number ticks would read "0 0 1 1 2"; one decimal tells them apart
    fig = plots.bar_chart(["A", "B", "C"], [0.4, 1.0, 2.2], title="LQ", unit="LQ", decimals=2,
                          prov={"kind": "synthetic", "sources": ["test"]}, lang="fi")
    fig.canvas.draw()
    ticks = [tl.get_text() for tl in fig.axes[0].get_xticklabels() if tl.get_text()]
    assert len(ticks) == len(set(ticks)) and any("," in tk for tk in ticks)
    assert (plots.tick_decimals(2500), plots.tick_decimals(2.2), plots.tick_decimals(0.3)) == (0, 1, 2)
