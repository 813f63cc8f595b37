"""Recompute the embedded panel's protection pattern and ship it in ``data/protection/``.

    python scripts/ship_protection_pattern.py [--recompute]    # or: make protection-pattern

Run it after a change of the disclosure rules (then bump ``protection.RULES_VERSION``) or of the
embedded data: ``tests/test_protection_shipped.py`` fails while the shipped pattern is stale. It takes
a few minutes (the linear programmes of the nine measures; docs/METHODS.md); a fresh clone's first
run then reads the pattern instead. ``--recompute`` solves it even where a pattern under the same
key is kept in ``data/processed/protection_cache/``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kasvudata_utils.data import load_firm_panel  # noqa: E402
from kasvudata_utils.indicators import prepare, protection  # noqa: E402


def main() -> int:
    start = time.perf_counter()
    path = protection.ship_pattern(prepare(load_firm_panel()), recompute="--recompute" in sys.argv[1:])
    print(f"{path} ({path.stat().st_size} bytes, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
