"""Inside a report kernel: the state a reused kernel is brought back to, and the check that it is.

:mod:`kasvudata_utils.reports.kernels` keeps a batch worker's kernel for its next report (issue 18)
instead of starting a new one. This module runs *inside* that kernel: :func:`snapshot` records the
kernel's state once its imports are done and before its first report; after each report
:func:`restore` clears the user namespace (IPython's ``reset``, a new session: execution counts start
from 1 again), closes every figure, puts back matplotlib's settings, the random generators' states and
the working directory, re-runs the warm-up imports, and :func:`is_clean` compares the result with the
snapshot. A kernel that does not compare equal is shut down and the next report gets a fresh one.

What stays between reports is only what a module keeps for itself: the loaded data files and
area-independent tables cached by :mod:`kasvudata_utils.data.loaders` and the engine. Those are the
same for every area of a batch (they are keyed by file and parameters), so a report cannot see
anything computed for another area; ``tests/test_kernel_reuse.py`` checks it by comparing the
tables of a report run after others in one kernel with those of a fresh standalone run, byte for byte.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import random

_SNAPSHOT: dict = {}


def _ip():
    from IPython import get_ipython

    return get_ipython()


def _visible_names(ip) -> frozenset:
    hidden = getattr(ip, "user_ns_hidden", {})
    return frozenset(k for k in ip.user_ns if k not in hidden and not k.startswith("_"))


def _rng_digest() -> str:
    import numpy as np

    state = np.random.get_state()
    h = hashlib.sha256(pickle.dumps((state[0], state[1].tobytes(), state[2:]), protocol=4))
    h.update(pickle.dumps(random.getstate(), protocol=4))
    return h.hexdigest()


def _state(ip) -> dict:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    return {"names": _visible_names(ip), "rc": {k: repr(v) for k, v in mpl.rcParams.items()},
            "rng": _rng_digest(), "cwd": os.getcwd(), "figures": tuple(plt.get_fignums())}


def snapshot(warm_code: str = "") -> None:
    """Record the kernel's state now (after the warm-up imports, before any report)."""
    import matplotlib as mpl
    import numpy as np

    ip = _ip()
    _SNAPSHOT.clear()
    _SNAPSHOT.update(state=_state(ip), rc=mpl.rcParams.copy(), np_rng=np.random.get_state(),
                     py_rng=random.getstate(), cwd=os.getcwd(), warm_code=warm_code)


def restore() -> bool:
    """Bring the kernel back to its snapshot; True when :func:`is_clean` then holds."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import numpy as np

    if not _SNAPSHOT:
        return False
    ip = _ip()
    plt.close("all")
    ip.reset(new_session=True)  # user namespace and history as in a new kernel; execution count 1
    # reset's full garbage collection walks every object the data caches hold (~0.4 s on a loaded
    # kernel): what survives it now is kept out of later collections (memory only, never results)
    gc.freeze()
    dict.update(mpl.rcParams, _SNAPSHOT["rc"])  # the validated values as they were (no re-validation)
    np.random.set_state(_SNAPSHOT["np_rng"])
    random.setstate(_SNAPSHOT["py_rng"])
    os.chdir(_SNAPSHOT["cwd"])
    if _SNAPSHOT["warm_code"]:
        ip.run_cell(_SNAPSHOT["warm_code"], store_history=False, silent=True)
    return is_clean()


def is_clean() -> bool:
    """True when the kernel's namespace, figures, matplotlib settings, generators and folder are as snapshotted."""
    return bool(_SNAPSHOT) and _state(_ip()) == _SNAPSHOT["state"]

