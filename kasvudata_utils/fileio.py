"""Writing files safely: atomic writes, output folders the tool owns, CSV cells a spreadsheet cannot run.

Three promises, each with one owner here (standard library only, base layer):

* **Atomic writes.** :func:`atomic_write_text` / :func:`atomic_write_bytes` / :func:`atomic_open` write to
  a temporary file in the same folder, ``fsync`` it and ``os.replace`` it over the target: a full disk or
  a crash leaves the old file whole, never half a new one.
* **Owned output folders.** A folder the tool creates carries the marker file :data:`MARKER`; the tool
  writes into or replaces only a folder that carries the marker or is empty (:func:`claim_folder`), and
  refuses a folder that is ``/``, the home folder, the checkout root, or nested in another output
  (:func:`check_output_folders`). Anything else is a one-line :class:`InputError` (exit 2).
* **CSV without formulas.** :func:`neutralise_cell` prefixes a cell that a spreadsheet would read as a
  formula (OWASP "CSV Injection": a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return, also
  after leading spaces, and the full-width ``＝ ＋ － ＠``) with one ``'``; a cell that already starts
  with ``'`` gets one too, so :func:`unneutralise_cell` (remove exactly one leading ``'``) is an exact
  inverse. :func:`csv_text` and :func:`write_csv` are the one CSV writer for everything that leaves the
  tool as CSV; :func:`csv_safe_frame` does the same to a pandas frame's text cells.

>>> neutralise_cell("=HYPERLINK('http://x')")
"'=HYPERLINK('http://x')"
>>> neutralise_cell(-3.5), neutralise_cell("Oulu")
(-3.5, 'Oulu')
>>> unneutralise_cell(neutralise_cell("'quoted"))
"'quoted"
"""
from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO

from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import PROJECT_ROOT

MARKER = ".kasvudata-output"
MARKER_TEXT = "This folder is written by KasvuDATA; the tool may replace its contents.\n"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


# ------------------------------------------------------------------ atomic writes
@contextlib.contextmanager
def atomic_open(path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None):
    """Open a temporary file beside ``path``; on success fsync and rename it over ``path``.

    On any error the temporary file is removed and ``path`` keeps its old content.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_open(p) as f:
    ...     _ = f.write("hei")
    >>> p.read_text()
    'hei'
    """
    path = Path(path)
    with unwritable_is_input_error(path):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    binary = "b" in mode
    staged = in_staging_folder(path)
    try:
        f: IO
        f = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with f:
            yield f
            f.flush()
            if not staged:  # a staging folder's files are made durable together by replace_folder
                os.fsync(f.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not staged:
        _fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_target(path):
    """A temporary path beside ``path`` for writers that want a file name (``to_parquet``, ``savefig``).

    After the block the file is fsynced and renamed over ``path``; on error it is removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.txt"
    >>> with atomic_target(p) as tmp:
    ...     _ = tmp.write_text("ok")
    >>> p.read_text()
    'ok'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        fsync_replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def fsync_replace(tmp, path) -> Path:
    """Flush the finished temporary file ``tmp`` to disk, then rename it over ``path`` (same folder)."""
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    _fsync_dir(Path(path).parent)
    return Path(path)


# A path the user chose that cannot be written is bad input (exit 2); a full disk is not.
_USER_ERRNOS = {errno.EACCES, errno.EPERM, errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EROFS,
                errno.ENAMETOOLONG, errno.EEXIST}


@contextlib.contextmanager
def unwritable_is_input_error(path):
    """Turn "permission denied", "read-only file system", "is a folder", … on ``path`` into :class:`InputError`."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _USER_ERRNOS:
            raise
        raise InputError(f"cannot write {str(path)!r}: {exc.strerror or exc}: expected a writable "
                         "location") from None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`); returns the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "b.txt", "x").read_text()
    'x'
    """
    with atomic_open(path, "w", encoding=encoding, newline="") as f:
        f.write(text)
    return Path(path)


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`); returns the path."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


# ------------------------------------------------------------------ owned folders
def owns_folder(folder) -> bool:
    """Whether ``folder`` carries the tool's marker file."""
    return (Path(folder) / MARKER).is_file()


