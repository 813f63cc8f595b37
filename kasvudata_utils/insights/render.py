"""HTML for the reports and the knowledge-base site from the insights store.

Everything a participant typed is escaped with :func:`html.escape` (Markdown
and HTML in an insight are shown as text, never interpreted). Standard library
only, so the reports and the apps can both use it cheaply.

* :func:`render_area_insights_html` — the report section "Yrityspalvelujen
  havainnot" / "What the business services said" for one area;
* :func:`render_region_page_html` — bottlenecks and best practices of all
  Northern Ostrobothnia areas, grouped by area.

>>> recs = [{"uuid": "1", "area_code": "KU009", "kind": "bottleneck", "text": "<b>x</b>", "votes": 2,
...          "industry_code": None, "indicator": None, "year": None, "deleted": False,
...          "created_utc": "2026-01-01T00:00:00.000000Z"}]
>>> "&lt;b&gt;x&lt;/b&gt;" in render_area_insights_html(recs, "KU009", "en")
True
"""
from __future__ import annotations

import html
from pathlib import Path

from kasvudata_utils import areas, paths
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.insights.text import (  # noqa: F401  (indicator_label, industry_label: the board's too)
    format_value,
    indicator_label,
    industry_label,
    label_or,
    lever_label,
    lever_order,
    lever_value,
)
from kasvudata_utils.labels import has, t, tn
from kasvudata_utils.numbers import format_number, signed

REGION = "MK17"
INSIGHT_KINDS = ("trend", "bottleneck", "best_practice", "question", "action")
REGION_KINDS = ("bottleneck", "best_practice")
_LEVEL_ORDER = {"MK": 0, "SK": 1, "KU": 2}


def _esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _text_html(text) -> str:
    """Participant text as safe HTML: escaped, line breaks kept."""
    return "<br>".join(_esc(line) for line in str(text or "").splitlines()) or ""


def load_records(store_or_records) -> list[dict]:
    """Live (not deleted) records from a store, a store path, ``None`` (the default store) or a list.

    A path that does not exist yields no records (rendering never creates a store).
    """
    if store_or_records is None or isinstance(store_or_records, (str, Path)):
        path = Path(store_or_records) if store_or_records is not None else paths.insights_db()
        if not path.is_file():
            return []
        store_or_records = InsightStore(path)
    if hasattr(store_or_records, "list") and callable(store_or_records.list):
        return store_or_records.list()
    return [dict(r) for r in store_or_records if not r.get("deleted")]


def area_label(code, lang: str = "fi") -> str:
    """Area name with its level; the code if unknown.

    ``Ylivieskan seutukunta``, never a bare ``Ylivieska`` that reads as the municipality
    (:func:`areas.official_name`).
    """
    try:
        return areas.official_name(code, lang)
    except ValueError:
        return str(code)


def _sort(recs: list[dict]) -> list[dict]:
    return sorted(recs, key=lambda r: (-int(r.get("votes") or 0), str(r.get("created_utc") or ""),
                                       str(r.get("uuid"))))


def _meta_html(rec: dict, lang: str, area: str | None, figure_for, show_industry: bool = False) -> str:
    parts = [_esc(industry_label(rec["industry_code"], lang))] if show_industry and rec.get("industry_code") else []
    refs = [indicator_label(rec["indicator"], lang)] if rec.get("indicator") else []
    if rec.get("year"):
        refs.append(str(rec["year"]))
    if refs:
        what = ", ".join(refs)
        figure = figure_for(rec) if figure_for and rec.get("indicator") else None
        if figure not in (None, ""):
            what += f": {figure}"
        parts.append(_esc(t("insight_refers_to", lang, what=what)))
    if area is not None and rec.get("area_code") != area:
        parts.append(_esc(t("insight_in_area", lang, area=area_label(rec.get("area_code"), lang))))
    parts.append(f"{_esc(t('insight_votes', lang))}: {int(rec.get('votes') or 0)}")
    if rec.get("author"):
        parts.append(_esc(rec["author"]))
    return " · ".join(parts)


