"""The batch's ``manifest.json``: what was run, with which fingerprint, when, and how it ended."""
from __future__ import annotations

import json
from pathlib import Path

from kasvudata_utils.fileio import atomic_write_text

MANIFEST = "manifest.json"


def load_manifest(out) -> dict:
    """The manifest of an output folder (an empty one where none exists or it is unreadable)."""
    p = Path(out) / MANIFEST
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"reports": {}}


def write_manifest(out, manifest: dict) -> Path:
    """Write ``manifest.json`` atomically (a crash never leaves half a manifest)."""
    return atomic_write_text(Path(out) / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1,
                                                               sort_keys=False))
