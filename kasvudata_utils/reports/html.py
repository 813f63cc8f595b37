"""Executed notebook → report page: no code, no prompts, no stderr, print CSS for A4, offline.

nbconvert's ``HTMLExporter`` with ``exclude_input=True`` (papermill's ``--report-mode`` only sets
metadata, papermill#130) and the project template ``reports/templates/kasvudata`` that drops every
script loaded from the internet (require.js, MathJax, Mermaid), so the page works from disk.

Light pages: the JupyterLab stylesheets (≈ 264 KB, unused by the reports) are left out; the site's
one stylesheet source (``templates/report.css``, ≈ 3.6 KB) is inlined at build time, so the first
paint waits for no second request (a linked stylesheet costs one round trip: on a 3G connection
0.5–2 s; ``css_href`` still links it instead). Every figure is a file beside the page, linked by an
``<img>`` with ``width``, ``height`` and ``alt``, instead of inline data in the HTML: the chart's own
download ``tables/chart_<name>.svg`` (the compact SVG of :func:`kasvudata_utils.plots.figure_svg`) when
that file holds the same bytes (one file, not two), else ``figures/NN.svg`` (or ``.png`` for a PNG
output). The executed notebook published beside the page (:func:`lighten_notebook`) shows its figures
from those same files.
"""
from __future__ import annotations

import threading
from pathlib import Path

from kasvudata_utils.fileio import atomic_write_bytes, atomic_write_text
from kasvudata_utils.labels import t
from kasvudata_utils.plots import png_size, svg_size
from kasvudata_utils.reports.toc import add_toc

TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
CSS_FILE = TEMPLATE_ROOT / "report.css"
#: Cells with this tag (learning goals, takeaways for notebook users) are left out of the report page.
NOTEBOOK_ONLY_TAG = "kd-notebook-only"
#: Folder (beside the page) of the figures a report page links.
FIGURES_DIR = "figures"


def site_css() -> str:
    """The report and site stylesheet (screen + ``@media print`` for A4)."""
    return CSS_FILE.read_text(encoding="utf-8")


def _clean(nb):
    """``nb`` without notebook-only cells, stderr streams and error outputs (never shown to readers), in place.

    (:func:`export_html` owns the notebook it read; the exporter works on its own copy anyway.)
    """
    nb.cells = [c for c in nb.cells if NOTEBOOK_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "error"
                                       or (o.get("output_type") == "stream" and o.get("name") == "stderr"))]
    return nb


#: Folder (beside the page) of the report's tables and chart downloads (``chart_<name>.png``).
TABLES_DIR = "tables"


#: The figure formats a report page links as files: output MIME type → file extension.
IMAGE_TYPES = {"image/svg+xml": "svg", "image/png": "png"}


def _image_bytes(mime: str, data) -> bytes:
    """A figure output's file bytes: base64-decoded PNG, or the SVG text (one string or a list of lines)."""
    import base64

    text = "".join(data) if isinstance(data, list) else data
    return base64.b64decode(text) if mime == "image/png" else text.encode("utf-8")


def _image_size(mime: str, raw: bytes) -> tuple[int, int]:
    return png_size(raw) if mime == "image/png" else svg_size(raw.decode("utf-8"))


def _chart_files(folder) -> dict[bytes, str]:
    """The chart images already beside the page (``tables/chart_*.svg``, ``.png``): their bytes → relative path."""
    tables = Path(folder) / TABLES_DIR
    if not tables.is_dir():
        return {}
    return {p.read_bytes(): f"{TABLES_DIR}/{p.name}" for ext in IMAGE_TYPES.values()
            for p in sorted(tables.glob(f"chart_*.{ext}"))}


