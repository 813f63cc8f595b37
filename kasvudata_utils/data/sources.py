"""Which data a command reads, and which data set serves an area: one owner for both decisions.

A *data source* is chosen once per command (CLI options, papermill parameters):

* the embedded default: the synthetic MK17 firm panel, with the synthetic business table of every
  municipality of Finland as its *companion table* (the reference ``SSS`` comes from it);
* ``--panel FILE``: a researcher's own firm panel (SPEC §3), companion table only if one is given;
* ``--table FILE``: any regional business table (SPEC §3, CSV or Parquet): figures are labelled
  "user data" with the file name, never "real", unless the file is exactly (same sha256) a table
  that ``kasvudata data fetch`` wrote and recorded in ``data/real/manifest.json``;
* ``--data statfin``: the business table ``kasvudata data fetch`` wrote into ``data/real/``,
  labelled with its real source and vintage.

Coverage rule (METHODS.md "Data sources"): a data set *covers* an area when at least half of the
area's municipalities (2025 division), and at least one, have a row in it (an extract may lack a
municipality without firms; a table of one sub-region does not cover the region). An area is served
by the main data when they cover it, otherwise by the companion table when that covers it, otherwise
the input is refused in one line. Synthetic data never fills in for user or real data: an own panel
or table without a companion must cover its reference itself.

>>> covers({"KU009"}, "KU009"), covers({"KU009"}, "SSS")
(True, False)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

import kasvudata_utils.data as loaders  # through the package: tests and notebooks may replace a loader there
from kasvudata_utils import areas, provenance
from kasvudata_utils.data.panel_io import read_business_table
from kasvudata_utils.errors import InputError
from kasvudata_utils.labels import t
from kasvudata_utils.paths import data_dir

DATA_CHOICES = ("default", "statfin")
REAL_MANIFEST = "manifest.json"
REAL_BUSINESS_TABLE = "business_table.parquet"


def real_dir() -> Path:
    """Folder of the public tables fetched by ``kasvudata data fetch``: ``<data>/real``."""
    return data_dir() / "real"


def municipalities_in(data) -> frozenset:
    """Municipality codes with at least one row in a firm panel, a business table or a set of codes."""
    if isinstance(data, (set, frozenset, list, tuple)):
        return frozenset(data)
    if "municipality_code" in data.columns:
        return frozenset(data["municipality_code"].astype("string").dropna().unique())
    codes = data["area_code"].astype("string").dropna()
    return frozenset(codes[codes.str.startswith("KU")].unique())


def covers(data, area: str) -> bool:
    """True when at least half of ``area``'s municipalities (and at least one) have a row in ``data``.

    The one coverage rule of the package (METHODS.md "Data sources and coverage").

    Parameters
    ----------
    data : DataFrame or set of str
        A firm panel, a regional business table (its ``KUxxx`` rows) or municipality codes.
    area : str
        A normalised area code (``KU009``, ``SK177``, ``MK17``, ``SSS``).

    Examples
    --------
    >>> covers({"KU009", "KU071"}, "KU071")
    True
    """
    have = municipalities_in(data)
    need = _members(area)
    n = sum(m in have for m in need)
    return n > 0 and 2 * n >= len(need)


@lru_cache(maxsize=1024)
def _members(area: str) -> tuple:
    return tuple(areas.municipalities(area))


@dataclass(frozen=True)
class DataSource:
    """The data chosen for a command: own panel and/or business table file, or the embedded default."""

    panel_path: str = ""
    table_path: str = ""
    origin: str = "embedded"  # "embedded", "statfin" (data fetch) or "user"
    # only with a table alone: firm-level figures a table cannot give from the synthetic panel, badged synthetic
    synthetic_firm_data: bool = False

    @property
    def uses_table_only(self) -> bool:
        """True when the figures come from a business table alone (no firm panel)."""
        return bool(self.table_path) and not self.panel_path


def resolve_source(data: str = "default", panel_path: str = "", table_path: str = "",
                   synthetic_firm_data: bool = False) -> DataSource:
    """Check the CLI/papermill choice of data and return it as a :class:`DataSource`.

    Parameters
    ----------
    data : {"default", "statfin"}
        ``statfin`` reads the business table that ``kasvudata data fetch`` wrote into ``data/real/``.
    panel_path, table_path : str
        An own firm panel and/or a business table file (CSV or Parquet, SPEC §3).
    synthetic_firm_data : bool
        ``--synthetic-firm-data``: with a table alone, the firm-level figures it cannot give come from
        the embedded synthetic panel (badged synthetic); otherwise they are marked not available.

    Raises
    ------
    InputError
        Unknown choice, a missing file, ``statfin`` before a fetch, ``statfin`` with ``--table``, or
        ``synthetic_firm_data`` without a table (or with an own panel, which has firm-level figures).
    """
    choice = str(data or "default").strip().lower()
    if choice not in DATA_CHOICES:
        raise InputError(f"--data {data!r}: expected one of {', '.join(DATA_CHOICES)}")
    panel = str(panel_path or "").strip()
    table = str(table_path or "").strip()
    if panel and not Path(panel).is_file():
        raise InputError(f"--panel {panel!r}: no such file, expected a CSV or Parquet firm panel")
    if table and not Path(table).is_file():
        raise InputError(f"--table {table!r}: no such file, expected a CSV or Parquet business table (SPEC §3)")
    if choice == "statfin":
        if table:
            raise InputError(f"--data statfin and --table {table!r}: expected only one of them")
        p = real_dir() / REAL_BUSINESS_TABLE
        if not p.is_file():
            raise InputError(f"--data statfin: {p} missing, expected it fetched first by `kasvudata data fetch`")
        table = str(p)
    if synthetic_firm_data and (not table or panel):
        raise InputError("--synthetic-firm-data: expected --table FILE or --data statfin without --panel (a firm "
                         "panel already gives firm-level figures)")
    if choice == "statfin":
        return DataSource(str(Path(panel).resolve()) if panel else "", str(Path(table).resolve()), "statfin",
                          bool(synthetic_firm_data))
    origin = "user" if (panel or table) else "embedded"
    return DataSource(str(Path(panel).resolve()) if panel else "", str(Path(table).resolve()) if table else "",
                      origin, bool(synthetic_firm_data))


def file_sha256(path) -> str:
    """sha256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_real_manifest(folder=None) -> dict:
    """``data/real/manifest.json`` as a dict (``{"files": {name: entry}}``; empty when absent)."""
    p = Path(folder or real_dir()) / REAL_MANIFEST
    if not p.is_file():
        return {"files": {}}
    try:
        out = json.loads(p.read_text(encoding="utf-8"))
    except ValueError:
        raise InputError(f"{p} is not valid JSON: fetch again with `kasvudata data fetch --refresh`") from None
    out.setdefault("files", {})
    return out


