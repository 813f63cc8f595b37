"""Firm-level indicators a regional table cannot give, taken from a firm panel only when asked.

A business table yields the level, growth and structure indicators; births, deaths, survival,
high growth, exporters and the micro-firm share need firm-level data and come out as rows marked
"not available from aggregate table". :func:`fill_firm_level` replaces those rows with the same
indicators computed on a firm panel (``kasvudata indicators --table FILE --synthetic-firm-data``
uses the embedded synthetic panel): each filled row's ``note`` says ``synthetic firm panel`` and the
result's provenance combines both sources (so a badge reads "mixed").
"""
from __future__ import annotations

import pandas as pd

from kasvudata_utils import provenance
from kasvudata_utils.indicators.compute import INDICATORS, NOTE_NOT_AVAILABLE, PANEL_ONLY, compute_indicators

NOTE_SYNTHETIC = "synthetic firm panel"


def fill_firm_level(table_out: pd.DataFrame, panel, level: str = "section", note: str = NOTE_SYNTHETIC
                    ) -> pd.DataFrame:
    """``table_out`` with its not-available firm-level rows replaced by ``panel``'s figures.

    Parameters
    ----------
    table_out : DataFrame
        Output of :func:`compute_indicators` on a business table.
    panel : DataFrame or CellData
        A firm panel covering the areas of ``table_out``; its years bound the filled period.
    level : {"section", "division"}
        Industry level, as for ``table_out``.
    note : str
        What the filled rows' ``note`` says about their source.

    Returns
    -------
    DataFrame
        The same columns; provenance ``combine(table, panel)``.
    """
    missing = table_out["indicator"].isin(PANEL_ONLY) & (table_out["note"] == NOTE_NOT_AVAILABLE)
    if not missing.any():
        return table_out
    pieces = []
    for (area, ref), _ in table_out[missing].groupby(["area_code", "reference_code"]):
        years = table_out.loc[table_out["area_code"] == area, "year"]
        got = compute_indicators(panel, area, area, int(years.min()), int(years.max()), level=level)
        got = got[got["indicator"].isin(PANEL_ONLY)].assign(reference_code=ref)
        got["note"] = [f"{n}; {note}" if isinstance(n, str) and n else note for n in got["note"]]
        pieces.append(got)
    out = pd.concat([table_out[~missing]] + pieces, ignore_index=True)
    # the engine's row order: area, indicator (SPEC order), ALL first, industry, year
    order = pd.DataFrame({"a": out["area_code"], "i": out["indicator"].map(INDICATORS.index),
                          "n": out["industry_code"] != "ALL", "c": out["industry_code"], "y": out["year"]})
    out = out.loc[order.sort_values(["a", "i", "n", "c", "y"], kind="stable").index].reset_index(drop=True)
    prov = provenance.combine(provenance.get(table_out), provenance.get(pieces[0]))
    return provenance.tag(out, prov)
