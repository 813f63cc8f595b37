"""JSON-stat 2.0 dataset → long data frame, with StatFin's status symbols kept.

Why a small parser of our own rather than ``pyjstat``: pyjstat 2.4.0 (the last
release, March 2023) expands the cube with a recursive Python generator
(13 s for a 900,000-cell municipality × division × year × measure table here,
against well under a second vectorised with numpy) and drops the ``status``
member and ``extension.missingValueDescriptions``, which is exactly where
StatFin says a cell is confidential (``..``). The test suite uses pyjstat as
an independent oracle: on every fixture both give the same codes and values.

What this parser handles (JSON-stat 2.0, https://json-stat.org/format/):

- ``category.index`` as an array or as an object ``{code: position}`` (any key
  order): categories come back in the table's order;
- a missing ``category.index`` (a single category named only in ``label``);
- ``value`` as an array (``null`` = no value) or a sparse object ``{"i": v}``;
- ``status`` as one string for all cells, an array, or an object ``{"i": s}``;
- ``role`` (time/geo/metric) and units, kept in ``attrs["jsonstat"]``.

A cell whose value is ``null`` is ``suppressed`` (value NaN, never 0), with its
symbol in ``status`` (``..`` confidential, ``.`` not applicable, ``...`` not
available, or a numeric code explained by ``extension.missingValueDescriptions``).
The one exception is StatFin's ``-`` ("magnitude nil"): that cell is a true
zero, so it becomes 0.0 and is not suppressed.

>>> ds = {"version": "2.0", "class": "dataset", "id": ["alue", "vuosi"], "size": [2, 1],
...       "dimension": {"alue": {"category": {"index": {"KU564": 1, "KU009": 0}}},
...                     "vuosi": {"category": {"index": ["2024"]}}},
...       "value": [2410, None], "status": {"1": ".."}}
>>> parse_jsonstat(ds)[["alue", "value", "status", "suppressed"]].values.tolist()
[['KU009', 2410.0, <NA>, False], ['KU564', nan, '..', True]]
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kasvudata_utils.errors import InputError

#: Symbols that mean "true zero" in Statistics Finland's conventions.
NIL_SYMBOLS = ("-",)
_NIL_WORDS = re.compile(r"magnitude nil|ei mitään|intet att redovisa|nolla", re.I)


def _load(obj) -> dict:
    if isinstance(obj, dict):
        return obj
    if isinstance(obj, Path) or (isinstance(obj, str) and not obj.lstrip().startswith(("{", "["))):
        try:
            return json.loads(Path(obj).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read JSON-stat file {str(obj)!r}: {exc}") from None
    try:
        return json.loads(obj)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not JSON-stat: {type(exc).__name__}: {exc}") from None


def _dataset(js: dict) -> dict:
    """The dataset object (also from a JSON-stat 1.x bundle ``{"name": {dataset}}``)."""
    if js.get("class") == "dataset":
        return js
    if "dimension" in js and "value" in js:
        return js
    datasets = [v for v in js.values() if isinstance(v, dict) and "dimension" in v]
    if len(datasets) == 1:
        ds = dict(datasets[0])
        dims = ds["dimension"]
        ds.setdefault("id", dims.get("id"))
        ds.setdefault("size", dims.get("size"))
        return ds
    raise InputError(f"not a JSON-stat dataset: expected class 'dataset' with 'id', 'size', 'dimension' and "
                     f"'value'; got keys {sorted(js)[:8]}")


def category_codes(dimension: dict) -> list[str]:
    """Category codes of one dimension in the table's order (``index`` array or object)."""
    cat = dimension.get("category", {})
    index = cat.get("index")
    if index is None:
        labels = cat.get("label", {})
        return [str(k) for k in labels]
    if isinstance(index, list):
        return [str(c) for c in index]
    return [str(code) for code, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]


def _values(ds: dict, n: int) -> tuple[np.ndarray, bool]:
    """Values as float64 (NaN for null) and whether the array held text symbols."""
    raw = ds.get("value", [])
    if isinstance(raw, dict):
        out = np.full(n, np.nan)
        for k, v in raw.items():
            num = pd.to_numeric(v, errors="coerce") if v is not None else np.nan
            out[int(k)] = np.nan if pd.isna(num) else float(num)
        return out, any(isinstance(v, str) for v in raw.values())
    if len(raw) != n:
        raise InputError(f"JSON-stat dataset has {len(raw)} values for size {ds.get('size')} = {n} cells")
    try:
        return np.asarray(raw, dtype="float64"), False  # None → NaN; fast path for numeric arrays
    except (TypeError, ValueError):  # symbols such as ".." written into the value array
        return pd.to_numeric(pd.Series(raw, dtype="object"), errors="coerce").to_numpy(dtype="float64"), True