def real_entry(path) -> dict | None:
    """The manifest entry of a fetched file when ``path`` is byte-identical to it, else None."""
    p = Path(path)
    entry = read_real_manifest(p.parent).get("files", {}).get(p.name)
    if entry and entry.get("sha256") == file_sha256(p):
        return entry
    return None


def source_label(entry: dict, lang: str = "fi") -> str:
    """"Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, haettu 2026-05-04" from an entry."""
    day = str(entry.get("fetched_utc", ""))[:10]
    return t("source_statfin_table", lang, title=entry.get("title_" + lang) or entry.get("title_fi", ""),
             table=entry.get("table_id", ""), date=day)


def load_table(path) -> pd.DataFrame:
    """A business table file, validated (pandera) and tagged: real (fetched, unchanged) or user data.

    The file is read with :func:`kasvudata_utils.data.panel_io.read_business_table`. A file that
    ``kasvudata data fetch`` recorded (same sha256) keeps the kind ``real`` and the source label of
    :func:`source_label` (with its fetch date); any other file is ``user`` data named by its file name.
    """
    p = Path(path)
    df = read_business_table(p)
    entry = real_entry(p)
    if entry is not None:
        return provenance.tag(df, "real", [source_label(entry, "fi")], {c: "real" for c in df.columns})
    return provenance.tag(df, "user", [p.name], {c: "user" for c in df.columns})


