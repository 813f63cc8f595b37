"""Issue 17: names on the static maps never collide and never leave the figure.

Measured on the drawn figure: every name's rendered text box (``Text.get_window_extent``) against
every other name's and against the figure's edges, for the location map of the region, of every
sub-region and of a municipality, in both languages, and for a map naming eight neighbours.
"""
import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from kasvudata_utils import areas, plots
from kasvudata_utils.data import load_web_geojson
from kasvudata_utils.reports.area import location_map


def _names(fig):
    ax = fig.axes[0]
    return [t_ for t_ in ax.texts if t_.get_text()]


def _assert_title_inside(fig, renderer):
    """The title (left title of the map) is drawn whole: "… kuntien joukossa" was cut after "joukos"."""
    ax = fig.axes[0]
    title = ax.get_title(loc="left")
    shown = [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == title and title]
    assert len(shown) == 1
    b, edge = shown[0].get_window_extent(renderer), fig.bbox
    assert edge.x0 <= b.x0 and b.x1 <= edge.x1 and b.y1 <= edge.y1, (title, b, edge)


def _assert_no_collisions(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    _assert_title_inside(fig, renderer)
    boxes = [(t_.get_text(), t_.get_window_extent(renderer)) for t_ in _names(fig)]
    edge = fig.bbox
    for name, b in boxes:
        assert edge.x0 <= b.x0 and b.x1 <= edge.x1 and edge.y0 <= b.y0 and b.y1 <= edge.y1, name
    for i, (n1, b1) in enumerate(boxes):
        for n2, b2 in boxes[i + 1:]:
            assert not b1.overlaps(b2), f"{n1} overlaps {n2}"
    return [n for n, _ in boxes]


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("area", [areas.HOME_REGION, *areas.members(areas.HOME_REGION, "SK"), "KU009"])
def test_location_map_names_do_not_collide(area, lang):
    fig = location_map(area, lang)
    try:
        names = _assert_no_collisions(fig)
        munis = areas.municipalities(area)
        if len(munis) <= 7:  # every municipality of a sub-region is named (none left out), and only those
            assert sorted(names) == sorted(areas.area_name(c, lang) for c in munis)
            assert getattr(fig, "kd_unlabelled", []) == []
        else:
            assert names == []
    finally:
        plt.close(fig)


def test_sk177_names_that_collided_at_their_centres_are_moved_with_a_leader_line():
    # Merijärvi/Oulainen and Kalajoki/Alavieska overlapped when written at their centres (issue 17)
    fig = location_map("SK177", "fi")
    try:
        names = _assert_no_collisions(fig)
        assert {"Merijärvi", "Oulainen", "Kalajoki", "Alavieska"} <= set(names)
        assert len(fig.axes[0].lines) >= 1  # at least one name sits away from its area, joined by a line
    finally:
        plt.close(fig)


def test_place_labels_on_eight_crowded_neighbours_and_a_legend():
    # the industry profile names up to eight municipalities beside its legend: the small, close ones
    feats = load_web_geojson("KU")["features"]
    crowded = ["KU009", "KU071", "KU072", "KU208", "KU317", "KU483", "KU563", "KU977"]
    fig = plots.area_map(feats, crowded, title="LQ", prov={"kind": "synthetic", "sources": ["test"]}, lang="fi",
                         label_codes=crowded, names={c: areas.area_name(c, "fi") for c in crowded},
                         legend_labels=("LQ > 1", "LQ ≤ 1"))
    try:
        names = _assert_no_collisions(fig)
        legend = fig.axes[0].get_legend().get_window_extent(fig.canvas.get_renderer())
        for t_ in _names(fig):
            assert not t_.get_window_extent(fig.canvas.get_renderer()).overlaps(legend), t_.get_text()
        assert len(names) + len(fig.kd_unlabelled) == 8
    finally:
        plt.close(fig)
