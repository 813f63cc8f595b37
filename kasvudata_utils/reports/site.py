"""The knowledge-base site: ``index.html`` (home), ``insights.html`` (cross-area), stylesheet, map.

Plain static files with relative links only, so the folder can be opened from disk or copied to any
static host. The home page lists every report of the manifest with its status (a failed report
shows its one-line error), three headline figures per area (from the report's own disclosed
``tables/indicators.csv``: a suppressed figure shows as ``–``), the data badge, sources and licence,
the date and the data fingerprint.
"""
from __future__ import annotations

import html
import shutil
from datetime import UTC, datetime
from pathlib import Path

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import load_web_geojson
from kasvudata_utils.errors import DataError
from kasvudata_utils.fileio import (
    atomic_write_bytes,
    atomic_write_text,
    check_output_folders,
    claim_folder,
    replace_folder,
    staging_folder,
)
from kasvudata_utils.insights.render import render_area_insights_html, render_region_page_html
from kasvudata_utils.labels import has, t
from kasvudata_utils.paths import insights_db
from kasvudata_utils.plots import area_map, figure_png, format_number, map_hotspots
from kasvudata_utils.reports.common import CONFIDENTIAL_MARK, badge_block, symbol_legend
from kasvudata_utils.reports.findings import HEADLINE, headline_figures
from kasvudata_utils.reports.html import site_css
from kasvudata_utils.reports.manifest import write_manifest

SYNTHETIC_PROV = provenance.make("synthetic", ["KasvuDATA synthetic firm panel (calibrated to Statistics Finland)"])
esc = html.escape


def area_insights_html(area: str, lang: str = "fi", figure_for=None) -> str:
    """The section "Yrityspalvelujen havainnot / What the business services said" (read-only).

    Rendered by :func:`kasvudata_utils.insights.render.render_area_insights_html` from the store at
    :func:`kasvudata_utils.paths.insights_db` (a missing store gives the empty-state sentence);
    ``figure_for(record)`` returns the formatted figure an insight refers to.
    """
    return render_area_insights_html(insights_db(), area, lang=lang, figure_for=figure_for)


def region_insights_html(lang: str = "fi", out=None) -> str:
    """The cross-area page body: bottlenecks and best practices across Northern Ostrobothnia.

    Area headings link to the area's report section where that report exists in ``out``.
    """
    import re


    body = render_region_page_html(insights_db(), lang=lang, link_template="{code}/report.html#insights")
    if out is None:
        return body

    def unlink(m):
        return m.group(0) if (Path(out) / m.group(1) / "report.html").is_file() else m.group(2)

    return re.sub(r'<a href="([A-Z0-9]+)/report\.html#insights">(.*?)</a>', unlink, body)


def _page(title: str, body: str, lang: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}</title>'
            f'<link rel="stylesheet" href="style.css"></head><body class="kd-site"><main>{body}</main></body></html>\n')


def _headline(out: Path, entry: dict) -> dict:
    """Headline figures of one area report from its saved, disclosed indicator table."""
    import pandas as pd


    p = out / Path(entry.get("html", "")).parent / "tables" / "indicators.csv"
    if not _has_report(entry) or not p.exists():
        return {}
    ind = pd.read_csv(p, dtype={"area_code": str, "industry_code": str, "reference_code": str})
    return headline_figures(ind, entry["parameters"]["area"])


def _map_png(out: Path, lang: str, reps: dict | None = None) -> str | None:
    """Write ``map.png`` (sub-regions of Northern Ostrobothnia) and return the page's clickable map.

    Each municipality is an ``<area>`` of an HTML image map linking to its own report, else to its
    sub-region's (only reports that exist are linked); None when the geometries are missing.
    """
    try:
        feats = load_web_geojson("KU")["features"]
    except (ImportError, DataError):
        return None
    fig = area_map(feats, title=t("site_map_title", lang), prov=provenance.make("real"), lang=lang,
                   colour_by="subregion")
    spots = map_hotspots(fig, feats)
    width, height = (round(v * fig.dpi) for v in fig.get_size_inches())
    atomic_write_bytes(out / "map.png", figure_png(fig))
    reps = reps or {}
    areas_html = []
    for f in feats:
        code, sub = f["properties"]["area_code"], f["properties"].get("subregion_code", "")
        target = next((c for c in (code, sub) if c in reps and _has_report(reps[c]) and reps[c].get("html")), None)
        if target is None:
            continue
        label = esc(f"{areas.area_name(code, lang)} → {reps[target].get('name') or target}")
        for ring in spots.get(code, []):
            coords = ",".join(f"{x},{y}" for x, y in ring)
            areas_html.append(f'<area shape="poly" coords="{coords}" href="{esc(reps[target]["html"])}" '
                              f'alt="{label}" title="{label}">')
    alt = esc(t("site_map_title", lang))
    return (f'<img src="map.png" alt="{alt}" width="{width}" height="{height}" usemap="#kd-area-map" '
            f'class="kd-index-map"><map name="kd-area-map" id="kd-area-map">{"".join(areas_html)}</map>')


