"""Disclosure control for figures computed from firm-level data (METHODS.md).

Statistics Finland's practice for business statistics:

* **threshold rule** — a cell resting on fewer than 3 firms is suppressed;
* **dominance rule** — for sums (personnel, turnover, exports) a cell whose
  largest firm holds more than 80 % of the cell's total is suppressed;
* **secondary suppression** — no relation (cells adding up to a total) may have
  exactly one unknown: beside a lone suppressed cell the smallest other cell
  with firms is suppressed too (or the total, when there is none), and beside a
  suppressed total over published cells one of them; with protection levels
  (:func:`protect_measure`) more cells are suppressed until no suppressed cell
  can be narrowed to within ±10 % (or one unit) from the published cells.

Suppressed values are empty (NaN) with ``suppressed = True``, never 0. A cell
with no firms at all (a structural zero) reveals nothing about any firm and is
published as 0.

The indicator engine applies these rules to every table it returns when the
source is a firm panel. A researcher inside a secure environment can switch
them off with ``disclose=False`` or the environment variable
``KASVUDATA_DISCLOSURE=off``; whatever is computed then is marked "not for
publication" (``note`` column and ``provenance["not_for_publication"]``).
Public aggregate tables (StatFin) arrive already protected: their ``..`` stays
suppressed.

>>> import pandas as pd
>>> t = pd.DataFrame({"industry_code": ["A", "B", "C", "ALL"], "value": [50.0, 40.0, 9.0, 99.0],
...                   "n_firms": [10, 8, 2, 20], "max_value": [10.0, 35.0, 5.0, 35.0]})
>>> apply_disclosure(t, "value", "n_firms", "max_value", group_cols=[])["suppressed"].tolist()
[False, True, True, False]
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from kasvudata_utils import provenance
from kasvudata_utils.indicators import intervals

THRESHOLD = 3  # fewer firms than this: suppressed
DOMINANCE = 0.80  # largest firm's share of the cell total above this: suppressed
ENV_SWITCH = "KASVUDATA_DISCLOSURE"
NOT_FOR_PUBLICATION = "not for publication"
# From this many memberships on, secondary_until_stable_many works on two measures at once (NumPy without
# the GIL; on the national table 0.14 s against 0.19 s on one thread, quiet machine, 2026-12-01)
PARALLEL_MEMBERSHIPS = 200_000


def disclosure_enabled(disclose: bool = True) -> bool:
    """True unless ``disclose`` is False or ``KASVUDATA_DISCLOSURE`` is ``off`` (also ``0``, ``false``, ``no``)."""
    env = os.environ.get(ENV_SWITCH, "").strip().lower()
    return bool(disclose) and env not in ("off", "0", "false", "no")


def threshold_flags(n_firms) -> np.ndarray:
    """Threshold rule: True where a cell rests on 1 or 2 firms (0 firms is a structural zero)."""
    n = np.asarray(n_firms, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (n > 0) & (n < THRESHOLD)


def dominance_flags(total, largest) -> np.ndarray:
    """Dominance rule: True where the largest firm holds more than 80 % of a positive cell total."""
    tot = np.asarray(total, dtype=np.float64)
    big = np.asarray(largest, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (tot > 0) & (big > DOMINANCE * tot)


def primary_flags(n_firms, total=None, largest=None) -> np.ndarray:
    """Threshold rule, plus the dominance rule when ``total`` and ``largest`` are given."""
    flags = threshold_flags(n_firms)
    if total is not None and largest is not None:
        flags = flags | dominance_flags(total, largest)
    return flags


def _risky(n_supp, tot_supp, has_tot) -> np.ndarray:
    """Groups with exactly one unknown cell.

    One suppressed member under a published total, or a suppressed total over published members
    (their sum gives it back).
    """
    return has_tot & (((n_supp == 1) & ~tot_supp) | ((n_supp == 0) & tot_supp))


def secondary_pass(flags: np.ndarray, values: np.ndarray, weights: np.ndarray, member_row: np.ndarray,
                   member_group: np.ndarray, member_is_total: np.ndarray) -> np.ndarray:
    """One round of secondary suppression over many overlapping groups (array form).

    A table's cells can add up in several ways at once — industries to the all-industries total,
    divisions to their section, municipalities to their sub-region — and each way is a *group*:
    a set of member cells and one total cell. ``member_row[j]`` is the table row of membership j,
    ``member_group[j]`` its group (0 … G−1) and ``member_is_total[j]`` whether it is the group's
    total. Where a group's total is published and exactly one member is suppressed, the smallest
    published member with firms (``weights`` > 0) is suppressed too, or the total where there is
    none; where the total is suppressed and no member is, the smallest member with firms is.
    Call repeatedly until nothing changes (new suppressions can expose other groups).

    Returns
    -------
    ndarray of bool
        The new flags per table row (a superset of ``flags``).
    """
    flags = np.asarray(flags, dtype=bool).copy()
    if len(member_row) == 0:
        return flags
    g = np.asarray(member_group)
    n_groups = int(g.max()) + 1
    mflag = flags[member_row]
    is_tot = np.asarray(member_is_total, dtype=bool)
    n_supp = np.bincount(g, weights=(mflag & ~is_tot), minlength=n_groups)
    tot_supp = np.bincount(g, weights=(mflag & is_tot), minlength=n_groups) > 0
    has_tot = np.bincount(g, weights=is_tot, minlength=n_groups) > 0
    risky = _risky(n_supp, tot_supp, has_tot)
    if not risky.any():
        return flags
    vals = np.abs(np.asarray(values, dtype=np.float64))[member_row]
    w = np.asarray(weights, dtype=np.float64)[member_row]
    elig = risky[g] & ~is_tot & ~mflag & (w > 0) & ~np.isnan(vals)
    idx = np.flatnonzero(elig)
    chosen_groups = np.zeros(n_groups, dtype=bool)
    if len(idx):
        order = idx[np.lexsort((vals[idx], g[idx]))]
        first = np.ones(len(order), dtype=bool)
        first[1:] = g[order][1:] != g[order][:-1]
        pick = order[first]
        flags[member_row[pick]] = True
        chosen_groups[g[pick]] = True
    lonely = risky & ~chosen_groups
    if lonely.any():
        tot_members = np.flatnonzero(is_tot & lonely[g])
        flags[member_row[tot_members]] = True
    return flags


def secondary_until_stable(flags: np.ndarray, values: np.ndarray, weights: np.ndarray, member_row: np.ndarray,
                           member_group: np.ndarray, member_is_total: np.ndarray, index=None) -> np.ndarray:
    """:func:`secondary_pass` repeated until nothing changes, done incrementally.

    Gives exactly the flags of calling :func:`secondary_pass` in a loop until stable (tested), but
    after the first round only the groups touched by the cells suppressed in the previous round
    are looked at: every group that was risky in a round gets a member or its total suppressed in
    that round, so a group can only become risky again through a newly suppressed member.
    ``index`` is :func:`membership_index` of the same memberships, to reuse it across measures
    (:func:`secondary_until_stable_many` shares the rest too).
    """
    return secondary_until_stable_many([(flags, values, weights)], member_row, member_group, member_is_total,
                                       index)[0]


def secondary_until_stable_many(measures, member_row: np.ndarray, member_group: np.ndarray,
                                member_is_total: np.ndarray, index=None) -> list[np.ndarray]:
    """:func:`secondary_until_stable` of several measures over the same memberships.

    ``measures`` is a list of ``(flags, values, weights)``, one per measure; returns the new flags of
    each, in order. What depends on the memberships alone (the index, which groups have a total) is
    worked out once for all measures; each measure's rounds are its own, so every measure gets exactly
    the flags of its own :func:`secondary_pass` loop (tested).
    """
    row = np.asarray(member_row, dtype=np.int64)
    g = np.asarray(member_group, dtype=np.int64)
    is_tot = np.asarray(member_is_total, dtype=bool)
    if len(row) == 0:
        return [np.asarray(f, dtype=bool).copy() for f, _, _ in measures]
    n_rows = len(measures[0][0])
    n_groups = int(g.max()) + 1
    index = index if index is not None else membership_index(row, g, n_rows)
    has_tot = np.zeros(n_groups, dtype=bool)
    has_tot[g[is_tot]] = True
    member, total = ~is_tot, is_tot

    def one(measure):
        f, v, w = measure
        return _until_stable(np.asarray(f, dtype=bool).copy(), v, w, row, g, member, total, has_tot, index)

    if len(measures) < 2 or len(row) < PARALLEL_MEMBERSHIPS:
        return [one(m) for m in measures]
    with ThreadPoolExecutor(max_workers=2) as pool:  # each measure's rounds are its own: the same flags
        return list(pool.map(one, measures))


def _until_stable(flags, values, weights, row, g, member, total, has_tot, index) -> np.ndarray:
    """The rounds of :func:`secondary_until_stable` for one measure (``flags`` is updated in place)."""
    n_groups = len(has_tot)
    by_group, g_start, by_row, r_start = index
    values = np.asarray(values, dtype=np.float64)
    # a row that may be picked once a group of it is risky (as a member, not as a total)
    usable_row = (np.asarray(weights, dtype=np.float64) > 0) & ~np.isnan(values)
    mflag = flags[row]
    n_supp = np.bincount(g[mflag & member], minlength=n_groups)
    tot_supp = np.zeros(n_groups, dtype=bool)
    tot_supp[g[mflag & total]] = True
    risky = np.flatnonzero(_risky(n_supp, tot_supp, has_tot))
    while len(risky):
        m = by_group[_ranges(g_start[risky], g_start[risky + 1])]  # memberships of risky groups
        rm = row[m]
        elig = m[member[m] & usable_row[rm] & ~flags[rm]]
        new = np.zeros(len(flags), dtype=bool)
        chosen = np.zeros(n_groups, dtype=bool)
        if len(elig):
            order = elig[np.lexsort((np.abs(values[row[elig]]), g[elig]))]
            first = np.ones(len(order), dtype=bool)
            first[1:] = g[order][1:] != g[order][:-1]
            pick = order[first]
            new[row[pick]] = True
            chosen[g[pick]] = True
        lonely = risky[~chosen[risky]]
        if len(lonely):
            mt = by_group[_ranges(g_start[lonely], g_start[lonely + 1])]
            new[row[mt[total[mt]]]] = True
        new &= ~flags
        new_rows = np.flatnonzero(new)
        flags[new_rows] = True
        touched = by_row[_ranges(r_start[new_rows], r_start[new_rows + 1])]
        tt = total[touched]
        n_supp += np.bincount(g[touched[~tt]], minlength=n_groups)
        tot_supp[g[touched[tt]]] = True
        cand = np.zeros(n_groups, dtype=bool)
        cand[g[touched]] = True
        cand = np.flatnonzero(cand)
        risky = cand[_risky(n_supp[cand], tot_supp[cand], has_tot[cand])]
    return flags


def membership_index(member_row: np.ndarray, member_group: np.ndarray, n_rows: int) -> tuple:
    """Memberships sorted by group and by row, with the start of each group's and each row's run.

    Returns ``(by_group, group_start, by_row, row_start)``; the sort by group is stable (membership
    order within a group).
    """
    row = np.asarray(member_row, dtype=np.int64)
    g = np.asarray(member_group, dtype=np.int64)
    n_groups = int(g.max()) + 1 if len(g) else 0
    by_group = np.argsort(g, kind="stable")
    g_start = np.searchsorted(g[by_group], np.arange(n_groups + 1))
    by_row = np.argsort(row, kind="stable")
    r_start = np.searchsorted(row[by_row], np.arange(n_rows + 1))
    return by_group, g_start, by_row, r_start


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(start, stop)`` for each pair, vectorised."""
    lens = stops - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offs = np.repeat(starts - np.cumsum(lens) + lens, lens)
    return offs + np.arange(total)


