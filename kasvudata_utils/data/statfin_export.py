"""A business table saved from StatFin's web interface (PxWeb "save as CSV"), read as the SPEC §3 table.

The web interface writes the table as it is laid out on screen, not in the SPEC §3 columns: a title
line and a blank line before the header (skipped by :func:`header_line`), StatFin's own column names
in Finnish or English (``Alue``/``Kunta``/``Region``, ``Toimiala``/``Industry``, ``Vuosi``/``Year``,
``Toimipaikkojen lukumäärä``, ``Henkilöstö (htv)``, ``Liikevaihto (1000 euroa)``…), values with
their names (``KU009 Alavieska`` or ``Alavieska``, ``10 Elintarvikkeiden valmistus``), turnover in
EUR 1,000, and often the years across (``2021 Henkilöstö (htv)``, ``2022 Henkilöstö (htv)``).
:func:`from_web_export` turns such a frame into the SPEC §3 columns and leaves a frame that already
has them as it is; :mod:`kasvudata_utils.data.schemas` then validates it as any table (``..`` and
``.`` stay suppressed; ``-``, StatFin's "magnitude nil", is 0 as in ``kasvudata data fetch``).

Kept as ``kasvudata data fetch`` keeps the fetched table: municipality rows (a whole-country, region
or sub-region row is a sum the tool forms itself) and, when the export holds TOL divisions, only the
divisions (sections and the all-industries total are sums of them). A staff size class column is
dropped when it holds only its total and refused otherwise (the classes would be counted twice).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"Alue": ["KU009 Alavieska", "KOKO MAA"], "Toimiala": ["10 Elintarvikkeiden valmistus"] * 2,
...                     "Vuosi": ["2022", "2022"], "Toimipaikkojen lukumäärä": ["8", "900"],
...                     "Henkilöstö (htv)": ["40", "9000"], "Liikevaihto (1000 euroa)": ["4000", ".."]})
>>> t = from_web_export(raw)
>>> len(t), t.loc[0, "area_code"], t.loc[0, "industry_code"], t.loc[0, "personnel"], float(t.loc[0, "turnover_eur"])
(1, 'KU009', '10', '40', 4000000.0)
"""
from __future__ import annotations

import csv
import re

import pandas as pd

from kasvudata_utils import areas
from kasvudata_utils.data.pxweb_business import unit_factor
from kasvudata_utils.data.schemas import numbers_from_text
from kasvudata_utils.errors import InputError

SPEC_KEYS = ("area_code", "industry_code", "year")
_AREA_NAMES = ("alue", "kunta", "region", "area", "municipality")
_INDUSTRY_NAMES = ("toimiala", "industry")
_YEAR_NAMES = ("vuosi", "year")
_SIZE_PREFIXES = ("henkilöstön suuruusluokka", "suuruusluokka", "size class", "staff size", "personnel size")
_TOTAL_WORDS = ("sss", "yhteensä", "toimialat yhteensä", "kaikki toimialat", "total", "all industries",
                "koko maa", "whole country", "finland", "suomi")
#: Column names (lower case) read as text by the CSV reader, so that codes such as ``01`` keep their zero.
TEXT_NAMES = _AREA_NAMES + _INDUSTRY_NAMES


def header_line(lines: list[str]) -> int:
    """Index of the header among the first lines of a CSV: the first that a data line of the same width follows.

    A PxWeb export starts with a quoted title line (one field) and a blank line; an ordinary CSV has
    its header on line 0.

    >>> header_line(['"Väestö 31.12."', '', '"Alue";"Vuosi";"Väestö"', '"Oulu";2022;211848'])
    2
    >>> header_line(["area_code,year", "KU009,2022"])
    0
    """
    rows = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if not rows or rows[0][0] == 0 and max(len(next(csv.reader([rows[0][1]], delimiter=sep)))
                                           for sep in (";", ",", "\t")) >= 2:
        return 0  # line 0 has several fields: it is the header (a ragged data row is the reader's error)
    for (i, line), (_, after) in zip(rows, rows[1:], strict=False):
        for sep in (";", ",", "\t"):
            n = len(next(csv.reader([line], delimiter=sep)))
            if n >= 2 and n == len(next(csv.reader([after], delimiter=sep))):
                return i
    return 0


def _kind(name: str) -> str | None:
    """What a StatFin column is: ``area``, ``industry``, ``year``, ``size`` or a SPEC measure, else None."""
    n = re.sub(r"\s+", " ", str(name).strip().lower())
    if n.startswith(_SIZE_PREFIXES):
        return "size"
    if n.startswith(_AREA_NAMES):
        return "area"
    if n.startswith(_INDUSTRY_NAMES):
        return "industry"
    if n in _YEAR_NAMES:
        return "year"
    if n.startswith(("toimipaik", "number of establishments", "establishments")):
        return "establishments"
    if n.startswith(("henkilöstö", "personnel", "staff")) and not n.startswith("henkilöstön"):
        return "personnel"
    if n.startswith(("liikevaihto", "turnover")):
        return "turnover_eur"
    return None


def _thousands(name: str) -> bool:
    """True when a turnover column is in EUR 1,000 (``Liikevaihto (1000 euroa)``, ``Turnover (EUR 1,000)``).

    Read by :func:`~kasvudata_utils.data.pxweb_business.unit_factor`, as the fetch reads a table's content texts.
    """
    return unit_factor(name) == 1e3