def build_index(out, manifest: dict, lang: str = "fi") -> Path:
    """Write ``index.html``: map, table of areas (status, three headline figures, links), sources."""
    out = Path(out)
    reps = manifest.get("reports", {})
    map_html = _map_png(out, lang, reps)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<h1>{esc(t('site_title', lang))}</h1>", f"<p>{esc(t('site_intro', lang))}</p>",
             _site_badge(reps, lang, manifest.get("data_source")),
             f'<p><a href="insights.html">{esc(t("insights_region_title", lang))}</a></p>']
    if map_html:
        parts.append(map_html)
    start, end = _period(reps)
    heads = [t("area", lang), t("col_code", lang)] + \
            [t(f"site_col_{n}", lang, start=start, end=end) if has(f"site_col_{n}") and end
             else t(f"headline_{n}", lang) for n, _ in HEADLINE] + [t("col_status", lang), t("col_links", lang)]
    rows = []
    order = {c: i for i, c in enumerate(areas.home_region_areas())}
    area_keys = sorted((k for k, e in reps.items() if e.get("kind") == "area"), key=lambda k: (order.get(k, 999), k))
    for key in area_keys:
        e = reps[key]
        hl = _headline(out, e)
        cells = [esc(e.get("name") or key), esc(key)]
        for name, dec in HEADLINE:
            v, _y = hl.get(name, (None, None))
            cells.append(esc(format_number(v, lang, dec, missing=CONFIDENTIAL_MARK)))
        cells.append(_status_cell(e, lang))
        cells.append(_links(e, lang))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append(f"<h2>{esc(t('site_areas', lang))}</h2>")
    parts.append('<table class="kd-table"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in heads)
                 + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    year = _end_year(reps)
    parts.append(f'<p class="kd-note">{esc(t("site_headline_note", lang, year=year))}</p>' + symbol_legend(lang)
                 + f'<p class="kd-note kd-coverage">{esc(industries.coverage_text(lang))}</p>')
    ind_keys = sorted(k for k, e in reps.items() if e.get("kind") == "industry")
    if ind_keys:
        parts.append(f"<h2>{esc(t('site_industries', lang))}</h2><ul>")
        for key in ind_keys:
            e = reps[key]
            code = key.split("/", 1)[1]
            parts.append(f"<li>{esc(code)} {esc(e.get('name', ''))}: {_status_cell(e, lang)} {_links(e, lang)}</li>")
        parts.append("</ul>")
    s = manifest.get("summary", {})
    parts.append(f"<h2>{esc(t('site_about', lang))}</h2>")
    parts.append(f'<p class="kd-attribution">{esc(t("attribution", lang))}</p>')
    generated = t("site_generated", lang, date=now, fp=manifest.get("data_fingerprint", ""),
                  version=manifest.get("package_version", ""), ok=s.get("ok", 0), total=s.get("total", 0))
    parts.append(f'<p class="kd-note">{esc(generated)} <a href="manifest.json">manifest.json</a></p>')
    return atomic_write_text(out / "index.html", _page(t("site_title", lang), "".join(parts), lang))


def _site_badge(reps: dict, lang: str, data_source: dict | None = None) -> str:
    """The home page's data badge: the batch's data source and vintage (``manifest["data_source"]``).

    Without that entry (a manifest from an older batch): synthetic for the embedded panel, real for a
    researcher's own panel.
    """
    if data_source:
        prov = provenance.make(data_source.get("kind", "real"), data_source.get("sources", []))
    else:
        own = any((e.get("panel") or {}).get("source") == "own" for e in reps.values())
        prov = provenance.make("real", [t("own_panel", lang)]) if own else SYNTHETIC_PROV
    return badge_block(prov, lang)


def _period(reps: dict) -> tuple[str, str]:
    """The batch's ``(start_year, end_year)`` as text (empty when no report names them)."""
    for e in reps.values():
        p = e.get("parameters", {})
        if p.get("start_year") and p.get("end_year"):
            return str(p["start_year"]), str(p["end_year"])
    return "", ""


def _end_year(reps: dict) -> str:
    for e in reps.values():
        y = e.get("parameters", {}).get("end_year")
        if y:
            return str(y)
    return ""


def _has_report(e: dict) -> bool:
    """A report page to link: this run's, or the last good one kept when this run failed (stale)."""
    return e.get("status") == "ok" or bool(e.get("stale"))


def _status_cell(e: dict, lang: str) -> str:
    if e.get("status") == "ok":
        return f'<span class="kd-status-ok">{esc(t("status_ok", lang))}</span>'
    cell = f'<span class="kd-status-failed">{esc(t("status_failed", lang))}: {esc(e.get("error", ""))}</span>'
    if e.get("stale"):
        cell += f' <span class="kd-status-stale">{esc(t("status_stale", lang, when=e.get("last_ok") or "?"))}</span>'
    return cell


def _links(e: dict, lang: str) -> str:
    if not _has_report(e):
        return ""
    base = Path(e["html"]).parent.as_posix()
    links = [f'<a href="{esc(e["html"])}">{esc(t("link_report", lang))}</a>',
             f'<a href="{esc(e["notebook"])}">{esc(t("link_notebook", lang))}</a>']
    if e.get("tables"):
        first = "indicators.csv" if "indicators.csv" in e["tables"] else e["tables"][0]
        links.append(f'<a href="{esc(base)}/tables/{esc(first)}">CSV</a>')
    if e.get("kind") == "area":
        links.append(f'<a href="{esc(e["html"])}#insights">{esc(t("link_insights", lang))}</a>')
    return " · ".join(links)


def build_insights_page(out, lang: str = "fi") -> Path:
    """Write ``insights.html``: bottlenecks and best practices across all areas (escaped text)."""
    body = (f'<nav class="kd-nav"><a href="index.html">← {esc(t("site_home", lang))}</a></nav>'
            + f'<p class="kd-insights-how">{esc(t("insights_page_how", lang))}</p>'
            + region_insights_html(lang, out)
            + f'<p class="kd-attribution">{esc(t("attribution", lang))}</p>')
    return atomic_write_text(Path(out) / "insights.html", _page(t("insights_region_title", lang), body, lang))


def build_site(out, manifest: dict, lang: str = "fi") -> Path:
    """Write the manifest, the stylesheet, ``index.html`` and ``insights.html`` into the report folder."""
    out = Path(out)
    if not out.exists():
        claim_folder(out, "--out")  # a batch claims its folder first (reports.batch.run_jobs)
    write_manifest(out, manifest)
    atomic_write_text(out / "style.css", site_css())
    build_insights_page(out, lang)
    return build_index(out, manifest, lang)


PUBLISH_SUFFIXES = (".html", ".css", ".png", ".svg", ".csv", ".json", ".ipynb")


def publish_site(out, target) -> Path:
    """Copy the publishable files of the report folder to ``target`` (a folder for any static host).

    ``target`` may not be ``out``, lie inside it or contain it, nor be ``/``, the home folder or the
    checkout; an existing ``target`` is replaced only when KasvuDATA wrote it (its marker) or it is
    empty (:mod:`kasvudata_utils.fileio`). The site is built in a temporary folder beside ``target`` and
    moved into place complete.

    Raises
    ------
    InputError
        An unsafe or foreign ``target`` (one line; nothing is written or deleted).
    """
    check_output_folders(out, target)
    out, target = Path(out).resolve(), Path(target).expanduser().resolve()
    if target.exists():
        claim_folder(target, "--site")  # refuses, before anything is written, a folder the tool does not own
    stage = staging_folder(target)
    try:
        for p in out.rglob("*"):
            rel = p.relative_to(out)
            if (p.is_file() and p.suffix in PUBLISH_SUFFIXES and not p.name.endswith(".tmp")
                    and not any(part.startswith(".") for part in rel.parts)):  # no staging or marker files
                dest = stage / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest)
        replace_folder(stage, target, "--site")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target


