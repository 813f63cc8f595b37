"""Insight-only refresh: a report whose only changed input is its insights gets a new insights section in place.

An insight added in a workshop changes one input of the reports that show it (their insights digest,
:func:`kasvudata_utils.reports.fingerprint.insights_fingerprint`); data, code, notebook and parameters
are unchanged (the entry's ``base_fingerprint``). Such a report is not run again: its section
``<section class="kd-insights" id="insights">`` is rendered anew — by the same function the notebook
calls, with the figures an insight refers to taken from the report's own disclosed
``tables/indicators.csv`` — and written into ``report.ipynb`` (the output that holds the section) and
``report.html``. The page is then the page a fresh run would write: the section's text is the
notebook's, passed through the same HTML normalisation as :func:`kasvudata_utils.reports.html.export_html`
(BeautifulSoup's ``html.parser``), which ``tests/test_refresh.py`` checks against a full export.

Anything unexpected (no section, two sections, unreadable files) returns ``False`` and the batch
runs the report in full: never a half-patched page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from kasvudata_utils.fileio import atomic_write_text
from kasvudata_utils.insights.render import render_area_insights_html
from kasvudata_utils.paths import insights_db
from kasvudata_utils.reports.findings import insight_figure

SECTION_START = 'class="kd-insights"'
# any attribute order: the exporter's BeautifulSoup writes attributes sorted (class, data-area, id)
_SECTION = re.compile(r'<section [^>]*\bclass="kd-insights"[^>]*>.*?</section>', re.S)


def _normalise(fragment: str) -> str:
    """``fragment`` as nbconvert's exporter writes it (BeautifulSoup ``html.parser`` round trip)."""
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(fragment, features="html.parser"))


def _one_section(text: str) -> re.Match | None:
    """The one insights section of ``text`` (``None`` when there is none, or more than one)."""
    found = list(_SECTION.finditer(text))
    return found[0] if len(found) == 1 and text.count(SECTION_START) == 1 and 'id="insights"' in found[0].group(0) \
        else None


def insights_section(folder, area: str, lang: str = "fi", db=None) -> str:
    """The report's insights section for ``area``, rendered now (the notebook's own call).

    Parameters
    ----------
    folder : path-like
        The report folder (``reports/KU009``); its ``tables/indicators.csv`` gives the figures that
        insights refer to.
    area : str
        The report's area code.
    lang : {"fi", "en"}
    db : path-like, optional
        The insights store (default :func:`kasvudata_utils.paths.insights_db`).
    """
    import pandas as pd

    ind = pd.read_csv(Path(folder) / "tables" / "indicators.csv",
                      dtype={"area_code": str, "industry_code": str, "reference_code": str})
    return render_area_insights_html(db or insights_db(), area, lang=lang,
                                     figure_for=lambda record: insight_figure(ind, area, record, lang))


def refresh_insights(folder, area: str, lang: str = "fi", db=None) -> bool:
    """Write the current insights section into the report in ``folder``; ``False`` when it cannot.

    Both files are checked before either is written; each is replaced atomically.
    """
    folder = Path(folder)
    ipynb, page = folder / "report.ipynb", folder / "report.html"
    try:
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        html = page.read_text(encoding="utf-8")
        section = insights_section(folder, area, lang, db)
    except (OSError, ValueError, KeyError):
        return False
    holders = [o for c in nb.get("cells", []) if c.get("cell_type") == "code" for o in c.get("outputs", [])
               if SECTION_START in _text(o.get("data", {}).get("text/html", ""))]
    in_page = _one_section(html)
    if len(holders) != 1 or in_page is None or _one_section(_text(holders[0]["data"]["text/html"])) is None:
        return False
    old = _text(holders[0]["data"]["text/html"])
    new_html = _SECTION.sub(lambda _m: section, old, count=1)
    holders[0]["data"]["text/html"] = new_html.splitlines(keepends=True)
    # the page's heading keeps the attributes the export gave it (its contents-list anchor, reports.toc)
    heading = re.search(r"<h2([^>]*)>", in_page.group(0))
    page_section = re.sub(r"<h2(?=[\s>])[^>]*>", f"<h2{heading.group(1)}>", section, count=1) if heading else section
    new_page = html[:in_page.start()] + _normalise(page_section) + html[in_page.end():]
    atomic_write_text(ipynb, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(page, new_page)
    return True


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
