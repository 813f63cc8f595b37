"""Where the project's files live.

The package is used from a checkout (``pip install -e .``), so the data folder
is found beside the package. ``KASVUDATA_DATA_DIR`` points elsewhere (tests use
it for temporary builds); ``KASVUDATA_INSIGHTS_DB`` names the insights store.
"""
from __future__ import annotations

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


def insights_db() -> Path:
    """The SQLite insights store: ``$KASVUDATA_INSIGHTS_DB`` or ``workshop_data/insights.sqlite``."""
    return Path(os.environ.get("KASVUDATA_INSIGHTS_DB", PROJECT_ROOT / "workshop_data" / "insights.sqlite"))
