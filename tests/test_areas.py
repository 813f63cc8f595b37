"""Area codes and names (SPEC §1), checked against the 2025 classification key."""
import subprocess
import sys

import pytest

from kasvudata_utils import areas
from kasvudata_utils.errors import InputError


@pytest.mark.parametrize("value", ["009", 9, "9", "KU009", "ku009", " KU 009 ", "Alavieska", "alavieska", 9.0])
def test_alavieska_spellings(value):
    assert areas.normalise_area(value) == "KU009"


@pytest.mark.parametrize("value, code", [
    ("SK 177", "SK177"), ("sk177", "SK177"),
    (177, "KU177"),  # a bare number is a municipality: Juupajoki, never the Ylivieska sub-region
    ("Ylivieskan seutukunta", "SK177"), ("Ylivieska sub-region", "SK177"),
    ("Oulunkaaren seutukunta", "SK173"), ("Nivala-Haapajärven seutukunta", "SK176"),
    ("Oulu", "KU564"), ("Uleåborg", "KU564"),  # municipality name wins over the sub-region
    ("Pohjois-Pohjanmaa", "MK17"), ("Norra Österbotten", "MK17"), ("mk17", "MK17"),
    ("Finland", "SSS"), ("Suomi", "SSS"), ("koko maa", "SSS"), ("sss", "SSS"),
    ("Brahestad", "KU678"), ("Raahe", "KU678"),
])
def test_codes_and_names(value, code):
    assert areas.normalise_area(value) == code


@pytest.mark.parametrize("value", ["XYZ", "KU9999", "SK999", "MK99", 999, "", None, True, "Ouluu seutukunta"])
def test_unknown_is_one_line_error(value):
    with pytest.raises(InputError) as exc:
        areas.normalise_area(value)
    msg = str(exc.value)
    assert "\n" not in msg and "unknown area" in msg


def test_close_matches_are_named():
    with pytest.raises(InputError, match="KU564 Oulu|SK171 Oulu"):
        areas.normalise_area("Oulou")


def test_hierarchy_of_northern_ostrobothnia():
    # PROVENANCE.md: 30 municipalities in 7 sub-regions with sizes 7, 4, 3, 3, 5, 6, 2.
    assert len(areas.members("MK17", "KU")) == 30
    sizes = {sk: len(areas.members(sk, "KU")) for sk in areas.members("MK17", "SK")}
    assert sizes == {"SK171": 7, "SK173": 4, "SK174": 3, "SK175": 3, "SK176": 5, "SK177": 6, "SK178": 2}
    assert len(areas.home_region_areas()) == 38
    assert len(areas.members("SSS", "KU")) == 308  # 2025 division: Pertunmaa merged into Mäntyharju
    assert len(areas.members("SSS", "MK")) == 19


def test_parents_and_default_reference():
    assert areas.parent("KU009") == "SK177"
    assert areas.parent("SK177") == "MK17"
    assert areas.parent("MK17") == "SSS"
    assert areas.default_reference(9) == "MK17"
    assert areas.default_reference("SK177") == "MK17"
    assert areas.default_reference("MK17") == "SSS"
    assert areas.contains("MK17", "KU009") and not areas.contains("SK171", "KU009")


def test_names_and_urban_rural():
    a = areas.get_area("KU564")
    assert (a.name_fi, a.name_sv, a.urban_rural) == ("Oulu", "Uleåborg", "urban")
    assert areas.get_area("KU009").urban_rural == "rural"
    assert areas.area_name("SK177", "fi") == "Ylivieska"


def test_official_names_tell_a_sub_region_from_its_municipality():
    # issue 13: SK177 and KU977 (and SK171/KU564, SK174/KU678) must not share a title
    assert areas.official_name("SK177", "fi") == "Ylivieskan seutukunta"
    assert areas.official_name("SK177", "en") == "Ylivieska sub-region"
    assert areas.official_name("KU977", "fi") == "Ylivieska"
    assert areas.official_name("SK171", "fi") == "Oulun seutukunta"
    assert areas.official_name("SK174", "fi") == "Raahen seutukunta"
    assert areas.official_name("SK173", "fi") == "Oulunkaaren seutukunta"
    assert areas.official_name("MK17", "fi") == "Pohjois-Pohjanmaa"
    for lang in ("fi", "en"):
        names = [areas.official_name(c, lang) for c in areas.home_region_areas()]
        assert len(set(names)) == 38, lang
        for c, n in zip(areas.home_region_areas(), names, strict=True):
            assert areas.normalise_area(n) == c
    # outside the home region no genitive is guessed (Helsinki → Helsingin would need gradation)
    assert areas.official_name("SK011", "fi") == "Helsinki (seutukunta)"


def test_municipality_map_levels():
    m = areas.municipality_map("SK")
    assert m["KU009"] == "SK177" and m["KU564"] == "SK171"
    assert set(areas.municipality_map("SSS").values()) == {"SSS"}


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "kasvudata_utils", *args], capture_output=True, text=True)


def test_cli_areas_within_mk17():
    r = run_cli("areas", "--within", "MK17", "--level", "KU")
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "area_code,name_fi,name_sv,level,subregion_code,region_code,urban_rural"
    assert len(lines) == 31 and "KU009,Alavieska,Alavieska,KU,SK177,MK17,rural" in lines
    r = run_cli("areas", "--within", "Pohjois-Pohjanmaa", "--level", "SK")
    assert len(r.stdout.strip().splitlines()) == 8


def test_cli_bad_area_exits_2_with_one_line():
    r = run_cli("areas", "--within", "XYZ")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "unknown area 'XYZ'" in r.stderr and "Traceback" not in r.stderr
