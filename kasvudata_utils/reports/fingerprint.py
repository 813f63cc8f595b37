"""Fingerprints that decide whether a report is up to date: data files, package code, notebook, parameters, insights.

A report whose fingerprint is unchanged and whose HTML exists is skipped by the batch unless forced.
The same fingerprints key the batch's shared tables (:func:`kasvudata_utils.reports.common.shared_table`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kasvudata_utils import __version__, areas
from kasvudata_utils.errors import InputError
from kasvudata_utils.insights.store import InsightStore
from kasvudata_utils.paths import insights_db, processed_dir
from kasvudata_utils.research.similar import similar_codes

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole package: its code is fingerprinted


def package_version() -> str:
    """The package's version (part of every report's fingerprint)."""
    return __version__


def sha_file(path: Path, h=None):
    """The sha256 object ``h`` (a new one by default) updated with the bytes of ``path``."""
    h = h or hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h


def data_fingerprint(panel_path: str | None = None) -> str:
    """sha256 over the processed data files (top level: the embedded build; name and bytes) and an own panel."""
    h = hashlib.sha256()
    root = processed_dir()
    files = sorted(p for p in root.glob("*") if p.is_file() and not p.name.startswith(".")) if root.exists() else []
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        sha_file(p, h)
    if panel_path:
        h.update(b"panel:")
        sha_file(Path(panel_path), h)
    return h.hexdigest()[:16]


def code_fingerprint() -> str:
    """sha256 over the package's code and report templates (a code change reruns the reports)."""
    h = hashlib.sha256(package_version().encode())
    for p in sorted(PACKAGE_DIR.rglob("*")):
        if p.is_file() and p.suffix in (".py", ".j2", ".css", ".json") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(PACKAGE_DIR)).encode())
            sha_file(p, h)
    return h.hexdigest()[:16]


def insights_fingerprint(area: str) -> str:
    """A digest of the insights the area's report shows ('' without a store).

    Its own insights, its member areas' and its similar areas'. A municipality's new insight also reruns
    its sub-region's and the region's reports, which show it, and the reports of the areas it is similar
    to ("Samankaltaiset alueet").
    """
    db = insights_db()
    if not db.exists():
        return ""
    try:
        recs = InsightStore(db).list()
        similar = _similar_of(area) if recs else set()
        records = [r for r in recs if _shows(area, r.get("area_code")) or r.get("area_code") in similar]
        return hashlib.sha256(json.dumps(records, default=str, sort_keys=True).encode()).hexdigest()[:16]
    except Exception:  # store unreadable or changed: fall back to the whole file (reruns more, never less)
        return sha_file(db).hexdigest()[:16]


def _similar_of(area: str) -> set:
    """The similar areas whose insights the report shows (none where they cannot be computed)."""
    try:
        return set(similar_codes(area))
    except Exception:  # no data to compare with: the section shows none either
        return set()


def _shows(area: str, code) -> bool:
    try:
        return areas.contains(area, code)
    except InputError:
        return False


def _base_hash(job, data_fp: str, code_fp: str):
    """The sha256 over everything of a report but its insights (see :func:`base_fingerprint`)."""
    h = hashlib.sha256()
    h.update(data_fp.encode())
    h.update(code_fp.encode())
    sha_file(Path(job.notebook), h)
    h.update(json.dumps(job.parameters, sort_keys=True).encode())
    return h


def base_fingerprint(job, data_fp: str, code_fp: str) -> str:
    """Fingerprint of one report without its insights: data, notebook bytes, package code, parameters.

    Two runs with the same base fingerprint differ at most in the insights section, which
    :mod:`kasvudata_utils.reports.refresh` updates in place.
    """
    return _base_hash(job, data_fp, code_fp).hexdigest()[:16]


def job_fingerprint(job, data_fp: str, code_fp: str) -> str:
    """Fingerprint of one report (a batch ``Job``).

    It covers the data, the notebook's bytes, the package's code and version, the parameters and the insights.
    """
    h = _base_hash(job, data_fp, code_fp)
    if job.kind == "area":
        h.update(insights_fingerprint(job.parameters["area"]).encode())
    return h.hexdigest()[:16]
