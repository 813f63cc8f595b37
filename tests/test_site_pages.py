"""The light, two-language adviser site (issues 17 and 18), from hand-made report folders (no kernel).

The index carries no developer status and no notebook links (they are on ``researchers.html``); every
page inlines the one stylesheet source; a figure that is also a chart download is one file; the
published notebook shows those files; ``--lang fi,en`` pages link to their counterparts; the insights
page links to the insights board.
"""
import base64
import io
import json
import re

import nbformat
import pytest
from PIL import Image

from kasvudata_utils import cli
from kasvudata_utils.reports.html import export_html, extract_figures, lighten_notebook, site_css
from kasvudata_utils.reports.site import (
    DEFAULT_BOARD_URL,
    broken_links,
    build_insights_page,
    build_site,
    language_folder,
    link_languages,
)


def _png(colour: str, size=(60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _manifest(lang: str, status: str = "ok") -> dict:
    return {"data_fingerprint": "fp1", "package_version": "0.1.0", "summary": {"ok": 1, "total": 2},
            "reports": {"KU009": {"kind": "area", "name": "Alavieska", "status": "ok", "html": "KU009/report.html",
                                  "notebook": "KU009/report.ipynb", "tables": ["indicators.csv"],
                                  "parameters": {"area": "KU009", "lang": lang, "start_year": 2018,
                                                 "end_year": 2023}},
                        "KU999": {"kind": "area", "name": "KU999", "status": "failed", "html": "KU999/report.html",
                                  "notebook": "KU999/report.ipynb", "tables": [], "error": "InputError: unknown area",
                                  "parameters": {"area": "KU999", "lang": lang}}}}


def _report_folder(folder, lang: str):
    """A report folder as the batch leaves it: page (with the template's switch markers), notebook, table."""
    (folder / "KU009" / "tables").mkdir(parents=True)
    (folder / "KU009" / "report.ipynb").write_text("{}")
    home = "Etusivu" if lang == "fi" else "Home"
    (folder / "KU009" / "report.html").write_text(
        f'<html lang="{lang}"><nav class="kd-nav"><a href="../index.html">← {home}</a><!--kd-lang--><!--/kd-lang-->'
        '</nav><section id="insights">x</section></html>', encoding="utf-8")
    (folder / "KU009" / "tables" / "indicators.csv").write_text(
        "area_code,reference_code,indicator,industry_code,year,value,suppressed,note\n"
        "KU009,MK17,personnel,ALL,2023,1234.5,False,\n")


def test_index_is_for_advisers_and_the_researchers_page_has_status_and_notebooks(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    _report_folder(tmp_path, "fi")
    build_site(tmp_path, _manifest("fi"), "fi")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert ".ipynb" not in index and "<th>Tila</th>" not in index and "epäonnistui" not in index
    assert 'href="researchers.html">Tutkijoille</a>' in index
    assert re.search(r"<td>KU999</td><td>KU999</td>(<td>[^<]*</td>){3}<td>raportti ei saatavilla</td></tr>", index)
    # the failed area's figures are "..", as the symbol legend says (the note said "– = salattu tai puuttuu")
    assert re.search(r"<td>KU999</td><td>KU999</td>(<td>\.\.</td>){3}", index)
    assert "Henkilöstö ja syntyneiden osuus vuodelta 2023, muutos vuosilta 2018–2023.</p>" in index
    assert "– = salattu" not in index and "<p class=\"kd-note kd-symbols\">Symbolit: .. = salattu" in index
    res = (tmp_path / "researchers.html").read_text(encoding="utf-8")
    assert 'href="KU009/report.ipynb"' in res and "<th>Tila</th>" in res
    assert "epäonnistui: InputError: unknown area" in res and 'href="manifest.json"' in res
    assert 'href="KU009/tables/indicators.csv">indicators.csv</a>' in res
    assert broken_links(tmp_path) == []


def test_every_site_page_inlines_the_one_stylesheet(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    _report_folder(tmp_path, "fi")
    build_site(tmp_path, _manifest("fi"), "fi")
    for name in ("index.html", "insights.html", "researchers.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "<link" not in text, name  # no request before the first paint
        assert f"<style>{site_css()}</style>" in text, name
    assert (tmp_path / "style.css").read_text(encoding="utf-8") == site_css()  # one source, also as a file


def test_report_page_inlines_the_stylesheet_and_has_the_switch_markers(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show(h)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<h2>Rakenne</h2><p>x</p>"})]
    nb.cells.append(cell)
    nbformat.write(nb, str(tmp_path / "report.ipynb"))
    text = export_html(tmp_path / "report.ipynb", tmp_path / "report.html", "fi").read_text(encoding="utf-8")
    assert "<link" not in text and site_css().strip() in text
    assert '<!--kd-lang--><!--/kd-lang--></nav>' in text


def test_a_chart_figure_is_one_file_and_the_notebook_shows_it(tmp_path):
    chart, other = _png("#0072B2"), _png("#E69F00")
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "chart_lq.png").write_bytes(chart)
    nb = nbformat.v4.new_notebook()
    for png, alt in ((chart, "Sijaintiosamäärä"), (other, None)):
        c = nbformat.v4.new_code_cell("show(fig)")
        meta = {"image/png": {"width": 60, "height": 40, "alt": alt}} if alt else {}
        c.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode(),
                                                                  "text/plain": "<Figure>"}, metadata=meta)]
        nb.cells.append(c)
    linked = extract_figures(nb, tmp_path, "fi")
    # the chart is linked to its download; the picture no download holds gets figures/02.png
    assert [p.relative_to(tmp_path).as_posix() for p in linked] == ["tables/chart_lq.png", "figures/02.png"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["02.png"]
    assert (tmp_path / "figures" / "02.png").read_bytes() == other
    nbformat.write(nb, str(tmp_path / "report.ipynb"))  # (extract_figures gave the second its size and alt)
    lighten_notebook(tmp_path / "report.ipynb")
    light = json.loads((tmp_path / "report.ipynb").read_text(encoding="utf-8"))
    outs = [o for c in light["cells"] for o in c["outputs"]]
    assert all("image/png" not in o["data"] for o in outs)  # no base64 copy of a file beside it
    first = '<img src="tables/chart_lq.png" width="60" height="40" alt="Sijaintiosamäärä">'
    assert outs[0]["data"]["text/html"] == first
    assert outs[1]["data"]["text/html"] == '<img src="figures/02.png" width="60" height="40" alt="Kuvio 2">'
    assert "".join(outs[0]["data"]["text/plain"]) == "<Figure>"  # the text form stays
    # exporting the published notebook gives the page of the executed one
    again = restore_figures_of(tmp_path / "report.ipynb")
    assert [base64.b64decode(o["data"]["image/png"]) for c in again.cells for o in c.outputs] == [chart, other]


def restore_figures_of(ipynb):
    from kasvudata_utils.reports.html import restore_figures

    nb = nbformat.read(str(ipynb), as_version=4)
    restore_figures(nb, ipynb.parent)
    return nb


def _two_language_site(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    root = tmp_path / "reports"
    assert language_folder(root, "fi") == root  # a new site: the first language at its root
    _report_folder(root, "fi")
    build_site(root, _manifest("fi"), "fi")
    assert language_folder(root, "en") == root / "en" and language_folder(root, "fi") == root
    _report_folder(root / "en", "en")
    build_site(root / "en", _manifest("en"), "en")
    return root


def test_language_switch_links_every_page_to_its_counterpart(tmp_path, monkeypatch):
    root = _two_language_site(tmp_path, monkeypatch)
    pairs = {"index.html": "en/index.html", "insights.html": "en/insights.html",
             "researchers.html": "en/researchers.html", "KU009/report.html": "en/KU009/report.html"}
    for fi, en in pairs.items():
        fi_page, en_page = root / fi, root / en
        to_en = re.findall(r'<a class="kd-lang-switch" href="([^"]+)" hreflang="en" lang="en">In English</a>',
                           fi_page.read_text(encoding="utf-8"))
        to_fi = re.findall(r'<a class="kd-lang-switch" href="([^"]+)" hreflang="fi" lang="fi">Suomeksi</a>',
                           en_page.read_text(encoding="utf-8"))
        assert len(to_en) == 1 and (fi_page.parent / to_en[0]).resolve() == en_page.resolve(), fi
        assert len(to_fi) == 1 and (en_page.parent / to_fi[0]).resolve() == fi_page.resolve(), en
    assert (root / "KU009" / "report.html").read_text(encoding="utf-8").count('class="kd-lang-switch"') == 1
    assert broken_links(root) == []
    link_languages(root)  # idempotent: a second pass changes nothing
    assert (root / "index.html").read_text(encoding="utf-8").count('class="kd-lang-switch"') == 1


def test_no_switch_without_the_other_language(tmp_path, monkeypatch):
    root = _two_language_site(tmp_path, monkeypatch)
    (root / "en" / "KU009" / "report.html").unlink()  # e.g. the English report failed
    link_languages(root)
    page = (root / "KU009" / "report.html").read_text(encoding="utf-8")
    assert 'class="kd-lang-switch"' not in page
    # in its place, for the English reader, a note that the English page is not published
    assert '<span class="kd-lang-none" lang="en" title="Sivusto on koottu vain suomeksi. Molemmat kielet: ' \
           'kasvudata reports --lang fi,en">In English: not published</span>' in page
    assert 'class="kd-lang-switch"' in (root / "index.html").read_text(encoding="utf-8")
    assert 'class="kd-lang-none"' not in (root / "index.html").read_text(encoding="utf-8")


def test_one_language_site_says_the_other_is_not_published(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    root = tmp_path / "reports"
    _report_folder(root, "en")
    build_site(root, _manifest("en"), "en")
    for rel in ("index.html", "insights.html", "researchers.html", "KU009/report.html"):
        text = (root / rel).read_text(encoding="utf-8")
        assert 'class="kd-lang-switch"' not in text, rel  # nothing to link to
        assert text.count('<span class="kd-lang-none" lang="fi" title="This site was built in English only. '
                          'Both languages: kasvudata reports --lang fi,en">Suomeksi: ei julkaistu</span>') == 1, rel
    # the Finnish build added later replaces the note by the link
    _report_folder(root / "fi", "fi")
    build_site(root / "fi", _manifest("fi"), "fi")
    text = (root / "KU009" / "report.html").read_text(encoding="utf-8")
    assert 'class="kd-lang-none"' not in text and 'href="../fi/KU009/report.html" hreflang="fi"' in text


def test_insights_page_links_the_board_of_the_option_the_environment_or_the_workshop_default(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    monkeypatch.delenv("KASVUDATA_BOARD_URL", raising=False)

    def board_href(**kw):
        text = build_insights_page(tmp_path, **kw).read_text(encoding="utf-8")
        assert "vain, kun työpajapalvelin" in text or "only while the workshop server" in text
        return re.search(r'<p class="kd-board-link"><a href="([^"]+)"', text).group(1)

    assert board_href(lang="fi") == DEFAULT_BOARD_URL + "?lang=fi"
    assert DEFAULT_BOARD_URL == "http://localhost:8866/voila/render/insights_board.ipynb"
    monkeypatch.setenv("KASVUDATA_BOARD_URL", "https://tljh.example.fi/user/kd/voila/render/workshops/"
                                              "insights_board.ipynb?area=SK177")
    assert board_href(lang="en").endswith("insights_board.ipynb?area=SK177&amp;lang=en")
    assert board_href(lang="fi", board="http://10.0.0.5:8866/b.ipynb?lang=en") == "http://10.0.0.5:8866/b.ipynb?lang=en"


@pytest.mark.parametrize("value", ["sv", "fi,de", ","])
def test_bad_lang_is_one_line_and_exit_2(capsys, value):
    with pytest.raises(SystemExit) as e:
        cli.main(["reports", "--lang", value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--lang" in err[-1] and "expected fi, en or fi,en" in err[-1] and "Traceback" not in "".join(err)


@pytest.mark.slow
def test_two_language_site_from_the_command(tmp_path, monkeypatch, capsys):
    """`kasvudata reports --lang fi,en --site`: both languages published, every switch resolves, the board
    link of --board-url on both insights pages."""
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    out, site = tmp_path / "reports", tmp_path / "site"
    rc = cli.main(["reports", "--areas", "KU009", "--no-industries", "--jobs", "2", "--lang", "fi,en",
                   "--out", str(out), "--site", str(site), "--board-url", "http://10.0.0.5:8866/board.ipynb"])
    printed = capsys.readouterr().out
    assert rc == 0 and "[fi] 1 reports: 1 ok" in printed and "[en] 1 reports: 1 ok" in printed
    assert "no broken links" in printed and broken_links(site) == []
    fi_page, en_page = site / "KU009" / "report.html", site / "en" / "KU009" / "report.html"
    assert '<html lang="fi">' in fi_page.read_text(encoding="utf-8")
    assert '<html lang="en">' in en_page.read_text(encoding="utf-8")
    for page, twin in ((fi_page, en_page), (en_page, fi_page), (site / "index.html", site / "en" / "index.html")):
        hrefs = re.findall(r'<a class="kd-lang-switch" href="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(hrefs) == 1 and (page.parent / hrefs[0]).resolve() == twin.resolve(), page
    for lang, page in (("fi", site / "insights.html"), ("en", site / "en" / "insights.html")):
        assert f'href="http://10.0.0.5:8866/board.ipynb?lang={lang}"' in page.read_text(encoding="utf-8")
    # a later Finnish-only run keeps the English beside it and the switches
    assert cli.main(["reports", "--areas", "KU009", "--no-industries", "--jobs", "1", "--out", str(out)]) == 0
    assert 'class="kd-lang-switch"' in (out / "KU009" / "report.html").read_text(encoding="utf-8")
    assert (out / "en" / "KU009" / "report.html").is_file() and broken_links(out) == []