def exposed_cells(flags: np.ndarray, values: np.ndarray, unit: float, row: np.ndarray, gid: np.ndarray,
                  tot: np.ndarray, check=None, exact: bool = True) -> np.ndarray:
    """Suppressed rows whose feasible interval (all relations at once) misses the protection level.

    Every suppressed row is an unknown ≥ 0; each group is the relation Σ members − total = 0 with
    the published cells on the right-hand side (:mod:`kasvudata_utils.indicators.intervals`).
    ``check`` (rows) limits the examination to those rows; ``exact`` as in
    :func:`~kasvudata_utils.indicators.intervals.unprotected`.
    """
    flags = np.asarray(flags, dtype=bool)
    out = np.zeros(len(flags), dtype=bool)
    hidden = np.flatnonzero(flags)
    if not len(hidden) or not len(row):
        return out
    var = np.full(len(flags), -1, dtype=np.int64)
    var[hidden] = np.arange(len(hidden))
    vals = np.nan_to_num(np.asarray(values, dtype=np.float64))
    sign = np.where(tot, -1.0, 1.0)
    n_groups = int(gid.max()) + 1
    known = var[row] < 0
    b = -np.bincount(gid[known], weights=sign[known] * vals[row[known]], minlength=n_groups)
    h = ~known
    from scipy.sparse import csr_matrix  # scipy where used: app kernels import this module (intervals.py)

    a = csr_matrix((sign[h], (gid[h], var[row[h]])), shape=(n_groups, len(hidden)))
    x = vals[hidden]
    chk = None if check is None else np.asarray(check, dtype=bool)[hidden]
    bad = intervals.unprotected(a, b, x, intervals.protection_level(x, unit), chk, exact)
    out[hidden[bad]] = True
    return out


