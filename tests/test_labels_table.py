"""The label table has no key written twice (a later duplicate silently overrides the first)."""
import ast
from pathlib import Path

import kasvudata_utils.labels as labels


def test_no_duplicate_label_keys():
    tree = ast.parse(Path(labels.__file__).read_text(encoding="utf-8"))
    table = next(n.value for n in ast.walk(tree)
                 if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "LABELS")
    keys = [k.value for k in table.keys]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    assert dupes == [], f"label keys defined twice: {dupes}"


def test_every_label_has_finnish_and_english():
    missing = [k for k, v in labels.LABELS.items() if not (v.get("fi") and v.get("en"))]
    assert missing == []
