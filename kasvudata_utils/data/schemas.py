"""Schemas of the firm panel and the regional business table (SPEC §3), validated with pandera.

Both validators *normalise first* and then validate, so that a researcher's
own extract in a slightly different spelling still loads:

- municipality/area codes go through :func:`kasvudata_utils.areas.normalise_area`
  (``91``, ``"091"``, ``"KU091"`` → ``"KU091"``);
- industry codes become zero-padded strings (``1`` → ``"01"``);
- numbers written as text are read with a decimal point or a Finnish decimal
  comma and thin-space thousands (``"1 234,5"`` → ``1234.5``);
- Statistics Finland's symbols ``..`` (confidential), ``.`` (not applicable) and
  ``-`` in a numeric column become an empty value flagged ``suppressed = True``
  in the business table (never 0); a firm panel holds no suppressed values, so
  there they are an error naming the column and the row.

Whatever is still wrong after that is reported as ONE line
(:class:`~kasvudata_utils.errors.InputError`) naming the column, the rule and
the first failing value with its row. Rows are counted from 1 over the data
rows (a CSV's header line is not counted).

pandera is imported only when a schema is built, so that importing this module
stays cheap for app kernels.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"firm_id": ["F1"], "year": [2020], "municipality_code": [91],
...                    "industry_code": [1], "personnel": [3.0], "turnover_eur": [1e5],
...                    "exports_goods_eur": [0.0], "exports_services_eur": [0.0], "founded_year": [2015]})
>>> out = validate_firm_panel(df)
>>> out.loc[0, "municipality_code"], out.loc[0, "industry_code"]
('KU091', '01')
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries
from kasvudata_utils.errors import InputError

FIRM_PANEL_COLUMNS = ("firm_id", "year", "municipality_code", "industry_code", "personnel", "turnover_eur",
                      "exports_goods_eur", "exports_services_eur", "founded_year")
FIRM_PANEL_OPTIONAL = ("support_eur",)
FIRM_PANEL_MEASURES = ("personnel", "turnover_eur", "exports_goods_eur", "exports_services_eur", "support_eur")
FIRM_PANEL_KEY = ("firm_id", "year")

BUSINESS_TABLE_COLUMNS = ("area_code", "industry_code", "year", "establishments", "personnel", "turnover_eur",
                          "exports_eur", "suppressed")
BUSINESS_TABLE_MEASURES = ("establishments", "personnel", "turnover_eur", "exports_eur")
BUSINESS_TABLE_KEY = ("area_code", "industry_code", "year")

# A sane range for statistical years; founding years reach further back (old family firms).
YEAR_MIN, YEAR_MAX = 1950, 2100
FOUNDED_MIN = 1800

#: Upper bounds of a single firm-year's values in a firm panel. Finland's largest employer has
#: well under 100 000 persons and the largest turnover of any Finnish firm is below 10^11 EUR;
#: a value beyond these is a unit or export error (or a planted overflow), never a firm.
MAX_FIRM_PERSONNEL = 1_000_000.0
MAX_FIRM_EUR = 1e12
FIRM_PANEL_BOUNDS = {"personnel": MAX_FIRM_PERSONNEL, "turnover_eur": MAX_FIRM_EUR,
                     "exports_goods_eur": MAX_FIRM_EUR, "exports_services_eur": MAX_FIRM_EUR,
                     "support_eur": MAX_FIRM_EUR}
#: Spellings of "not a number" and infinity that float parsers accept but no statistic may hold.
NON_FINITE_SPELLINGS = ("nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity")

#: Statistics Finland's symbols for values that are not published (SVT symbol conventions).
STATFIN_SYMBOLS = ("..", ".", "-", "...", "....")

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]")


# --------------------------------------------------------------------------- normalisation helpers
def _row(pos) -> int:
    """1-based data-row number of a 0-based position."""
    return int(pos) + 1


def _fmt(value) -> str:
    """``repr`` of a value as a user wrote it (numpy scalars shown as plain numbers)."""
    if hasattr(value, "item"):
        value = value.item()
    return repr(value)


_WHOLE_TEXT = re.compile(r"\s*\d+\.0*\s*")


def _unfloat(value):
    """``"62.0"``/``62.0`` (a spreadsheet's rendering of a code) → ``62``; anything else unchanged."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE_TEXT.fullmatch(value):
        return int(float(value))
    return value


def _clean_columns(df: pd.DataFrame, what: str) -> pd.DataFrame:
    """Strip and lower-case column names (``" Personnel"`` → ``personnel``); reject duplicates and no rows."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    out = df.rename(columns=lambda c: str(c).strip().lower()).reset_index(drop=True)
    dupes = out.columns[out.columns.duplicated()].tolist()
    if dupes:
        raise InputError(f"{what}: column {dupes[0]!r} appears more than once")
    if len(out) == 0 and not set(out.columns) & set(_required(what)):
        # e.g. one long line of junk: it was read as a header, so "no rows" would mislead
        raise InputError(f"{what}: no header line with the expected columns (the first line has "
                         f"{len(out.columns)} field(s) starting {str(out.columns[0])[:30]!r}): expected a header "
                         f"{', '.join(_required(what))}")
    if len(out) == 0:
        raise InputError(f"{what}: no rows (expected at least one data row with columns "
                         f"{', '.join(_required(what))})")
    return out


def _required(what: str) -> tuple:
    return FIRM_PANEL_COLUMNS if what.startswith("firm") else BUSINESS_TABLE_COLUMNS[:-2]


def _check_columns(df: pd.DataFrame, required, what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"{what}: missing column {missing[0]!r} (expected columns: {', '.join(required)}; "
                         f"found: {', '.join(map(str, df.columns))})")


def _numeric(series: pd.Series, name: str, what: str, allow_symbols: bool) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column that may hold text; returns (values, was_symbol).

    Text is read with a decimal point or comma and spaces as thousands separators.
    StatFin symbols become NaN and are flagged in ``was_symbol``; with
    ``allow_symbols=False`` they are an error naming the row.
    """
    flagged = pd.Series(False, index=series.index)
    if pd.api.types.is_bool_dtype(series):
        raise InputError(f"{what}: column {name!r} holds true/false values: expected numbers")
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
        _check_finite(values, series, name, what)
        return values, flagged
    text = series.astype("string").str.strip()
    spelled = text.str.lower().isin(NON_FINITE_SPELLINGS).fillna(False).astype(bool)
    if spelled.any():
        pos = int(np.flatnonzero(spelled.to_numpy())[0])
        raise InputError(f"{what}: column {name!r} holds {str(text.iloc[pos])!r} at row {_row(pos)}: expected a "
                         f"finite number")
    symbol = text.isin(STATFIN_SYMBOLS).fillna(False).astype(bool)
    if symbol.any():
        pos = int(np.flatnonzero(symbol.to_numpy())[0])
        if not allow_symbols:
            raise InputError(f"{what}: column {name!r} holds the StatFin symbol {str(text.iloc[pos])!r} at row "
                             f"{_row(pos)}: a firm panel needs a number >= 0 in every row (suppressed "
                             f"values belong to aggregate tables only)")
    cleaned = text.mask(symbol)
    cleaned = cleaned.mask(cleaned == "")
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64").to_numpy(na_value=np.nan, copy=True)
    present = cleaned.notna().to_numpy(dtype=bool)
    retry = np.isnan(values) & present
    if retry.any():  # only the cells plain parsing missed: decimal comma, (thin/no-break) space thousands
        values[retry] = numbers_from_text(cleaned[retry]).to_numpy(na_value=np.nan)
    values = pd.Series(values, index=series.index)
    bad = values.isna() & present
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{what}: column {name!r} must be numeric; first bad value {_fmt(series.iloc[pos])} "
                         f"at row {_row(pos)}")
    _check_finite(values, series, name, what)
    return values.astype("float64"), symbol


