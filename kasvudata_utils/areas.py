"""Area codes, names and hierarchy (SPEC §1).

Every municipality of Finland on the 2025 division, its sub-region (seutukunta)
and region (maakunta), read from Statistics Finland's classification key
(``data/raw/classification_keys/municipality_key_2025.csv``). Codes are always
strings: ``KU564`` (municipality), ``SK177`` (sub-region), ``MK17`` (region),
``SSS`` (whole country).

This module imports only the standard library so that app kernels stay lean.

Examples
--------
>>> normalise_area(9), normalise_area("009"), normalise_area("Alavieska")
('KU009', 'KU009', 'KU009')
>>> normalise_area("Ylivieskan seutukunta"), normalise_area("norra österbotten")
('SK177', 'MK17')
>>> default_reference("KU009"), default_reference("MK17")
('MK17', 'SSS')
>>> len(members("MK17", "KU")), len(members("MK17", "SK"))
(30, 7)
"""
from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import raw_dir

KEY_FILE = "classification_keys/municipality_key_2025.csv"
COUNTRY = "SSS"
HOME_REGION = "MK17"
DEFAULT_AREA = HOME_REGION
LEVELS = ("KU", "SK", "MK", "SSS")
_URBAN_RURAL = {"1": "urban", "2": "semi-urban", "3": "rural"}
_COUNTRY_NAMES = {"sss", "finland", "suomi", "koko maa", "whole country", "hela landet", "finland total"}
_SUBREGION_WORDS = ("seutukunta", "sub-region", "subregion", "ekonomisk region", "ekonomiska region")

# Municipalities that no longer exist on the 2025 division → the municipality they merged into.
MERGED_INTO = {"KU099": "KU214",  # Honkajoki → Kankaanpää, 1 Jan 2021
               "KU588": "KU507"}  # Pertunmaa → Mäntyharju, 1 Jan 2025


@dataclass(frozen=True)
class Area:
    """One area: code, names, level and parents."""

    code: str
    name_fi: str
    name_sv: str
    name_en: str
    level: str  # "KU", "SK", "MK" or "SSS"
    subregion_code: str = ""
    region_code: str = ""
    urban_rural: str = ""  # municipalities only

    def name(self, lang: str = "fi") -> str:
        """The name in ``lang`` (``fi``, ``sv`` or ``en``)."""
        return {"fi": self.name_fi, "sv": self.name_sv, "en": self.name_en}.get(lang, self.name_fi)


def _clean(s: str) -> str:
    return " ".join(s.split())


@lru_cache(maxsize=1)
def all_areas() -> dict[str, Area]:
    """Every area keyed by code, in the order SSS, regions, sub-regions, municipalities."""
    path = raw_dir() / KEY_FILE
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise InputError(f"classification key missing: {path} (run from a complete checkout)") from None
    kus: dict[str, Area] = {}
    sks: dict[str, Area] = {}
    mks: dict[str, Area] = {}
    for r in rows:
        ku = f"KU{int(r['kunta']):03d}"
        sk = f"SK{int(r['seutukunta_code']):03d}"
        mk = f"MK{int(r['maakunta_code']):02d}"
        kus[ku] = Area(ku, _clean(r["municipality_name_fi"]), _clean(r["municipality_name_sv"]),
                       _clean(r["municipality_name_en"]), "KU", sk, mk,
                       _URBAN_RURAL.get(r["kuntaryhmitys_code"].strip(), ""))
        sks.setdefault(sk, Area(sk, _clean(r["seutukunta_name_fi"]), _clean(r["seutukunta_name_sv"]),
                                _clean(r["seutukunta_name_en"]), "SK", sk, mk))
        mks.setdefault(mk, Area(mk, _clean(r["maakunta_name_fi"]), _clean(r["maakunta_name_sv"]),
                                _clean(r["maakunta_name_en"]), "MK", "", mk))
    out = {COUNTRY: Area(COUNTRY, "Koko maa", "Hela landet", "Finland", "SSS")}
    for d in (mks, sks, kus):
        out.update(dict(sorted(d.items())))
    return out


def get_area(code) -> Area:
    """The :class:`Area` for any accepted spelling of a code or name."""
    return all_areas()[normalise_area(code)]


