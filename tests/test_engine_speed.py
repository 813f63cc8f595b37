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
