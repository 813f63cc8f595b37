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
from kasvudata_utils.errors import InputError
from kasvudata_utils.labels import t
from kasvudata_utils.plots import SUPPRESSED_MARK, format_number
from kasvudata_utils.labels import normalise_lang
from kasvudata_utils.data import load_business_table, load_firm_panel
from kasvudata_utils.indicators import compute_indicators, compute_indicators_many, compute_shift_share
from kasvudata_utils.indicators.disclosure import apply_disclosure, disclosure_enabled
from kasvudata_utils.reports.fingerprint import code_fingerprint, data_fingerprint


def normalise_parameters(area, reference, start_year, end_year, lang, panel_path=""):
    """The report parameters normalised: ``(area, reference, start, end, lang, panel_path)``.

    ``area`` arriving as the integer 9 (papermill's type coercion of ``-p area 009``) gives ``KU009``;
    an empty ``reference`` gives the SPEC default (the parent region, or ``SSS`` for a region).
    """

    area = areas.normalise_area(area)
    reference = areas.normalise_area(reference) if str(reference or "").strip() else areas.default_reference(area)
    try:
        start, end = int(start_year), int(end_year)
    except (TypeError, ValueError):
        raise InputError(f"years {start_year!r}–{end_year!r}: expected integers such as 2018 and 2023") from None
    if start >= end:
        raise InputError(f"start year {start} is not before end year {end}: expected start < end")
    lang_n = normalise_lang(lang)
    if str(lang).strip().lower() not in ("fi", "en"):
        raise InputError(f"lang {lang!r}: expected 'fi' or 'en'")
    panel = str(panel_path or "").strip()
    if panel and not Path(panel).is_file():
        raise InputError(f"panel_path {panel!r}: no such file, expected a CSV or Parquet firm panel")
    return area, reference, start, end, lang_n, panel


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


def combined_provenance(*frames) -> dict:
    """Provenance of a result from these frames, counting only frames that carry a tag.

    (An untagged intermediate would otherwise count as "real" and turn synthetic figures "mixed".)
    """
    tagged = [provenance.get(f) for f in frames if "provenance" in getattr(f, "attrs", {})]
    return provenance.combine(*tagged) if tagged else provenance.make("real")


def _covers(panel: pd.DataFrame, code: str) -> bool:
    have = set(panel["municipality_code"].unique())
    return set(areas.municipalities(code)) <= have


def compute_report_data(area, reference, start, end, lang="fi", panel_path="") -> ReportData:
    """Load the data and compute the area's and the reference's indicators and the shift-share."""

    panel = load_firm_panel(panel_path or None)
    if _covers(panel, reference):
        # one cell table for both: the area against the reference, the reference against itself
        ind = compute_indicators_many(panel, [area, reference], reference, start, end)
        ind = ind[((ind["area_code"] == area) | (ind["area_code"] == reference))]
        ss = compute_shift_share(panel, area, reference, start, end)
        outputs, from_table = [panel, ind, ss], False
    else:  # e.g. MK17 against SSS: the reference from the business table
        table = load_business_table()
        ind_area = compute_indicators(panel, area, reference, start, end, reference_data=table)
        ind_ref = compute_indicators(table, reference, reference, start, end)
        ind = pd.concat([ind_area[ind_area["area_code"] == area], ind_ref[ind_ref["area_code"] == reference]],
                        ignore_index=True)
        ss = compute_shift_share(panel, area, reference, start, end, reference_data=table)
        outputs, from_table = [panel, table, ind_area, ind_ref, ss], True
    prov = combined_provenance(*outputs)
    return ReportData(area, reference, start, end, lang, ind, ss, panel, prov, from_table)


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
        for code, v, s in zip(sub["industry_code"], sub["value"], sub["suppressed"]):
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


def html_table(df: pd.DataFrame, columns: dict, lang: str, first_col: str | None = None, index_label=None,
               caption: str = "") -> str:
    """An escaped HTML table with language-aware numbers; suppressed or missing cells show ``–``.

    ``columns`` maps column → ``(header, decimals)``; a column ``c`` is suppressed where
    ``c + "__suppressed"`` (or the row's ``suppressed``) is true.
    """
    esc = html.escape
    head = [esc(first_col or t("industry", lang))] + [esc(h) for h, _ in columns.values()]
    out = ['<table class="kd-table">']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>")
    for idx, row in df.iterrows():
        label = index_label(idx) if index_label else str(idx)
        cells = [f"<td>{esc(label)}</td>"]
        for col, (_, dec) in columns.items():
            sup = _flag(row.get(f"{col}__suppressed", row.get("suppressed", False)))
            v = row.get(col)
            txt = SUPPRESSED_MARK if sup else format_number(v, lang, dec)
            title = f' title="{esc(t("suppressed", lang))}"' if sup else ""
            cells.append(f"<td{title}>{esc(txt)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out.append(f'<p class="kd-note">{esc(SUPPRESSED_MARK)} = {esc(t("suppressed_or_missing", lang))}</p>')
    return "".join(out)


def save_table(df: pd.DataFrame, output_dir: str, name: str) -> Path | None:
    """Write a disclosed table as ``<output_dir>/<name>.csv`` (suppressed cells stay empty)."""
    if not output_dir:
        return None
    d = Path(output_dir)
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.csv"
    df.to_csv(p, index=False)
    return p


def badge_html(prov: dict, lang: str) -> str:
    """The data badge (``kd-data-badge``) and, for synthetic data, the explanation beside it."""
    kind = prov.get("kind", "real")
    text = html.escape(provenance.badge_text(prov, lang))
    out = f'<p><span class="kd-data-badge kd-{kind}">{text}</span></p>'
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
    # [0, 10), [10, 50), …: the same boundary as micro (< 10 persons) in micro_share_pct, so that
    # the two published partitions of the firms agree (9.7 person-years is a micro firm in both)
    bins = [0.0, 10.0, 50.0, 250.0, float("inf")]
    labels = ["0-9", "10-49", "50-249", "250+"]
    cls = pd.cut(sub["personnel"].astype("float64"), bins=bins, labels=labels, right=False)
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
    import os
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
        tag = f".{os.getpid()}.tmp"
        frame.to_parquet(str(pq) + tag)
        Path(str(meta) + tag).write_text(json.dumps(prov, default=str), encoding="utf-8")
        os.replace(str(meta) + tag, meta)
        os.replace(str(pq) + tag, pq)
    except (OSError, ValueError, TypeError):
        pass  # no cache this time; the result is still right
    return frame, prov
