"""A light report page still renders in Chromium (issue 18): linked stylesheet, figure files, from disk.

The page is exported by :func:`kasvudata_utils.reports.html.export_html` from a hand-made executed
notebook (no kernel) into a site folder that holds the site's ``style.css``, and opened as a file.
"""
import base64
import io

import nbformat
from PIL import Image

from kasvudata_utils.fileio import atomic_write_text
from kasvudata_utils.plots import optimise_png, png_size
from kasvudata_utils.reports.html import export_html, site_css


def _chart_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5), dpi=100)
    ax.bar(["a", "b", "c"], [3, 1, 2], color="#0072B2")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return optimise_png(buf.getvalue())


def test_report_page_renders_with_the_linked_stylesheet_and_figure_files(browser, tmp_path):
    site = tmp_path / "site"
    (site / "KU009").mkdir(parents=True)
    atomic_write_text(site / "style.css", site_css())
    nb = nbformat.v4.new_notebook()
    head = nbformat.v4.new_code_cell("show(h)")
    head.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": '<h1>Alavieska</h1><p><span class="kd-data-badge">SYNTEETTINEN data</span></p>'})]
    png = _chart_png()
    fig = nbformat.v4.new_code_cell("show(fig)")
    fig.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                                          metadata={"image/png": {"alt": "Henkilöstö"}})]
    nb.cells += [head, fig]
    nbformat.write(nb, str(site / "KU009" / "report.ipynb"))
    page_file = export_html(site / "KU009" / "report.ipynb", site / "KU009" / "report.html",
                            css_href="../style.css")

    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        # the figure is loading="lazy": in the viewport it loads, perhaps after the load event
        page.wait_for_function("(() => { const i = document.querySelector('img');"
                               " return i.complete && i.naturalWidth > 0; })()", timeout=30_000)
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "DejaVu Sans" in font  # report.css reached the page through ../style.css
        border = page.evaluate("getComputedStyle(document.querySelector('.kd-data-badge')).borderTopColor")
        assert border == "rgb(230, 159, 0)"  # --kd-orange of the synthetic-data badge
        img = page.evaluate("(() => { const i = document.querySelector('img');"
                            " return [i.complete, i.naturalWidth, i.naturalHeight, i.alt]; })()")
        assert img == [True, *png_size(png), "Henkilöstö"]  # the figure file loaded, at its own size
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        colours = shot.getcolors(maxcolors=1 << 16) or []
        assert any(abs(r - 0) < 30 and abs(g - 114) < 30 and abs(b - 178) < 30 for _, (r, g, b) in colours)
    finally:
        page.close()
