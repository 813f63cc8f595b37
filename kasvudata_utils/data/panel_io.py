r"""Read a researcher's own extract (CSV or Parquet) as a validated firm panel or business table.

This is what every ``--panel PATH`` option and ``load_firm_panel(path)`` use.
A researcher's extract is real data: the frame comes back tagged with
provenance ``real`` and the source ``own extract: <file name>``.

CSV files may be separated by ``;`` (Finnish Excel) or ``,`` (detected from the
header line), encoded in UTF-8 (with or without BOM) or Windows-1252, and may
use a decimal comma. Code columns are read as text so that they keep their
leading zeros; :mod:`kasvudata_utils.data.schemas` then normalises and checks
the columns. Every problem is one line (:class:`~kasvudata_utils.errors.InputError`):
a missing, empty, broken or unsupported file, or a schema violation naming the
column, the rule and the first bad row.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "panel.csv").write_text(
...     "firm_id;year;municipality_code;industry_code;personnel;turnover_eur;"
...     "exports_goods_eur;exports_services_eur;founded_year\n"
...     "A1;2020;91;1;2,5;100000;0;0;2010\n", encoding="utf-8")
>>> df = read_firm_panel(d / "panel.csv")
>>> df.loc[0, "municipality_code"], float(df.loc[0, "personnel"]), df.attrs["provenance"]["sources"]
('KU091', 2.5, ['own extract: panel.csv'])
"""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pandas as pd

from kasvudata_utils import provenance
from kasvudata_utils.data import statfin_export
from kasvudata_utils.data.schemas import FIRM_PANEL_MEASURES, validate_business_table, validate_firm_panel
from kasvudata_utils.errors import InputError

CSV_SUFFIXES = (".csv", ".txt", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
_ENCODINGS = ("utf-8-sig", "cp1252")
MEASURE_COLUMNS = FIRM_PANEL_MEASURES
_DEFAULT_NA = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
               "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
TEXT_COLUMNS = ("firm_id", "municipality_code", "industry_code", "area_code", "suppressed")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in CSV_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(s):
            return s
    return path.suffix.lower()


def _first_lines(raw: bytes, n: int = 20) -> list[str]:
    for enc in _ENCODINGS:
        try:
            return raw.decode(enc).splitlines()[:n] if raw.strip() else []
        except UnicodeDecodeError:
            continue
    return []


def _sniff_separator(header: str) -> str:
    """``;`` or ``,``: whichever splits the header line into more fields (ties → ``,``)."""
    counts = {sep: len(next(csv.reader([header], delimiter=sep))) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


def _read_csv(path: Path) -> pd.DataFrame:
    compression = "gzip" if path.name.lower().endswith(".gz") else None
    if compression:
        import gzip
        import zlib

        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(65536)
                while fh.read(1 << 20):  # the whole stream: a truncated file fails here, not deep in pandas
                    pass
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise InputError(f"cannot read {path.name!r}: broken gzip file ({exc}); expected a gzip-compressed "
                             "CSV") from None
    else:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    if not head.strip():
        raise InputError(f"file {path.name!r} is empty: expected a header line and data rows")
    lines = _first_lines(head)
    skip = statfin_export.header_line(lines)  # a StatFin web export's title line and blank line
    header = lines[skip] if lines else ""
    sep = _sniff_separator(header)
    # Codes stay text (leading zeros); other columns are parsed as numbers by the fast C reader
    # where they can be, and anything it cannot parse (decimal comma, "..") arrives as text for
    # schemas to read or flag.
    names = next(csv.reader([header], delimiter=sep)) if header else []
    dtype = {n: str for n in names if n.strip().lower() in TEXT_COLUMNS
             or n.strip().lower().startswith(statfin_export.TEXT_NAMES)}
    # "nan"/"NA" spelled out in a measure column must reach the schema as text (and be refused
    # there), not be read as an empty cell; other columns keep pandas' usual missing-value words.
    na_values = {n: ([""] if n.strip().lower() in MEASURE_COLUMNS else list(_DEFAULT_NA)) for n in names}
    last = None
    for enc in _ENCODINGS:
        try:
            with warnings.catch_warnings():
                # index_col=False: a row longer than the header is an error, not a silent index
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return pd.read_csv(path, sep=sep, dtype=dtype, encoding=enc, compression=compression,
                                   skipinitialspace=True, index_col=False, skiprows=skip,
                                   keep_default_na=False, na_values=na_values,
                                   decimal="," if sep == ";" else ".")
        except pd.errors.ParserWarning:
            raise InputError(f"cannot read CSV file {path.name!r}: a data row has more fields than the header "
                             f"(expected fields separated by {sep!r})") from None
        except UnicodeDecodeError as exc:
            last = exc
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError, EOFError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"cannot read CSV file {path.name!r}: {first}") from None
    raise InputError(f"cannot read CSV file {path.name!r}: not UTF-8 or Windows-1252 text ({last})")


def _read_parquet(path: Path) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise InputError(f"file {path.name!r} is empty: expected a Parquet file")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types (ArrowInvalid, OSError, …) for a broken file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read Parquet file {path.name!r}: {first}") from None


def read_table(path) -> pd.DataFrame:
    """Read a CSV or Parquet file as it is (text columns for CSV), or raise a one-line :class:`InputError`."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"file not found: {str(path)!r}")
    if not p.is_file():
        raise InputError(f"not a file: {str(path)!r}: expected a CSV or Parquet file")
    suffix = _suffix(p)
    if suffix in CSV_SUFFIXES:
        return _read_csv(p)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(p)
    raise InputError(f"unsupported file type {suffix or '(none)'!r} for {p.name!r}: expected .csv or .parquet")


def _tag(df: pd.DataFrame, path) -> pd.DataFrame:
    name = Path(path).name
    return provenance.tag(df, "real", [f"own extract: {name}"], columns={c: "real" for c in df.columns})


def read_firm_panel(path) -> pd.DataFrame:
    """A researcher's firm-panel extract (SPEC §3), validated and tagged as real data.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (``;`` or ``,`` separated) or ``.parquet``.

    Returns
    -------
    DataFrame
        The normalised firm panel (:func:`~kasvudata_utils.data.schemas.validate_firm_panel`),
        ``attrs["provenance"]`` = real, source ``own extract: <file name>``.

    Raises
    ------
    InputError
        Missing/empty/broken/unsupported file or a schema violation, in one line.
    """
    df = read_table(path)
    return _tag(validate_firm_panel(df, what=f"firm panel {Path(path).name}"), path)


def read_business_table(path) -> pd.DataFrame:
    """A regional business table extract (SPEC §3), validated and tagged as real data.

    StatFin's ``..``/``.``/``-`` become empty values with ``suppressed = True``.
    See :func:`read_firm_panel` for the file formats; a table saved from StatFin's web interface
    (title line, StatFin's column names, ``KU009 Alavieska``, EUR 1,000, years across) is read as
    well (:func:`kasvudata_utils.data.statfin_export.from_web_export`).
    """
    df = statfin_export.from_web_export(read_table(path))
    return _tag(validate_business_table(df, what=f"business table {Path(path).name}"), path)
