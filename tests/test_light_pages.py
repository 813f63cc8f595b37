"""Light report pages (issue 18): one linked stylesheet, figures as optimised PNG files beside the page.

kasvudata_utils.reports.html (``export_html``, ``extract_figures``) and kasvudata_utils.plots
(``optimise_png``, ``png_size``, ``figure_alt``); no kernel: the executed notebooks are made by hand.
"""
import base64
import io
import re

import nbformat
import numpy as np
import pytest
from PIL import Image, ImageChops, ImageStat

from kasvudata_utils.plots import figure_alt, optimise_png, png_size
from kasvudata_utils.reports.html import export_html
from kasvudata_utils.reports.site import broken_links


def _png(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", **kw)
    return buf.getvalue()


def _chart_png() -> bytes:
    """A small real chart (anti-aliased bars, text) as matplotlib writes it: RGBA, opaque."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.bar(["a", "b", "c"], [3, 1, 2], color="#0072B2")
    ax.set_title("Henkilöstö", loc="left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, pil_kwargs={"compress_level": 1})  # not the style's savefig.dpi
    plt.close(fig)
    return buf.getvalue()


def _mean_diff(a: bytes, b: bytes) -> float:
    ia, ib = (Image.open(io.BytesIO(x)).convert("RGB") for x in (a, b))
    return max(ImageStat.Stat(ImageChops.difference(ia, ib)).mean)


def test_optimise_png_chart_becomes_a_smaller_palette_png_of_the_same_picture():
    raw = _chart_png()
    small = optimise_png(raw)
    assert Image.open(io.BytesIO(small)).mode == "P"
    assert len(small) < 0.6 * len(raw)
    assert Image.open(io.BytesIO(small)).size == Image.open(io.BytesIO(raw)).size == (300, 200)
    assert _mean_diff(raw, small) <= 1.0  # the tolerance: at most 1/255 per channel on average


def test_optimise_png_keeps_pictures_it_would_change():
    rng = np.random.default_rng(1)
    noise = _png(Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "RGB"))
    assert optimise_png(noise) == noise  # 64 colours cannot hold noise within the tolerance
    clear = Image.new("RGBA", (20, 20), (0, 114, 178, 255))
    clear.putpixel((3, 3), (0, 0, 0, 0))
    transparent = _png(clear)
    assert optimise_png(transparent) == transparent  # a palette without alpha would fill the hole


def test_png_size_reads_the_header_and_figure_alt_the_title():
    assert png_size(_png(Image.new("RGB", (37, 11)))) == (37, 11)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("Henkilöstön kehitys\n2018–2023", loc="left")
    assert figure_alt(fig) == "Henkilöstön kehitys 2018–2023"
    fig2 = plt.figure()
    assert figure_alt(fig2) == ""
    plt.close("all")


def _executed_notebook(path, pngs, alts):
    nb = nbformat.v4.new_notebook()
    html_cell = nbformat.v4.new_code_cell("show(h)")
    html_cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<h1>Alavieska</h1>"})]
    nb.cells.append(html_cell)
    for png, alt in zip(pngs, alts, strict=True):
        cell = nbformat.v4.new_code_cell("show(fig)")
        meta = {"image/png": {"width": png_size(png)[0], "height": png_size(png)[1], "alt": alt}} if alt else {}
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()},
                                               metadata=meta)]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


def test_export_html_links_one_stylesheet_and_writes_figures_beside_the_page(tmp_path):
    pngs = [optimise_png(_chart_png()), _png(Image.new("RGB", (40, 30), "white"))]
    folder = tmp_path / "site" / "KU009"
    folder.mkdir(parents=True)
    nb = _executed_notebook(folder / "report.ipynb", pngs, ["Henkilöstö <2023>", None])
    page = export_html(nb, folder / "report.html", lang="en", css_href="../style.css")
    text = page.read_text(encoding="utf-8")
    # no JupyterLab CSS and no base64 figure; the one <style> left is the page-margin rule (running title and
    # page numbers differ per page, so they cannot live in the shared stylesheet)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S)
    assert len(styles) == 1 and "@page" in styles[0] and len(styles[0]) < 800, styles
    # the running title and page numbers print in the page's sans-serif, not the browser's default serif
    boxes = re.findall(r"@(top-left|bottom-right) \{([^}]*)\}", styles[0])
    assert [b[0] for b in boxes] == ["top-left", "bottom-right"]
    assert all('font-family: "DejaVu Sans"' in b[1] and "sans-serif" in b[1] for b in boxes), boxes
    assert "jp-" not in styles[0] and "data:image" not in text
    assert re.findall(r'<link[^>]*href="([^"]+)"', text) == ["../style.css"]
    imgs = re.findall(r"<img [^>]*>", text)
    assert len(imgs) == 2
    assert 'src="figures/01.png"' in imgs[0] and 'width="300"' in imgs[0] and 'height="200"' in imgs[0]
    assert 'alt="Henkilöstö &lt;2023&gt;"' in imgs[0]  # the figure's title, escaped
    assert all('loading="lazy"' in img for img in imgs)  # charts below the fold wait for the scroll
    assert 'src="figures/02.png"' in imgs[1] and 'width="40"' in imgs[1] and 'alt="Figure 2"' in imgs[1]
    assert (folder / "figures" / "01.png").read_bytes() == pngs[0]  # the kernel's bytes, not re-encoded
    assert (folder / "figures" / "02.png").read_bytes() == pngs[1]
    (tmp_path / "site" / "style.css").write_text("body{}")
    (tmp_path / "site" / "index.html").write_text('<a href="KU009/report.html">r</a>')
    assert broken_links(tmp_path / "site") == []
    assert len(text) < 20_000  # the old page inlined ≈ 264 KB of JupyterLab CSS before any figure

    # a second export with one figure leaves no stale 02.png behind
    export_html(_executed_notebook(folder / "report.ipynb", pngs[:1], [None]), folder / "report.html",
                lang="fi", css_href="../style.css")
    assert sorted(p.name for p in (folder / "figures").iterdir()) == ["01.png"]
    assert 'alt="Kuvio 1"' in (folder / "report.html").read_text(encoding="utf-8")


def test_export_html_without_a_site_inlines_the_stylesheet_and_can_embed_figures(tmp_path):
    nb = _executed_notebook(tmp_path / "r.ipynb", [_png(Image.new("RGB", (8, 8), "white"))], ["x"])
    text = export_html(nb, tmp_path / "r.html", css_href=None, figures=False).read_text(encoding="utf-8")
    assert "<link" not in text and "kd-data-badge" in text  # report.css inlined, nothing to link
    assert "data:image/png;base64," in text and not (tmp_path / "figures").exists()


@pytest.mark.parametrize("subdir, expected", [("KU009", "../style.css"), ("industry/C", "../../style.css")])
def test_worker_links_the_site_stylesheet_from_any_depth(subdir, expected):
    from kasvudata_utils.reports.worker import _site_link

    assert _site_link(subdir, "style.css") == expected
