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
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from kasvudata_utils import labels
from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import raw_dir

KEY_FILE = "classification_keys/municipality_key_2025.csv"
COUNTRY = "SSS"
HOME_REGION = "MK17"
DEFAULT_AREA = HOME_REGION
LEVELS = ("KU", "SK", "MK", "SSS")
CUSTOM = "CU"  # level of a user's grouping of areas, code "KU009+KU071+KU977"
MAX_GROUP_PARTS = 10
GROUPS_ENV = "KASVUDATA_GROUPS"  # a groups file (name: CODE+CODE) read on first use, for apps and reports
_GROUP_CODES: dict[str, str] = {}  # casefolded group name → custom code
_GROUP_NAMES: dict[str, str] = {}  # custom code → group name
_ENV_GROUPS_READ: list[str] = []  # the groups file already read from GROUPS_ENV
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
    """The :class:`Area` for any accepted spelling of a code or name (a custom area is built on the fly)."""
    c = normalise_area(code)
    return all_areas().get(c) or _custom_area(c)


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
    """SPEC §1: municipality and sub-region → their region; region → SSS; SSS → SSS.

    A custom area → the region holding all its parts, else SSS.
    """
    a = get_area(code)
    return {"KU": a.region_code, "SK": a.region_code, CUSTOM: a.region_code or COUNTRY}.get(a.level, COUNTRY)


def contains(outer, inner) -> bool:
    """True where area ``inner`` lies within (or equals) area ``outer``."""
    o, i = get_area(outer), get_area(inner)
    if o.code == COUNTRY or o.code == i.code:
        return True
    if CUSTOM in (o.level, i.level):
        return set(municipalities(i.code)) <= set(municipalities(o.code))
    return (o.level == "MK" and i.region_code == o.code) or (o.level == "SK" and i.subregion_code == o.code)


def members(within=COUNTRY, level: str = "KU") -> list[str]:
    """Codes of all areas of ``level`` inside ``within`` (itself included when the levels match)."""
    level = str(level).upper()
    if level not in LEVELS:
        raise InputError(f"unknown level {level!r}: expected one of {', '.join(LEVELS)}")
    w = normalise_area(within)
    if is_custom(w):
        return [c for c, a in all_areas().items() if a.level == level and contains(w, c)]
    o = all_areas()[w]  # the rule of contains(), without normalising every code of the table again
    if o.level == level:  # no other area of a level contains one of the same level
        return [o.code]
    return [c for c, a in all_areas().items() if a.level == level
            and (o.code in (COUNTRY, c) or (o.level == "MK" and a.region_code == o.code)
                 or (o.level == "SK" and a.subregion_code == o.code))]


def municipalities(area) -> list[str]:
    """Municipality codes making up ``area`` (an area that is a municipality gives itself)."""
    code = normalise_area(area)
    if is_custom(code):
        return sorted({m for part in code.split("+") for m in members(part, "KU")})
    return members(code, "KU")


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
    """The code of a casefolded name (country, municipality, region, sub-region, named group), or None."""
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
    _read_env_groups()
    return _GROUP_CODES.get(key)


def normalise_area(value) -> str:
    """Turn any accepted spelling into a code (SPEC §1), or raise :class:`InputError`.

    >>> [normalise_area(v) for v in (9, "9", "009", "KU009", "ku009", "SK 177", "Uleåborg", "koko maa")]
    ['KU009', 'KU009', 'KU009', 'KU009', 'KU009', 'SK177', 'KU564', 'SSS']
    """
    if isinstance(value, bool) or value is None:
        raise _unknown(value)
    if isinstance(value, str) and value in all_areas():  # already a code (the engine asks ~1 600 times a run)
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return _known(f"KU{value:03d}", value)
    text = _clean(str(value))
    if "+" in text:
        return _custom_code(text)
    if re.fullmatch(r"(?:(?:KU|SK|MK)\d{1,3} +)+(?:KU|SK|MK)\d{1,3}", text.upper()):
        return _custom_code(text.replace(" ", "+"))  # a URL query decodes "KU009+KU977" to "KU009 KU977"
    code = _code_from_pattern(text.replace(" ", "").upper())
    if code is not None:
        return _known(code, value)
    code = _code_from_name(text.casefold())
    if code is None:
        raise _unknown(value)
    return code