def broken_links(folder) -> list[str]:
    """Every link in the folder's HTML pages that would break on a static host, one line each.

    Checked: every relative ``href``/``src`` resolves to a file inside the folder; a ``page.html#anchor``
    target page has an element with that ``id`` (or ``name``); no link is site-absolute (``/…``,
    which breaks when the folder is served from a sub-path or opened from disk); no ``src`` loads a
    resource from the internet (the pages must work offline). External ``href`` links (sources,
    licences) are allowed; :func:`external_links` lists them. In-page ``#anchor`` links are skipped.
    """
    import re

    folder = Path(folder).resolve()
    bad, anchors = [], {}
    for page in sorted(folder.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for attr, link in re.findall(r'(href|src)="([^"]+)"', text):
            link = html.unescape(link)
            if link.startswith(("http://", "https://", "//")):
                if attr == "src" or link.startswith("//"):  # loaded from the internet / host-dependent
                    bad.append(f"{page.relative_to(folder)}: external resource {link}")
                continue
            if link.startswith(("mailto:", "data:", "#")):
                continue
            if link.startswith("/"):
                bad.append(f"{page.relative_to(folder)}: absolute link {link}")
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path.split("?", 1)[0]).resolve()
            if not target.is_file() or not target.is_relative_to(folder):
                bad.append(f"{page.relative_to(folder)}: {link}")
            elif anchor and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = set(re.findall(r'\b(?:id|name)="([^"]+)"', target.read_text(encoding="utf-8")))
                if anchor not in anchors[target]:
                    bad.append(f"{page.relative_to(folder)}: missing anchor {link}")
    return bad


def external_links(folder) -> set[str]:
    """The distinct external ``href`` targets (``http(s)://…``) of the folder's HTML pages."""
    import re

    found = set()
    for page in Path(folder).rglob("*.html"):
        found |= {html.unescape(u) for u in re.findall(r'href="(https?://[^"]+)"', page.read_text(encoding="utf-8"))}
    return found