def _complements(flags, exposed, values, weights, unit, row, gid, tot, avoid=None) -> np.ndarray:
    """One published cell to suppress beside each exposed cell (a superset of ``flags``).

    Among the groups of an exposed cell, the smallest published member with firms that covers the
    cell's protection level (else the largest such member); where its groups have no such member,
    their published totals.
    """
    flags = flags.copy()
    vals = np.abs(np.nan_to_num(np.asarray(values, dtype=np.float64)))
    mem = pd.DataFrame({"row": row, "gid": gid, "tot": tot})
    ex = mem.loc[exposed[row], ["row", "gid"]].rename(columns={"row": "ex"})
    cand = ex.merge(mem, on="gid")
    cand = cand[~flags[cand["row"].to_numpy()]]
    if cand.empty:
        return flags
    r = cand["row"].to_numpy()
    need = intervals.protection_level(vals[cand["ex"].to_numpy()], unit)
    usable = ~cand["tot"].to_numpy() & (np.asarray(weights, dtype=np.float64)[r] > 0)
    covers = vals[r] >= need
    # rank: usable covering members (smallest first), other usable members (largest first), totals
    rank = np.where(usable & covers, 0, np.where(usable, 1, 2))
    if avoid is not None:  # e.g. an area's all-industries total: only where nothing else will do
        rank = rank + 3 * np.asarray(avoid, dtype=bool)[r]
    cand = cand.assign(rank=rank,
                       key=np.where(usable & covers, vals[r], -vals[r]))
    pick = cand.sort_values(["ex", "rank", "key", "row"]).drop_duplicates("ex")
    flags[pick["row"].to_numpy()] = True
    return flags


