"""Plural forms (labels.tn) and source names in the page's language (provenance.source_text).

Expected texts are the Finnish and English grammar written out: Finnish takes the nominative singular
after 1 and the partitive after every other number ("1 havainto", "2 havaintoa", "0 havaintoa").
"""
from __future__ import annotations

import pytest

from kasvudata_utils import labels, provenance
from kasvudata_utils.data import loaders
from kasvudata_utils.labels import tn


@pytest.mark.parametrize("n, lang, expected", [
    (1, "fi", "Lähde: KasvuDATA-työpajojen osallistujat (1 kirjaus)."),
    (2, "fi", "Lähde: KasvuDATA-työpajojen osallistujat (2 kirjausta)."),
    (0, "fi", "Lähde: KasvuDATA-työpajojen osallistujat (0 kirjausta)."),
    (1, "en", "Source: participants of KasvuDATA workshops (1 entry)."),
    (2, "en", "Source: participants of KasvuDATA workshops (2 entries)."),
])
def test_source_note_plural(n, lang, expected):
    assert tn("insights_source_note", n, lang) == expected


def test_summary_plural_with_other_fields():
    assert tn("insights_summary", 1, "fi", area="Oulu") == "1 havainto alueelta Oulu"
    assert tn("insights_summary", 21, "fi", area="Oulu") == "21 havaintoa alueelta Oulu"
    assert tn("insights_summary", 1, "en", area="Oulu") == "1 insight about Oulu"
    assert tn("insights_summary", 3, "en", area="Oulu") == "3 insights about Oulu"


def test_count_is_written_in_the_language_number_format():
    assert tn("insights_summary", 1234, "fi", area="X") == "1\u202f234 havaintoa alueelta X"
    assert tn("insights_summary", 1234, "en", area="X") == "1,234 insights about X"


def test_label_without_singular_uses_its_one_text_and_unknown_key_raises():
    # a label with no *_one form: the same text for every count
    assert tn("scenario_saved", 1, "en") == "Scenario saved (1 saved for this area)."
    assert tn("scenario_saved", 1, "fi") == "Skenaario tallennettu (1 tallennettu tälle alueelle)."
    assert tn("scenario_saved", 4, "fi") == "Skenaario tallennettu (4 tallennettua tälle alueelle)."
    with pytest.raises(KeyError, match="no_such"):
        tn("no_such", 1)


def test_every_source_a_loader_records_has_a_finnish_name():
    recorded = [v for k, v in vars(loaders).items() if k.startswith("SRC_")]
    assert recorded, "the loaders' SRC_ constants moved: update this test"
    for src in recorded:
        key = provenance.SOURCE_KEYS.get(src)
        assert key, f"source {src!r} has no label in provenance.SOURCE_KEYS"
        assert labels.t(key, "en") == src  # the English name is the recorded one
        assert labels.t(key, "fi") != src  # the Finnish name is a translation


def test_badge_is_fully_finnish_on_a_finnish_page():
    prov = provenance.make("synthetic", ["KasvuDATA synthetic firm panel", "Statistics Finland"])
    assert (provenance.badge_text(prov, "fi")
            == "SYNTEETTINEN data · KasvuDATAn synteettinen yritysaineisto; Tilastokeskus")
    assert provenance.badge_text(prov, "en") == "SYNTHETIC data · KasvuDATA synthetic firm panel; Statistics Finland"
    # a user's file name is shown as recorded
    assert provenance.source_text("oma_poiminta.csv", "fi") == "oma_poiminta.csv"
