r"""Numbers as readers expect them, in one place for reports, apps and text (standard library only).

Finnish: decimal comma, narrow no-break space (U+202F) between thousands, a real minus sign
(U+2212) and ``12,3 %`` with a no-break space before the per cent sign. English: ``12,345.7`` and
``12.3%``. Missing or suppressed values show as ``–``, never as a number.

>>> format_number(1234567.891, "fi", 1) == "1\u202f234\u202f567,9"
True
>>> format_number(1234567.891, "en", 1), format_pct(0.94, "fi", signed=True), signed(-35, "en")
('1,234,567.9', '+0,9\xa0%', '-35')
"""
from __future__ import annotations

import math

THIN_SPACE = "\u202f"
MINUS = "\u2212"
SUPPRESSED_MARK = "–"


def is_missing(value) -> bool:
    """True for None, NaN, infinities and anything that is not a number."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def format_number(value, lang: str = "fi", decimals: int = 0, missing: str = SUPPRESSED_MARK) -> str:
    """``value`` with ``decimals`` digits in ``lang``'s convention; ``missing`` for a missing value.

    >>> format_number(-0.04, "fi", 1), format_number(float("nan"))
    ('0,0', '–')
    """
    if is_missing(value):
        return missing
    text = f"{float(value):,.{int(decimals)}f}"
    if text.lstrip("-").strip("0.,") == "":  # a value that rounds to zero has no sign
        text = text.lstrip("-")
    if lang == "fi":
        text = text.replace(",", THIN_SPACE).replace(".", ",").replace("-", MINUS)
    return text


def _with_sign(value, lang: str, decimals: int) -> str:
    text = format_number(value, lang, decimals)
    if not is_missing(value) and float(value) > 0 and text.strip("0,.") != "":
        text = "+" + text
    return text


def signed(value, lang: str = "fi", decimals: int = 0) -> str:
    """:func:`format_number` with an explicit ``+`` for positive values (``+120``, ``−35``)."""
    return _with_sign(value, lang, decimals)


def format_pct(value, lang: str = "fi", decimals: int = 1, signed: bool = False) -> str:
    """A percentage: ``12,3 %`` (fi, no-break space) or ``12.3%`` (en); ``signed`` adds ``+``."""
    if is_missing(value):
        return SUPPRESSED_MARK
    text = _with_sign(value, lang, decimals) if signed else format_number(value, lang, decimals)
    return text + ("\u00a0%" if lang == "fi" else "%")
