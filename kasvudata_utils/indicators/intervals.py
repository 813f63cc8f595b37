"""Feasible intervals of suppressed cells under additive relations (linear programming).

An attacker who knows the published cells of a table and that every cell is ≥ 0 can narrow a
suppressed cell x_j down to the interval [lo_j, hi_j] of x_j over {x ≥ 0 : A x = b}, where each
row of ``A x = b`` is one additive relation (members − total = 0) with the published cells moved
to the right-hand side. A cell is *protected* when that interval contains its protection interval
[max(0, x_j − p_j), x_j + p_j] (τ-ARGUS's lower and upper protection levels; Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, §4.2–4.3), where p_j = max(10 % of x_j, one unit).

Deciding that does not need every interval's exact ends: :func:`unprotected` certifies most cells
in a few programmes that push all still-uncertified cells towards their protection ends at once
(the objective is capped at each cell's end, so one cell's reaching it does not crowd out the
others), and solves a programme of its own only for the cells that no such round certifies. It
works on each connected block of cells separately (``scipy.optimize.linprog`` with HiGHS).

>>> import numpy as np
>>> # a + b = 10 (a published total), a = 3 and b = 7 hidden: a ∈ [0, 10], b ∈ [0, 10]
>>> unprotected(np.array([[1.0, 1.0]]), np.array([10.0]), np.array([3.0, 7.0]), np.ones(2)).tolist()
[False, False]
>>> # a + b = 10, b = 7 + c, c + d = 0.5: a ∈ [2.5, 3] and b ∈ [7, 7.5] cannot move by 1, d ∈ [0, 0.5]
>>> # cannot reach 1.5; c is 0 (a zero is never exposed)
>>> a = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, -1.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
>>> unprotected(a, np.array([10.0, 7.0, 0.5]), np.array([3.0, 7.0, 0.0, 0.5]), np.ones(4)).tolist()
[True, True, False, True]
"""
from __future__ import annotations

import numpy as np

# scipy is imported where a programme is built or solved, not here: the app kernels import this
# package (the app cache computes custom areas with it) but never solve a programme, and scipy's
# optimiser and sparse modules would add ≈ 40 MB to every kernel (supervisor.KERNEL_MB).
_NOT_LOADED = object()
_highs: object = _NOT_LOADED  # scipy's HiGHS bindings once loaded, None where scipy has none


def _highs_core():
    """The HiGHS bindings scipy ships (scipy ≥ 1.15; a private module): one model kept warm across objectives.

    None with another scipy: every programme then goes through ``linprog`` (the same solver, cold).
    """
    global _highs
    if _highs is _NOT_LOADED:
        try:
            from scipy.optimize._highspy import _core
        except ImportError:  # pragma: no cover - another scipy
            _highs = None
        else:
            _highs = _core
    return _highs

PROTECTION_SHARE = 0.10  # an attacker's interval must reach 10 % of a suppressed value either way
TOL = 1e-6


def protection_level(value, unit) -> np.ndarray:
    """Protection level p = max(10 % of |x|, ``unit``): the half-width an attacker's interval must have.

    >>> protection_level([60.0, 4.0, 0.5], 1.0).tolist()
    [6.0, 1.0, 1.0]
    """
    v = np.abs(np.nan_to_num(np.asarray(value, dtype=np.float64)))
    return np.maximum(PROTECTION_SHARE * v, np.asarray(unit, dtype=np.float64))


def _scale(*arrays) -> float:
    """Divisor that brings a block's values to at most 10⁴ (never below 1).

    Euros reach 10¹⁰: scaled, the solver's absolute tolerances (10⁻⁷) stay far below a cent and
    rounding in the sums cannot make the true values infeasible.

    >>> _scale(np.array([3.0, 2e9]), np.array([5.0])), _scale(np.array([12.0]))
    (200000.0, 1.0)
    """
    largest = max((float(np.abs(a).max(initial=0.0)) for a in arrays), default=0.0)
    return max(1.0, largest / 1e4)


def _solve(c, a, b):
    from scipy.optimize import linprog

    r = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    if r.status == 3:  # unbounded in this direction
        return None
    if r.status != 0:
        raise RuntimeError(f"disclosure: linear programme failed ({r.message})")
    return r.x


