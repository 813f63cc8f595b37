"""Industries, labels and provenance: the small shared modules."""
import pandas as pd
import pytest

from kasvudata_utils import industries, labels, provenance
from kasvudata_utils.errors import InputError


def test_industry_codes():
    assert industries.normalise_industry(1) == "01"
    assert industries.normalise_industry("c") == "C"
    assert industries.normalise_industry("all") == "ALL"
    assert industries.section_of("10") == "C" and industries.section_of("62") == "J"
    assert len(industries.sections()) == 21 and len(industries.divisions()) == 88
    assert industries.divisions("C") == [f"{d}" for d in range(10, 34)]
    with pytest.raises(InputError, match="unknown industry '77x'"):
        industries.normalise_industry("77x")


def test_industry_names_fix_upstream_typos():
    # PROVENANCE.md: upstream typos "MAANPUOLUSTU3S" (O, fi) and "U0NDIFFERENTIATED" (T, en).
    assert "3" not in industries.industry_name("O", "fi")
    assert "u0nd" not in industries.industry_name("T", "en").lower()
    assert industries.industry_name("C", "fi") == "Teollisuus"


def test_labels_fallbacks():
    assert labels.t("area", "en") == "Area"
    assert labels.t("area", "sv") == "Alue"  # unknown language falls back to Finnish
    with pytest.raises(KeyError, match="no-such-key"):  # a missing label is a bug, never shown as text
        labels.t("no-such-key")
    assert labels.normalise_lang("EN") == "en" and labels.normalise_lang("xx") == "fi"
    assert all("fi" in v and "en" in v for v in labels.LABELS.values())


def test_provenance_combine_and_badge():
    real = provenance.make("real", ["Statistics Finland"])
    syn = provenance.make("synthetic", ["KasvuDATA synthetic panel"])
    both = provenance.combine(real, syn)
    assert both["kind"] == "mixed" and both["sources"] == ["Statistics Finland", "KasvuDATA synthetic panel"]
    df = provenance.tag(pd.DataFrame({"x": [1]}), syn)
    assert provenance.get(df)["kind"] == "synthetic"
    assert provenance.badge_text(syn, "fi").startswith("SYNTEETTINEN")
    off = provenance.make("synthetic", not_for_publication=True)
    assert "EI JULKAISTAVAKSI" in provenance.badge_text(off, "fi")
    with pytest.raises(ValueError):
        provenance.make("invented")