def extract_figures(nb, folder, lang: str = "fi") -> list[Path]:
    """Link every figure output (SVG or PNG) of ``nb`` to a file beside the page; write the ones no file holds yet.

    A figure whose bytes are a chart download of the report (``tables/chart_<name>.svg``, written by
    :func:`kasvudata_utils.reports.common.save_chart`) is linked to that file; any other is written
    to ``folder/figures/NN.svg`` (``.png``). The notebook node is changed in place (the caller's
    :func:`_clean` copy): each figure output gets ``metadata.filenames`` (the ``<img src>``), its pixel
    ``width``/``height`` unless set, and an ``alt`` text (the figure's title set by the report, else
    "Kuvio N" / "Figure N"). Stale figures of an earlier export in that folder are removed. Returns
    the files the page links, in page order.
    """
    fig_dir = Path(folder) / FIGURES_DIR
    charts = _chart_files(folder)
    written, linked = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data", {})
            mime = next((m for m in IMAGE_TYPES if m in data), None)
            if mime is None:
                continue
            raw = _image_bytes(mime, data[mime])
            n = len(linked) + 1
            if raw in charts:
                rel = charts[raw]
            else:
                rel = f"{FIGURES_DIR}/{n:02d}.{IMAGE_TYPES[mime]}"
                written.append(atomic_write_bytes(Path(folder) / rel, raw))
            linked.append(Path(folder) / rel)
            meta = out.setdefault("metadata", {})
            meta.setdefault("filenames", {})[mime] = rel
            img_meta = meta.setdefault(mime, {})
            if "width" not in img_meta and "width" not in meta:
                img_meta["width"], img_meta["height"] = _image_size(mime, raw)
            if not (img_meta.get("alt") or meta.get("alt")):
                img_meta["alt"] = t("figure_alt", lang, n=n)
    keep = {p.name for p in written}
    if fig_dir.is_dir():
        for p in fig_dir.iterdir():
            if p.suffix[1:] in IMAGE_TYPES.values() and p.name not in keep:
                p.unlink()
        if not any(fig_dir.iterdir()):
            fig_dir.rmdir()
    return linked


#: Output metadata key of a figure :func:`lighten_notebook` replaced by its file (relative path).
FIGURE_KEY = "kasvudata_figure"


def restore_figures(nb, folder) -> None:
    """Put back, in place, the image data of every figure :func:`lighten_notebook` replaced by its file.

    So a page exported from a published (lightened) notebook is the page exported from the executed
    one. A file that is gone leaves the output as its ``<img>`` link.
    """
    import base64

    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            rel = out.get("metadata", {}).get(FIGURE_KEY)
            path = Path(folder) / str(rel or "")
            mime = next((m for m, ext in IMAGE_TYPES.items() if path.suffix == f".{ext}"), "image/png")
            if not rel or mime in out.get("data", {}) or not path.is_file():
                continue
            out["data"].pop("text/html", None)
            raw = path.read_bytes()
            out["data"][mime] = base64.b64encode(raw).decode("ascii") if mime == "image/png" else raw.decode("utf-8")
            del out["metadata"][FIGURE_KEY]


def lighten_notebook(ipynb, folder=None) -> Path:
    """Rewrite an executed notebook so that its figures are the files beside it, not copies inside it.

    Each figure output (``image/svg+xml`` or ``image/png``) whose bytes are a file of the report folder
    (``tables/chart_*``, ``figures/*``) becomes an HTML ``<img>`` of that file (relative, as Jupyter
    resolves it beside the notebook) with the same size and text alternative; ``text/plain`` stays. A
    figure no file holds is left as it is. The notebook's code, tables and text are unchanged; running
    it again restores the embedded figures.
    """
    import html as html_lib
    import json

    p = Path(ipynb)
    folder = Path(folder) if folder is not None else p.parent
    files = _chart_files(folder)
    fig_dir = folder / FIGURES_DIR
    if fig_dir.is_dir():
        files.update({q.read_bytes(): f"{FIGURES_DIR}/{q.name}" for q in sorted(fig_dir.iterdir())
                      if q.suffix[1:] in IMAGE_TYPES.values()})
    nb = json.loads(p.read_text(encoding="utf-8"))
    changed = False
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data", {})
            mime = next((m for m in IMAGE_TYPES if data.get(m)), None)
            if mime is None:
                continue
            rel = files.get(_image_bytes(mime, data[mime]))
            if rel is None:
                continue
            meta = out.get("metadata", {})
            im = meta.get(mime, {}) if isinstance(meta.get(mime), dict) else {}
            attrs = "".join(f' {k}="{html_lib.escape(str(v), quote=True)}"'
                            for k in ("width", "height", "alt") if (v := im.get(k, meta.get(k))))
            del data[mime]
            data["text/html"] = f'<img src="{html_lib.escape(rel, quote=True)}"{attrs}>'
            out["metadata"] = {**meta, FIGURE_KEY: rel}  # restore_figures reads the file back for an export
            changed = True
    if changed:
        atomic_write_text(p, json.dumps(nb, ensure_ascii=False, indent=1) + "\n")
    return p


