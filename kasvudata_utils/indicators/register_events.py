"""Enterprise openings and closures of an area by year: register events, not births and deaths.

Statistics Finland's openings and closures (aly, e.g. table 11yq) count events in the business
register. METHODS.md ("Business demography") keeps them apart from demographic births and deaths:
this module never names them so, and its columns say ``register_opening`` / ``register_closure``.
Quarterly counts are summed to years and municipalities to the area; a sum over a confidential
(``..``) cell is unknown and flagged ``suppressed``, never a number.

>>> import pandas as pd
>>> ev = pd.DataFrame({"area_code": ["KU564"] * 2, "industry_code": ["ALL"] * 2, "year": [2023, 2023],
...                    "event": ["register_opening", "register_opening"], "count": [10.0, 5.0],
...                    "suppressed": [False, False]})
>>> float(area_register_events(ev, "KU564").loc[0, "register_opening"])
15.0
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries

EVENTS = ("register_opening", "register_closure")


def area_register_events(events: pd.DataFrame, area: str) -> pd.DataFrame:
    """Yearly openings and closures of ``area`` (all industries) from a register-event table.

    Parameters
    ----------
    events : DataFrame
        ``area_code, industry_code, year, event, count, suppressed`` (``kasvudata data fetch``'s
        ``openings_closures.parquet``).
    area : str
        A normalised area code. Its own rows are used where the table has them, else the sum of its
        municipalities when the table holds every one of them; otherwise the result is empty.

    Returns
    -------
    DataFrame
        ``year, register_opening, register_closure`` and ``<event>__suppressed`` flags; only complete
        years (every period of the year present) are kept.
    """
    ev = events[events["event"].isin(EVENTS)]
    tot = ev["industry_code"].astype(str).isin([industries.ALL, "SSS"])
    ev = ev[tot] if tot.any() else ev
    if (ev["area_code"] == area).any():
        ev = ev[ev["area_code"] == area]
    else:
        munis = set(areas.municipalities(area))
        if not munis or not munis <= set(ev["area_code"]):
            return pd.DataFrame(columns=["year", *EVENTS])
        ev = ev[ev["area_code"].isin(munis)]
    if "period" in ev:  # keep whole years only: a year with one quarter is not comparable
        per_year = ev.groupby("year")["period"].nunique()
        full = per_year[per_year == per_year.max()].index
        ev = ev[ev["year"].isin(full)]
    g = ev.assign(count=ev["count"].where(~ev["suppressed"].astype(bool)))
    agg = g.groupby(["year", "event"]).agg(count=("count", lambda s: s.sum(min_count=1) if s.notna().all()
                                                  else np.nan),
                                          suppressed=("suppressed", "any")).reset_index()
    out = pd.DataFrame({"year": sorted(agg["year"].unique())})
    for e in EVENTS:
        sub = agg[agg["event"] == e].set_index("year")
        out[e] = out["year"].map(sub["count"])
        # a year without the event is not suppressed (map gives NaN there; NaN == True is False)
        out[f"{e}__suppressed"] = out["year"].map(sub["suppressed"].astype(bool)).eq(True)
    return out