def _status(ds: dict, n: int, symbols_in_values: bool) -> pd.Series:
    raw = ds.get("status")
    out = pd.Series(pd.NA, index=range(n), dtype="string")
    if raw is None:
        pass
    elif isinstance(raw, str):
        out[:] = raw
    elif isinstance(raw, list):
        if len(raw) == 1:
            out[:] = raw[0]
        elif len(raw) == n:
            out = pd.Series(raw, dtype="string")
        else:
            raise InputError(f"JSON-stat status has {len(raw)} entries for {n} cells")
    else:
        for k, s in raw.items():
            out.iloc[int(k)] = s
    # Symbols written in the value array itself (some exports do this) also count as status.
    values = ds.get("value", [])
    if symbols_in_values and isinstance(values, list):
        text = pd.Series(values, dtype="object")
        symbolic = text.map(lambda v: isinstance(v, str) and pd.isna(pd.to_numeric(v, errors="coerce")))
        out = out.mask(symbolic.to_numpy() & out.isna().to_numpy(), text.astype("string"))
    return out.replace("", pd.NA)


def _is_nil(status: pd.Series, descriptions: dict) -> np.ndarray:
    nil_codes = {c for c, d in descriptions.items() if _NIL_WORDS.search(str(d))} | set(NIL_SYMBOLS)
    return status.isin(list(nil_codes)).fillna(False).to_numpy(dtype=bool)


def parse_jsonstat(obj, labels: bool = False) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset as a long frame: one row per cell, table order.

    Parameters
    ----------
    obj : dict, str or Path
        The parsed response, its JSON text, or a file path.
    labels : bool
        Add a ``<dimension>_label`` column beside each code column.

    Returns
    -------
    DataFrame
        One string column per dimension (codes, in the order of ``id``), then
        ``value`` (float64, NaN where there is none), ``status`` (the cell's
        symbol or code, ``<NA>`` where none) and ``suppressed`` (bool).
        ``attrs["jsonstat"]`` holds ``label``, ``source``, ``updated``,
        ``role``, ``dimension_labels``, ``units``, ``table_id`` and
        ``missing_value_descriptions``.

    Examples
    --------
    >>> from kasvudata_utils.paths import PROJECT_ROOT
    >>> f = PROJECT_ROOT / "tests/fixtures/jsonstat_fixtures/map-kunta-population.json"
    >>> df = parse_jsonstat(f)
    >>> len(df), int(df["value"].sum()), df["alue"].iloc[0]
    (308, 5635971, 'KU020')
    """
    ds = _dataset(_load(obj))
    ids = ds.get("id")
    sizes = ds.get("size")
    dims = ds.get("dimension", {})
    if not ids or sizes is None or len(ids) != len(sizes):
        raise InputError("JSON-stat dataset without matching 'id' and 'size'")
    codes = {d: category_codes(dims[d]) for d in ids}
    for d, s in zip(ids, sizes, strict=False):
        if len(codes[d]) != s:
            raise InputError(f"JSON-stat dimension {d!r} has {len(codes[d])} categories but size {s}")
    n = int(np.prod(sizes)) if sizes else 0
    columns = {}
    for k, d in enumerate(ids):
        inner = int(np.prod(sizes[k + 1:])) if k + 1 < len(sizes) else 1
        outer = int(np.prod(sizes[:k])) if k else 1
        pos = np.tile(np.repeat(np.arange(sizes[k]), inner), outer)
        # take() on a string array of the categories: one string per category, not per cell
        columns[d] = pd.Series(pd.array(codes[d], dtype="str").take(pos))
        if labels:
            lab = dims[d].get("category", {}).get("label", {})
            names = [str(lab.get(c, c)) for c in codes[d]]
            columns[f"{d}_label"] = pd.Series(pd.array(names, dtype="str").take(pos))
    out = pd.DataFrame(columns, index=range(n))
    values, symbols_in_values = _values(ds, n)
    status = _status(ds, n, symbols_in_values)
    descriptions = (ds.get("extension") or {}).get("missingValueDescriptions") or {}
    nil = _is_nil(status, descriptions) & np.isnan(values)
    values = np.where(nil, 0.0, values)
    out["value"] = values
    out["status"] = status.array
    out["suppressed"] = np.isnan(values)
    px = (ds.get("extension") or {}).get("px") or {}
    units = {}
    for d in ids:
        for code, unit in (dims[d].get("category", {}).get("unit") or {}).items():
            units[str(code)] = unit
    out.attrs["jsonstat"] = {
        "label": ds.get("label"),
        "source": ds.get("source"),
        "updated": ds.get("updated"),
        "role": ds.get("role") or {},
        "dimension_labels": {d: dims[d].get("label", d) for d in ids},
        "category_labels": {d: dict(dims[d].get("category", {}).get("label", {})) for d in ids},
        "units": units,
        "table_id": px.get("tableid"),
        "missing_value_descriptions": descriptions,
    }
    return out
