"""Issue 18: the indicator engine's area lookups stay the definition of :func:`areas.contains`.

``areas.members`` no longer normalises every code of the area table through ``contains`` (at national
scale that was 250 000 normalisations in ``resolve_pairs``); the result must be the same list.
"""
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
