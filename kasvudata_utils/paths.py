"""Where the project's files live.

The package is used from a checkout (``pip install -e .``), so the data folder
is found beside the package. ``KASVUDATA_DATA_DIR`` points elsewhere (tests use
it for temporary builds); ``KASVUDATA_INSIGHTS_DB`` names the insights store.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The data folder: ``$KASVUDATA_DATA_DIR`` or ``<project>/data``."""
    return Path(os.environ.get("KASVUDATA_DATA_DIR", PROJECT_ROOT / "data"))


def raw_dir() -> Path:
    """Raw files as received (immutable, checksummed in the manifest)."""
    return data_dir() / "raw"


def processed_dir() -> Path:
    """Files written by ``kasvudata data build`` (git-ignored, deterministic)."""
    return data_dir() / "processed"


def shipped_protection_dir() -> Path:
    """Protection patterns shipped in the repository (``<project>/data/protection``, not ``$KASVUDATA_DATA_DIR``).

    Keyed by their table's content, so they are looked up wherever the data were built.
    """
    return PROJECT_ROOT / "data" / "protection"


def insights_db() -> Path:
    """The SQLite insights store: ``$KASVUDATA_INSIGHTS_DB`` or ``workshop_data/insights.sqlite``."""
    return Path(os.environ.get("KASVUDATA_INSIGHTS_DB", PROJECT_ROOT / "workshop_data" / "insights.sqlite"))


#: Environment variable naming the business table the apps read (set by ``kasvudata workshop --table``).
ENV_TABLE = "KASVUDATA_TABLE"
#: "1" when ``kasvudata workshop --synthetic-firm-data`` asked for the synthetic panel's firm-level figures.
ENV_SYNTHETIC_FIRM = "KASVUDATA_SYNTHETIC_FIRM_DATA"


def app_cache_subdir(table_path: str = "", synthetic_firm_data: bool = False) -> str:
    """The app cache's sub-folder for a run's table: ``""`` (embedded data) or ``table-<sha256[:16]>[-synthetic-firm]``.

    Standard library only, so that the insights board's kernel (no pandas) finds the cache of the
    workshop's table (:func:`kasvudata_utils.apps.cache.app_cache_dir` names its folders with it).
    """
    if not str(table_path or "").strip():
        return ""
    h = hashlib.sha256()
    with open(table_path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"table-{h.hexdigest()[:16]}" + ("-synthetic-firm" if synthetic_firm_data else "")


def app_cache_subdir_from_env() -> str:
    """:func:`app_cache_subdir` of the workshop's table (``$KASVUDATA_TABLE``, ``$KASVUDATA_SYNTHETIC_FIRM_DATA``)."""
    return app_cache_subdir(os.environ.get(ENV_TABLE, "").strip(),
                            os.environ.get(ENV_SYNTHETIC_FIRM, "").strip() == "1")
