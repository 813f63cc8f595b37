"""Provenance that travels with data frames: real, synthetic, user (a file of unknown origin) or mixed.

Every loader tags the frames it returns; every computation that combines
frames combines their provenance; reports and apps show it in the data badge
(``kd-data-badge``), chart footers and table notes.

The tag lives in ``DataFrame.attrs["provenance"]`` as a plain dict (pandas
copies ``attrs`` through most operations, but not all: functions that build new
frames pass it on with :func:`tag`).

>>> import pandas as pd
>>> df = tag(pd.DataFrame({"x": [1]}), "synthetic", ["KasvuDATA synthetic firm panel"])
>>> get(df)["kind"]
'synthetic'
>>> combine(get(df), {"kind": "real", "sources": ["Statistics Finland"], "columns": {}})["kind"]
'mixed'
"""
from __future__ import annotations

import html

from kasvudata_utils.labels import t

KINDS = ("real", "synthetic", "user", "mixed")
#: Source names as loaders record them (English, stable: they are also written to manifests) → the label
#: that names the source to a reader in the page's language. A source not listed (a user's file name, a
#: StatFin table title) is shown as recorded.
SOURCE_KEYS = {
    "KasvuDATA synthetic firm panel": "source_name_synthetic_panel",
    "KasvuDATA synthetic firm panel (calibrated to Statistics Finland)": "source_name_synthetic_calibrated",
    "Statistics Finland": "source_name_statfin",
    "Statistics Finland, StatFin": "source_name_statfin_pxweb",
    "Statistics Finland, Paavo 2020": "source_name_paavo",
    "National Land Survey of Finland": "source_name_nls",
    "THL Sotkanet (Statistics Finland)": "source_name_sotkanet",
    "Ministry of Economic Affairs and Employment": "source_name_tem",
    "Finnish Customs": "source_name_customs",
    "Eurostat NACE Rev. 2": "source_name_eurostat",
}
UNKNOWN = {"kind": "real", "sources": [], "columns": {}, "not_for_publication": False}


def make(kind: str, sources=(), columns: dict | None = None, not_for_publication: bool = False) -> dict:
    """A provenance dict. ``columns`` maps column name → ``real``/``synthetic``/``user``/``mixed``.

    ``user`` is a file the user passed (``--table``) whose origin the package cannot vouch for: it is
    shown as "user data" with the file name, never as real.
    """
    if kind not in KINDS:
        raise ValueError(f"provenance kind {kind!r}: expected one of {KINDS}")
    return {"kind": kind, "sources": list(dict.fromkeys(sources)), "columns": dict(columns or {}),
            "not_for_publication": bool(not_for_publication)}


def tag(df, kind_or_prov, sources=(), columns=None, not_for_publication=False):
    """Return ``df`` with provenance set (the frame itself is not copied; attrs are per object)."""
    prov = kind_or_prov if isinstance(kind_or_prov, dict) else make(kind_or_prov, sources, columns,
                                                                    not_for_publication)
    df.attrs["provenance"] = prov
    return df


def get(df) -> dict:
    """The provenance of ``df`` (a real-data default where none was set)."""
    return dict(getattr(df, "attrs", {}).get("provenance", UNKNOWN))


def combine(*provs: dict) -> dict:
    """Provenance of a result computed from several inputs."""
    kinds = {p["kind"] for p in provs if p}
    kind = kinds.pop() if len(kinds) == 1 else "mixed"
    sources, columns = [], {}
    for p in provs:
        sources += p.get("sources", [])
        columns.update(p.get("columns", {}))
    return make(kind, sources, columns, any(p.get("not_for_publication") for p in provs))


def source_text(source: str, lang: str = "fi") -> str:
    """A recorded source name in ``lang`` (as recorded when it is not a known source).

    >>> source_text("KasvuDATA synthetic firm panel", "fi")
    'KasvuDATAn synteettinen yritysaineisto'
    >>> source_text("my_extract.csv", "fi")
    'my_extract.csv'
    """
    key = SOURCE_KEYS.get(str(source))
    return t(key, lang) if key else str(source)


def sources_text(prov: dict, lang: str = "fi") -> str:
    """The sources of ``prov`` in ``lang``, joined with "; " ("" when none are recorded)."""
    return "; ".join(source_text(s, lang) for s in prov.get("sources", []))


def badge_text(prov: dict, lang: str = "fi") -> str:
    """Short text for the data badge: kind plus sources, both in ``lang``.

    >>> badge_text(make("synthetic", ["KasvuDATA synthetic firm panel"]), "fi")
    'SYNTEETTINEN data · KasvuDATAn synteettinen yritysaineisto'
    """
    text = t(f"data_{prov.get('kind', 'real')}", lang)
    if prov.get("sources"):
        text += " · " + sources_text(prov, lang)
    if prov.get("not_for_publication"):
        text = t("not_for_publication", lang) + " · " + text
    return text


def badge_html(prov: dict, lang: str = "fi", css_class: str = "kd-data-badge") -> str:
    """The data badge as an HTML ``<span>`` (text escaped): the one builder behind every badge.

    >>> badge_html(make("synthetic", ["A & B"]), "en", "kd-data-badge kd-synthetic")
    '<span class="kd-data-badge kd-synthetic">SYNTHETIC data · A &amp; B</span>'
    """
    return f'<span class="{css_class}">{html.escape(badge_text(prov, lang))}</span>'