def _is_empty(folder: Path) -> bool:
    return not any(folder.iterdir())


def _forbidden_roots() -> dict[Path, str]:
    return {Path("/").resolve(): "the root folder", Path.home().resolve(): "your home folder",
            PROJECT_ROOT.resolve(): "the KasvuDATA checkout itself"}


def check_output_folder(folder, option: str = "--out") -> Path:
    """The resolved folder, or :class:`InputError` when it is ``/``, home, the checkout, or a file."""
    p = Path(folder).expanduser().resolve()
    what = _forbidden_roots().get(p)
    if what:
        raise InputError(f"{option} {str(folder)!r} is {what}: expected a folder of its own, such as 'reports'")
    if p.exists() and not p.is_dir():
        raise InputError(f"{option} {str(folder)!r} is an existing file: expected a folder")
    return p


def check_output_folders(out, site=None) -> None:
    """Refuse ``--out``/``--site`` that are the same folder or one inside the other (one line, exit 2).

    Examples
    --------
    >>> try:
    ...     check_output_folders("/tmp/kd/reports", "/tmp/kd/reports/site")
    ... except InputError as exc:
    ...     print(str(exc)[:60])
    --site '/tmp/kd/reports/site' lies inside --out '/tmp/kd/rep
    """
    o = check_output_folder(out, "--out")
    if site is None:
        return
    s = check_output_folder(site, "--site")
    if o == s:
        raise InputError(f"--site {str(site)!r} is the --out folder: expected two separate folders, "
                         "e.g. --out reports --site site")
    if s.is_relative_to(o):
        raise InputError(f"--site {str(site)!r} lies inside --out {str(out)!r}: expected two separate folders, "
                         "e.g. --out reports --site site")
    if o.is_relative_to(s):
        raise InputError(f"--site {str(site)!r} contains --out {str(out)!r}: expected two separate folders, "
                         "e.g. --out reports --site site")


def _adoptable(folder: Path) -> bool:
    """A report folder written by a KasvuDATA before the marker existed: its manifest is ours."""
    try:
        doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("reports"), dict) and "data_fingerprint" in doc


def check_claimable(folder, option: str = "--out") -> Path:
    """Raise :class:`InputError` now (writing nothing) if :func:`claim_folder` would refuse ``folder``."""
    p = check_output_folder(folder, option)
    if p.exists() and not owns_folder(p) and not _is_empty(p) and not _adoptable(p):
        raise InputError(f"{option} {str(folder)!r} holds files KasvuDATA did not write (no {MARKER} marker): "
                         "expected a new or empty folder, or one written by kasvudata")
    return p


def claim_folder(folder, option: str = "--out") -> Path:
    """Make ``folder`` an output folder of the tool, or refuse it with one line.

    A missing folder is created with the marker; an empty one gets the marker; one with the marker is
    used as it is. A folder holding anything else is refused: the tool never writes over or deletes
    files it did not write.

    Raises
    ------
    InputError
        ``folder`` is a file, ``/``, the home folder, the checkout root, or a folder without the
        marker that is not empty.
    """
    p = check_claimable(folder, option)
    if not p.exists():
        with unwritable_is_input_error(folder):
            p.mkdir(parents=True)
    if not owns_folder(p):
        atomic_write_text(p / MARKER, MARKER_TEXT)
    return p


