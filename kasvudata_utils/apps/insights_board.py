"""The insights board (``workshops/insights_board.ipynb``): record, list, filter and vote on insights.

Participants add trends, bottlenecks, best practices, questions and actions
about the page's area (``?area=``), optionally tied to an industry, an
indicator and a year; the list (``kd-insight-list``) refreshes itself every few
seconds so the projector shows everyone's entries; saved scenarios from the
scenario workshop are shown side by side with their notes.

Lean kernel: ipywidgets, the standard library and the project's stdlib-only
modules (no pandas, geopandas or matplotlib). Every participant text is
escaped before it reaches an HTML widget.
"""
from __future__ import annotations

import asyncio
import html
import json
import time
import uuid

import ipywidgets as widgets

from kasvudata_utils import areas, industries
from kasvudata_utils.apps.common import BaseApp, area_label, area_options, typed_area
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights.render import indicator_label, industry_label, scenarios_table_html
from kasvudata_utils.insights.store import INDICATORS, KINDS, InsightStore
from kasvudata_utils.labels import t, tn
from kasvudata_utils.paths import app_cache_subdir_from_env, processed_dir

INSIGHT_KINDS = tuple(k for k in KINDS if k != "scenario")
YEARS = tuple(range(2013, 2026))
MAX_SCENARIOS_SHOWN = 6
MAX_ITEMS_SHOWN = 120          # a longer list is cut (with a note): widgets cost ~10 ms each to create
MAX_SIMILAR_SHOWN = 12         # insights from similar areas shown (most votes first)
#: The app cache's meta file (written by :func:`kasvudata_utils.apps.cache.precompute_app_data`, read here
#: without pandas): its ``similar`` entry maps each home area to its most similar areas of Finland.
APP_META_PATH = ("app_cache", "app_meta.json")


