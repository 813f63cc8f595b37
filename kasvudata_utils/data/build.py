"""``kasvudata data build``: write every processed file, deterministically.

The real tables come from :mod:`.processing` and :mod:`.geo`; the synthetic firm panel and
business table from :mod:`.synthetic` (``synthetic.build(out_dir, scale)``). The same raw files
and code give byte-identical output: rows are sorted, Parquet is written without an index and
with fixed settings, JSON with a fixed key order. Files are written to a temporary name and
renamed, so a reader never sees half a file.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from kasvudata_utils.data import geo, processing, synthetic
from kasvudata_utils.data.loaders import FILES
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import fsync_replace
from kasvudata_utils.paths import processed_dir

SCALES = ("default", "test", "national")


def _replace(tmp: Path, path: Path) -> None:
    fsync_replace(tmp, path)  # on disk before the rename: a crash never leaves a truncated table


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` to ``path`` as (Geo)Parquet, atomically: no index, snappy, no attrs.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> p = write_parquet(pd.DataFrame({"x": [1, 2]}), Path(tempfile.mkdtemp()) / "x.parquet")
    >>> pd.read_parquet(p)["x"].tolist()
    [1, 2]
    """
    tmp = path.with_name(path.name + ".tmp")
    df = df.reset_index(drop=True)
    df.attrs = {}
    if hasattr(df, "geometry") and "geometry" in df.columns:
        df.to_parquet(tmp, index=False, compression="snappy")
    else:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="snappy")
    _replace(tmp, path)
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically (temporary name, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    _replace(tmp, path)
    return path


def build_real(out_dir=None, raw=None, log=None) -> list[Path]:
    """Write the real processed tables to ``out_dir`` (default ``data/processed``).

    Parameters
    ----------
    out_dir : str or Path, optional
        Target folder (created if needed).
    raw : str or Path, optional
        The raw-data folder (default ``data/raw``).
    log : callable, optional
        Called with one line per file written.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> [p.name for p in build_real(tempfile.mkdtemp())][:3]
    ['population.parquet', 'unemployment.parquet', 'workplaces_2017.parquet']
    """
    out = Path(out_dir) if out_dir is not None else processed_dir()
    out.mkdir(parents=True, exist_ok=True)
    log = log or (lambda msg: None)
    written = []
    tables = {
        "population": processing.population,
        "unemployment": processing.unemployment,
        "workplaces": processing.workplaces_2017,
        "distances": processing.distances,
        "industries": processing.industries_table,
        "exports": processing.exports_regional,
    }
    for key, fn in tables.items():
        df = fn(raw)
        written.append(write_parquet(df, out / FILES[key]))
        log(f"wrote {FILES[key]} ({len(df)} rows)")
    geoms = geo.geometries(raw)
    written.append(write_parquet(geoms, out / FILES["geometries"]))
    log(f"wrote {FILES['geometries']} ({len(geoms)} rows)")
    for key, level in (("web", "KU"), ("web_sk", "SK")):
        data = geo.geojson_bytes(geo.web_layer(geoms, level=level))
        written.append(write_bytes(data, out / FILES[key]))
        log(f"wrote {FILES[key]} ({len(data) / 1000:.0f} KB)")
    return written


def build_all(scale: str = "default", out_dir=None, raw=None, log=None) -> list[Path]:
    """Build the real tables, then the synthetic ones (``synthetic.build(out_dir, scale)``).

    Parameters
    ----------
    scale : {"default", "test", "national"}
        Size of the synthetic firm panel.
    out_dir, raw, log
        As for :func:`build_real`.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InputError
        For an unknown ``scale``.

    Examples
    --------
    >>> build_all(scale="tiny")
    Traceback (most recent call last):
    ...
    kasvudata_utils.errors.InputError: scale 'tiny': expected one of default, test, national
    """
    if scale not in SCALES:
        raise InputError(f"scale {scale!r}: expected one of {', '.join(SCALES)}")
    out = Path(out_dir) if out_dir is not None else processed_dir()
    written = build_real(out, raw, log)

    result = synthetic.build(out, scale)
    if isinstance(result, (list, tuple)):
        written += [Path(p) for p in result]
    return written