AVOID_COST = 100.0  # cost multiplier of an area's all-industries total as a complement (last resort)


def protect_measure(flags, values, weights, unit: float, row, gid, tot, index=None, avoid=None) -> np.ndarray:
    """Secondary suppression of one measure until no suppressed cell is exposed.

    First the exact rule (no relation with a single unknown); then, while the linear programme of
    all relations finds suppressed cells narrower than their protection level, each of them (largest
    first) gets the cheapest set of complementary cells that protects it (:func:`_cover`: a
    perturbation of the table that moves the cell by its protection level both ways and keeps every
    relation and every published cell, cost = the cells' values, an area's all-industries total
    (``avoid``) a hundred times dearer), then the exact rule again. A cell whose cover needs no
    published cell is protected already. Where no cover exists the complements of
    :func:`_complements` / :func:`_reach_further` are taken. Each round suppresses at least one more
    cell or certifies one, so the loop ends.

    Examples
    --------
    >>> # total 83.5 = 60 (a dominant firm) + 3.5 + 20: the exact rule hides the 3.5, which leaves
    >>> # 60 in [0, 63.5] (it must reach 66); the 20 covers ±6 and goes too
    >>> protect_measure(np.array([True, False, False, False]), np.array([60.0, 3.5, 20.0, 83.5]),
    ...                 np.ones(4), 1.0, np.arange(4), np.zeros(4, int), np.array([0, 0, 0, 1], bool)).tolist()
    [True, True, True, False]
    """
    row, gid, tot = np.asarray(row, dtype=np.int64), np.asarray(gid, dtype=np.int64), np.asarray(tot, dtype=bool)
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    index = index if index is not None else membership_index(row, gid, len(flags))
    flags = secondary_until_stable(np.asarray(flags, dtype=bool), values, weights, row, gid, tot, index)
    x = np.abs(np.nan_to_num(values))
    cost = 1.0 + x  # a cell's value: small cells first (τ-ARGUS's default cost)
    if avoid is not None:
        cost = cost * np.where(np.asarray(avoid, dtype=bool), AVOID_COST, 1.0)
    movable = (weights > 0) & (x > 0)  # a published cell without firms or value is never a complement
    component = _components(row, gid, len(flags))
    safe = np.zeros(len(flags), dtype=bool)  # certified; stays so as more cells are hidden
    while True:
        check = flags & ~safe
        exposed = exposed_cells(flags, values, unit, row, gid, tot, check, exact=False)
        safe |= check & ~exposed
        if not exposed.any():
            return flags
        new = flags.copy()
        stuck = np.zeros(len(flags), dtype=bool)
        todo = np.flatnonzero(exposed)
        for s in todo[np.argsort(-x[todo], kind="stable")]:
            got = _cover(s, new, x, movable, cost, unit, row, gid, tot, index, component, avoid)
            if got is None:
                stuck[s] = True
            elif new[got].all():
                safe[s] = True  # a perturbation over hidden cells alone: protected as it is
            else:
                new[got] = True
        if stuck.any() and new.sum() == flags.sum():
            new = _complements(flags, stuck, values, weights, unit, row, gid, tot, avoid)
            if new.sum() == flags.sum():  # their own relations are all hidden: reach further along the chain
                new = _reach_further(flags, stuck, values, weights, row, gid, tot, avoid)
                if new.sum() == flags.sum():
                    return flags  # nothing published is connected to them any more
        flags = secondary_until_stable(new, values, weights, row, gid, tot, index)