def numbers_from_text(text: pd.Series) -> pd.Series:
    """Numbers written with a decimal comma or point and (thin, no-break) spaces as thousands separators.

    NaN where a cell is no number (a StatFin symbol, a word).

    >>> numbers_from_text(pd.Series(["1\u202f234,5", "12 100", "..", "7"])).tolist()
    [1234.5, 12100.0, nan, 7.0]
    """
    fixed = text.astype("string").str.replace(_SPACES, "", regex=True).str.replace(",", ".", regex=False)
    return pd.to_numeric(fixed, errors="coerce").astype("float64")


def _check_finite(values: pd.Series, raw: pd.Series, name: str, what: str) -> None:
    """Refuse ±inf (also a number too long for float64, which parses as inf) with one line."""
    inf = np.isinf(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if inf.any():
        pos = int(np.flatnonzero(inf)[0])
        shown = _fmt(raw.iloc[pos])
        if len(shown) > 40:
            shown = shown[:20] + f"… ({len(shown)} characters)"
        raise InputError(f"{what}: column {name!r} holds a non-finite or overflowing value {shown} at row "
                         f"{_row(pos)}: expected a finite number")


def _check_bounds(df: pd.DataFrame, bounds: dict, what: str) -> None:
    """Refuse a value above its column's stated bound (:data:`FIRM_PANEL_BOUNDS`) with one line."""
    for col, bound in bounds.items():
        if col not in df.columns:
            continue
        over = (df[col].to_numpy(dtype=np.float64, na_value=np.nan) > bound)
        if over.any():
            pos = int(np.flatnonzero(over)[0])
            raise InputError(f"{what}: column {col!r} value {df[col].iloc[pos]:.6g} at row {_row(pos)} is beyond "
                             f"the bound {bound:.6g} for one firm-year: expected a plausible value (check units)")


def _integer(series: pd.Series, name: str, what: str) -> pd.Series:
    values, _ = _numeric(series, name, what, allow_symbols=False)
    empty = values.isna()
    if empty.any():
        pos = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError(f"{what}: column {name!r} is empty at row {_row(pos)}: expected a whole number (a year)")
    frac = values != np.floor(values)
    if frac.any():
        pos = int(np.flatnonzero(frac.to_numpy())[0])
        raise InputError(f"{what}: column {name!r} must be a whole number; first bad value "
                         f"{_fmt(series.iloc[pos])} at row {_row(pos)}")
    return values.astype("int64")


def _codes(series: pd.Series, name: str, what: str, normalise, allowed_levels=None) -> pd.Series:
    """Map every distinct value through ``normalise`` (once per value, not per row)."""
    if series.isna().any():
        pos = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise InputError(f"{what}: column {name!r} is empty at row {_row(pos)}")
    mapping = {}
    for value in pd.unique(series):
        try:
            code = normalise(_unfloat(value))
        except InputError as exc:
            pos = int(np.flatnonzero((series == value).to_numpy())[0])
            raise InputError(f"{what}: column {name!r} at row {_row(pos)}: {exc}") from None
        if allowed_levels and areas.level_of(code) not in allowed_levels:
            pos = int(np.flatnonzero((series == value).to_numpy())[0])
            raise InputError(f"{what}: column {name!r} at row {_row(pos)}: {value!r} is {code}, expected a "
                             f"municipality code (KUxxx)")
        mapping[value] = code
    return series.map(mapping).astype("string")


def _division(value) -> str:
    """A TOL 2008 division as a two-character string; sections and ALL are refused here."""
    code = industries.normalise_industry(value)
    if not code.isdigit():
        raise InputError(f"industry {value!r} is not a TOL 2008 division: expected two digits such as '01' or '62'")
    return code


def _firm_ids(series: pd.Series, what: str) -> pd.Series:
    if series.isna().any():
        pos = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise InputError(f"{what}: column 'firm_id' is empty at row {_row(pos)}")
    if pd.api.types.is_float_dtype(series) and (series == np.floor(series)).all():
        series = series.astype("int64")  # 123.0 read from a spreadsheet is the id "123"
    return series.astype("string").str.strip()


# --------------------------------------------------------------------------- pandera schemas
def firm_panel_schema():
    """The pandera ``DataFrameSchema`` of the firm panel (SPEC §3), applied after normalisation."""
    import pandera.pandas as pa

    def measure(required=True):
        return pa.Column("float64", pa.Check.ge(0), nullable=False, required=required)

    return pa.DataFrameSchema(
        {
            "firm_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
            "year": pa.Column("int64", pa.Check.in_range(YEAR_MIN, YEAR_MAX)),
            "municipality_code": pa.Column(str, pa.Check.str_matches(r"^KU\d{3}$")),
            "industry_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "personnel": measure(),
            "turnover_eur": measure(),
            "exports_goods_eur": measure(),
            "exports_services_eur": measure(),
            "founded_year": pa.Column("int64", pa.Check.in_range(FOUNDED_MIN, YEAR_MAX)),
            "support_eur": measure(required=False),
        },
        checks=[pa.Check(lambda d: d["founded_year"] <= d["year"], name="founded_year <= year")],
        unique=list(FIRM_PANEL_KEY),
        strict=False,
        coerce=True,
        name="firm panel",
    )


def business_table_schema():
    """The pandera ``DataFrameSchema`` of the regional business table (SPEC §3)."""
    import pandera.pandas as pa

    def measure():  # empty only where the value is confidential (checked below)
        return pa.Column("float64", pa.Check.ge(0), nullable=True)

    return pa.DataFrameSchema(
        {
            "area_code": pa.Column(str, pa.Check.str_matches(r"^(KU\d{3}|SK\d{3}|MK\d{2}|SSS)$")),
            "industry_code": pa.Column(str, pa.Check.str_matches(r"^(\d{2}|[A-Z]|ALL)$")),
            "year": pa.Column("int64", pa.Check.in_range(YEAR_MIN, YEAR_MAX)),
            **{m: measure() for m in BUSINESS_TABLE_MEASURES},
            "suppressed": pa.Column(bool, nullable=False),
        },
        checks=[pa.Check(lambda d: ~d[["establishments", "personnel", "turnover_eur"]].isna().any(axis=1)
                         | d["suppressed"], name="empty value not flagged suppressed")],
        unique=list(BUSINESS_TABLE_KEY),
        strict=False,
        coerce=True,
        name="business table",
    )


_PHRASES = (
    (re.compile(r"greater_than_or_equal_to\((.+)\)"), "must be >= {0}"),
    (re.compile(r"in_range\((.+), (.+)\)"), "must be between {0} and {1}"),
    (re.compile(r"str_matches\('(.+)'\)"), "must match the pattern {0}"),
    (re.compile(r"str_length\(.*\)"), "must not be an empty string"),
    (re.compile(r"not_nullable"), "must not be empty"),
    (re.compile(r"(?:coerce_)?dtype\('?([^')]+)'?\)"), "must be of type {0}"),
)


def _phrase(check: str) -> str:
    for pattern, text in _PHRASES:
        m = pattern.fullmatch(str(check))
        if m:
            return text.format(*m.groups())
    return f"fails the check {check}"


def _explain(failures: pd.DataFrame, df: pd.DataFrame, what: str, key) -> str:
    """One line from pandera's failure report: the most basic problem first, then the first row."""
    fc = failures.copy()
    fc["check"] = fc["check"].astype(str)
    missing = fc[fc["check"] == "column_in_dataframe"]
    if len(missing):
        return f"{what}: missing column {str(missing['failure_case'].iloc[0])!r}"
    dup = fc[fc["check"] == "multiple_fields_uniqueness"]
    column_level = fc[(fc["schema_context"] == "Column") & fc["index"].notna()]
    if len(column_level):
        order = column_level.assign(_pos=pd.to_numeric(column_level["index"], errors="coerce")).sort_values("_pos")
        first = order.iloc[0]
        if first["check"] == "not_nullable":
            return f"{what}: column {first['column']!r} is empty at row {_row(first['_pos'])}: expected a value"
        return (f"{what}: column {first['column']!r} {_phrase(first['check'])}; first bad value "
                f"{_fmt(first['failure_case'])} at row {_row(first['_pos'])}")
    if len(dup):
        positions = sorted({int(i) for i in dup["index"].dropna()})
        keys = df.loc[positions, list(key)]
        first_key = keys.iloc[0]
        same = keys.index[(keys == first_key).all(axis=1)].tolist()
        shown = ", ".join(f"{k} {first_key[k]!r}" if isinstance(first_key[k], str) else f"{k} {first_key[k]}"
                          for k in key)
        return (f"{what}: duplicate {'-'.join(k.split('_')[0] for k in key)} rows: {shown} appears at rows "
                f"{' and '.join(str(_row(p)) for p in same[:2])} (expected one row per {', '.join(key)})")
    other = fc[fc["index"].notna()]
    if len(other):
        pos = int(pd.to_numeric(other["index"]).min())
        check = other["check"].iloc[0]
        named = [c for c in re.findall(r"\w+", check) if c in df.columns]
        cols = list(dict.fromkeys([*key[:1], *named])) if named else list(dict.fromkeys(other["column"].dropna()))
        shown = ", ".join(f"{c} {_fmt(df.loc[pos, c])}" for c in cols)
        return f"{what}: rule '{check}' fails; first bad row {_row(pos)} ({shown})"
    first = fc.iloc[0]
    return f"{what}: {first['check']} failed: {first['failure_case']}"


def _validate(df: pd.DataFrame, schema, what: str, key) -> pd.DataFrame:
    import pandera.pandas as pa

    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise InputError(_explain(exc.failure_cases, df, what, key)) from None
    except pa.errors.SchemaError as exc:  # pragma: no cover - lazy=True collects; kept as a guard
        raise InputError(f"{what}: {exc}") from None


# --------------------------------------------------------------------------- public validators
def validate_firm_panel(df: pd.DataFrame, what: str = "firm panel") -> pd.DataFrame:
    """Normalise and validate a firm panel (SPEC §3); return a new frame.

    Parameters
    ----------
    df : DataFrame
        Firm-year rows with the columns of SPEC §3 (names are matched after
        stripping spaces and lower-casing). Extra columns are kept.
    what : str
        How the data is named in error messages (e.g. the file name).

    Returns
    -------
    DataFrame
        Codes normalised (``KU091``, ``"01"``), ``year``/``founded_year`` int64,
        measures float64, row order kept, index 0…n−1.

    Raises
    ------
    InputError
        One line naming the column, the rule and the first failing value and row.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"firm_id": ["F1"], "year": [2020], "municipality_code": ["KU9999"],
    ...                     "industry_code": ["01"], "personnel": [1.0], "turnover_eur": [1.0],
    ...                     "exports_goods_eur": [0.0], "exports_services_eur": [0.0], "founded_year": [2019]})
    >>> try:
    ...     validate_firm_panel(bad)
    ... except InputError as exc:
    ...     print(str(exc).split(":")[:2])
    ['firm panel', " column 'municipality_code' at row 1"]
    """
    out = _clean_columns(df, what)
    _check_columns(out, FIRM_PANEL_COLUMNS, what)
    out["firm_id"] = _firm_ids(out["firm_id"], what)
    for col in ("year", "founded_year"):
        out[col] = _integer(out[col], col, what)
    out["municipality_code"] = _codes(out["municipality_code"], "municipality_code", what, areas.normalise_area,
                                      allowed_levels=("KU",))
    out["industry_code"] = _codes(out["industry_code"], "industry_code", what, _division)
    for col in FIRM_PANEL_MEASURES:
        if col in out.columns:
            out[col], _ = _numeric(out[col], col, what, allow_symbols=False)
    _check_bounds(out, FIRM_PANEL_BOUNDS, what)
    for col in ("firm_id", "municipality_code", "industry_code"):
        out[col] = out[col].astype(str)
    return _validate(out, firm_panel_schema(), what, FIRM_PANEL_KEY)


def _flags(series: pd.Series, what: str) -> pd.Series:
    """A ``suppressed`` column given as booleans, 0/1 or true/false text."""
    if pd.api.types.is_bool_dtype(series) and not series.isna().any():
        return series.astype(bool)
    text = series.astype("string").str.strip().str.lower()
    mapping = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False,
               "yes": True, "no": False, "kyllä": True, "ei": False, "": False}
    bad = text.notna() & ~text.isin(list(mapping))
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{what}: column 'suppressed' must be true or false; first bad value "
                         f"{_fmt(series.iloc[pos])} at row {_row(pos)}")
    return text.map(mapping).fillna(False).astype(bool)


