"""The indicator engine: pure functions, no I/O, no plotting (SPEC §4–5, METHODS.md).

Public API
----------
compute_indicators(data, area, reference=None, start=None, end=None, level="section", disclose=True)
    Every SPEC §5 indicator for one area in the SPEC §4 long shape.
compute_indicators_many(data, areas, ...)
    The same for many areas, reusing one cell table (all 38 Northern Ostrobothnia areas at once).
compute_shift_share(data, area, reference, start, end, measure="personnel", method="classic",
                    level="section", disclose=True)
    Classic (Dunn), Esteban-Marquillas and dynamic (Barff & Knight) shift-share, one row per
    industry plus ``TOTAL``.
prepare(data)
    The cell table of a firm panel or business table, reusable across calls.

Figures from a firm panel pass disclosure control (:mod:`kasvudata_utils.indicators.disclosure`).
"""
from kasvudata_utils.indicators.compute import INDICATORS, compute_indicators, compute_indicators_many, note_text
from kasvudata_utils.indicators.engine import CellData, prepare
from kasvudata_utils.indicators.growth import DEFAULT_END_YEAR, DEFAULT_START_YEAR, cagr_pct, growth_pct
from kasvudata_utils.indicators.shiftshare import METHODS as SHIFT_SHARE_METHODS
from kasvudata_utils.indicators.shiftshare import compute_shift_share, shift_share_components
from kasvudata_utils.indicators.specialisation import (
           herfindahl_index,
           herfindahl_normalised,
           krugman_index,
           location_quotient,
)

__all__ = ["DEFAULT_END_YEAR", "DEFAULT_START_YEAR",
           "INDICATORS", "SHIFT_SHARE_METHODS", "CellData", "cagr_pct", "compute_indicators",
           "compute_indicators_many", "compute_shift_share", "growth_pct", "herfindahl_index",
           "herfindahl_normalised", "krugman_index", "location_quotient", "note_text", "prepare",
           "shift_share_components"]