def _components(row, gid, n_rows: int) -> np.ndarray:
    """Connected component of each row in the graph of relations (rows sharing a relation)."""
    from scipy.sparse import csr_matrix, hstack, vstack
    from scipy.sparse.csgraph import connected_components

    if not len(row):
        return np.arange(n_rows)
    n_groups = int(gid.max()) + 1
    inc = csr_matrix((np.ones(len(row)), (row, gid)), shape=(n_rows, n_groups))
    adj = vstack([hstack([csr_matrix((n_rows, n_rows)), inc]), hstack([inc.T, csr_matrix((n_groups, n_groups))])])
    _, label = connected_components(adj.tocsr(), directed=False)
    return label[:n_rows]


def _neighbourhood(s: int, hops: int, row, gid, index) -> np.ndarray:
    """Rows reachable from row ``s`` through at most ``hops`` relations (each hop: its relations' cells)."""
    by_group, g_start, by_row, r_start = index
    cells = np.array([s], dtype=np.int64)
    for _ in range(hops):
        groups = np.unique(gid[by_row[_ranges(r_start[cells], r_start[cells + 1])]])
        cells = np.unique(row[by_group[_ranges(g_start[groups], g_start[groups + 1])]])
    return cells


def _cover(s, flags, x, movable, cost, unit, row, gid, tot, index, component, avoid=None):
    """Cheapest cells to hide so that hidden cell ``s`` is protected (None where no set will do).

    First among the cells two relations away (a cell's industry and area relations and theirs:
    the rectangles of a two-way table), then, where that fails or needs an area's all-industries
    total, three relations away, then among all cells connected to ``s``; the cheapest found.
    """
    hide = np.asarray(avoid, dtype=bool) if avoid is not None else np.zeros(len(flags), dtype=bool)
    best, best_cost = None, np.inf
    for hops in (2, 3, None):
        cells = (np.flatnonzero(component == component[s]) if hops is None
                 else _neighbourhood(s, hops, row, gid, index))
        got = _perturbation(s, cells, flags, x, movable, cost, unit, row, gid, tot, index)
        if got is not None:
            c = float(cost[got[~flags[got]]].sum())
            if c < best_cost:
                best, best_cost = got, c
            if not (hide[got] & ~flags[got]).any():
                return best
    return best


