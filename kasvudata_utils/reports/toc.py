"""The report page's table of contents: every section heading (``<h2>``) gets an anchor and a link.

Section headings come from the report's HTML outputs (:func:`kasvudata_utils.reports.common.h2`,
the insights section). :func:`add_anchors` gives each ``<h2>`` without an ``id`` a stable one made
from its text (``kd-`` + ASCII slug, numbered on a repeat) and returns the entries in page order;
the second heading is marked ``kd-after-summary`` (print: the title and key findings stand alone on
page one);
:func:`toc_html` is the ``<nav class="kd-toc">`` the page template puts at the top.

>>> html_text, entries = add_anchors('<h2>Yritysrakenne</h2><p>x</p><h2 id="insights">Havainnot</h2>')
>>> html_text
'<h2 id="kd-yritysrakenne">Yritysrakenne</h2><p>x</p><h2 id="insights" class="kd-after-summary">Havainnot</h2>'
>>> entries
[('kd-yritysrakenne', 'Yritysrakenne'), ('insights', 'Havainnot')]
"""
from __future__ import annotations

import html
import re
import unicodedata

from kasvudata_utils.labels import t

H2 = re.compile(r"<h2(?P<attrs>(?:\s[^>]*)?)>(?P<body>.*?)</h2>", re.S | re.I)
ID = re.compile(r"""\bid=["']([^"']+)["']""")
TAG = re.compile(r"<[^>]+>")


def slug(text: str) -> str:
    """An ASCII anchor name for a heading text.

    >>> slug("Yritysten syntyvyys & kuolleisuus")
    'kd-yritysten-syntyvyys-kuolleisuus'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "kd-" + (re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section")


def add_anchors(text: str, used: set | None = None) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with an ``id`` on every ``<h2>``, and the ``(id, heading text)`` pairs in order.

    ``used`` collects the ids already given on the page (shared across outputs, so ids stay unique).
    """
    used = set() if used is None else used
    entries = []

    def anchor(m):
        attrs, body = m.group("attrs") or "", m.group("body")
        label = html.unescape(TAG.sub("", body)).strip()
        found = ID.search(attrs)
        if found:
            ident = found.group(1)
        else:
            base = ident = slug(label)
            n = 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            attrs = f' id="{ident}"{attrs}'
        if len(used) == 1 and "class=" not in attrs:  # the second section starts the second printed page
            attrs += ' class="kd-after-summary"'
        used.add(ident)
        entries.append((ident, label))
        return f"<h2{attrs}>{body}</h2>"

    return H2.sub(anchor, text), entries


def add_toc(nb, lang: str = "fi") -> list[tuple[str, str]]:
    """Anchor every ``<h2>`` of the HTML outputs of ``nb`` and put the contents list before the first.

    ``nb`` is changed in place (pass a copy). Returns the TOC entries in page order.
    """
    used, entries, first = set(), [], None
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data", {})
            if "text/html" not in data:
                continue
            text = data["text/html"]
            text = "".join(text) if isinstance(text, list) else text
            data["text/html"], found = add_anchors(text, used)
            if found and first is None:
                first = data
            entries += found
    if first is not None:
        text = first["text/html"]
        at = H2.search(text).start()
        first["text/html"] = text[:at] + toc_html(entries, lang) + text[at:]
    return entries


def toc_html(entries: list[tuple[str, str]], lang: str = "fi") -> str:
    """The table of contents as ``<nav class="kd-toc">`` ("" with fewer than two sections).

    >>> nav = toc_html([("a", "Yksi"), ("b", "Kaksi & kolme")], "fi")
    >>> nav.startswith('<nav class="kd-toc" aria-label="Sisällys">')
    True
    >>> nav[nav.index("<ol>"):]
    '<ol><li><a href="#a">Yksi</a></li><li><a href="#b">Kaksi &amp; kolme</a></li></ol></nav>'
    """
    if len(entries) < 2:
        return ""
    title = html.escape(t("report_toc", lang))
    items = "".join(f'<li><a href="#{html.escape(i, quote=True)}">{html.escape(label)}</a></li>'
                    for i, label in entries)
    return f'<nav class="kd-toc" aria-label="{title}"><strong>{title}</strong><ol>{items}</ol></nav>'
