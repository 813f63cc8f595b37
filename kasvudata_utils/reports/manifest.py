"""The batch's ``manifest.json``: what was run, with which fingerprint, when, and how it ended."""
from __future__ import annotations

import json
import os
from pathlib import Path

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
    p = Path(out) / MANIFEST
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False), encoding="utf-8")
    os.replace(tmp, p)
    return p
