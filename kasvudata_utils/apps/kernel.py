"""The workshop server's Python kernel: ipykernel without its debugger (issue 15, lean kernels).

ipykernel imports ``debugpy`` at start-up to offer the Jupyter debugger, about 17 MB of resident
memory per kernel (psutil). Nobody debugs in a workshop app, so the kernels that ``kasvudata
workshop`` starts run this module instead of ``ipykernel_launcher``: ``debugpy`` is marked
unimportable (ipykernel then runs without a debugger) and ipykernel starts as usual. The kernel spec
``python3`` in ``kasvudata_utils/voila_template/kernels`` (first on ``JUPYTER_PATH`` for the workshop
server only) points here; JupyterLab, Binder and the report batch keep the ordinary kernel.
"""
from __future__ import annotations

import sys


def main() -> None:
    """Start an ipykernel (arguments as for ``ipykernel_launcher``) without importing ``debugpy``."""
    sys.modules["debugpy"] = None  # type: ignore[assignment]  (``import debugpy`` now raises ImportError)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