def _certify(a, b, x, target, up: bool, check=None, exact: bool = True, rounds: int = 6) -> np.ndarray:
    """Which variables can reach ``target`` (up: x_j ≥ target_j; down: x_j ≤ target_j) in {x ≥ 0 : A x = b}.

    Only the variables in ``check`` (default all) are looked at; the others count as certified.
    ``exact=False`` stops after the joint rounds: a variable they do not certify counts as not
    certified (conservative, for choosing suppressions; the audit is exact).
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, hstack, identity, vstack

    n = len(x)
    ok = (x >= target - TOL) if up else (x <= target + TOL)
    if check is not None:
        ok |= ~np.asarray(check, dtype=bool)
    todo = ~ok
    m = a.shape[0]
    for _ in range(rounds):
        idx = np.flatnonzero(todo)
        if not len(idx):
            return ok
        # variables x (n) and slack s (k, one per uncertified cell): up: x_j − s_j ≥ target_j − gap … as
        # y_j = min(x_j, target_j) by y_j + s_j = x_j with 0 ≤ y_j ≤ target_j; maximise Σ y_j.
        # down: y_j = max(x_j, target_j) − target_j ≥ 0 by x_j − y_j ≤ target_j; minimise Σ y_j.
        k = len(idx)
        sel = csr_matrix((np.ones(k), (np.arange(k), idx)), shape=(k, n))
        if up:
            # x_j − y_j − s_j = 0, y_j ≤ target_j
            a_eq = vstack([hstack([a, csr_matrix((m, 2 * k))]), hstack([sel, -identity(k), -identity(k)])])
            b_eq = np.concatenate([b, np.zeros(k)])
            c = np.concatenate([np.zeros(n), -np.ones(k), np.zeros(k)])
            bounds = [(0, None)] * n + [(0, t) for t in target[idx]] + [(0, None)] * k
        else:
            # x_j − y_j + s_j = target_j  (y_j ≥ x_j − target_j), minimise Σ y_j
            a_eq = vstack([hstack([a, csr_matrix((m, 2 * k))]), hstack([sel, -identity(k), identity(k)])])
            b_eq = np.concatenate([b, target[idx]])
            c = np.concatenate([np.zeros(n), np.ones(k), np.zeros(k)])
            bounds = [(0, None)] * (n + 2 * k)
        r = linprog(c, A_eq=a_eq.tocsr(), b_eq=b_eq, bounds=bounds, method="highs")
        if r.status != 0:
            raise RuntimeError(f"disclosure: linear programme failed ({r.message})")
        v = r.x[:n]
        done = todo & ((v >= target - TOL) if up else (v <= target + TOL))
        if not done.any():
            break
        ok |= done
        todo &= ~done
    if not exact:
        return ok
    solver = _Extremes(a, b)
    for j in np.flatnonzero(todo):  # the rest one by one: push x_j alone (one warm model for all of them)
        v = solver.extreme(int(j), up)
        ok[j] = (v >= target[j] - TOL) if up else (v <= target[j] + TOL)
    return ok


def unprotected(a_eq, b_eq, truth, need, check=None, exact: bool = True) -> np.ndarray:
    """True for each hidden cell whose feasible interval misses its protection interval.

    Parameters
    ----------
    a_eq : array or sparse matrix, shape (m, n)
        One row per additive relation over the hidden cells.
    b_eq : array, shape (m,)
        The published part of each relation moved to the right-hand side.
    truth : array, shape (n,)
        The hidden cells' true values (a feasible point).
    need : array, shape (n,)
        Protection levels p (:func:`protection_level`).
    check : array of bool, shape (n,), optional
        Only these cells are examined (default all); the others are reported as protected.
    exact : bool
        False: a cell that the joint programmes do not certify is reported as exposed without a
        programme of its own (conservative and faster; for choosing secondary cells).

    Returns
    -------
    ndarray of bool
        Exposed cells. A cell whose true value is 0 is never exposed: a zero says that no firm
        has the quantity, a fact about the whole cell, not one firm's value.
    """
    from scipy.sparse import csr_matrix

    a = csr_matrix(a_eq, dtype=np.float64)
    b = np.asarray(b_eq, dtype=np.float64)
    x = np.asarray(truth, dtype=np.float64)
    p = np.asarray(need, dtype=np.float64)
    n = len(x)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    check = np.ones(n, dtype=bool) if check is None else np.asarray(check, dtype=bool)
    for cols, rws in blocks(a):
        xs = x[cols]
        chk = check[cols] & (xs != 0)
        if not len(rws) or not chk.any():  # in no relation: only x ≥ 0 is known
            continue
        sub = a[rws][:, cols]
        scale = _scale(xs, b[rws])
        xs_s, ps, bs = xs / scale, p[cols] / scale, b[rws] / scale
        up = _certify(sub, bs, xs_s, xs_s + ps, True, chk, exact)
        down = _certify(sub, bs, xs_s, np.maximum(0.0, xs_s - ps), False, chk & up if not exact else chk, exact)
        out[cols] = ~(up & down) & chk
    return out


def blocks(a_eq):
    """The connected blocks of hidden cells: ``(columns, rows)`` of each, in the order of their first column.

    Two hidden cells are in one block when a relation holds both, or a chain of relations links them
    (the published cells are constants and link nothing). A cell's feasible interval depends only on
    its block's relations: the other blocks' cells appear in none of them. Rows without a hidden cell
    belong to no block; a cell in no relation is a block of its own without rows.

    >>> # a + b = 10 and c + d = 4: two blocks; e is in no relation
    >>> from scipy.sparse import csr_matrix
    >>> a = csr_matrix(np.array([[1.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0]]))
    >>> [(c.tolist(), r.tolist()) for c, r in blocks(a)]
    [([0, 1], [0]), ([2, 3], [1]), ([4], [])]
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    a = csr_matrix(a_eq, dtype=np.float64)
    pattern = (a != 0).astype(np.int8)
    k, label = connected_components((pattern.T @ pattern).tocsr(), directed=False)
    coo = pattern.tocoo()
    row_block = np.full(a.shape[0], k)  # k: no block
    row_block[coo.row] = label[coo.col]
    order = np.argsort(row_block, kind="stable")
    starts = np.searchsorted(row_block[order], np.arange(k + 1))
    col_order = np.argsort(label, kind="stable")
    col_starts = np.searchsorted(label[col_order], np.arange(k + 1))
    return [(col_order[col_starts[blk]:col_starts[blk + 1]], order[starts[blk]:starts[blk + 1]]) for blk in range(k)]


