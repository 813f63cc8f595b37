"""The insight loop made visible (issue 17): the name field says it is published, the insights page
says how insights get there."""
from __future__ import annotations

from kasvudata_utils.apps.insights_board import InsightsBoard
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.reports.site import build_insights_page


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_name_field_says_it_is_published_and_empty_is_anonymous(tmp_path):
    for lang, words in (("fi", ("julkaistaan", "nimettömänä")), ("en", ("published", "anonymously"))):
        b = InsightsBoard(area="KU009", lang=lang, store=InsightStore(tmp_path / f"{lang}.sqlite"))
        assert words[0] in b.author.placeholder
        assert all(w in b.author_note.value for w in words)
        form = next(w for w in _walk(b.view) if "kd-insight-form" in getattr(w, "_dom_classes", ()))
        kids = list(form.children)  # the note sits right under the field
        assert kids.index(b.author_note) == kids.index(b.author) + 1


def test_empty_insights_page_explains_how_it_fills(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    for lang, words in (("fi", ("Ei vielä havaintoja.", "havaintotaululle", "kasvudata reports")),
                        ("en", ("No insights yet.", "insights board", "kasvudata reports"))):
        out = tmp_path / lang
        out.mkdir()
        text = build_insights_page(out, lang).read_text(encoding="utf-8")
        assert all(w in text for w in words), lang