def load_main_and_companion(source: DataSource) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The main data (own panel, else the table, else the embedded panel) and its companion table.

    The companion table serves areas the main data do not cover (:func:`serving`): the given table
    beside an own panel, the embedded business table beside the embedded panel, none otherwise.
    """
    table = load_table(source.table_path) if source.table_path else None
    if source.panel_path:
        return loaders.load_firm_panel(source.panel_path), table
    if table is not None:
        return table, None
    return loaders.load_firm_panel(), loaders.load_business_table()


def serving(code: str, main, companion=None, what: str = "reference"):
    """The data set that serves ``code``: ``main`` when it covers it, else ``companion``, else an error."""
    if covers(main, code):
        return main
    if companion is not None and covers(companion, code):
        return companion
    hint = (" or give a business table that does (--table FILE or --data statfin)" if companion is None
            else "")
    raise InputError(f"{what} {code} ({areas.area_name(code)}) is not covered by the data: expected an area "
                     f"with at least half of its municipalities in it{hint}")


def reference_data_for(main, companion, references) -> pd.DataFrame | None:
    """What the indicator engine takes as ``reference_data``: None when ``main`` covers every reference.

    Each reference outside ``main`` must be covered by ``companion`` (:func:`serving` raises otherwise).
    """
    have = municipalities_in(main)
    outside = [r for r in dict.fromkeys(references) if not covers(have, r)]
    for r in outside:
        serving(r, have, companion)
    return companion if outside else None


def fetched_beside(table_path, name: str) -> pd.DataFrame | None:
    """A file ``kasvudata data fetch`` wrote beside ``table_path`` (e.g. ``population.parquet``), or None.

    Only a file recorded unchanged in that folder's ``manifest.json`` counts; it comes back tagged real
    with its source label (table and fetch date).
    """
    if not table_path:
        return None
    p = Path(table_path).parent / name
    entry = real_entry(p) if p.is_file() else None
    if entry is None:
        return None
    df = pd.read_parquet(p)
    return provenance.tag(df, "real", [source_label(entry, "fi")], {c: "real" for c in df.columns})


def check_real(folder=None) -> list[tuple[str, bool, str]]:
    """``(path, ok, reason)`` for every file recorded in ``data/real/manifest.json`` (sha256 unchanged).

    Empty when nothing was fetched. A changed file fails: its figures would be labelled "user data"
    from then on, not "real".
    """
    folder = Path(folder or real_dir())
    out = []
    for name, entry in sorted(read_real_manifest(folder).get("files", {}).items()):
        p = folder / name
        rel = f"real/{name}"
        if not p.is_file():
            out.append((rel, False, "missing: fetch again with `kasvudata data fetch`"))
        elif file_sha256(p) != entry.get("sha256"):
            out.append((rel, False, "sha256 differs from data/real/manifest.json (changed since the fetch)"))
        else:
            out.append((rel, True, f"table {entry.get('table_id')}, fetched {str(entry.get('fetched_utc'))[:10]}"))
    return out


REAL_POPULATION = "population.parquet"
REAL_UNEMPLOYMENT = "unemployment.parquet"
_PUBLIC_KEYS = {REAL_POPULATION: ["population"], REAL_UNEMPLOYMENT: ["unemployed", "labour_force"]}


def run_table_path(source=None) -> str:
    """The business-table file of a run: a :class:`DataSource`'s ``table_path`` or a path given as text."""
    if isinstance(source, DataSource):
        return source.table_path
    return str(source or "").strip()


def public_table(name: str, source=None, fill: bool = True) -> pd.DataFrame:
    """The population (``population.parquet``) or unemployment (``unemployment.parquet``) a run uses.

    The one answer to "which population / unemployment table does this run use": when the run's
    business table (``--data statfin``, or a ``--table`` file in a folder ``kasvudata data fetch`` wrote)
    has that file fetched beside it, recorded unchanged in the folder's manifest, its rows are used,
    labelled with their table and fetch date (:func:`fetched_beside`); otherwise the embedded file.

    Parameters
    ----------
    name : {"population.parquet", "unemployment.parquet"}
    source : DataSource or str, optional
        The run's data source (or its business-table path); None/"" = the embedded data.
    fill : bool
        With a fetched file, fill the municipality-years it lacks (a fetch limited by ``--years`` or
        ``--areas``, or years before StatFin's table starts) from the embedded file; the provenance
        then names both sources. ``False``: the fetched file alone (what the area report charts).

    Returns
    -------
    pandas.DataFrame
        The embedded file's columns; provenance real, ``attrs["fetched"]`` True when fetched rows are in it.
    """
    if name not in _PUBLIC_KEYS:
        raise InputError(f"public table {name!r}: expected one of {', '.join(_PUBLIC_KEYS)}")
    embedded = loaders.load_population() if name == REAL_POPULATION else loaders.load_unemployment()
    fetched = fetched_beside(run_table_path(source), name)
    if fetched is None:
        embedded.attrs["fetched"] = False
        return embedded
    counts = {int(y): int(n) for y, n in fetched.groupby("year")["municipality_code"].nunique().items()}
    fetched_sources, embedded_sources = provenance.get(fetched)["sources"], provenance.get(embedded)["sources"]
    out = fetched
    if fill:
        key = ["municipality_code", "year"]
        have = pd.MultiIndex.from_frame(fetched[key])
        extra = embedded[~pd.MultiIndex.from_frame(embedded[key]).isin(have)]
        if len(extra):
            out = pd.concat([fetched, extra[[c for c in fetched.columns if c in extra.columns]]], ignore_index=True)
            out = out.sort_values(key, ignore_index=True)
            prov = provenance.combine(provenance.get(fetched), provenance.get(embedded))
            provenance.tag(out, prov)
    out.attrs.update(fetched=True, fetched_counts=counts, fetched_sources=fetched_sources,
                     embedded_sources=embedded_sources)
    return out