def level_of(code) -> str:
    """``KU``, ``SK``, ``MK`` or ``SSS``."""
    return get_area(code).level


def area_name(code, lang: str = "fi") -> str:
    """Name of an area in ``fi``, ``sv`` or ``en``: ``area_name('KU009') == 'Alavieska'``."""
    return get_area(code).name(lang)


#: Finnish genitives of the home region's sub-region names, as Statistics Finland writes them
#: ("Ylivieskan seutukunta"); Finnish consonant gradation makes a general rule unsafe
#: (Helsinki → Helsingin), so other sub-regions read "Name (seutukunta)".
SUBREGION_GENITIVE_FI = {"Oulu": "Oulun", "Oulunkaari": "Oulunkaaren", "Raahe": "Raahen",
                         "Haapavesi-Siikalatva": "Haapavesi-Siikalatvan", "Nivala-Haapajärvi": "Nivala-Haapajärven",
                         "Ylivieska": "Ylivieskan", "Koillismaa": "Koillismaan"}
_SUBREGION_SUFFIX = {"fi": "seutukunta", "sv": "ekonomiska region", "en": "sub-region"}


def official_name(code, lang: str = "fi") -> str:
    """The name that says the level, for titles, headings, pickers and indexes.

    A sub-region carries its level word the way Statistics Finland writes it
    (``Ylivieskan seutukunta``, ``Ylivieska sub-region``), so that it never reads
    like the municipality of the same name; municipalities, regions and the
    country keep their official names (:func:`area_name`). The forms of the
    home region's areas are accepted back by :func:`normalise_area`.

    Examples
    --------
    >>> official_name("SK177"), official_name("SK177", "en"), official_name("KU977")
    ('Ylivieskan seutukunta', 'Ylivieska sub-region', 'Ylivieska')
    >>> official_name("SK173"), normalise_area(official_name("SK176"))
    ('Oulunkaaren seutukunta', 'SK176')
    """
    a = get_area(code)
    if a.level != "SK":
        return a.name(lang)
    lang = lang if lang in _SUBREGION_SUFFIX else "fi"
    if lang == "fi":
        gen = SUBREGION_GENITIVE_FI.get(a.name_fi)
        return f"{gen} seutukunta" if gen else f"{a.name_fi} (seutukunta)"
    return f"{a.name(lang)} {_SUBREGION_SUFFIX[lang]}"


def parent(code) -> str | None:
    """The next level up: KU → SK, SK → MK, MK → SSS, SSS → None."""
    a = get_area(code)
    return {"KU": a.subregion_code, "SK": a.region_code, "MK": COUNTRY}.get(a.level)


def default_reference(code) -> str:
    """SPEC §1: municipality and sub-region → their region; region → SSS; SSS → SSS."""
    a = get_area(code)
    return {"KU": a.region_code, "SK": a.region_code}.get(a.level, COUNTRY)


def contains(outer, inner) -> bool:
    """True where area ``inner`` lies within (or equals) area ``outer``."""
    o, i = get_area(outer), get_area(inner)
    if o.code == COUNTRY or o.code == i.code:
        return True
    return (o.level == "MK" and i.region_code == o.code) or (o.level == "SK" and i.subregion_code == o.code)


def members(within=COUNTRY, level: str = "KU") -> list[str]:
    """Codes of all areas of ``level`` inside ``within`` (itself included when the levels match)."""
    level = str(level).upper()
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    w = normalise_area(within)
    return [c for c, a in all_areas().items() if a.level == level and contains(w, c)]


def municipalities(area) -> list[str]:
    """Municipality codes making up ``area`` (an area that is a municipality gives itself)."""
    return members(area, "KU")


def home_region_areas() -> list[str]:
    """The 38 areas of Northern Ostrobothnia: MK17, its 7 sub-regions and 30 municipalities."""
    return [HOME_REGION] + members(HOME_REGION, "SK") + members(HOME_REGION, "KU")


def municipality_map(level: str) -> dict[str, str]:
    """Map every municipality code to the code of its area at ``level`` (KU, SK, MK or SSS)."""
    level = str(level).upper()
    out = {}
    for c, a in all_areas().items():
        if a.level == "KU":
            out[c] = {"KU": c, "SK": a.subregion_code, "MK": a.region_code, "SSS": COUNTRY}[level]
    return out


