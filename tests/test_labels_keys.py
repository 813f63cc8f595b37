"""Every label the code asks for exists, in Finnish and in English.

``labels.t`` raises on an unknown key, so a missing label would surface as an error in front of a user; this
test finds them first by reading the code: literal keys in every ``t("…")``/``labels.t("…")`` call of the
package, the notebooks and the workshop apps, and the families of keys the code builds from a known set
(``ind_<indicator>``, ``lever_<lever>``, ``group_<group>``, ``factor_<term>`` …).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kasvudata_utils import labels, provenance, scenarios
from kasvudata_utils.apps import area_explorer
from kasvudata_utils.insights.validate import KINDS
from kasvudata_utils.reports.findings import HEADLINE
from kasvudata_utils.research import factors, spatial

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"""(?<![\w.])(?:labels\.)?t\(\s*["']([A-Za-z0-9_]+)["']\s*[,)]""")


def literal_keys() -> dict[str, str]:
    found = {}
    files = [*ROOT.joinpath("kasvudata_utils").rglob("*.py"), *ROOT.joinpath("notebooks").glob("*.ipynb"),
             *ROOT.joinpath("workshops").glob("*.ipynb")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if ">>> " not in line)  # doctests show errors on purpose
        for m in CALL.finditer(code):
            found.setdefault(m.group(1), f"{path.relative_to(ROOT)}")
    return found


def family_keys() -> list[str]:
    keys = [f"ind_{i}" for i in area_explorer.INDICATORS]
    keys += [f"lever_{k}" for k in scenarios.default_levers()]
    keys += [f"group_{g}" for g in scenarios.GROUPS]
    keys += [f"data_{k}" for k in provenance.KINDS]
    keys += [f"insight_kind_{k}" for k in KINDS]
    keys += [f"headline_{n}" for n, _ in HEADLINE]
    # the factors an area's context sentence names (the urban–rural class is a control, never named)
    keys += [f"factor_{term}" for term in factors.DEFAULT_FACTORS if term not in ("semi_urban", "rural")]
    keys += [f"spatial_context_{lvl}_{c}" for lvl in ("ku", "area") for c in spatial.CLUSTER_LABELS]
    return keys


def test_the_scanner_sees_calls():
    code = 'x = t("area", lang) + labels.t("col_code") + fmt("no") + t("prefix_" + k)'
    assert CALL.findall(code) == ["area", "col_code"]


def test_every_literal_key_exists():
    assert len(literal_keys()) > 100  # the scanner reads the code (about 200 keys today)
    missing = {k: where for k, where in literal_keys().items() if not labels.has(k)}
    assert missing == {}


@pytest.mark.parametrize("key", family_keys())
def test_every_family_key_exists_in_both_languages(key):
    assert labels.has(key), f"{key} missing from labels.LABELS"
    assert labels.LABELS[key].get("fi") and labels.LABELS[key].get("en")


def test_unknown_key_is_an_error_not_a_text():
    with pytest.raises(KeyError, match="no label 'surely_not_a_label'"):
        labels.t("surely_not_a_label", "en")