def year_sources(frame: pd.DataFrame, year: int) -> list[str]:
    """The sources of one year's rows of a :func:`public_table` frame (fetched, embedded, or both).

    >>> f = provenance.tag(pd.DataFrame({"municipality_code": ["KU1"], "year": [2020]}), "real", ["TEM"])
    >>> year_sources(f, 2020)
    ['TEM']
    """
    if not frame.attrs.get("fetched"):
        return list(provenance.get(frame)["sources"])
    n_fetched = frame.attrs.get("fetched_counts", {}).get(int(year), 0)
    n = frame.loc[frame["year"] == int(year), "municipality_code"].nunique()
    if n_fetched == 0:
        return list(frame.attrs["embedded_sources"])
    if n_fetched >= n:
        return list(frame.attrs["fetched_sources"])
    return [*frame.attrs["fetched_sources"], *frame.attrs["embedded_sources"]]


def population_for(source=None, fill: bool = True) -> pd.DataFrame:
    """Population by municipality and year for a run (:func:`public_table`)."""
    return public_table(REAL_POPULATION, source, fill)


def unemployment_for(source=None, fill: bool = True) -> pd.DataFrame:
    """Unemployment by municipality and year for a run (:func:`public_table`)."""
    return public_table(REAL_UNEMPLOYMENT, source, fill)


def latest_complete_year(frame: pd.DataFrame, columns=None) -> int:
    """The last year in which as many municipalities have every one of ``columns`` as in the best year.

    How the research code picks "the newest year" of a population or unemployment table without
    taking a year that only a few municipalities have yet (a fetch limited to some areas, a labour
    force not yet published for the newest months).

    >>> f = pd.DataFrame({"municipality_code": ["KU1", "KU2", "KU1"], "year": [2022, 2022, 2025],
    ...                   "population": [1.0, 2.0, 3.0]})
    >>> latest_complete_year(f, ["population"])
    2022
    """
    return complete_years(frame, columns)[-1]


def complete_years(frame: pd.DataFrame, columns=None) -> list[int]:
    """The years (ascending) in which as many municipalities have every one of ``columns`` as in the best year.

    >>> f = pd.DataFrame({"municipality_code": ["KU1", "KU2", "KU1", "KU1", "KU2"],
    ...                   "year": [2021, 2021, 2022, 2023, 2023], "population": 1.0})
    >>> complete_years(f, ["population"])
    [2021, 2023]
    """
    cols = list(columns or [c for c in ("population", "unemployed", "labour_force") if c in frame.columns])
    ok = frame.dropna(subset=cols)
    if ok.empty:
        raise InputError(f"no year with {', '.join(cols)} in the table: expected at least one")
    n = ok.groupby("year")["municipality_code"].nunique()
    return sorted(int(y) for y in n[n == n.max()].index)


def vintage_text(frame: pd.DataFrame, year: int | None = None, lang: str = "fi") -> str:
    """"<sources of that year's rows>, <year>" — where a population or unemployment figure comes from.

    >>> vintage_text(provenance.tag(pd.DataFrame({"municipality_code": ["KU1"], "year": [2020]}), "real", ["TEM"]))
    'TEM, 2020'
    """
    y = int(frame["year"].max()) if year is None else int(year)
    return f"{provenance.sources_text(provenance.make('real', year_sources(frame, y)), lang)}, {y}"
