"""Small numbers: how many firms a published rate rests on (METHODS "Key findings, small numbers").

A rate computed from a handful of firms jumps from year to year (Alavieska's 1-year survival:
60 → 100 → 100 → 77 on 5–13 births); one decimal would be spurious precision. Reports and apps
show a rate that rests on fewer than :data:`SMALL_NUMBER_FIRMS` firms as a whole number with
:data:`SMALL_NUMBER_MARK`. Pure functions on the SPEC §4 long table and the firm panel.
"""
from __future__ import annotations

import pandas as pd

from kasvudata_utils import areas

#: The mark of a rate that rests on fewer than :data:`SMALL_NUMBER_FIRMS` firms (shown as a whole number).
SMALL_NUMBER_MARK = "*"
SMALL_NUMBER_FIRMS = 20
#: Rates and the firms they rest on: ``indicator → (base, lag)``, ``base`` ``"active"`` (the firms
#: active in the year) or ``"births"`` (the firms born ``lag`` years before).
RATE_BASES = {"birth_rate_pct": ("active", 0), "death_rate_pct": ("active", 0), "churn_rate_pct": ("active", 0),
              "survival_rate_1y_pct": ("births", 1), "survival_rate_3y_pct": ("births", 3),
              "survival_rate_5y_pct": ("births", 5)}


def births_by_year(panel: pd.DataFrame, area: str) -> dict:
    """Demographic births per year in ``area`` from a firm panel (METHODS "Business demography").

    A birth in ``t`` is a firm whose first active row is ``t`` (``t`` after the panel's first
    year), counted in the municipality of that row.

    Examples
    --------
    >>> panel = pd.DataFrame({"firm_id": ["a", "a", "b", "c", "c"], "year": [2020, 2021, 2021, 2021, 2022],
    ...                       "municipality_code": ["KU009"] * 5})
    >>> births_by_year(panel, "KU009")  # "a" is in the panel's first year: not a birth
    {2021: 2}
    """
    munis = set(areas.municipalities(area))
    first = panel.sort_values("year", kind="stable").drop_duplicates("firm_id")
    first = first[(first["year"] > panel["year"].min()) & first["municipality_code"].isin(munis)]
    counts = first["year"].astype(int).value_counts().sort_index()
    return {int(y): int(n) for y, n in counts.items()}


def rate_bases(ind: pd.DataFrame, area: str, births: dict | None = None) -> dict:
    """How many firms each published rate of ``area`` rests on: ``(indicator, year) → firms``.

    Birth, death and churn rates rest on the firms active in the year (``establishments``);
    the n-year survival rate in ``t`` on the births of ``t − n``: from ``births``
    (:func:`births_by_year`, exact, also for years before the table starts) or else from
    the table (birth rate × active firms of ``t − n``). Rates whose base cannot be derived
    are absent.

    Examples
    --------
    >>> rows = [("A", "establishments", y, v) for y, v in ((2020, 40.0), (2021, 50.0))]
    >>> rows += [("A", "birth_rate_pct", 2020, 25.0), ("A", "survival_rate_1y_pct", 2021, 80.0)]
    >>> ind = pd.DataFrame(rows, columns=["area_code", "indicator", "year", "value"])
    >>> ind["industry_code"], ind["suppressed"] = "ALL", False
    >>> b = rate_bases(ind, "A")
    >>> b[("birth_rate_pct", 2020)], b[("survival_rate_1y_pct", 2021)]  # 25 % of 40 firms born in 2020
    (40.0, 10.0)
    """
    sub = ind[(ind["area_code"] == area) & (ind["industry_code"] == "ALL")]
    sub = sub[~sub["suppressed"].astype(bool) & sub["value"].notna()]

    def by_year(name):
        s = sub[sub["indicator"] == name]
        return dict(zip(s["year"].astype(int), s["value"].astype(float), strict=True))

    active, birth = by_year("establishments"), by_year("birth_rate_pct")
    out = {}
    for name, (base, lag) in RATE_BASES.items():
        for y in by_year(name):
            if base == "active" and y in active:
                out[(name, y)] = active[y]
            elif base == "births" and births is not None:
                out[(name, y)] = float(births.get(y - lag, 0))
            elif base == "births" and (y - lag) in active and (y - lag) in birth:
                out[(name, y)] = float(round(birth[y - lag] * active[y - lag] / 100))
    return out