def _code(value) -> str:
    """The code at the start of a PxWeb value (``KU009 Alavieska`` → ``KU009``, ``10 Elint…`` → ``10``)."""
    text = str(value).strip()
    head = text.split(" ", 1)[0]
    if re.fullmatch(r"(KU|SK|MK)\d{2,3}|SSS|\d{1,3}|[A-U]", head):
        return head
    return text


def _is_total(value) -> bool:
    return str(value).strip().lower() in _TOTAL_WORDS or str(value).strip().upper().startswith("SSS")


def _long(df: pd.DataFrame) -> pd.DataFrame:
    """Years across (``2022 Henkilöstö (htv)`` or ``Henkilöstö (htv) 2022``) → a ``Vuosi`` column."""
    across = {}
    for c in df.columns:
        m = re.fullmatch(r"\s*(\d{4})\s+(.+?)\s*|\s*(.+?)\s+(\d{4})\s*", str(c))
        if m and _kind(m.group(2) or m.group(3)) in ("establishments", "personnel", "turnover_eur"):
            across[c] = (m.group(1) or m.group(4), m.group(2) or m.group(3))
    if not across:
        return df
    keys = [c for c in df.columns if c not in across]
    parts = []
    for year in sorted({y for y, _ in across.values()}):
        cols = {c: name for c, (y, name) in across.items() if y == year}
        parts.append(df[keys + list(cols)].rename(columns=cols).assign(Vuosi=year))
    return pd.concat(parts, ignore_index=True)


def looks_like_web_export(df: pd.DataFrame) -> bool:
    """True when ``df`` lacks the SPEC §3 key columns but has StatFin's (area, industry and a measure)."""
    names = {str(c).strip().lower() for c in df.columns}
    if set(SPEC_KEYS) <= names:
        return False
    kinds = {_kind(c) for c in df.columns}
    return {"area", "industry"} <= kinds


def from_web_export(df: pd.DataFrame) -> pd.DataFrame:
    """The SPEC §3 columns of a table saved from StatFin's web interface; ``df`` itself when it has them.

    Raises
    ------
    InputError
        One line: a size class column with more than its total, a column kind given twice, or no
        municipality rows.
    """
    if not looks_like_web_export(df):
        return df
    df = _long(df)
    kinds: dict[str, str] = {}
    for c in df.columns:
        k = _kind(c)
        if k is None:
            continue
        if k in kinds.values():
            first = next(col for col, kk in kinds.items() if kk == k)
            raise InputError(f"StatFin export: columns {first!r} and {c!r} both look like {k}: expected one "
                             "(choose one content per measure before saving)")
        kinds[c] = k
    size = [c for c, k in kinds.items() if k == "size"]
    for c in size:
        classes = df[c].dropna().astype(str).str.strip().unique()
        if any(not _is_total(v) and v.lower() not in ("yhteensä", "total") for v in classes):
            raise InputError(f"StatFin export: column {c!r} has several size classes ({', '.join(classes[:3])}): "
                             "expected only its total (choose 'Yhteensä'/'Total' before saving)")
    if "year" not in kinds.values():
        raise InputError("StatFin export: no year column (Vuosi/Year) and no years in the column names: expected "
                         "the years in the rows or as '2022 Henkilöstö (htv)' columns")
    out = df[[c for c, k in kinds.items() if k != "size"]].rename(
        columns={c: ("area_code" if k == "area" else "industry_code" if k == "industry" else k)
                 for c, k in kinds.items() if k != "size"})
    out["area_code"] = out["area_code"].map(_code)
    out["industry_code"] = out["industry_code"].map(_code)
    out = out[~out["area_code"].map(_is_total) & ~out["industry_code"].map(_is_total)]
    is_muni = out["area_code"].map(_municipality)
    if not is_muni.any():
        raise InputError("StatFin export: no municipality rows: expected municipalities (KU codes or names; the "
                         "tool sums sub-regions, regions and the country itself)")
    out = out[is_muni]
    division = out["industry_code"].astype(str).str.fullmatch(r"\d{1,2}")
    if division.any():
        out = out[division]
        out["industry_code"] = out["industry_code"].astype(str).str.zfill(2)
    for col in ("establishments", "personnel", "turnover_eur"):
        if col in out.columns:  # '-' is StatFin's "magnitude nil", a true zero (as in the fetch), not '..'
            out[col] = out[col].mask(out[col].astype(str).str.strip() == "-", "0")
    turnover = next((c for c, k in kinds.items() if k == "turnover_eur"), None)
    if turnover is not None and _thousands(turnover):
        out["turnover_eur"] = _times_1000(out["turnover_eur"])
    return out.reset_index(drop=True)


def _municipality(value) -> bool:
    try:
        return areas.normalise_area(value).startswith("KU")
    except InputError:
        return False


def _times_1000(series: pd.Series) -> pd.Series:
    """EUR 1,000 → EUR; StatFin's symbols (``..``, ``.``, ``-``) stay as they are for the schema to flag."""
    number = numbers_from_text(series.astype(str).str.strip())  # as the schema reads the cell afterwards
    return (number * 1000).astype(object).where(number.notna(), series)
