"""The workshop server's Python kernel: ipykernel without its debugger and pandas without pyarrow (issue 15).

Two optional imports cost an app kernel memory it never uses (resident memory, psutil):

- ipykernel imports ``debugpy`` at start-up to offer the Jupyter debugger (≈ 7–17 MB); nobody debugs
  in a workshop app, and without ``debugpy`` ipykernel runs without a debugger;
- pandas 3 imports ``pyarrow`` whenever it is importable (≈ 50 MB); the apps read their cache from
  CSV (``apps.cache``), and without ``pyarrow`` pandas keeps its strings in Python objects.

The kernels that ``kasvudata workshop`` starts run this module instead of ``ipykernel_launcher``: both
modules are marked unimportable and ipykernel starts as usual. The kernel spec
``python3`` in ``kasvudata_utils/voila_template/kernels`` (first on ``JUPYTER_PATH`` for the workshop
server only) points here; JupyterLab, Binder and the report batch keep the ordinary kernel.
"""
from __future__ import annotations

import sys

#: Modules a workshop kernel never imports.
BLOCKED = ("debugpy", "pyarrow")


def main() -> None:
    """Start an ipykernel (arguments as for ``ipykernel_launcher``) without ``debugpy`` and ``pyarrow``."""
    for name in BLOCKED:
        sys.modules[name] = None  # type: ignore[assignment]  (``import name`` now raises ImportError)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