def _perturbation(s, cells, flags, x, movable, cost, unit, row, gid, tot, index):
    """Cells of the cheapest perturbation y of the table that protects hidden cell ``s``, or None.

    y is zero outside ``cells`` and on published cells that cannot move, keeps every relation
    (A y = 0), moves s by its protection level p up (y_s = p) and, scaled by d/p with
    d = min(p, x_s), down: x + y ≥ 0 and x − (d/p) y ≥ 0. Then x + y and x − (d/p) y are both
    tables an attacker cannot tell from the truth once the cells where y ≠ 0 are hidden, so s's
    interval holds [x_s − d, x_s + p] (Hundepool et al. 2012, §4.3; the single-cell linear programme of
    τ-ARGUS's and sdcTable's heuristics). Minimises Σ cost_j |y_j| (hidden cells nearly free).
    """
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, hstack

    by_group, g_start, by_row, r_start = index
    p = float(intervals.protection_level(x[s], unit))
    d = min(p, float(x[s]))
    if d <= 0:
        return np.array([s])
    n = len(cells)
    loc = np.full(len(flags), -1, dtype=np.int64)
    loc[cells] = np.arange(n)
    groups = np.unique(gid[by_row[_ranges(r_start[cells], r_start[cells + 1])]])
    m = by_group[_ranges(g_start[groups], g_start[groups + 1])]
    m = m[loc[row[m]] >= 0]
    if not len(m):
        return None
    _, gi = np.unique(gid[m], return_inverse=True)
    a = csr_matrix((np.where(tot[m], -1.0, 1.0), (gi, loc[row[m]])), shape=(int(gi.max()) + 1, n))
    xs = x[cells] / p
    move = flags[cells] | movable[cells]
    up_b = np.where(move, xs * (p / d), 0.0)  # y_j ≤ x_j p / d: the downward table stays ≥ 0
    down_b = np.where(move, xs, 0.0)  # y_j ≥ −x_j
    c = np.where(flags[cells], 1e-4, cost[cells])
    k = int(loc[s])
    bounds = np.column_stack([np.zeros(2 * n), np.concatenate([up_b, down_b])])
    bounds[k] = (1.0, 1.0)
    bounds[n + k] = (0.0, 0.0)
    r = linprog(np.concatenate([c, c]), A_eq=hstack([a, -a]).tocsr(), b_eq=np.zeros(a.shape[0]), bounds=bounds,
                method="highs")
    if r.status != 0:
        return None
    y = r.x[:n] - r.x[n:]
    return cells[np.abs(y) > 1e-6]


def _reach_further(flags, exposed, values, weights, row, gid, tot, avoid=None) -> np.ndarray:
    """Suppress published cells of the nearest relations that still hold any, one per relation.

    Used when every cell of an exposed cell's own relations is already suppressed and the cell is
    still pinned through a chain of relations (e.g. a published zero two relations away): the
    relations one step further out are searched, then the next ones, until published cells are found
    (members with firms first, smallest first; then other members, areas' totals and relation totals).

    >>> # a = b (both hidden, the relation's total b is hidden), b + c = 5 with c published: a is pinned
    >>> # at 5 - c; its own relation holds nothing published, so c (one relation further) is suppressed
    >>> _reach_further(np.array([True, True, False, False]), np.array([True, False, False, False]),
    ...                np.array([2.0, 2.0, 3.0, 5.0]), np.ones(4), np.array([0, 1, 1, 2, 3]),
    ...                np.array([0, 0, 1, 1, 1]), np.array([False, True, False, False, True])).tolist()
    [True, True, True, False]
    """
    new = flags.copy()
    groups = np.unique(gid[exposed[row]])
    vals = np.abs(np.nan_to_num(np.asarray(values, dtype=np.float64)))
    while len(groups):
        in_groups = np.isin(gid, groups)
        cand = in_groups & ~flags[row]
        if cand.any():
            r = row[cand]
            usable = ~tot[cand] & (np.asarray(weights, dtype=np.float64)[r] > 0)
            rank = np.where(usable, 0, np.where(~tot[cand], 1, 2))
            if avoid is not None:
                rank = rank + 3 * np.asarray(avoid, dtype=bool)[r]
            pick = pd.DataFrame({"g": gid[cand], "rank": rank, "v": vals[r], "row": r})
            pick = pick.sort_values(["g", "rank", "v", "row"]).drop_duplicates("g")
            new[pick["row"].to_numpy()] = True
            return new
        wider = np.unique(gid[np.isin(row, row[in_groups])])
        if len(wider) == len(groups):
            return new
        groups = wider
    return new


