"""Industry codes: TOL 2008 (= NACE Rev. 2) sections and divisions (SPEC §2).

Codes are strings: sections ``"A"``…``"U"`` (and ``"X"`` unknown), divisions
``"01"``…``"99"`` zero-padded, ``"ALL"`` for all industries. Names come from
Eurostat's NACE Rev. 2 wording in Finnish and English
(``data/raw/nace_tol2008/nace_rev2_sections_divisions_fi_en.DERIVED.csv``).
Standard library only, so app kernels stay lean.

>>> section_of("10"), section_of(1), normalise_industry("c"), normalise_industry(1)
('C', 'A', 'C', '01')
>>> industry_name("C", "en")
'Manufacturing'
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from kasvudata_utils.errors import InputError
from kasvudata_utils.labels import t
from kasvudata_utils.paths import raw_dir

ALL = "ALL"
NACE_FILE = "nace_tol2008/nace_rev2_sections_divisions_fi_en.DERIVED.csv"
UNKNOWN_SECTION = "X"

# Sections covered by the synthetic firm panel and counted as "business sectors": Statistics
# Finland's enterprise statistics leave out agriculture (A), finance (K), public administration (O),
# households (T) and extraterritorial bodies (U); education (P) and health (Q) are mostly public in
# Finland, so Paavo's workplaces there are not firm jobs.
BUSINESS_SECTIONS = ("B", "C", "D", "E", "F", "G", "H", "I", "J", "L", "M", "N", "R", "S")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict]:
    path = raw_dir() / NACE_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise InputError(f"industry classification missing: {path}") from None
    out = {}
    for r in rows:
        name_fi = r["name_fi"].strip()
        if r["level"] == "section":
            name_fi = name_fi.capitalize().replace("3s", "s")  # upstream: "MAANPUOLUSTU3S"
        name_en = r["name_en"].strip()
        if r["level"] == "section":
            name_en = name_en.capitalize().replace("u0ndifferentiated", "undifferentiated")
        out[r["code"]] = {"code": r["code"], "level": r["level"], "section": r["section"],
                          "name_fi": name_fi, "name_en": name_en}
    return out


def sections() -> list[str]:
    """All section letters A…U in order."""
    return [c for c, r in _table().items() if r["level"] == "section"]


def coverage_text(lang: str = "fi") -> str:
    """What "all industries" covers in the firm data: one line for every place that shows the total.

    Built from :data:`BUSINESS_SECTIONS`, so the line cannot drift from the data.

    >>> coverage_text("en").startswith("All industries = sections B–S except K, O, P, Q")
    True
    """
    first, last = BUSINESS_SECTIONS[0], BUSINESS_SECTIONS[-1]
    left_out = [s for s in sections() if first <= s <= last and s not in BUSINESS_SECTIONS]
    sep = " ja " if lang == "fi" else " and "
    names = [industry_name(s, lang).split(";")[0] for s in ("A", *left_out)]
    names = [f"{n[0].lower() + n[1:] if lang == 'fi' else n} ({s})" for n, s in zip(names, ("A", *left_out),
                                                                                  strict=True)]
    return t("coverage_note", lang, first=first, last=last, left_out=", ".join(left_out),
             names=", ".join(names[:-1]) + sep + names[-1])


def divisions(section: str | None = None) -> list[str]:
    """All two-digit divisions, or those of one section."""
    return [c for c, r in _table().items() if r["level"] == "division" and (section is None or r["section"] == section)]


def section_of(code) -> str:
    """The section letter of a division (or of a section itself)."""
    code = normalise_industry(code)
    if code == ALL:
        return ALL
    return _table()[code]["section"]


@lru_cache(maxsize=1)
def division_section_map() -> dict[str, str]:
    """Division code → section letter, for vectorised mapping (``series.map(...)``)."""
    return {c: r["section"] for c, r in _table().items() if r["level"] == "division"}


def industry_name(code, lang: str = "fi") -> str:
    """Name of a section or division in ``fi`` or ``en``; ``ALL`` → all industries."""
    code = normalise_industry(code)
    if code == ALL:
        return "Kaikki toimialat" if lang == "fi" else "All industries"
    r = _table()[code]
    return r["name_en"] if lang == "en" else r["name_fi"]


def normalise_industry(value) -> str:
    """``"c"`` → ``"C"``, ``1``/``"1"`` → ``"01"``, ``"all"`` → ``"ALL"``; unknown → :class:`InputError`."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if text == ALL:
        return ALL
    if re.fullmatch(r"\d{1,2}", text):
        text = f"{int(text):02d}"
    if text in _table():
        return text
    raise InputError(f"unknown industry {value!r}: expected a TOL 2008 section letter (A…U), "
                     f"a two-digit division (01…99) or ALL")
