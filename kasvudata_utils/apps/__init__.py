"""The Voilà workshop apps (SPEC §7): ``AreaExplorer``, ``ScenarioWorkshop``, ``InsightsBoard``.

Each app is ``App(area=..., lang=...)`` with a ``view`` widget; ``App.from_url(area, lang)``
reads ``?area=&lang=`` from the page URL. Classes are imported lazily so that a kernel
running one app does not pay for the others' imports (ipyleaflet, pandas).
"""
from __future__ import annotations

import importlib

_LAZY = {
    "AreaExplorer": ".area_explorer",
    "ScenarioWorkshop": ".scenario_workshop",
    "InsightsBoard": ".insights_board",
    "url_params": ".common",
    "BaseApp": ".common",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