def validate_business_table(df: pd.DataFrame, what: str = "business table") -> pd.DataFrame:
    """Normalise and validate a regional business table (SPEC §3); return a new frame.

    StatFin's ``..``, ``.`` and ``-`` in a measure become an empty value and set
    ``suppressed = True`` for that row; an empty measure also flags the row
    (a missing value is never shown as 0). ``exports_eur`` and ``suppressed``
    may be absent in the input (added as empty / derived).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"area_code": ["564"], "industry_code": ["62"], "year": ["2020"],
    ...                   "establishments": [".."], "personnel": ["1 234,5"], "turnover_eur": [5e6]})
    >>> out = validate_business_table(t)
    >>> out.loc[0, "area_code"], float(out.loc[0, "personnel"]), bool(out.loc[0, "suppressed"])
    ('KU564', 1234.5, True)
    >>> bool(pd.isna(out.loc[0, "establishments"]))
    True
    """
    out = _clean_columns(df, what)
    _check_columns(out, BUSINESS_TABLE_COLUMNS[:-2], what)
    out["area_code"] = _codes(out["area_code"], "area_code", what, areas.normalise_area).astype(str)
    out["industry_code"] = _codes(out["industry_code"], "industry_code", what,
                                  industries.normalise_industry).astype(str)
    out["year"] = _integer(out["year"], "year", what)
    flagged = _flags(out["suppressed"], what) if "suppressed" in out.columns else pd.Series(False, index=out.index)
    if "exports_eur" not in out.columns:
        out["exports_eur"] = np.nan
    for col in BUSINESS_TABLE_MEASURES:
        out[col], symbol = _numeric(out[col], col, what, allow_symbols=True)
        flagged = flagged | symbol
    empty = out[["establishments", "personnel", "turnover_eur"]].isna().any(axis=1)
    out["suppressed"] = (flagged | empty).astype(bool)
    return _validate(out, business_table_schema(), what, BUSINESS_TABLE_KEY)
