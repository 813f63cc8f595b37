"""The insights board app without a browser: widgets, clicks, store contents, escaping, refresh."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kasvudata_utils.apps.insights_board import InsightsBoard
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.labels import t

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    return InsightStore(tmp_path / "board.sqlite")


def board(store, area="KU009", lang="fi", **kw):
    return InsightsBoard(area=area, lang=lang, store=store, **kw)


def items(b):
    """(vote button text, body HTML) of each list item."""
    return [(it.children[0].description, it.children[1].value) for it in b.list_box.children
            if "kd-insight-item" in it._dom_classes]


def test_widgets_carry_the_spec_css_classes(store):
    b = board(store)
    for w, css in [(b.kind, "kd-insight-kind"), (b.text, "kd-insight-text"), (b.submit, "kd-insight-submit"),
                   (b.list_box, "kd-insight-list"), (b.badge, "kd-data-badge"), (b.summary, "kd-summary")]:
        assert css in w._dom_classes
    assert b.summary.value == "0 havaintoa alueelta Alavieska"
    # the badge tells a participant what the board holds, not where the server keeps its file
    assert "board.sqlite" not in b.badge.value and "ei tilastolukuja" in b.badge.value
    assert [o[1] for o in b.kind.options] == ["trend", "bottleneck", "best_practice", "question", "action"]


def test_submit_saves_to_store_and_lists_it(store):
    b = board(store, workshop="Ylivieska 2026")
    b.kind.value = "bottleneck"
    b.industry.value = "C"
    b.indicator.value = "personnel"
    b.year.value = 2023
    b.author.value = "Maija"
    b.text.value = "Osaavia hitsaajia ei saa"
    b.submit.click()
    [rec] = store.list()
    assert (rec["area_code"], rec["kind"], rec["industry_code"], rec["indicator"], rec["year"], rec["author"],
            rec["workshop"], rec["text"]) == ("KU009", "bottleneck", "C", "personnel", 2023, "Maija",
                                              "Ylivieska 2026", "Osaavia hitsaajia ei saa")
    assert rec["session_id"] == b.session_id
    assert b.text.value == "" and b.notice.value == "Tallennettu."
    assert b.summary.value == "1 havainto alueelta Alavieska"
    [(vote, body)] = items(b)
    assert vote == "+1 (0)"
    assert "Osaavia hitsaajia ei saa" in body and "Pullonkaula · C Teollisuus · Viittaa: Henkilöstö, 2023" in body


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "**md** <b>x</b>"])
def test_injection_shown_as_text_and_stored_verbatim(store, text):
    b = board(store)
    b.text.value = text
    b.author.value = "<i>me</i>"
    b.submit.click()
    assert store.list()[0]["text"] == text
    [(_, body)] = items(b)
    assert "<script" not in body and "<img" not in body and "<b>" not in body and "<i>" not in body
    assert "&lt;" in body


def test_bad_input_gives_a_friendly_notice_and_keeps_the_text(store):
    b = board(store, lang="en")
    b.text.value = "   "
    b.submit.click()
    assert b.notice.value == t("insight_text_empty", "en") and store.count() == 0
    b.text.value = "x" * 2001
    b.submit.click()
    assert b.notice.value == t("insight_text_too_long", "en", limit=2000, length=2001)
    assert b.text.value == "x" * 2001 and store.count() == 0  # nothing typed is lost


def test_rate_limit_in_the_app(store):
    b = board(store)
    for i in range(11):
        b.text.value = f"havainto {i}"
        b.submit.click()
    assert store.count() == 10  # the 11th within a minute is refused
    assert b.notice.value == t("insight_rate_limited", "fi", limit=10, seconds=60)
    assert b.text.value == "havainto 10"


def test_votes_one_per_tab_and_most_voted_first(store):
    first = store.add("KU009", "trend", "eka")
    store.add("KU009", "trend", "toka")
    b = board(store)
    assert ["toka" in body for _, body in items(b)] == [True, False]  # newest first at equal votes
    vote_first = b.list_box.children[1].children[0]
    vote_first.click()
    assert store.get(first)["votes"] == 1
    assert [v for v, _ in items(b)] == ["+1 (1)", "+1 (0)"]  # eka moved to the top
    b.list_box.children[0].children[0].click()  # the same tab again
    assert store.get(first)["votes"] == 1 and b.notice.value == t("insight_already_voted", "fi")
    other = board(store)
    other.list_box.children[0].children[0].click()
    assert store.get(first)["votes"] == 2


def test_filters_by_kind_and_industry_section(store):
    store.add("KU009", "bottleneck", "metalli", industry="25")  # division 25 belongs to section C
    store.add("KU009", "bottleneck", "kauppa", industry="G")
    store.add("KU009", "trend", "yleinen")
    b = board(store)
    assert len(items(b)) == 3
    b.filter_kind.value = "bottleneck"
    assert sorted("metalli" in body for _, body in items(b)) == [False, True]
    b.filter_industry.value = "C"
    [(_, body)] = items(b)
    assert "metalli" in body
    b.filter_kind.value = "trend"
    assert items(b) == [] and "kd-insight-empty" in b.list_box.children[0]._dom_classes


def test_sub_region_board_shows_its_municipalities(store):
    store.add("KU009", "trend", "Alavieskasta")
    store.add("SK177", "trend", "seudulta")
    sk = board(store, area="SK177")
    assert len(items(sk)) == 2 and sk.summary.value == "2 havaintoa alueelta Ylivieskan seutukunta"
    assert any("Alue: Alavieska" in body for _, body in items(sk))
    ku = board(store, area="KU009")
    assert len(items(ku)) == 1


def test_refresh_picks_up_other_participants(store):
    b = board(store)
    assert b.refresh() is False  # nothing changed
    store.add("KU009", "action", "toisen osallistujan kirjaus")
    assert b.refresh() is True
    assert "toisen osallistujan kirjaus" in items(b)[0][1]


def test_auto_refresh_in_a_running_event_loop(store):
    async def scenario():
        b = board(store, refresh_s=0.05)
        assert b._task is not None
        store.add("KU009", "question", "tuliko näkyviin?")
        await asyncio.sleep(0.5)
        b.stop()
        return items(b)

    shown = asyncio.run(scenario())
    assert len(shown) == 1 and "tuliko näkyviin?" in shown[0][1]
    assert board(store)._task is None  # no event loop running: no refresh task


def test_scenario_snapshots_side_by_side_with_notes(store):
    store.add_scenario("KU009", {"birth_rate_pct": 8.0}, {"personnel": 1500}, note="<b>Ryhmä 1</b>")
    store.add_scenario("KU009", {"birth_rate_pct": 6.5}, {"personnel": 1400}, note="Ryhmä 2")
    b = board(store)
    panel = b.scenario_panel.value
    assert "&lt;b&gt;Ryhmä 1&lt;/b&gt;" in panel and "Ryhmä 2" in panel and "<b>" not in panel
    # Lever rows use the scenario labels (labels key lever_<name>); newest scenario first.
    assert f"<tr><td>{t('lever_birth_rate_pct', 'fi')}</td><td>6,5</td><td>8</td></tr>" in panel
    assert items(b) == [] and b.summary.value == "0 havaintoa alueelta Alavieska"  # scenarios are not insights


def test_from_url_reads_area_and_lang(store, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(store.path))
    monkeypatch.setenv("QUERY_STRING", "area=ku009&lang=en")
    b = InsightsBoard.from_url("MK17", "fi")
    assert (b.area, b.lang, b.summary.value) == ("KU009", "en", "0 insights about Alavieska")
    monkeypatch.setenv("QUERY_STRING", "area=Atlantis")
    b = InsightsBoard.from_url("MK17", "fi")
    assert b.area == "MK17" and "'Atlantis'" in html_unescape(b.notice.value)


def html_unescape(s):
    import html
    return html.unescape(s)


def test_app_kernel_stays_lean():
    code = ("import sys, tempfile; from kasvudata_utils.apps.insights_board import InsightsBoard; "
            "InsightsBoard(area='KU009', store=tempfile.mkdtemp() + '/s.sqlite'); "
            "print(sorted(m for m in ('pandas', 'geopandas', 'matplotlib', 'ipyleaflet') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_notebook_is_parameterised_and_stripped():
    nb = json.loads((ROOT / "workshops" / "insights_board.ipynb").read_text())
    cells = nb["cells"]
    assert "parameters" in cells[0]["metadata"].get("tags", [])
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in cells)
    src = "".join("".join(c["source"]) for c in cells)
    assert "InsightsBoard.from_url(area, lang" in src and ".view" in src


def test_items_are_reused_and_deleted_ones_freed(store):
    a = store.add("KU009", "trend", "eka")
    b = board(store)
    first = b.list_box.children[0]
    store.add("KU009", "trend", "toka")
    assert b.refresh() is True
    assert len(items(b)) == 2 and b.list_box.children[1] is first  # same widget, not rebuilt
    store.vote(a)
    b.refresh()
    assert b.list_box.children[0] is first and first.children[0].description == "+1 (1)"  # updated in place
    store.delete(a)
    b.refresh()
    assert len(items(b)) == 1 and first.comm is None  # the deleted insight's widget was closed


def test_long_lists_are_cut_with_a_note(store, monkeypatch):
    from kasvudata_utils.apps import insights_board
    monkeypatch.setattr(insights_board, "MAX_ITEMS_SHOWN", 3)
    for i in range(5):
        store.add("KU009", "trend", f"h{i}")
    b = board(store)
    assert len(items(b)) == 3
    assert b.list_box.children[-1].value == t("insights_more", "fi", shown=3, total=5)
    assert b.summary.value == "5 havaintoa alueelta Alavieska"


def test_change_token_moves_with_every_kind_of_change(store):
    tokens = [store.change_token()]
    uid = store.add("KU009", "trend", "x")
    tokens.append(store.change_token())
    store.vote(uid)
    tokens.append(store.change_token())
    store.edit(uid, text="y")
    tokens.append(store.change_token())
    store.delete(uid)
    tokens.append(store.change_token())
    store.restore(uid)
    tokens.append(store.change_token())
    assert len(set(tokens)) == 6
    assert store.change_token() == tokens[-1]  # reading changes nothing


def test_board_industry_list_matches_the_data(store):
    """Issue 13: the board offers the sections the firm data hold (no "A Maatalous")."""
    b = board(store)
    codes = [v for _, v in b.industry.options if v]
    assert codes == ["B", "C", "D", "E", "F", "G", "H", "I", "J", "L", "M", "N", "R", "S"]
    assert [v for _, v in b.filter_industry.options if v] == codes


@pytest.mark.parametrize("typed", ["Ylivieska", "977", "ku 977", "Ylivieska (KU977)"])
def test_area_box_takes_a_typed_name_or_code_and_moves_the_board(store, typed):
    # issue 17 review: the board had no area box (the area only from the link)
    store.add("KU009", "trend", "Alavieskan trendi")
    store.add("KU977", "bottleneck", "Ylivieskan pullonkaula")
    b = board(store)
    assert "kd-area-select" in b.area_select._dom_classes and b.area_select.value == "Alavieska (KU009)"
    assert [body for _, body in items(b) if "trendi" in body]
    b.area_select.value = typed
    assert b.area == "KU977" and b.area_select.value == "Ylivieska (KU977)"
    assert b.summary.value == "1 havainto alueelta Ylivieska" and "Ylivieska (KU977)" in b.title.value
    [(_, body)] = items(b)
    assert "Ylivieskan pullonkaula" in body and "Alavieskan trendi" not in body
    assert 'data-query="area=KU977&amp;lang=fi"' in b.url_state.value
    b.text.value = "uusi"
    b.submit.click()  # a new insight goes to the area shown
    assert {r["area_code"] for r in store.list() if r["text"] == "uusi"} == {"KU977"}


def test_area_box_keeps_the_board_on_an_unknown_name(store):
    b = board(store)
    b.area_select.value = "Helsinki"  # a real municipality, outside the region
    assert b.area == "KU009" and b.area_select.value == "Alavieska (KU009)" and "Helsinki" in b.notice.value
    b.area_select.value = "Sub-region"  # names no area
    assert b.area == "KU009"
    b.area_select.value = "SK177"  # the sub-region shows its municipalities' insights too
    assert b.area == "SK177" and b.summary.value == "0 havaintoa alueelta Ylivieskan seutukunta"