# ----------------------------------------------------------------------- custom areas (the user's groupings)
def is_custom(code) -> bool:
    """True for a normalised custom area code such as ``KU009+KU071+KU977``."""
    return isinstance(code, str) and "+" in code


def _custom_code(text: str) -> str:
    """``KU009+977+Kalajoki`` → ``KU009+KU071+KU977``: parts normalised, checked and sorted."""
    parts = text.split("+")
    if any(not p.strip() for p in parts):
        raise InputError(f"custom area {text!r}: an empty part; expected codes joined by '+', such as KU009+KU977")
    codes = []
    for p in parts:
        try:
            c = normalise_area(p)
        except InputError as exc:
            raise InputError(f"custom area {text!r}: {exc}") from None
        if c == COUNTRY or is_custom(c):
            raise InputError(f"custom area {text!r}: part {p.strip()!r} is {c}; expected municipalities, "
                             f"sub-regions or regions")
        codes.append(c)
    if len(codes) > MAX_GROUP_PARTS:
        raise InputError(f"custom area {text!r}: {len(codes)} parts; expected at most {MAX_GROUP_PARTS}")
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            if contains(a, b) or contains(b, a):
                raise InputError(f"custom area {text!r}: {b} and {a} overlap (one lies inside the other); "
                                 f"expected parts that do not nest, e.g. municipalities of different sub-regions")
    return "+".join(sorted(codes))


def _custom_area(code: str) -> Area:
    _read_env_groups()  # a report kernel gets the code, and the group's name from KASVUDATA_GROUPS
    parts = [all_areas()[c] for c in code.split("+")]
    subs = {a.subregion_code if a.level == "KU" else (a.code if a.level == "SK" else "") for a in parts}
    regions = {a.region_code for a in parts}

    def name(lang: str) -> str:
        base = _GROUP_NAMES.get(code) or " + ".join(a.name(lang) for a in parts)
        return labels.t("custom_area_name", "en" if lang == "en" else "fi", name=base)

    return Area(code, name("fi"), name("sv"), name("en"), CUSTOM,
                subs.pop() if len(subs) == 1 else "", regions.pop() if len(regions) == 1 else "")


def register_group(name: str, expression) -> str:
    """Register a named group (``"Oulunkaari ja Koillismaa"``, ``"SK173+SK178"``); returns its code.

    After this, the name is accepted wherever an area code is (case-insensitive).

    >>> register_group("Kalajokilaakso", "KU009+KU071+KU977")
    'KU009+KU071+KU977'
    >>> normalise_area("kalajokilaakso"), area_name("Kalajokilaakso", "en")
    ('KU009+KU071+KU977', "Kalajokilaakso (user's grouping)")
    """
    label = _clean(str(name))
    if not label or "+" in label:
        raise InputError(f"group name {name!r}: expected a non-empty name without '+'")
    text = "+".join(str(x) for x in expression) if isinstance(expression, (list, tuple)) else str(expression)
    code = _custom_code(text)
    _GROUP_CODES[label.casefold()] = code
    _GROUP_NAMES[code] = label
    return code


def load_groups(path) -> dict[str, str]:
    """Read a groups file (a YAML mapping ``name: CODE+CODE`` or ``name: [CODE, CODE]``) and register it.

    Returns the group names with their codes. A file that is missing or not such a mapping, or a
    group with a bad code, raises :class:`InputError` (one line).
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise InputError(f"groups file {str(path)!r}: {exc.strerror or exc}; expected a readable YAML file") from None
    import yaml  # third-party, needed only when a groups file is given

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"groups file {str(path)!r}: not YAML ({' '.join(str(exc).split())[:120]})") from None
    if not isinstance(doc, dict) or not doc:
        raise InputError(f"groups file {str(path)!r}: expected a mapping such as "
                         f"'Oulunkaari ja Koillismaa: SK173+SK178'")
    out = {}
    for name, expr in doc.items():
        try:
            out[str(name)] = register_group(str(name), expr)
        except InputError as exc:
            raise InputError(f"groups file {str(path)!r}, group {str(name)!r}: {exc}") from None
    return out


def _read_env_groups() -> None:
    path = os.environ.get(GROUPS_ENV, "")
    if path and path not in _ENV_GROUPS_READ:
        _ENV_GROUPS_READ.append(path)
        load_groups(path)


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
