"""Display names and values of workshop records (no store, no HTML).

Shared by the report/site rendering (:mod:`.render`) and the Markdown export (:mod:`.exchange`), so
both say "C Teollisuus" and "Yritysten syntyvyys 9,5 % / vuosi" rather than ``C`` and
``birth_rate_pct = 9.5``.

>>> industry_label("C", "fi"), lever_label("birth_rate_pct", "fi")
('C Teollisuus', 'Yritysten syntyvyys')
>>> rec = {"levers": {"b": 1, "birth_rate_pct": 9.5},
...        "results": {"lever_order": ["birth_rate_pct", "b"],
...                    "lever_units": {"birth_rate_pct": "unit_pct_per_year"}}}
>>> lever_order([rec]), lever_value(rec, "birth_rate_pct", "fi")
(['birth_rate_pct', 'b'], '9,5 % / vuosi')
"""
from __future__ import annotations

from kasvudata_utils import industries
from kasvudata_utils.labels import has, t


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def label_or(key: str, fallback: str, lang: str) -> str:
    """``labels.t(key)`` when the key exists, else ``fallback``."""
    return t(key, lang) if has(key) else fallback


def indicator_label(name, lang: str = "fi") -> str:
    """Display name of a SPEC §5 indicator (the raw name if it has no label)."""
    return label_or(f"indicator_{name}", str(name), lang)


def industry_label(code, lang: str = "fi") -> str:
    """``"C Teollisuus"``; no industry → "all industries"; an unknown code is shown as it is."""
    if not code:
        return t("insight_general", lang)
    try:
        return f"{code} {industries.industry_name(code, lang)}"
    except ValueError:
        return str(code)


def format_value(value, lang: str = "fi") -> str:
    """A lever or result value: integers plain, others with up to two decimals; Finnish decimal comma."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    if lang == "fi":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def lever_order(scenarios: list[dict]) -> list[str]:
    """Lever rows in the app's slider order where the records carry it (``results.lever_order``)."""
    keys = {k for s in scenarios for k, v in (s.get("levers") or {}).items() if _is_scalar(v)}
    order = [k for s in scenarios for k in ((s.get("results") or {}).get("lever_order") or [])]
    return list(dict.fromkeys(k for k in order if k in keys)) + sorted(keys - set(order))


def lever_label(key: str, lang: str = "fi") -> str:
    """Display name of a scenario lever (the raw name if it has no label)."""
    return label_or(f"lever_{key}", label_or(f"indicator_{key}", key, lang), lang)


def lever_value(s: dict, key: str, lang: str) -> str:
    """A lever value with its unit (``5 % / vuosi``) where the record carries the unit's label key."""
    value = (s.get("levers") or {}).get(key, "")
    unit = ((s.get("results") or {}).get("lever_units") or {}).get(key)
    text = format_value(value, lang)
    if not (unit and has(unit) and text != ""):
        return text
    # the elasticity's "unit" is an explanation: in parentheses, as the app's assumptions write it
    return f"{text} ({t(unit, lang)})" if unit == "unit_elasticity" else f"{text} {t(unit, lang)}"