def _item_html(rec: dict, lang: str, area: str | None = None, figure_for=None, show_industry=False) -> str:
    return (f'<li class="kd-insight" data-kind="{_esc(rec.get("kind"))}">'
            f'<span class="kd-insight-text">{_text_html(rec.get("text"))}</span> '
            f'<span class="kd-insight-meta">({_meta_html(rec, lang, area, figure_for, show_industry)})</span></li>')


_RESULT_SUFFIXES = ("start", "baseline", "scenario", "diff")
_RESULT_SHOWN = ("scenario", "diff")          # when the results carry the scenario model's totals
_RESULT_META = ("base_year", "horizon_year", "reference_code")


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def result_keys(scenarios: list[dict]) -> list[str]:
    """Result rows to show: scalar values only.

    For the scenario model's totals (``<measure>_start/_baseline/_scenario/_diff``): the scenario value
    and the difference, plus the years and the reference area.
    """
    keys = {k for s in scenarios for k, v in (s.get("results") or {}).items() if _is_scalar(v)}
    if any(k.endswith("_diff") for k in keys):
        measures = sorted({k.rsplit("_", 1)[0] for k in keys if k.endswith("_diff")})
        rows = [k for k in _RESULT_META if k in keys]
        rows += [f"{m}_{suf}" for m in measures for suf in _RESULT_SHOWN if f"{m}_{suf}" in keys]
        return rows
    return sorted(keys)


def result_label(key: str, lang: str = "fi") -> str:
    """Readable name of a result key (``personnel_diff`` → "Henkilöstö – ero perusuraan")."""
    if has(f"insights_result_{key}"):
        return t(f"insights_result_{key}", lang)
    stem, _, suffix = key.rpartition("_")
    if stem and suffix in _RESULT_SUFFIXES:
        measure = label_or(f"indicator_{stem}", label_or(f"insights_measure_{stem}", stem, lang), lang)
        return f"{measure} – {t('insights_result_' + suffix, lang)}"
    return label_or(f"lever_{key}", label_or(f"indicator_{key}", key, lang), lang)


#: Results rounded as the scenario app shows them: persons and firms whole, exports in million euros.
_RESULT_DECIMALS = {"personnel": 0, "firms": 0}


def _result_value(key: str, value, lang: str) -> str:
    if key == "reference_code" and value:
        return area_label(value, lang)
    if key.endswith("_year"):
        return str(value)
    stem, _, suffix = key.rpartition("_")
    if suffix in _RESULT_SUFFIXES and isinstance(value, (int, float)) and not isinstance(value, bool):
        fmt = signed if suffix == "diff" else format_number
        if stem == "exports_eur":
            return t("million_eur", lang, value=fmt(value / 1e6, lang, 1))
        if stem in _RESULT_DECIMALS:
            return fmt(value, lang, _RESULT_DECIMALS[stem])
    return format_value(value, lang)


