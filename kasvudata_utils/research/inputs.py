"""Inputs of the researcher notebooks 10–13, gathered in one call.

The notebooks stay thin: they call :func:`load_research_inputs` once and get
the real processed files (geometries, population, distances, unemployment,
Customs exports) and the firm-level side — the embedded synthetic files, a
researcher's own ``panel_path`` extract, or a synthetic panel generated in
memory (``synthetic_scale="test"``, used by the fast notebook tests).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kasvudata_utils import data, provenance
from kasvudata_utils.data import sources
from kasvudata_utils.data.synthetic import DEFAULT_SEED, generate
from kasvudata_utils.errors import InputError

SCALES = ("", "test", "default")


@dataclass
class ResearchInputs:
    """Frames for the research notebooks; ``truth`` is empty for a researcher's own extract."""

    geometries: object
    population: pd.DataFrame
    distances: pd.DataFrame
    unemployment: pd.DataFrame
    exports_regional: pd.DataFrame
    firm_panel: pd.DataFrame
    business_table: pd.DataFrame
    municipality_factors: pd.DataFrame
    truth: dict = field(default_factory=dict)
    own_extract: bool = False

    @property
    def firm_prov(self) -> dict:
        """Provenance of the firm-level data (synthetic unless the researcher's own extract)."""
        return provenance.get(self.firm_panel)

    @property
    def table_prov(self) -> dict:
        """Provenance of the regional business table."""
        return provenance.get(self.business_table)


def load_research_inputs(panel_path: str = "", synthetic_scale: str = "", seed: int | None = None,
                         table_path: str = "") -> ResearchInputs:
    """Real files plus the firm panel, business table, factors and planted truth.

    Parameters
    ----------
    panel_path : str
        A researcher's own firm-panel extract (CSV/Parquet, SPEC §3); empty
        for the embedded synthetic panel. The business table and factors
        stay the embedded synthetic ones (no real file holds them).
    synthetic_scale : {"", "test", "default"}
        Empty: the embedded files of ``data/processed``. Otherwise generate
        the synthetic data in memory at that scale (``test`` is small and fast).
    seed : int, optional
        Seed of the generated data (default: the generator's own).
    table_path : str
        A regional business table (CSV/Parquet, SPEC §3: ``kasvudata data fetch`` or a StatFin export)
        replacing the embedded synthetic one, labelled real (fetched, unchanged) or user data
        (:func:`kasvudata_utils.data.sources.load_table`).
    """
    if synthetic_scale not in SCALES:
        raise InputError(f"synthetic_scale {synthetic_scale!r}: expected '' (embedded files), 'test' or 'default'")
    if synthetic_scale:

        syn = generate(seed=DEFAULT_SEED if seed is None else int(seed), scale=synthetic_scale)
        panel, table, factors_, truth = syn.firm_panel, syn.business_table, syn.municipality_factors, syn.truth
    else:
        panel = data.load_firm_panel()
        table = data.load_business_table()
        factors_ = data.load_municipality_factors()
        truth = data.load_planted_truth()
    own = bool(str(panel_path or "").strip())
    if own:
        panel = data.load_firm_panel(str(panel_path).strip())
        truth = {}
    if str(table_path or "").strip():
        table = sources.load_table(sources.resolve_source("default", table_path=table_path).table_path)
    return ResearchInputs(
        geometries=data.load_geometries(level="KU", crs=3067), population=data.load_population(),
        distances=data.load_distances(), unemployment=data.load_unemployment(),
        exports_regional=data.load_exports_regional(), firm_panel=panel, business_table=table,
        municipality_factors=factors_, truth=truth, own_extract=own)