def similar_areas_of(area: str) -> list[str]:
    """The most similar areas of ``area`` from the app cache (empty when the cache lacks them).

    The cache of the workshop's data source: with ``kasvudata workshop --table FILE`` that table's cache,
    whose similar areas use the population and unemployment fetched beside it, as the reports do.
    """
    try:
        folder = processed_dir() / APP_META_PATH[0] / app_cache_subdir_from_env()
        meta = json.loads((folder / APP_META_PATH[1]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return list((meta.get("similar") or {}).get(area, []))


def _text_html(text: str) -> str:
    return "<br>".join(html.escape(line) for line in str(text or "").splitlines())


class InsightsBoard(BaseApp):
    """The insights board for one area.

    Parameters
    ----------
    area : str
        Area the new insights are about (any spelling of :func:`areas.normalise_area`);
        the list also shows insights about the areas inside it.
    lang : {"fi", "en"}
    store : InsightStore or path, optional
        Default: the store at :func:`paths.insights_db`.
    session_id : str, optional
        Identifies this browser tab for the rate limit and one vote per insight (default: random).
    workshop : str
        Workshop label saved with each insight.
    refresh_s : float
        Seconds between automatic list refreshes (only when an event loop runs, i.e. in a kernel).
    refresh_for_s : float
        Stop refreshing after this long, so abandoned tabs fall idle and can be culled.

    Attributes
    ----------
    view : ipywidgets.VBox
        The widget to display.
    """

    def __init__(self, area=areas.DEFAULT_AREA, lang: str = "fi", store=None, session_id: str | None = None,
                 workshop: str = "", refresh_s: float = 4.0, refresh_for_s: float = 4 * 3600):
        super().__init__(lang)
        self.area = areas.normalise_area(area)
        self.set_url_state({"area": self.area})  # the language switch keeps the area
        self.store = store if isinstance(store, InsightStore) else InsightStore(store, lang=self.lang)
        self.store.lang = self.lang
        self.session_id = session_id or uuid.uuid4().hex
        self.workshop = workshop
        self.refresh_s = refresh_s
        self.refresh_for_s = refresh_for_s
        self._signature = None
        self._task = None
        self._items: dict[str, tuple] = {}   # uuid → (item box, vote button, body) reused across refreshes
        self._visible_cache: dict[str, bool] = {}
        self.similar = similar_areas_of(self.area)
        self._build()
        self.refresh()
        self._start_auto_refresh()

    # ------------------------------------------------------------ widgets
    def _build(self) -> None:
        lang = self.lang
        none = t("insight_none_option", lang)
        self.title = widgets.HTML(self._title_html())
        # the area box as in the other apps (issue 17): an option, or a typed name or code + Enter
        codes = areas.home_region_areas()
        self.area_codes = codes if self.area in codes else [*codes, self.area]
        self.area_select = widgets.Combobox(options=area_options(self.area_codes, lang),
                                            value=area_label(self.area, lang), placeholder=t("search_area", lang),
                                            ensure_option=False, description=t("area", lang),
                                            continuous_update=False,
                                            layout=widgets.Layout(width="640px", max_width="100%"))
        self.area_select.style.description_width = "150px"  # the longest name fits at 19 px (projector)
        self.area_select.add_class("kd-area-select")
        self.area_select.observe(self.safe(self._on_area), names="value")
        self.summary = widgets.HTML()
        self.summary.add_class("kd-summary")
        self.badge = widgets.HTML(html.escape(t("insights_badge", lang)))
        self.badge.add_class("kd-data-badge")

        self.kind = widgets.Dropdown(options=[(t(f"insight_kind_{k}", lang), k) for k in INSIGHT_KINDS],
                                     value="trend", description=t("insight_kind_label", lang))
        self.kind.add_class("kd-insight-kind")
        # the sections the data hold (issue 13: no "A Maatalous" where agriculture is not in the data)
        sections = [(industry_label(s, lang), s) for s in industries.BUSINESS_SECTIONS]
        self.industry = widgets.Dropdown(options=[(none, "")] + sections, value="",
                                         description=t("industry", lang))
        self.industry.add_class("kd-insight-industry")
        self.indicator = widgets.Dropdown(options=[(none, "")] + [(indicator_label(i, lang), i) for i in INDICATORS],
                                          value="", description=t("insight_indicator_label", lang))
        self.indicator.add_class("kd-insight-indicator")
        self.year = widgets.Dropdown(options=[(none, 0)] + [(str(y), y) for y in YEARS], value=0,
                                     description=t("insight_year_label", lang))
        self.year.add_class("kd-insight-year")
        # the name is published with the insight (issue 17): the field says so, and empty means anonymous
        self.author = widgets.Text(value="", placeholder=t("insight_author_placeholder", lang),
                                   description=t("insight_author_label", lang))
        self.author.add_class("kd-insight-author")
        self.author_note = widgets.HTML(f"<small>{html.escape(t('insight_author_note', lang))}</small>")
        self.author_note.add_class("kd-insight-author-note")
        self.text = widgets.Textarea(value="", placeholder=t("insight_text_placeholder", lang),
                                     layout=widgets.Layout(width="95%", height="90px"))
        self.text.add_class("kd-insight-text")
        self.submit = widgets.Button(description=t("insight_submit", lang), button_style="primary")
        self.submit.add_class("kd-insight-submit")
        self.submit.on_click(self.safe(self._on_submit))

        all_ = t("insight_filter_all", lang)
        self.filter_kind = widgets.Dropdown(
            options=[(all_, "")] + [(t(f"insight_kind_{k}", lang), k) for k in INSIGHT_KINDS], value="",
            description=t("insight_filter_kind", lang))
        self.filter_kind.add_class("kd-insight-filter-kind")
        self.filter_industry = widgets.Dropdown(options=[(all_, "")] + sections, value="",
                                                description=t("insight_filter_industry", lang))
        self.filter_industry.add_class("kd-insight-filter-industry")
        for w in (self.filter_kind, self.filter_industry):
            w.observe(self.safe(lambda change: self.refresh(force=True)), names="value")

        self.list_box = widgets.VBox([])
        self.list_box.add_class("kd-insight-list")
        self._empty = widgets.HTML(html.escape(t("insights_none", lang)))
        self._empty.add_class("kd-insight-empty")
        self._more = widgets.HTML()
        self._more.add_class("kd-insight-more")
        self.scenario_panel = widgets.HTML()
        self.scenario_panel.add_class("kd-scenario-panel")
        self.similar_panel = widgets.HTML()
        self.similar_panel.add_class("kd-similar-insights")

        # descriptions wide enough for "Tunnusluku" and "Näytä toimiala", dropdowns as wide as their longest
        # option (the TOL section names): no label or choice is cut on a 1280×720 projector (issue 17)
        for w in (self.kind, self.industry, self.indicator, self.year, self.author, self.filter_kind,
                  self.filter_industry):
            w.style.description_width = "150px"
            w.layout = widgets.Layout(width="max-content", min_width="360px", max_width="100%")
        self.author.layout = widgets.Layout(width="520px", max_width="100%")
        form = widgets.VBox([self.kind, self.industry, self.indicator, self.year, self.author, self.author_note,
                             self.text, self.submit])
        form.add_class("kd-insight-form")
        filters = widgets.HBox([self.filter_kind, self.filter_industry],
                               layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        scen_title = widgets.HTML(f"<h4>{html.escape(t('insights_scenarios_title', lang))}</h4>")
        self.finish_view([self.title, self.area_select, self.summary, self.badge, form, filters, self.list_box,
                          self.similar_panel, scen_title, self.scenario_panel])

    def _title_html(self) -> str:
        return (f"<h3>{html.escape(t('insights_section_title', self.lang))}: "
                f"{html.escape(area_label(self.area, self.lang))}</h3>")

    def _on_area(self, change) -> None:
        """A picked option, or a typed name or code + Enter ("Oulu" → Oulu (KU564)); else a notice."""
        code = typed_area(self.area_select, change["new"], self.area, self.area_codes, self.lang)
        if code is None:
            return
        self.clear_notice()
        if code != self.area:
            self.select_area(code)

    def select_area(self, code: str) -> None:
        """Show the board of ``code``: its insights, its similar areas' and its scenarios; new insights go there."""
        self.area = areas.normalise_area(code)
        self.set_url_state({"area": self.area})
        self.title.value = self._title_html()
        if self.area_select.value != area_label(self.area, self.lang):
            self.area_select.value = area_label(self.area, self.lang)
        self._visible_cache = {}
        self.list_box.children = []
        for box, *_ in self._items.values():  # an item names its area when it is not the board's own
            for child in box.children:
                child.close()
            box.close()
        self._items = {}
        self.similar = similar_areas_of(self.area)
        self.refresh(force=True)

    # ------------------------------------------------------------ data
    def _visible(self, rec: dict) -> bool:
        code = rec.get("area_code")
        if code not in self._visible_cache:
            try:
                self._visible_cache[code] = code == self.area or areas.contains(self.area, code)
            except ValueError:
                self._visible_cache[code] = False
        return self._visible_cache[code]

    def records(self, all_records: list[dict] | None = None) -> list[dict]:
        """Live records of this area (and the areas inside it), newest first."""
        recs = self.store.list(order="newest") if all_records is None else all_records
        return [r for r in recs if self._visible(r)]

    def similar_insights(self, all_records: list[dict] | None = None) -> list[dict]:
        """Insights recorded for the similar areas (from elsewhere), most votes first, then newest."""
        recs = self.store.list(order="newest") if all_records is None else all_records
        similar = set(self.similar)
        out = [r for r in recs if r.get("area_code") in similar and r["kind"] != "scenario"]
        return sorted(out, key=lambda r: -int(r["votes"]))

    def similar_html(self, recs: list[dict]) -> str:
        """The read-only panel "what advisers in areas like yours noticed", clearly marked as from elsewhere."""
        lang = self.lang
        head = (f"<h4>{html.escape(t('similar_insights_title', lang))}</h4>"
                f"<p class='kd-note'>{html.escape(t('similar_insights_note', lang))}</p>")
        if not self.similar or not recs:
            return head + f"<p>{html.escape(t('similar_insights_none', lang))}</p>"
        items = "".join(
            f"<li>{_text_html(r['text'])}<br><small>{html.escape(t('insight_kind_' + r['kind'], lang))} · "
            f"{html.escape(t('insight_in_area', lang, area=areas.area_name(r['area_code'], lang)))}</small></li>"
            for r in recs[:MAX_SIMILAR_SHOWN])
        return head + f"<ul>{items}</ul>"

    def shown_insights(self, records: list[dict] | None = None) -> list[dict]:
        """The insights the list shows after the filters: most votes first, then newest."""
        recs = self.records() if records is None else records
        kind, section = self.filter_kind.value, self.filter_industry.value
        out = []
        for r in recs:
            if r["kind"] == "scenario" or (kind and r["kind"] != kind):
                continue
            if section:
                code = r.get("industry_code")
                try:
                    if not code or industries.section_of(code) != section:
                        continue
                except ValueError:
                    continue
            out.append(r)
        return sorted(out, key=lambda r: -int(r["votes"]))  # stable: newest first among equal votes

    def refresh(self, force: bool = False) -> bool:
        """Reread the store and update the list when something changed; returns whether it did.

        A cheap aggregate query (:meth:`InsightStore.change_token`) decides first, so the
        periodic refresh costs about a millisecond while nothing happens. Item widgets are
        kept per insight and only updated (votes, text) or added, never all rebuilt.
        """
        token = (self.store.change_token(), self.filter_kind.value, self.filter_industry.value)
        if not force and token == self._signature:
            return False
        self._signature = token
        all_recs = self.store.list(order="newest")
        recs = self.records(all_recs)
        self.similar_panel.value = self.similar_html(self.similar_insights(all_recs))
        shown = self.shown_insights(recs)
        n = sum(1 for r in recs if r["kind"] != "scenario")
        self.summary.value = html.escape(tn("insights_summary", n, self.lang,
                                           area=areas.official_name(self.area, self.lang)))
        children = [self._item(r) for r in shown[:MAX_ITEMS_SHOWN]]
        if len(shown) > MAX_ITEMS_SHOWN:
            self._more.value = html.escape(t("insights_more", self.lang, shown=MAX_ITEMS_SHOWN, total=len(shown)))
            children.append(self._more)
        if not children:
            children = [self._empty]
        self.list_box.children = children
        live = {r["uuid"] for r in recs}
        for uid in [u for u in self._items if u not in live]:  # deleted or gone: free the widget models
            item = self._items.pop(uid)[0]
            for child in item.children:
                child.close()
            item.close()
        scenarios = [r for r in recs if r["kind"] == "scenario"][:MAX_SCENARIOS_SHOWN]
        self.scenario_panel.value = scenarios_table_html(scenarios, self.lang)
        return True

    def _item_parts(self, rec: dict) -> tuple[str, str]:
        """(vote button text, body HTML) of one insight; participant text escaped."""
        lang = self.lang
        meta = [t(f"insight_kind_{rec['kind']}", lang)]
        if rec.get("industry_code"):
            meta.append(industry_label(rec["industry_code"], lang))
        refs = [indicator_label(rec["indicator"], lang)] if rec.get("indicator") else []
        if rec.get("year"):
            refs.append(str(rec["year"]))
        if refs:
            meta.append(t("insight_refers_to", lang, what=", ".join(refs)))
        if rec["area_code"] != self.area:
            meta.append(t("insight_in_area", lang, area=areas.official_name(rec["area_code"], lang)))
        if rec.get("author"):
            meta.append(rec["author"])
        body = (f'<span class="kd-insight-body">{_text_html(rec["text"])}</span><br>'
                f'<small>{html.escape(" · ".join(meta))}</small>')
        return f"{t('insight_vote', lang)} ({int(rec['votes'])})", body

    def _item(self, rec: dict) -> widgets.HBox:
        """The list item of ``rec``: the cached widget, updated in place, or a new one."""
        vote_text, body = self._item_parts(rec)
        cached = self._items.get(rec["uuid"])
        if cached is not None:
            item, vote, body_w = cached
            if vote.description != vote_text:
                vote.description = vote_text
            if body_w.value != body:
                body_w.value = body
            return item
        body_w = widgets.HTML(body, layout=widgets.Layout(flex="1 1 auto"))
        vote = widgets.Button(description=vote_text, tooltip=t("insight_votes", self.lang),
                              layout=widgets.Layout(width="auto", min_width="90px"))
        vote.add_class("kd-insight-vote")
        uid = rec["uuid"]
        vote.on_click(self.safe(lambda _b: self._on_vote(uid)))
        item = widgets.HBox([vote, body_w])
        item.add_class("kd-insight-item")
        item.add_class(f"kd-insight-{rec['kind']}")
        self._items[uid] = (item, vote, body_w)
        return item

    # ------------------------------------------------------------ callbacks
    def _on_submit(self, _button=None) -> str | None:
        try:
            uid = self.store.add(self.area, self.kind.value, self.text.value, industry=self.industry.value or None,
                                 indicator=self.indicator.value or None, year=self.year.value or None,
                                 author=self.author.value or None, workshop=self.workshop,
                                 session_id=self.session_id)
        except InputError as exc:  # text stays in the box: nothing typed is lost
            self.show_notice(str(exc))
            return None
        self.text.value = ""
        self.show_notice(t("insight_saved", self.lang))
        self.refresh(force=True)
        return uid

    def _on_vote(self, uid: str) -> None:
        if self.store.vote(uid, session_id=self.session_id):
            self.clear_notice()
        else:
            self.show_notice(t("insight_already_voted", self.lang))
        self.refresh(force=True)

    # ------------------------------------------------------------ auto refresh
    def _start_auto_refresh(self) -> None:
        """Poll the store while the kernel's event loop runs (Voilà); no-op without a running loop."""
        try:
            loop = asyncio.get_running_loop()  # inside a kernel, cells run within its event loop
        except RuntimeError:
            return
        if self.refresh_s:
            self._task = loop.create_task(self._auto_refresh())

    async def _auto_refresh(self) -> None:
        until = time.monotonic() + self.refresh_for_s
        while time.monotonic() < until:
            await asyncio.sleep(self.refresh_s)
            try:
                self.refresh()
            except Exception as exc:  # the projector keeps the last list; the notice says why
                self.fail(exc)

    def stop(self) -> None:
        """Stop the automatic refresh."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