def replace_folder(built, target, option: str = "--site", check: bool = True) -> Path:
    """Move the complete folder ``built`` into place as ``target`` (an owned or empty folder, or none).

    The old ``target`` is renamed aside first and removed only after the new one is in place, so a
    failure leaves either the old or the new folder, never a mixture. ``check=False`` skips the
    ownership check and the marker: for a sub-folder (one report) of an output folder already claimed.
    """
    built, target = Path(built), Path(target)
    if (built / STAGING_MARKER).exists():
        sync_folder(built)  # its files were written without their own fsync (atomic_open)
        (built / STAGING_MARKER).unlink()
    if check:
        if target.exists():
            claim_folder(target, option)  # refuses a folder the tool does not own
        if not owns_folder(built):
            atomic_write_text(built / MARKER, MARKER_TEXT)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        os.replace(target, old)
    try:
        os.replace(built, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


#: Marker file of a folder made by :func:`staging_folder`: nothing in it is visible until :func:`replace_folder`.
STAGING_MARKER = ".kasvudata-staging"


def staging_folder(target) -> Path:
    """A temporary folder beside ``target`` (same file system, so :func:`replace_folder` is a rename).

    It holds only :data:`STAGING_MARKER`: files written into it (or one folder down) with
    :func:`atomic_open` are renamed into place without an ``fsync`` each (≈ 10 ms a file on this
    project's disk, ≈ 0.3 s for a report's 30 files), and :func:`replace_folder` makes them durable
    together (:func:`sync_folder`) before the folder becomes visible: after a crash the target is the
    old folder or the complete new one, as before.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would make a published folder unreadable to a web server
    (stage / STAGING_MARKER).touch()
    return stage


def in_staging_folder(path) -> bool:
    """True when ``path`` lies in a :func:`staging_folder` (its folder or the one above holds the marker)."""
    parent = Path(path).parent
    return any((folder / STAGING_MARKER).exists() for folder in (parent, parent.parent))


def sync_folder(folder) -> None:
    """Make every file under ``folder`` durable: one ``syncfs`` of its file system where Linux has it.

    (One call, ≈ 10 ms, instead of an ``fsync`` per file; elsewhere each file and folder is fsynced.)
    """
    folder = Path(folder)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(root, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(root))


# ------------------------------------------------------------------ CSV
def neutralise_cell(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (other values unchanged).

    Examples
    --------
    >>> [neutralise_cell(v) for v in ["+1", "@SUM(A1)", " =1", "ok", 7]]
    ["'+1", "'@SUM(A1)", "' =1", 'ok', 7]
    """
    if not isinstance(value, str) or not value:
        return value
    if value.lstrip(" ").startswith(FORMULA_START) or value.startswith("'"):
        return "'" + value
    return value


def unneutralise_cell(value):
    """The inverse of :func:`neutralise_cell` for text read back from a CSV written by the tool."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def csv_text(header, rows) -> str:
    """CSV text (Unix line ends) of ``header`` and ``rows`` with every cell neutralised.

    Examples
    --------
    >>> csv_text(["a", "b"], [["=1+1", 2]]).splitlines()
    ['a,b', "'=1+1,2"]
    """
    buf = io.StringIO()
    # "\r\n" as the writer's terminator makes it quote any cell holding a CR or an LF (with "\n" a bare CR
    # would stay unquoted and split the row in a reader); each row then ends in a plain "\n".
    w = csv.writer(buf, lineterminator="\r\n")
    out = []
    if header is not None:
        w.writerow([neutralise_cell(h) for h in header])
        out.append(buf.getvalue()[:-2] + "\n")
    for row in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow([neutralise_cell(_plain(v)) for v in row])
        out.append(buf.getvalue()[:-2] + "\n")
    return "".join(out)


def _plain(value):
    """Missing values (None, NaN, pandas NA/NaT) as empty cells, like ``DataFrame.to_csv``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if type(value).__name__ in ("NAType", "NaTType"):
        return ""
    return value


def write_csv(path, header, rows) -> Path:
    """Write :func:`csv_text` of ``header`` and ``rows`` to ``path`` atomically."""
    return atomic_write_text(path, csv_text(header, rows))


def csv_safe_frame(df):
    """A copy of a pandas frame whose text cells (and column names) are neutralised for CSV."""
    out = df.copy()
    for col in out.columns:
        if getattr(out[col].dtype, "kind", "O") in "OSU":
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def frame_csv_text(df) -> str:
    """A frame as CSV text through :func:`csv_text`: the one way a frame leaves the tool as CSV.

    Like ``df.to_csv(index=False)`` (missing values empty, floats as ``repr``), with text cells neutralised.
    """
    return csv_text([str(c) for c in df.columns], df.itertuples(index=False, name=None))
