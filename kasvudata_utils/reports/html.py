"""Executed notebook → report page: no code, no prompts, no stderr, print CSS for A4, offline.

nbconvert's ``HTMLExporter`` with ``exclude_input=True`` (papermill's ``--report-mode`` only sets
metadata, papermill#130) and the project template ``reports/templates/kasvudata`` that drops every
script loaded from the internet (require.js, MathJax, Mermaid), so the page works from disk.
"""
from __future__ import annotations

from pathlib import Path

from kasvudata_utils.fileio import atomic_write_text
from kasvudata_utils.labels import t
from kasvudata_utils.reports.toc import add_toc

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
CSS_FILE = TEMPLATE_ROOT / "report.css"
#: Cells with this tag (learning goals, takeaways for notebook users) are left out of the report page.
NOTEBOOK_ONLY_TAG = "kd-notebook-only"


def site_css() -> str:
    """The report and site stylesheet (screen + ``@media print`` for A4)."""
    return CSS_FILE.read_text(encoding="utf-8")


def _clean(nb):
    """A copy without notebook-only cells, stderr streams and error outputs (never shown to readers)."""
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if NOTEBOOK_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "error"
                                       or (o.get("output_type") == "stream" and o.get("name") == "stderr"))]
    return nb


def css_string(text: str) -> str:
    r"""``text`` as a CSS string literal (quotes, backslashes, line breaks and ``</`` made harmless).

    >>> css_string('Oulu "A" · KasvuDATA')
    '"Oulu \\"A\\" · KasvuDATA"'
    """
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"').replace("</", "<\\/")
    return f'"{text}"'


def export_html(ipynb, html, lang: str = "fi", home: str = "../index.html", title: str | None = None) -> Path:
    """Write the report page of an executed notebook.

    Parameters
    ----------
    ipynb, html : path-like
        The executed notebook and the page to write.
    lang : {"fi", "en"}
        Language of the page furniture (link back to the home page, ``<html lang>``).
    home : str
        Relative link to the knowledge-base home page.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = _clean(nbformat.read(str(ipynb), as_version=4))
    add_toc(nb, lang)  # issue 17: section anchors and the contents list before the first section
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="kasvudata", extra_template_basedirs=[str(TEMPLATE_ROOT)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code=lang)
    resources = {"kasvudata_css": site_css(), "kasvudata_home": home,
                 "kasvudata_home_label": "← " + t("site_home", lang), "language_code": lang,
                 "kasvudata_page_label": t("report_page", lang),
                 "kasvudata_running_title": css_string(title or ""),
                 "metadata": {"name": title or Path(html).parent.name}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    atomic_write_text(html, body)
    return Path(html)