def apply_disclosure(df: pd.DataFrame, value_col: str, count_col: str, max_col: str | None = None,
                     group_cols=(), industry_col: str = "industry_code", total_code: str = "ALL",
                     enabled: bool | None = None, unit: float = 1.0) -> pd.DataFrame:
    """Apply the threshold, dominance and secondary rules to one published table.

    Parameters
    ----------
    df : DataFrame
        One row per published cell with the value, the number of firms it rests on and (for
        sums) the largest single firm's value.
    value_col, count_col, max_col : str
        Column names; ``max_col`` None means no dominance rule (counts, ratios).
    group_cols : sequence of str
        Columns defining a row of cells that add up to a total (secondary suppression); the
        total is the cell with ``industry_col == total_code``.
    enabled : bool, optional
        Default: :func:`disclosure_enabled`. When False only a ``note`` "not for publication"
        is added.
    unit : float
        Protection level unit (one firm or person; 0 for euros, protected by the 10 % rule alone).

    Returns
    -------
    DataFrame
        A copy with ``value_col`` set to NaN where suppressed and a boolean ``suppressed`` column
        (or'ed with an existing one).
    """
    enabled = disclosure_enabled() if enabled is None else enabled
    out = df.copy()
    prior = out["suppressed"].astype(bool) if "suppressed" in out else pd.Series(False, index=out.index)
    if not enabled:
        out["suppressed"] = prior
        out["note"] = NOT_FOR_PUBLICATION
        return out
    flags = primary_flags(out[count_col], out[value_col] if max_col else None,
                          out[max_col] if max_col else None)
    out["_flag"] = flags | prior.to_numpy()
    if industry_col in out and len(out):
        # each row of cells with its total is one relation: the exact rule and the protection level
        group_cols = list(group_cols)
        key = (out.groupby(group_cols, sort=False, dropna=False).ngroup().to_numpy() if group_cols
               else np.zeros(len(out), dtype=np.int64))
        is_tot = (out[industry_col] == total_code).to_numpy(dtype=bool)
        with_total = np.isin(key, key[is_tot])
        row = np.flatnonzero(with_total)
        if len(row):
            _, gid = np.unique(key[row], return_inverse=True)
            out["_flag"] = protect_measure(out["_flag"].to_numpy(dtype=bool), out[value_col].to_numpy(dtype=np.float64),
                                           out[count_col].to_numpy(dtype=np.float64), unit, row, gid, is_tot[row])
    out["suppressed"] = out.pop("_flag").astype(bool)
    out[value_col] = out[value_col].astype("float64").mask(out["suppressed"])
    return out


def mark_not_for_publication(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose ``note`` says "not for publication" and whose provenance says so too."""
    out = df.copy()
    if "note" in out and len(out):
        note = out["note"].astype("string").fillna("")
        out["note"] = (note.where(note == "", note + "; ") + NOT_FOR_PUBLICATION).astype("string")
    else:
        out["note"] = pd.Series(NOT_FOR_PUBLICATION, index=out.index, dtype="string")
    prov = dict(provenance.get(df))
    prov["not_for_publication"] = True
    return provenance.tag(out, prov)
