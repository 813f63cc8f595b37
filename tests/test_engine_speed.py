"""Issue 18: the indicator engine's area lookups stay the definition of :func:`areas.contains`.

``areas.members`` no longer normalises every code of the area table through ``contains`` (at national
scale that was 250 000 normalisations in ``resolve_pairs``); the result must be the same list.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kasvudata_utils import areas


def test_members_equals_the_contains_definition_for_every_kind_of_area():
    table = areas.all_areas()
    outers = [c for c, a in table.items() if a.level in ("SSS", "MK", "SK")] + ["KU009", "KU564", "KU009+KU071"]
    for outer in outers:
        for level in ("KU", "SK", "MK"):
            expected = [c for c, a in table.items() if a.level == level and areas.contains(outer, c)]
            assert areas.members(outer, level) == expected, (outer, level)
    # worked by hand: the Ylivieska sub-region holds 6 municipalities, Alavieska (KU009) among them
    assert "KU009" in areas.members("SK177", "KU") and len(areas.members("SK177", "KU")) == 6
    assert areas.members("KU009", "KU") == ["KU009"] and areas.members("KU009", "SK") == []


def test_a_code_normalises_to_itself_by_the_short_cut_and_by_the_spelling_rules():
    # normalise_area returns a code of the area table at once; with a leading space the same text goes
    # through the spelling rules (clean, pattern, lookup) and must give the same code
    for code in areas.all_areas():
        assert areas.normalise_area(code) == code
        assert areas.normalise_area(f" {code.lower()}") == code, code


def test_packed_key_order_is_the_lexsort_order():
    import numpy as np

    from kasvudata_utils.indicators.compute import _order

    rng = np.random.default_rng(7)
    n = 5000
    keys = (rng.integers(0, 40, n), rng.integers(-3, 3, n), rng.random(n) < 0.5, rng.integers(2000, 2024, n))
    assert np.array_equal(_order(keys), np.lexsort(tuple(reversed(keys))))
    # by hand: first key first, ties broken by the next, equal rows keep their order (stable)
    assert _order((np.array([1, 0, 1, 0]), np.array([5, 9, 2, 9]))).tolist() == [1, 3, 2, 0]
    # ranges too wide to pack into one int64 fall back to lexsort, same order
    wide = (rng.integers(0, 2**40, n), rng.integers(0, 2**40, n))
    assert np.array_equal(_order(wide), np.lexsort(tuple(reversed(wide))))


def test_prepared_data_remember_coverage_by_the_sources_rule():
    from kasvudata_utils.data import sources
    from kasvudata_utils.indicators import engine

    cd = engine.CellData(cells=None, kind="panel", years=(2020, 2022), municipalities=frozenset({"KU305", "KU832"}))
    codes = ["SK178", "KU305", "KU009", "MK17", "SSS", "SK177"]
    for _ in range(2):  # the second round reads the remembered answers
        assert [cd.covers(c) for c in codes] == [sources.covers(cd.municipalities, c) for c in codes]
    # by hand: Koillismaa (SK178) is Kuusamo and Taivalkoski, both present; Alavieska (KU009) is not
    assert cd.covers("SK178") and cd.covers("KU305") and not cd.covers("KU009") and not cd.covers("MK17")


def _groups_by_object_codes(t):
    """The former :func:`protection._groups` (object codes, ``np.unique`` renumbering): the tested reference."""
    import numpy as np
    import pandas as pd

    n = len(t)
    rid = np.arange(n, dtype=np.int64)
    a_codes, a_uniq = pd.factorize(pd.concat([t["area_code"].astype(object), t["_parent_area"].astype(object)],
                                             ignore_index=True), use_na_sentinel=True)
    i_codes, i_uniq = pd.factorize(pd.concat([t["industry_code"].astype(object), t["_parent_ind"].astype(object)],
                                             ignore_index=True), use_na_sentinel=True)
    area, parent_area = a_codes[:n].astype(np.int64), a_codes[n:].astype(np.int64)
    ind, parent_ind = i_codes[:n].astype(np.int64), i_codes[n:].astype(np.int64)
    year = t["year"].to_numpy(dtype=np.int64) - int(t["year"].min())
    na, ni, ny = len(a_uniq) + 1, len(i_uniq) + 1, int(year.max()) + 1

    def key(relation, a, i, y):
        return ((relation * na + a) * ni + i) * ny + y

    lvl = t["_ind_level"].to_numpy(dtype=object)
    member_i, total_i, member_a = lvl != "ALL", lvl != "division", parent_area >= 0
    rows = np.concatenate([rid[member_i], rid[total_i], rid[member_a], rid])
    keys = np.concatenate([key(0, area[member_i], parent_ind[member_i], year[member_i]),
                           key(0, area[total_i], ind[total_i], year[total_i]),
                           key(1, parent_area[member_a], ind[member_a], year[member_a]),
                           key(1, area, ind, year)])
    tot = np.concatenate([np.zeros(member_i.sum(), bool), np.ones(total_i.sum(), bool),
                          np.zeros(member_a.sum(), bool), np.ones(n, bool)])
    gid, _ = pd.factorize(keys)
    keep = np.bincount(gid, weights=~tot)[gid] > 0
    _, gid = np.unique(gid[keep], return_inverse=True)
    return rows[keep], gid, tot[keep]


@pytest.fixture(scope="module")
def protection_input():
    """The table :func:`protection.protected_table` hands to the exact rule (test-scale synthetic panel),
    with the flags it got back."""
    from kasvudata_utils.data.synthetic import generate
    from kasvudata_utils.indicators import engine, protection

    seen = {}
    real = protection.protect_uncached

    def spy(t, levels=True):
        seen["input"], seen["levels"] = t.copy(), levels
        seen["output"] = real(t, levels)
        return seen["output"]

    cd = engine.prepare(generate(scale="test").firm_panel)
    protection.protect_uncached = spy
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("KASVUDATA_PROTECTION_LEVELS", "off")
            protection.protected_table(cd)
    finally:
        protection.protect_uncached = real
    assert seen["levels"] is False  # the exact rule's branch was the one run
    return seen


def test_groups_by_integer_codes_equal_the_object_code_groups(protection_input):
    import numpy as np

    from kasvudata_utils.indicators import protection

    t = protection_input["input"]
    got, expected = protection._groups(t), _groups_by_object_codes(t)
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a, b)
    row, gid, tot = got
    # every kind of relation is there: industries → ALL, divisions → section and areas → parent area
    assert tot.sum() == gid.max() + 1  # one total per group
    has_parent = t["_parent_area"].notna().to_numpy()
    assert has_parent.any() and (~has_parent).any()
    assert set(t["_ind_level"]) == {"ALL", "section", "division"}


def test_exact_rule_of_all_measures_at_once_equals_each_measure_by_repeated_passes(protection_input):
    import numpy as np
    from test_disclosure import _secondary_by_rounds

    from kasvudata_utils.indicators import protection

    t, out = protection_input["input"], protection_input["output"]
    row, gid, tot = _groups_by_object_codes(t)
    added = 0
    for m, (value_col, weight_col) in protection.PROTECTED.items():
        flags = t[f"f_{m}"].to_numpy(dtype=bool)
        expected = _secondary_by_rounds(flags, t[value_col].to_numpy(dtype=float),
                                        t[weight_col].to_numpy(dtype=float), row, gid, tot)
        assert np.array_equal(out[f"f_{m}"].to_numpy(dtype=bool), expected), m
        added += int((expected & ~flags).sum())
    assert added > 0  # the secondary rule had cells to add: the comparison is not of primary flags alone


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.booleans())
def test_secondary_of_many_measures_equals_each_measure_alone(seed, threads):
    import numpy as np
    from test_disclosure import _secondary_by_rounds, random_groups

    from kasvudata_utils.indicators import disclosure

    # threads: the measures two at a time, as on a national table (PARALLEL_MEMBERSHIPS memberships or more)
    limit = disclosure.PARALLEL_MEMBERSHIPS
    disclosure.PARALLEL_MEMBERSHIPS = 0 if threads else limit

    # random overlapping groups (one total each); three measures with their own flags, values, weights
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 50))
    row, gid, tot = random_groups(rng, n)
    measures = []
    for _ in range(3):
        values = rng.integers(0, 5, n).astype(float)
        values[rng.random(n) < 0.05] = np.nan
        measures.append((rng.random(n) < 0.15, values, rng.integers(0, 3, n).astype(float)))
    try:
        got = disclosure.secondary_until_stable_many(measures, row, gid, tot)
    finally:
        disclosure.PARALLEL_MEMBERSHIPS = limit
    for (flags, values, weights), g in zip(measures, got, strict=True):
        assert g.tolist() == _secondary_by_rounds(flags, values, weights, row, gid, tot).tolist()


def _timeline_by_positions(sy, new_firm, sp):
    """The former per-row firm timeline of ``cells._features`` (int64 years, the firm's first position
    as its identity, first and last year by running maxima): the tested reference of ``cells._timeline``."""
    import numpy as np

    n = len(sy)
    pos = np.arange(n)
    start = np.maximum.accumulate(np.where(new_firm, pos, 0))
    end = np.minimum.accumulate(np.where(np.r_[new_firm[1:], True], pos, n)[::-1])[::-1]

    def ahead(k, dy):
        out = np.zeros(n, dtype=bool)
        if k < n:
            out[:n - k] = (sy[k:] == sy[:n - k] + dy) & (start[k:] == start[:n - k])
        return out

    found = {m: [ahead(k, m) for k in range(1, m + 1)] for m in (1, 3, 5)}
    e3 = np.full(n, np.nan)
    for k, hit in enumerate(found[3][:n - 1], start=1):
        e3[k:][hit[:n - k]] = sp[:n - k][hit[:n - k]]
    alive = {m: np.logical_or.reduce(found[m]) for m in (1, 3, 5)}
    return sy == sy[start], sy == sy[end], e3, alive


@pytest.mark.parametrize("rows", [None, 1, 2, 4])
def test_firm_timeline_by_narrow_integers_equals_the_position_comparison(rows):
    import numpy as np

    from kasvudata_utils.data.synthetic import generate
    from kasvudata_utils.indicators import cells

    panel = generate(scale="test").firm_panel.sort_values(["firm_id", "year"], kind="stable")
    if rows is not None:  # the shortest panels: fewer rows than places looked ahead
        panel = panel.head(rows)
    sy = panel["year"].to_numpy(dtype=np.int64)
    sp = panel["personnel"].to_numpy(dtype=np.float64)
    order, new_firm = cells._firm_year_order(panel["firm_id"], sy)
    assert order is None or order.tolist() == list(range(len(sy)))  # sorted already
    got = cells._timeline(sy, new_firm, sp, int(sy.min()))
    expected = _timeline_by_positions(sy, new_firm, sp)
    for a, b in zip(got[:3], expected[:3], strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert got[3].keys() == expected[3].keys()
    for m in expected[3]:
        assert np.array_equal(got[3][m], expected[3][m]), m
    if rows is None:  # every feature occurs, so the comparison is not of empty columns
        assert got[0].sum() > 0 and (~got[1]).sum() > 0 and not np.isnan(got[2]).all()
        assert all(a.any() for a in got[3].values())