def scenarios_table_html(scenarios: list[dict], lang: str = "fi") -> str:
    """Saved scenarios side by side: one column each; rows = note, lever values, results."""
    if not scenarios:
        return f'<p class="kd-insights-empty">{_esc(t("insights_no_scenarios", lang))}</p>'
    levers = lever_order(scenarios)
    results = result_keys(scenarios)
    head = "".join(f"<th>{i + 1}. {_esc(area_label(s.get('area_code'), lang))}"
                   f"<br><small>{_esc(str(s.get('created_utc') or '')[:10])}</small></th>"
                   for i, s in enumerate(scenarios))
    rows = [f"<tr><th>{_esc(t('insights_scenario_note', lang))}</th>"
            + "".join(f"<td>{_text_html(s.get('text'))}</td>" for s in scenarios) + "</tr>"]
    for title, keys, field in ((t("scenario_levers", lang), levers, "levers"),
                               (t("scenario_results", lang), results, "results")):
        if keys:
            rows.append(f'<tr class="kd-scenario-group"><th colspan="{len(scenarios) + 1}">{_esc(title)}</th></tr>')
        for k in keys:
            if field == "levers":
                name = lever_label(k, lang)
                cells = "".join(f"<td>{_esc(lever_value(s, k, lang))}</td>" for s in scenarios)
            else:
                name = result_label(k, lang)
                cells = "".join(f"<td>{_esc(_result_value(k, (s.get(field) or {}).get(k, ''), lang))}</td>"
                                for s in scenarios)
            rows.append(f"<tr><td>{_esc(name)}</td>{cells}</tr>")
    return (f'<table class="kd-table kd-scenarios"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def area_records(store_or_records, area, include_members: bool = True) -> list[dict]:
    """The live records an area's report shows: the area's own and (by default) those of the areas inside it.

    Reports can fingerprint exactly these to know when a report must be rebuilt.
    """
    code = areas.normalise_area(area)
    return [r for r in load_records(store_or_records)
            if r.get("area_code") == code or (include_members and _inside(code, r.get("area_code")))]


def render_area_insights_html(store_or_records=None, area=None, lang: str = "fi", include_members: bool = True,
                              figure_for=None, heading_level: int = 2, title: bool = True, path=None) -> str:
    """The report section "What the business services said" for ``area``.

    Parameters
    ----------
    store_or_records : InsightStore, path, list of record dicts or None
        Where the insights come from (``None``: the default store; a missing file: no insights).
    area : str
        Any spelling accepted by :func:`areas.normalise_area`.
    lang : {"fi", "en"}
    include_members : bool
        Also show insights about the municipalities/sub-regions inside ``area`` (marked with their area).
    figure_for : callable, optional
        ``figure_for(record) -> str | None``: the formatted figure the insight refers to
        (its indicator, industry and year), shown next to it.
    heading_level : int
        ``<h2>`` for the section title by default; kinds and industries use the next levels.
    title : bool
        Include the section title (``False`` when the caller writes its own heading).
    path : str or Path, optional
        The store file; also accepted as ``render_area_insights_html(area, lang=..., path=...)``.

    Returns
    -------
    str
        An HTML fragment ``<section class="kd-insights" id="insights">…</section>`` (the region page links
        to ``<AREA>/report.html#insights``); all text escaped.
        Insights are grouped by kind, then industry (most-voted first within each); saved scenarios
        follow with their lever values.
    """
    if area is None:  # called as (area, lang=..., path=...)
        store_or_records, area = path, store_or_records
    elif path is not None:
        store_or_records = path
    code = areas.normalise_area(area)
    recs = area_records(store_or_records, code, include_members)
    h1, h2, h3 = (f"h{min(heading_level + i, 6)}" for i in range(3))
    out = [f'<section class="kd-insights" id="insights" data-area="{_esc(code)}">']  # site links: #insights
    if title:
        out.append(f"<{h1}>{_esc(t('insights_section_title', lang))}</{h1}>")
    insights = [r for r in recs if r.get("kind") in INSIGHT_KINDS]
    scenarios = _sort([r for r in recs if r.get("kind") == "scenario"])
    if not recs:
        out.append(f'<p class="kd-insights-empty">{_esc(t("insights_none", lang))}</p></section>')
        return "\n".join(out)
    out.append(f'<p class="kd-insights-source">{_esc(tn("insights_source_note", len(recs), lang))}</p>')
    for kind in INSIGHT_KINDS:
        of_kind = [r for r in insights if r["kind"] == kind]
        if not of_kind:
            continue
        out.append(f'<{h2} class="kd-insight-kind-title">{_esc(t("insight_kind_" + kind, lang))}</{h2}>')
        by_industry: dict = {}
        for r in of_kind:
            by_industry.setdefault(r.get("industry_code") or "", []).append(r)
        # Industries in order of their best-voted insight; the general group ("") first on ties.
        order = sorted(by_industry, key=lambda k: (-max(int(r.get("votes") or 0) for r in by_industry[k]),
                                                   k != "", k))
        for ind in order:
            out.append(f"<{h3}>{_esc(industry_label(ind or None, lang))}</{h3}>")
            items = "".join(_item_html(r, lang, code, figure_for) for r in _sort(by_industry[ind]))
            out.append(f'<ul class="kd-insight-items">{items}</ul>')
    if scenarios:
        out.append(f"<{h2}>{_esc(t('insights_scenarios_title', lang))}</{h2}>")
        out.append(scenarios_table_html(scenarios, lang))
    out.append("</section>")
    return "\n".join(out)


def _inside(outer: str, inner) -> bool:
    try:
        return inner != outer and areas.contains(outer, inner)
    except ValueError:
        return False


def render_region_page_html(records=None, lang: str = "fi", link_template: str | None = None,
                            region: str = REGION, title: bool = True, path=None) -> str:
    """Cross-area page: bottlenecks and best practices of every Northern Ostrobothnia area, by area.

    Parameters
    ----------
    records : InsightStore, path, list of record dicts or None
    lang : {"fi", "en"}
    link_template : str, optional
        E.g. ``"{code}/report.html#insights"``: each area heading links to that page.
    region : str
        The region whose areas are shown (default ``MK17``).
    title : bool
        Include the page title.
    path : str or Path, optional
        The store file (instead of ``records``).

    Returns
    -------
    str
        An HTML fragment ``<section class="kd-insights-region">…</section>``, all text escaped.
    """
    reg = areas.normalise_area(region)
    in_region = [r for r in load_records(path if path is not None else records)
                 if r.get("area_code") == reg or _inside(reg, r.get("area_code"))]
    recs = [r for r in in_region if r.get("kind") in REGION_KINDS]
    others = [r for r in in_region if r.get("kind") not in REGION_KINDS]
    out = ['<section class="kd-insights-region" id="insights-region">']
    if title:
        out.append(f"<h2>{_esc(t('insights_region_title', lang))}</h2>")

    def area_key(code):
        try:
            level = areas.level_of(code)
        except ValueError:
            level = "KU"
        return (_LEVEL_ORDER.get(level, 3), area_label(code, lang), code)

    def heading(code):
        name = _esc(f"{area_label(code, lang)} ({code})")
        return f'<a href="{_esc(link_template.format(code=code))}">{name}</a>' if link_template else name

    def elsewhere() -> str:
        # trends, questions, actions and scenarios: where they are (the areas' reports), so that an
        # empty list here never reads as "nothing was recorded"
        if not others:
            return ""
        counts: dict = {}
        for r in others:
            counts[r["area_code"]] = counts.get(r["area_code"], 0) + 1
        items = "".join(f"<li>{heading(c)}: {_esc(tn('insights_entries', counts[c], lang))}</li>"
                        for c in sorted(counts, key=area_key))
        return (f'<p class="kd-insights-elsewhere">{_esc(t("insights_elsewhere", lang))}</p>'
                f'<ul class="kd-insights-elsewhere-list">{items}</ul>')

    if not recs:
        empty = t("insights_none_region" if others else "insights_none", lang)
        out.append(f'<p class="kd-insights-empty">{_esc(empty)}</p>{elsewhere()}</section>')
        return "\n".join(out)
    out.append(f'<p class="kd-insights-source">{_esc(tn("insights_source_note", len(recs), lang))}</p>')

    for code in sorted({r["area_code"] for r in recs}, key=area_key):
        out.append(f'<h3 id="insights-{_esc(code)}">{heading(code)}</h3>')
        for kind in REGION_KINDS:
            group = _sort([r for r in recs if r["area_code"] == code and r["kind"] == kind])
            if group:
                out.append(f"<h4>{_esc(t('insight_kind_' + kind, lang))}</h4>")
                items = "".join(_item_html(r, lang, None, show_industry=True) for r in group)
                out.append(f'<ul class="kd-insight-items">{items}</ul>')
    out.append(elsewhere())
    out.append("</section>")
    return "\n".join(out)