def _genitive_forms(name: str) -> set[str]:
    n = name.casefold()
    forms = {n, n + "n"}
    if n.endswith("i"):
        forms.add(n[:-1] + "en")  # Oulunkaari → Oulunkaaren, Nivala-Haapajärvi → -järven
    return forms


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict, dict, dict]:
    ku: dict[str, str] = {}
    mk: dict[str, str] = {}
    sk: dict[str, str] = {}
    for c, a in all_areas().items():
        names = {a.name_fi.casefold(), a.name_sv.casefold(), a.name_en.casefold()}
        if a.level == "KU":
            for n in names:
                ku.setdefault(n, c)
        elif a.level == "MK":
            for n in names:
                mk.setdefault(n, c)
        elif a.level == "SK":
            for n in names:
                for f in _genitive_forms(n):
                    sk.setdefault(f, c)
    return ku, mk, sk


def _unknown(value) -> InputError:
    areas = all_areas()
    choices: dict[str, str] = {}
    for c, a in areas.items():
        for n in (a.code, a.name_fi, a.name_sv):
            choices.setdefault(n.casefold(), c)
    close = difflib.get_close_matches(str(value).casefold().strip(), list(choices), n=8, cutoff=0.6)
    codes = list(dict.fromkeys(choices[m] for m in close))[:4]
    hint = "; closest: " + ", ".join(f"{c} {areas[c].name_fi}" for c in codes) if codes else ""
    return InputError(f"unknown area {value!r}: expected a code such as KU564, SK177, MK17 or SSS, "
                      f"or a name{hint}")


def _known(code: str, value) -> str:
    """Return `code` if it is an area on the current division, else raise the :class:`InputError` for `value`."""
    if code in all_areas():
        return code
    raise _unknown(value)


def _code_from_pattern(compact: str) -> str | None:
    """The code a spaceless upper-case text spells (``"9"``, ``"KU9"``, ``"SK177"``, ``"MK17"``), or None."""
    if re.fullmatch(r"\d{1,3}", compact):
        return f"KU{int(compact):03d}"
    if m := re.fullmatch(r"(KU|SK)(\d{1,3})", compact):
        return f"{m.group(1)}{int(m.group(2)):03d}"
    if m := re.fullmatch(r"MK(\d{1,2})", compact):
        return f"MK{int(m.group(1)):02d}"
    return None


def _code_from_name(key: str) -> str | None:
    """The code of a casefolded country, municipality, region or "<name> seutukunta" name, or None."""
    if key in _COUNTRY_NAMES:
        return COUNTRY
    ku, mk, sk = _name_index()
    if key in ku:
        return ku[key]
    if key in mk:
        return mk[key]
    for word in _SUBREGION_WORDS:
        if key.endswith(" " + word):
            stem = key[: -len(word) - 1].strip()
            if stem in sk:
                return sk[stem]
    return None


def normalise_area(value) -> str:
    """Turn any accepted spelling into a code (SPEC §1), or raise :class:`InputError`.

    >>> [normalise_area(v) for v in (9, "9", "009", "KU009", "ku009", "SK 177", "Uleåborg", "koko maa")]
    ['KU009', 'KU009', 'KU009', 'KU009', 'KU009', 'SK177', 'KU564', 'SSS']
    """
    if isinstance(value, bool) or value is None:
        raise _unknown(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _known(f"KU{value:03d}", value)
    text = _clean(str(value))
    code = _code_from_pattern(text.replace(" ", "").upper())
    if code is not None:
        return _known(code, value)
    code = _code_from_name(text.casefold())
    if code is None:
        raise _unknown(value)
    return code


def areas_rows(within=COUNTRY, level: str | None = None) -> list[dict]:
    """Rows for ``kasvudata areas``: the columns of SPEC §4, one dict per area."""
    w = normalise_area(within)
    levels = [level.upper()] if level else list(LEVELS)
    rows = []
    for lv in levels:
        for c in members(w, lv):
            a = all_areas()[c]
            rows.append({"area_code": a.code, "name_fi": a.name_fi, "name_sv": a.name_sv, "level": a.level,
                         "subregion_code": a.subregion_code, "region_code": a.region_code,
                         "urban_rural": a.urban_rural})
    return rows
