"""Inputs of the researcher notebooks 10–13, gathered in one call.

The notebooks stay thin: they call :func:`load_research_inputs` once and get
the real processed files (geometries, population, distances, unemployment,
Customs exports) and the firm-level side — the embedded synthetic files, a
researcher's own ``panel_path`` extract, or a synthetic panel generated in
memory (``synthetic_scale="test"``, used by the fast notebook tests).

The data source follows the area notebook's parameters: ``table_path`` (a SPEC §3 business table,
e.g. ``data/real/business_table.parquet`` from ``kasvudata data fetch``) replaces the business table,
and the population and unemployment fetched beside it replace the embedded ones
(:func:`kasvudata_utils.data.sources.population_for`). A table has no firms: with ``table_path`` and
no ``panel_path`` the firm-level side is absent (``firm_panel`` None, the notebooks say "not
available on a table" in one line) unless ``synthetic_firm_data`` asks for the synthetic panel.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kasvudata_utils import data, labels, provenance
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
    firm_panel: pd.DataFrame | None
    business_table: pd.DataFrame
    municipality_factors: pd.DataFrame
    truth: dict = field(default_factory=dict)
    own_extract: bool = False

    @property
    def has_firms(self) -> bool:
        """True when firm-level data are there (a firm panel: own, embedded or asked-for synthetic)."""
        return self.firm_panel is not None

    @property
    def firm_prov(self) -> dict:
        """Provenance of the firm-level data (synthetic unless the researcher's own extract; the table's without)."""
        return provenance.get(self.firm_panel) if self.has_firms else self.table_prov

    @property
    def labour_prov(self) -> dict:
        """Provenance of the population and unemployment used (fetched beside the table, or embedded)."""
        return provenance.combine(provenance.get(self.population), provenance.get(self.unemployment))

    def vintage_text(self, lang: str = "fi") -> str:
        """"Väestö: <sources>, <first>–<last>; työttömyys: …" — the population and unemployment of the run."""
        parts = []
        for key, frame in (("research_population_vintage", self.population),
                           ("research_unemployment_vintage", self.unemployment)):
            y0, y1 = int(frame["year"].min()), int(frame["year"].max())
            srcs = list(dict.fromkeys(sources.year_sources(frame, y0) + sources.year_sources(frame, y1)))
            parts.append(labels.t(key, lang, sources=provenance.sources_text(provenance.make("real", srcs), lang),
                                  start=y0, end=y1))
        return "; ".join(parts)

    @property
    def table_prov(self) -> dict:
        """Provenance of the regional business table."""
        return provenance.get(self.business_table)


def load_research_inputs(panel_path: str = "", synthetic_scale: str = "", seed: int | None = None,
                         table_path: str = "", synthetic_firm_data: bool = False) -> ResearchInputs:
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
        (:func:`kasvudata_utils.data.sources.load_table`). The population and unemployment fetched beside
        it (``kasvudata data fetch``) replace the embedded ones where they have the municipality-year
        (:func:`kasvudata_utils.data.sources.population_for`).
    synthetic_firm_data : bool
        With ``table_path`` and no ``panel_path``: keep the synthetic firm panel for the firm-level
        models (badged synthetic). Otherwise a table run has no firm panel (``firm_panel`` None).

    Raises
    ------
    InputError
        A bad ``synthetic_scale``, a missing file, or ``synthetic_firm_data`` without a table or with
        an own panel (:func:`kasvudata_utils.data.sources.resolve_source`).
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
    src = sources.resolve_source("default", panel_path=panel_path, table_path=table_path,
                                 synthetic_firm_data=bool(synthetic_firm_data))
    own = bool(src.panel_path)
    if own:
        panel = data.load_firm_panel(src.panel_path)
        truth = {}
    if src.table_path:
        table = sources.load_table(src.table_path)
        if src.uses_table_only and not src.synthetic_firm_data:
            panel = None  # a table has no firms: never the synthetic panel unless asked for
            truth = {}  # nothing synthetic is left: no planted effect to compare the estimates with
    return ResearchInputs(
        geometries=data.load_geometries(level="KU", crs=3067), population=sources.population_for(src),
        distances=data.load_distances(), unemployment=sources.unemployment_for(src),
        exports_regional=data.load_exports_regional(), firm_panel=panel, business_table=table,
        municipality_factors=factors_, truth=truth, own_extract=own)