def css_string(text: str) -> str:
    r"""``text`` as a CSS string literal (quotes, backslashes, line breaks and ``</`` made harmless).

    >>> css_string('Oulu "A" · KasvuDATA')
    '"Oulu \\"A\\" · KasvuDATA"'
    """
    text = " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"').replace("</", "<\\/")
    return f'"{text}"'


_EXPORTERS: dict = {}
_EXPORTERS_LOCK = threading.Lock()


def exporter(lang: str, warm: bool = False):
    """The page exporter of ``lang``, made once per process.

    A new ``HTMLExporter`` compiles its ten Jinja templates again (≈ 0.1–0.2 s of CPU, ≈ 1.7 s with the
    imports in a fresh worker); a batch worker exports every one of its reports with the same one.
    ``warm`` also renders an empty notebook, so the templates are compiled before the first page.
    """
    with _EXPORTERS_LOCK:  # the worker makes one ahead in a thread (reports.worker.warm_exporter)
        if lang not in _EXPORTERS:
            _EXPORTERS[lang] = _new_exporter(lang)
            if warm:
                import nbformat

                _EXPORTERS[lang].from_notebook_node(nbformat.v4.new_notebook(), resources={"language_code": lang})
        return _EXPORTERS[lang]


def _new_exporter(lang: str):
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.CSSHTMLHeaderPreprocessor.enabled = False  # code highlighting CSS: the page shows no code
    # the notebook is validated once after the preprocessors, not after each of them (≈ 12 schema validations
    # of the executed notebook per page); only when and how often it is checked changes, never the page
    config.HTMLExporter.optimistic_validation = True
    return HTMLExporter(config=config, template_name="kasvudata", extra_template_basedirs=[str(TEMPLATE_ROOT)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        language_code=lang)


def export_html(ipynb, html, lang: str = "fi", home: str = "../index.html", title: str | None = None,
                css_href: str | None = None, figures: bool = True) -> Path:
    """Write the report page of an executed notebook.

    Parameters
    ----------
    ipynb, html : path-like
        The executed notebook and the page to write.
    lang : {"fi", "en"}
        Language of the page furniture (link back to the home page, ``<html lang>``).
    home : str
        Relative link to the knowledge-base home page.
    title : str, optional
        The page title.
    css_href : str, optional
        Relative link to a stylesheet instead of the inlined one; ``None`` (the batch) inlines the
        site's one stylesheet source, so the first paint needs no second request.
    figures : bool
        Write the figures as files beside the page (:func:`extract_figures`); ``False`` embeds them.

    Returns
    -------
    Path
        The page written.
    """
    import nbformat

    nb = _clean(nbformat.read(str(ipynb), as_version=4))
    restore_figures(nb, Path(ipynb).parent)  # a published notebook links its figures: the same page
    add_toc(nb, lang)  # issue 17: section anchors and the contents list before the first section
    if title:
        nb.metadata["title"] = title
    if figures:
        extract_figures(nb, Path(html).parent, lang)
    page_exporter = exporter(lang)
    resources = {"kasvudata_css": "" if css_href else site_css(), "kasvudata_css_href": css_href or "",
                 "kasvudata_home": home,
                 "kasvudata_home_label": "← " + t("site_home", lang), "language_code": lang,
                 "kasvudata_page_label": t("report_page", lang),
                 "kasvudata_running_title": css_string(title or ""),
                 "metadata": {"name": title or Path(html).parent.name}}
    body, _ = page_exporter.from_notebook_node(nb, resources=resources)
    atomic_write_text(html, body)
    return Path(html)
