"""Validation of what goes into the insights store (kinds, codes, years, text limits, JSON).

Every check raises :class:`InputError` with one line naming the value received
and what was expected; text-limit messages are the friendly ``labels`` ones.
"""
from __future__ import annotations

import json

from kasvudata_utils.errors import InputError
from kasvudata_utils.industries import normalise_industry
from kasvudata_utils.labels import t

KINDS = ("trend", "bottleneck", "best_practice", "question", "action", "scenario")
# SPEC §5 indicator names (an insight may refer to one of them).
INDICATORS = (
    "establishments", "personnel", "turnover_eur", "exports_eur", "personnel_growth_pct",
    "turnover_growth_pct", "cagr_personnel_pct", "lq_personnel", "share_personnel_pct",
    "birth_rate_pct", "death_rate_pct", "churn_rate_pct", "survival_rate_1y_pct",
    "survival_rate_3y_pct", "survival_rate_5y_pct", "hge_count", "hge_share_pct",
    "micro_hge_count", "gazelle_count", "exporter_count", "export_intensity_pct",
    "micro_share_pct", "krugman_index", "herfindahl_index",
)
MAX_TEXT_CHARS = 2000
MAX_SHORT_CHARS = 200          # workshop label, author
YEAR_RANGE = (1990, 2100)


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value) -> str | None:
    """Lever or result mapping → canonical JSON text (``None`` stays ``None``)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"scenario levers/results {type(value).__name__!s}: expected a mapping of name → value")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)


def clean_kind(kind) -> str:
    """Normalise a kind (``"Best practice"`` → ``best_practice``) or raise :class:`InputError`."""
    k = str(kind or "").strip().lower().replace(" ", "_").replace("-", "_")
    if k not in KINDS:
        raise InputError(f"unknown insight kind {kind!r}: expected one of {', '.join(KINDS)}")
    return k


def clean_indicator(indicator) -> str | None:
    """``None``/empty → ``None``; a SPEC §5 name → itself; anything else → :class:`InputError`."""
    if indicator is None or str(indicator).strip() == "":
        return None
    name = str(indicator).strip()
    if name not in INDICATORS:
        raise InputError(f"unknown indicator {indicator!r}: expected a SPEC §5 name such as personnel or "
                         f"birth_rate_pct")
    return name


def clean_year(year) -> int | None:
    """``None``/empty → ``None``; a year 1990–2100 → int; anything else → :class:`InputError`."""
    if year is None or str(year).strip() == "":
        return None
    try:
        y = int(str(year).strip())
    except ValueError:
        raise InputError(f"year {year!r}: expected a whole number such as 2023") from None
    if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        raise InputError(f"year {year!r}: expected a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}")
    return y


def clean_industry(industry) -> str | None:
    """``None``/empty → ``None``; otherwise :func:`industries.normalise_industry`."""
    if industry is None or str(industry).strip() == "":
        return None
    return normalise_industry(industry)


def clean_text(text, lang: str = "fi", allow_empty: bool = False) -> str:
    """The insight text, verbatim apart from surrounding whitespace; length-checked."""
    s = "" if text is None else str(text).strip()
    if not s and not allow_empty:
        raise InputError(t("insight_text_empty", lang))
    if len(s) > MAX_TEXT_CHARS:
        raise InputError(t("insight_text_too_long", lang, limit=MAX_TEXT_CHARS, length=len(s)))
    return s


def clean_short(value, what: str) -> str | None:
    """Author or workshop label: stripped, ≤ :data:`MAX_SHORT_CHARS` characters."""
    if value is None:
        return None
    s = " ".join(str(value).split())
    if len(s) > MAX_SHORT_CHARS:
        raise InputError(f"{what} of {len(s)} characters: expected at most {MAX_SHORT_CHARS}")
    return s
