"""Building blocks shared by the report notebooks: data selection, HTML tables, saved CSVs.

The firm panel is firm-level (disclosure control applies to every figure from it) and by default
covers Northern Ostrobothnia only; the regional business table covers the whole country. An area
report compares its area with a reference: where the panel covers the reference, both come from
the panel; where it does not (MK17 against the whole country), the reference's figures come from
the business table (``reference_data`` of the engine), which lacks firm-level indicators
(demography, high growth, exports): those are shown for the area alone.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import load_firm_panel, sources
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_target, atomic_write_bytes, atomic_write_text, frame_csv_text
from kasvudata_utils.indicators import compute_indicators, compute_indicators_many, compute_shift_share
from kasvudata_utils.indicators.disclosure import apply_disclosure, disclosure_enabled
from kasvudata_utils.indicators.fill import fill_firm_level
from kasvudata_utils.indicators.smallnumbers import SMALL_NUMBER_FIRMS, SMALL_NUMBER_MARK
from kasvudata_utils.labels import normalise_lang, t
from kasvudata_utils.paths import processed_dir
from kasvudata_utils.plots import chart_data, figure_alt, figure_svg, format_number, svg_size
from kasvudata_utils.reports.fingerprint import code_fingerprint, data_fingerprint
from kasvudata_utils.svgcharts import SvgChart


@dataclass(frozen=True)
class ReportParameters:
    """A report's parameters, normalised once (:func:`normalise_parameters`) and passed on as they are.

    Codes are SPEC §1 codes (``KU009``), the years integers with ``start < end``, ``lang`` ``fi`` or ``en``,
    the paths ``""`` or an existing file. Everything downstream (report data, sections, tables) trusts it.
    """

    area: str
    reference: str
    start: int
    end: int
    lang: str
    panel_path: str = ""
    table_path: str = ""
    synthetic_firm_data: bool = False  # only with a table: firm-level figures from the synthetic panel


def parse_flag(value, name: str) -> bool:
    """A papermill/CLI yes-no parameter: ``True``/``False``, 1/0 or their text; else one-line :class:`InputError`.

    >>> parse_flag("true", "x"), parse_flag(0, "x"), parse_flag(False, "x")
    (True, False, False)
    """
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "yes", "kyllä"):
        return True
    if text in ("0", "false", "no", "ei", "", "none"):
        return False
    raise InputError(f"{name} {value!r}: expected True or False")


def parse_period(start_year, end_year) -> tuple[int, int]:
    """``(start, end)`` as integers with ``start < end``, or a one-line :class:`InputError`.

    >>> parse_period("2018", 2023.0)
    (2018, 2023)
    """
    try:
        start, end = int(start_year), int(end_year)
    except (TypeError, ValueError):
        raise InputError(f"years {start_year!r}–{end_year!r}: expected integers such as 2018 and 2023") from None
    if start >= end:
        raise InputError(f"start year {start} is not before end year {end}: expected start < end")
    return start, end


def normalise_parameters(area, reference, start_year, end_year, lang, panel_path="",
                         table_path="", synthetic_firm_data=False) -> ReportParameters:
    """The notebook's parameters as one :class:`ReportParameters`, or one-line :class:`InputError`.

    ``area`` arriving as the integer 9 (papermill's type coercion of ``-p area 009``) gives ``KU009``;
    an empty ``reference`` gives the SPEC default (the parent region, or ``SSS`` for a region).
    ``table_path`` names a SPEC §3 business table file (``""`` for none); ``synthetic_firm_data``
    (only with a table) takes the firm-level figures a table cannot give from the synthetic panel.

    Examples
    --------
    >>> p = normalise_parameters(9, "", "2018", 2023, "EN")
    >>> p.area, p.reference, p.start, p.end, p.lang, p.panel_path, p.table_path, p.synthetic_firm_data
    ('KU009', 'MK17', 2018, 2023, 'en', '', '', False)
    """
    area = areas.normalise_area(area)
    reference = areas.normalise_area(reference) if str(reference or "").strip() else areas.default_reference(area)
    start, end = parse_period(start_year, end_year)
    lang_n = normalise_lang(lang)
    if str(lang).strip().lower() not in ("fi", "en"):
        raise InputError(f"lang {lang!r}: expected 'fi' or 'en'")
    panel = str(panel_path or "").strip()
    if panel and not Path(panel).is_file():
        raise InputError(f"panel_path {panel!r}: no such file, expected a CSV or Parquet firm panel")
    table = str(table_path or "").strip()
    if table and not Path(table).is_file():
        raise InputError(f"table_path {table!r}: no such file, expected a CSV or Parquet business table (SPEC §3)")
    synthetic = parse_flag(synthetic_firm_data, "synthetic_firm_data")
    if synthetic and (not table or panel):
        raise InputError("synthetic_firm_data: expected table_path (--table FILE or --data statfin) and no "
                         "panel_path: a firm panel already gives firm-level figures")
    return ReportParameters(area, reference, start, end, lang_n, panel, table, synthetic)


@dataclass
class ReportData:
    """Indicator tables of one report (long tables of ``compute_indicators``), with provenance."""

    area: str
    reference: str
    start: int
    end: int
    lang: str
    indicators: pd.DataFrame  # rows for the area and for the reference
    shift_share: pd.DataFrame
    panel: pd.DataFrame = field(repr=False)
    prov: dict = field(default_factory=dict)
    reference_from_table: bool = False
    # firm-level figures asked for from the synthetic panel (a table run with synthetic_firm_data), else None
    firm_panel: pd.DataFrame | None = field(default=None, repr=False)
    firm_prov: dict = field(default_factory=dict)


def combined_provenance(*frames) -> dict:
    """Provenance of a result from these frames, counting only frames that carry a tag.

    (An untagged intermediate would otherwise count as "real" and turn synthetic figures "mixed".)
    """
    tagged = [provenance.get(f) for f in frames if "provenance" in getattr(f, "attrs", {})]
    return provenance.combine(*tagged) if tagged else provenance.make("real")


#: The data frames a kernel's area reports read, kept while their files are unchanged (see :func:`report_frames`).
_FRAMES: dict = {}


def _stamps(source) -> tuple:
    """Size and modification time of every file ``source`` reads (an own panel or table, or the embedded build)."""
    files = [Path(p) for p in (source.panel_path, source.table_path) if p]
    if not source.panel_path:
        root = processed_dir()
        files += sorted(p for p in root.glob("*") if p.is_file()) if root.exists() else []
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def report_frames(source):
    """``sources.load_main_and_companion(source)``, the same frames for every report of one kernel.

    A batch worker's kernel serves many reports (:mod:`kasvudata_utils.reports.kernels`). The loaders
    hand out a new (shallow) copy per call, so the engine, which remembers its prepared cell table
    and disclosure pattern by the frame, prepared them again for every area (≈ 0.2 s of ≈ 0.3 s of
    an area's indicators and shift-share). The frames are only read by the report code; they are
    kept for as long as the files' sizes and times stay the same.
    """
    key = (source.panel_path, source.table_path, source.origin, _stamps(source))
    if key not in _FRAMES:
        _FRAMES.clear()
        _FRAMES[key] = sources.load_main_and_companion(source)
    return _FRAMES[key]


def compute_report_data(params: ReportParameters) -> ReportData:
    """Load the data and compute the area's and the reference's indicators and the shift-share.

    Which data serve the area and the reference is decided by :mod:`kasvudata_utils.data.sources`
    (one coverage rule): the main data (own panel, else ``table_path``, else the embedded panel) and,
    for a reference they do not cover, the companion business table.
    """
    area, reference, start, end, lang = params.area, params.reference, params.start, params.end, params.lang
    source = sources.resolve_source("default", params.panel_path, params.table_path)
    main, companion = report_frames(source)
    ref_data = sources.reference_data_for(main, companion, [reference])
    if ref_data is None:
        # one cell table for both: the area against the reference, the reference against itself
        ind = compute_indicators_many(main, [area, reference], reference, start, end)
        ind = ind[((ind["area_code"] == area) | (ind["area_code"] == reference))]
        ss = compute_shift_share(main, area, reference, start, end)
        outputs, from_table = [main, ind, ss], False
    else:  # e.g. MK17 against SSS: the reference from the companion business table
        ind_area = compute_indicators(main, area, reference, start, end, reference_data=ref_data)
        ind_ref = compute_indicators(ref_data, reference, reference, start, end)
        ind = pd.concat([ind_area[ind_area["area_code"] == area], ind_ref[ind_ref["area_code"] == reference]],
                        ignore_index=True)
        ss = compute_shift_share(main, area, reference, start, end, reference_data=ref_data)
        outputs, from_table = [main, ref_data, ind_area, ind_ref, ss], True
    prov = combined_provenance(*outputs)
    firm_panel, firm_prov = None, {}
    if params.synthetic_firm_data:
        ind, firm_panel = with_synthetic_firm_data(ind, [area, reference])
        firm_prov = provenance.get(firm_panel)
    return ReportData(area, reference, start, end, lang, ind, ss, main, prov, from_table, firm_panel, firm_prov)


def with_synthetic_firm_data(ind: pd.DataFrame, codes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The not-available firm-level rows of ``codes`` that the synthetic panel covers, filled from it.

    Returns the indicators (provenance of the table kept: the filled rows say ``synthetic firm panel``
    in their note and are shown under the synthetic badge) and the synthetic panel. An area the panel
    does not cover (Finland, outside Northern Ostrobothnia) stays not available.
    """
    panel = load_firm_panel()
    covered = [c for c in dict.fromkeys(codes) if sources.covers(panel, c)]
    inside = ind["area_code"].isin(covered)
    if not inside.any():
        return ind, panel
    filled = fill_firm_level(ind[inside].reset_index(drop=True), panel, level="section")
    out = pd.concat([filled, ind[~inside]], ignore_index=True)
    return provenance.tag(out, provenance.get(ind)), panel


def wide(ind: pd.DataFrame, area: str, indicators, year=None, industries_=None) -> pd.DataFrame:
    """Industry × indicator table of one area and year (latest per indicator where ``year`` is None).

    Returns value columns plus ``<indicator>__suppressed`` flags; rows ordered ``ALL`` first.
    """
    rows = {}
    for name in indicators:
        sub = ind[(ind["area_code"] == area) & (ind["indicator"] == name)]
        if sub.empty:
            continue
        y = int(sub["year"].max()) if year is None else int(year)
        sub = sub[sub["year"] == y]
        for code, v, s in zip(sub["industry_code"], sub["value"], sub["suppressed"], strict=True):
            rows.setdefault(str(code), {})[name] = v
            rows[str(code)][f"{name}__suppressed"] = bool(s)
    df = pd.DataFrame.from_dict(rows, orient="index")
    if df.empty:
        return df
    order = sorted(df.index, key=lambda c: (c != "ALL", c))
    df = df.loc[order]
    if industries_ is not None:
        df = df.loc[[c for c in df.index if c in set(industries_) or c == "ALL"]]
    df.index.name = "industry_code"
    return df


def industry_label(code: str, lang: str) -> str:
    """``C Teollisuus`` style label (``ALL`` → all industries)."""
    try:
        name = industries.industry_name(code, lang)
    except InputError:
        return str(code)
    return name if code == "ALL" else f"{code} {name}"


def _flag(x) -> bool:
    """True only for a real true flag (a missing flag from a reshaped table is not a suppression)."""
    try:
        return bool(not pd.isna(x) and bool(x))
    except (TypeError, ValueError):
        return False


#: Table symbols (Statistics Finland's, METHODS "Symbols"): confidential or not available …
CONFIDENTIAL_MARK = ".."
#: … and logically impossible, not applicable or not yet observable (a total's share of itself,
#: deaths in the panel's last year). A nil value is printed as 0.
NOT_APPLICABLE_MARK = "."
def html_table(df: pd.DataFrame, columns: dict, lang: str, first_col: str | None = None, index_label=None,
               caption: str = "", small=frozenset()) -> str:
    """An escaped HTML table with language-aware numbers and Statistics Finland's symbols.

    ``columns`` maps column → ``(header, decimals)``; a column ``c`` is suppressed where
    ``c + "__suppressed"`` (or the row's ``suppressed``) is true and shows
    :data:`CONFIDENTIAL_MARK`; a missing value that is not suppressed is not applicable
    (:data:`NOT_APPLICABLE_MARK`). ``small`` holds ``(row index, column)`` pairs of rates that
    rest on few firms: shown as whole numbers with :data:`SMALL_NUMBER_MARK`. The legend
    follows the table.
    """
    esc = html.escape
    head = [esc(first_col or t("industry", lang))] + [esc(h) for h, _ in columns.values()]
    out = ['<table class="kd-table">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>")
    used_small = False
    for idx, row in df.iterrows():
        label = index_label(idx) if index_label else str(idx)
        cells = [f"<td>{esc(label)}</td>"]
        for col, (_, dec) in columns.items():
            sup = _flag(row.get(f"{col}__suppressed", row.get("suppressed", False)))
            v = row.get(col)
            if sup:
                txt, title = CONFIDENTIAL_MARK, f' title="{esc(t("suppressed", lang))}"'
            elif pd.isna(v):
                txt, title = NOT_APPLICABLE_MARK, f' title="{esc(t("not_applicable", lang))}"'
            elif (idx, col) in small:
                txt, title = format_number(v, lang, 0) + SMALL_NUMBER_MARK, f' title="{esc(t("small_number", lang))}"'
                used_small = True
            else:
                txt, title = format_number(v, lang, dec), ""
            cells.append(f"<td{title}>{esc(txt)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out.append(symbol_legend(lang, used_small))
    return "".join(out)


def symbol_legend(lang: str, small: bool = False) -> str:
    """The legend of the table symbols (and of the small-number mark where ``small``)."""
    text = t("symbol_legend", lang)
    if small:
        text += " " + t("small_number_legend", lang, n=SMALL_NUMBER_FIRMS)
    return f'<p class="kd-note kd-symbols">{html.escape(text)}</p>'


#: Indicators published with more or fewer than one decimal (SPEC §5 names); every other one (a rate or
#: share in per cent) with one. Person-years carry hundredths (the firm panel's precision), counts and
#: euros are whole, location quotients and the Krugman index have two decimals, Herfindahl three.
INDICATOR_DECIMALS = {"personnel": 2, "establishments": 0, "turnover_eur": 0, "exports_eur": 0,
                      "lq_personnel": 2, "krugman_index": 2, "herfindahl_index": 3}


def indicator_decimals(name: str) -> int:
    """Decimals of an indicator on the report page and in its CSV (one figure, one definition).

    >>> indicator_decimals("hge_count"), indicator_decimals("birth_rate_pct"), indicator_decimals("personnel")
    (0, 1, 2)
    """
    return INDICATOR_DECIMALS.get(name, 0 if name.endswith("_count") else 1)


def round_indicators(ind: pd.DataFrame) -> pd.DataFrame:
    """The long indicator table with every value rounded to :func:`indicator_decimals` (no float noise).

    The report computes its tables, charts and findings from these values and saves them as
    ``tables/indicators.csv``, so the page and the CSV show the same figure; suppressed cells stay empty.

    >>> d = pd.DataFrame({"indicator": ["birth_rate_pct", "personnel", "hge_count"],
    ...                   "value": [9.0909091, 111.554, 3.0]})
    >>> round_indicators(d)["value"].tolist()
    [9.1, 111.55, 3.0]
    """
    if ind.empty or "value" not in ind:
        return ind
    out = ind.copy()
    decs = out["indicator"].map(indicator_decimals)
    out["value"] = [round(v, d) if pd.notna(v) else v for v, d in zip(out["value"], decs, strict=True)]
    out.attrs = dict(ind.attrs)
    return out


def save_table(df: pd.DataFrame, output_dir: str, name: str) -> Path | None:
    """Write a disclosed table as ``<output_dir>/<name>.csv`` (suppressed cells stay empty)."""
    if not output_dir:
        return None
    return atomic_write_text(Path(output_dir) / f"{name}.csv", frame_csv_text(df))


def about_disclosure(prov: dict, lang: str) -> str:
    """The report's "about" sentence on disclosure control: exactly the rules applied to its data.

    Every panel gets the protection levels but the national synthetic one
    (``protection.protection_levels_apply``): a report on synthetic data says which of its two panels does.

    >>> about = about_disclosure({"kind": "synthetic"}, "en")
    >>> "±10" in about and "embedded synthetic" in about and "national" in about
    True
    >>> "national" in about_disclosure({"kind": "real"}, "en")
    False
    """
    text = f"{t('about_methods', lang)} {t('about_protection_levels', lang)}"
    if (prov or {}).get("kind") == "synthetic":
        text += f" {t('about_protection_synthetic', lang)}"
    return text


def badge_block(prov: dict, lang: str) -> str:
    """The data badge (``kd-data-badge``) as a paragraph and, for synthetic data, the explanation beside it."""
    kind = prov.get("kind", "real")
    out = f"<p>{provenance.badge_html(prov, lang, f'kd-data-badge kd-{kind}')}</p>"
    if kind in ("synthetic", "mixed"):
        out += f'<p class="kd-note">{html.escape(t("synthetic_note", lang))}</p>'
    return out


def attribution_html(lang: str, extra: str = "") -> str:
    """The attribution line every report carries (labels ``attribution``)."""
    return f'<p class="kd-attribution">{html.escape(t("attribution", lang))}{html.escape(extra)}</p>'


def size_classes(panel: pd.DataFrame, area: str, year: int, disclose: bool = True) -> pd.DataFrame:
    """Firms of ``area`` by size class (0–9, 10–49, 50–249, 250+ persons) in ``year``, disclosed.

    Each class is a count resting on its own firms: the threshold rule suppresses classes of 1–2
    firms, and secondary suppression protects them against total − others.
    """
    munis = set(areas.municipalities(area))
    sub = panel[(panel["year"] == int(year)) & panel["municipality_code"].isin(munis)]
    bins = [-0.5, 9.5, 49.5, 249.5, float("inf")]
    labels = ["0-9", "10-49", "50-249", "250+"]
    cls = pd.cut(sub["personnel"].astype("float64"), bins=bins, labels=labels)
    counts = cls.value_counts().reindex(labels, fill_value=0)
    df = pd.DataFrame({"industry_code": labels + ["ALL"], "firms": [float(x) for x in counts] + [float(len(sub))]})
    df["n_firms"] = df["firms"]
    df["share_pct"] = df["firms"] / max(len(sub), 1) * 100.0
    out = apply_disclosure(df, "firms", "n_firms", None, group_cols=[],
                           enabled=disclose and disclosure_enabled())
    out["share_pct"] = out["share_pct"].mask(out["suppressed"])
    out.insert(0, "area_code", area)
    out.insert(1, "year", int(year))
    return out.rename(columns={"industry_code": "size_class"}).drop(columns=["n_firms"])


def shared_table(key, panel_path, compute):
    """A report-independent result (e.g. every area's indicators for the industry profiles), computed once.

    ``compute()`` returns ``(frame, provenance)``. The result is kept as Parquet + JSON in the system temp
    folder under a name fingerprinted like the reports themselves: ``key``, the data files (and own panel),
    and the package code; a change to any of them computes it anew. Several worker processes may compute
    it at the same time; each writes atomically, so a reader sees a whole file or none.
    """
    import hashlib
    import json
    import tempfile
    from pathlib import Path


    h = hashlib.sha256(json.dumps(key, default=str).encode())
    h.update(data_fingerprint(panel_path or None).encode())
    h.update(code_fingerprint().encode())
    folder = Path(tempfile.gettempdir()) / "kasvudata_report_cache"
    base = folder / h.hexdigest()[:24]
    pq, meta = base.with_suffix(".parquet"), base.with_suffix(".json")
    try:
        if pq.exists() and meta.exists():
            frame = pd.read_parquet(pq)
            frame.attrs = {}
            return frame, json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # unreadable: compute again
    frame, prov = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_target(pq) as tmp:
            frame.to_parquet(tmp)
        atomic_write_text(meta, json.dumps(prov, default=str))
    except (OSError, ValueError, TypeError):
        pass  # no cache this time; the result is still right
    return frame, prov


#: Provenance of the real open data shown beside the firm figures (maps, population, labour market).
REAL_PROV = {"kind": "real", "sources": [], "columns": {}, "not_for_publication": False}


def show(obj, name: str = "", output_dir: str = "", lang: str = "fi") -> None:
    """Display HTML text or a chart in the report (a matplotlib figure is closed, so it is shown once).

    The bar and line charts come as :class:`kasvudata_utils.svgcharts.SvgChart` (SVG written without
    matplotlib); the location maps as matplotlib figures, shown as a compact SVG
    (:func:`kasvudata_utils.plots.figure_svg`: text as text, its
    title as ``<title>``/``aria-label``) with its pixel size and its title as the text alternative in
    the output's metadata, so the report page's ``<img>`` keeps ``width``, ``height`` and ``alt``. With
    ``name`` and ``output_dir`` the figure's numbers (:func:`kasvudata_utils.plots.chart_data`) and its
    image are also written as ``chart_<name>.csv`` and ``chart_<name>.svg`` in ``output_dir``, and links
    to both follow the figure (:func:`chart_downloads_html`; the page sits beside that folder).
    (Until issue 18 the image was a palette PNG, ``chart_<name>.png``: ≈ 0.1 s of CPU a chart to
    rasterise and quantise against ≈ 0.04 s for the SVG, and about twice the bytes.)
    """
    from IPython.display import HTML, display

    if isinstance(obj, str):
        display(HTML(obj))
        return
    if isinstance(obj, SvgChart):  # written as SVG directly (kasvudata_utils.svgcharts): no matplotlib
        rows, alt, svg, width, height = obj.kd_data, obj.alt, obj.svg, obj.width, obj.height
    else:
        rows = chart_data(obj)  # before the figure is closed
        alt = figure_alt(obj)  # untitled: the page export gives it "Kuvio N" / "Figure N"
        svg = figure_svg(obj, alt)
        width, height = svg_size(svg)
    meta = {"width": width, "height": height, **({"alt": alt} if alt else {})}
    display(ChartImage(svg, meta, alt))
    if name and output_dir:
        files = save_chart(rows, svg, output_dir, name)
        display(HTML(chart_downloads_html(files, output_dir, lang)))


SVG_MIME = "image/svg+xml"


class ChartImage:
    """A chart's SVG as a notebook output: ``image/svg+xml`` with ``width``/``height``/``alt`` metadata.

    (IPython's ``SVG`` re-serialises the text through ``minidom``; this keeps the exact bytes of
    ``chart_<name>.svg``, so the page export links that file instead of writing a copy.)
    """

    def __init__(self, svg: str, metadata: dict, alt: str = ""):
        self.svg, self.metadata, self.alt = svg, metadata, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {SVG_MIME: self.svg, "text/plain": self.alt or "<Figure>"}, {SVG_MIME: self.metadata}


def save_chart(rows: list[dict], image: str | bytes, output_dir: str, name: str) -> dict:
    """Write a chart's data (CSV, formula cells neutralised) and image: ``chart_<name>.csv`` and ``.svg``.

    ``image`` is the SVG text (:func:`kasvudata_utils.plots.figure_svg`), or PNG bytes (written as
    ``chart_<name>.png``). Returns ``{"csv": path, "svg": path}`` (``"png"`` for a PNG).
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = atomic_write_text(folder / f"chart_{name}.csv", frame_csv_text(pd.DataFrame(rows)))
    if isinstance(image, str):
        return {"csv": Path(csv_path), "svg": Path(atomic_write_text(folder / f"chart_{name}.svg", image))}
    return {"csv": Path(csv_path), "png": Path(atomic_write_bytes(folder / f"chart_{name}.png", image))}


def chart_downloads_html(files: dict, output_dir: str, lang: str = "fi") -> str:
    """Links to a chart's CSV and image (SVG, or PNG), relative to a page that sits beside ``output_dir``.

    >>> chart_downloads_html({"csv": Path("/x/tables/chart_a.csv"), "svg": Path("/x/tables/chart_a.svg")},
    ...                      "/x/tables", "fi")  # doctest: +NORMALIZE_WHITESPACE
    '<p class="kd-downloads"><a class="kd-download-csv" href="tables/chart_a.csv" download>Lataa luvut (CSV)</a>
    · <a class="kd-download-svg" href="tables/chart_a.svg" download>Lataa kuva (SVG)</a></p>'
    """
    folder = Path(output_dir).name
    links = [f'<a class="kd-download-{kind}" href="{html.escape(folder + "/" + files[kind].name, quote=True)}" '
             f'download>{html.escape(t(f"chart_download_{kind}", lang))}</a>' for kind in ("csv", "svg", "png")
             if kind in files]
    return f'<p class="kd-downloads">{" · ".join(links)}</p>'


def h2(text: str) -> str:
    """A section heading, escaped.

    >>> h2("Rakenne & kasvu")
    '<h2>Rakenne &amp; kasvu</h2>'
    """
    return f"<h2>{html.escape(text)}</h2>"


def para(text: str, cls: str = "") -> str:
    """A paragraph of plain text, escaped, with an optional CSS class.

    >>> para("Huom. < 3 yritystä", "kd-note")
    '<p class="kd-note">Huom. &lt; 3 yritystä</p>'
    """
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{html.escape(text)}</p>"