class _Extremes:
    """min and max of single cells over {x ≥ 0 : A x = b}, one HiGHS model kept warm between them.

    Only the objective changes from one programme to the next, so the solver starts from the last
    optimal basis (a few pivots instead of a solve from scratch and the model passed anew each time).
    Without scipy's HiGHS bindings every programme goes through ``linprog`` (the same solver, cold).
    """

    def __init__(self, a, b):
        from scipy.sparse import csc_matrix, csr_matrix

        self.a, self.b = csr_matrix(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        self.n = self.a.shape[1]
        self.h = None
        self.last: list[int] = []
        self.hs = hs = _highs_core()
        if hs is None or self.a.shape[0] == 0:
            return
        col = csc_matrix(self.a)
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, self.a.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_, lp.col_upper_ = np.zeros(self.n), np.full(self.n, hs.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = self.b
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = self.n, self.a.shape[0]
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = col.indptr, col.indices, col.data
        self.h = hs._Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.passModel(lp)

    def extreme(self, j: int, up: bool) -> float:
        """The largest x_j (``up``; ``inf`` where unbounded) or the smallest."""
        if self.h is None:
            return self._cold(j, up)
        idx = np.array(sorted(set(self.last) | {j}), dtype=np.int32)
        self.h.changeColsCost(len(idx), idx, np.where(idx == j, -1.0 if up else 1.0, 0.0))
        self.last = [j]
        self.h.run()
        status = self.h.getModelStatus()
        hs = self.hs
        if status == hs.HighsModelStatus.kUnbounded:
            return float("inf")
        if status != hs.HighsModelStatus.kOptimal:
            # presolve could not tell unbounded from infeasible, or the warm run ended without a status
            # ("Unknown", seen on an unbounded cell after other objectives): the same programme cold,
            # through linprog, which decides it or raises
            return self._cold(j, up)
        return float(self.h.getSolution().col_value[j])

    def _cold(self, j: int, up: bool) -> float:
        """The same extreme through ``linprog`` from scratch (``inf`` where unbounded)."""
        c = np.zeros(self.n)
        c[j] = -1.0 if up else 1.0
        v = _solve(c, self.a, self.b)
        return float("inf") if v is None else float(v[j])


def intervals_of(a_eq, b_eq, cells) -> np.ndarray:
    """Exact feasible intervals [lo, hi] of the hidden cells ``cells``, shape (len(cells), 2).

    Each cell's two programmes are solved on its block (:func:`blocks`) only, one warm HiGHS model
    per block for all of the block's cells; the same intervals as over the whole matrix (tested).
    ``inf`` where a cell is unbounded above; a cell in no relation is [0, inf].

    >>> intervals_of(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]), np.array([10.0, 4.0]), [0, 2]).tolist()
    [[6.0, 10.0], [0.0, 4.0]]
    """
    from scipy.sparse import csr_matrix

    a = csr_matrix(a_eq, dtype=np.float64)
    b = np.asarray(b_eq, dtype=np.float64)
    cells = np.asarray(cells, dtype=np.int64)
    out = np.tile([0.0, np.inf], (len(cells), 1))
    wanted = np.zeros(a.shape[1], dtype=bool)
    wanted[cells] = True
    where = {int(j): k for k, j in enumerate(cells)}
    for cols, rws in blocks(a):
        if not wanted[cols].any() or not len(rws):
            continue
        scale = _scale(b[rws])
        solver = _Extremes(a[rws][:, cols], b[rws] / scale)
        for local in np.flatnonzero(wanted[cols]):
            lo, hi = solver.extreme(int(local), False), solver.extreme(int(local), True)
            out[where[int(cols[local])]] = lo * scale, hi * scale
    return out


def interval(a_eq, b_eq, j: int) -> tuple[float, float]:
    """Exact feasible interval [lo, hi] of hidden cell ``j`` (``inf`` where unbounded above).

    Solved on ``j``'s block (:func:`intervals_of`).

    >>> interval(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([10.0, 7.0]), 0)
    (3.0, 3.0)
    """
    lo, hi = intervals_of(a_eq, b_eq, [j])[0]
    return float(lo), float(hi)
