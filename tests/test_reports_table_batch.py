"""The whole report batch on a hand-made ``--table`` file: the 38 areas of Northern Ostrobothnia, end to end.

``kasvudata reports --areas all --table FILE --jobs 2`` runs once (module fixture; every test of this
module shares one xdist group, so the batch is not run once per worker). The table is constructed, not
statistics (:func:`test_reports_table.hand_table`): every municipality of Finland (Finland is the
region's reference), TOL divisions 10 and 47, 2018–2023, personnel by a formula of the municipality's
position in the sorted code list, so that every area's total is known (:func:`test_reports_table.expected`).
The explorer's cache is built from the same file and must show the same numbers.
"""
import json
import re
import time

import pandas as pd
import pytest
from test_reports_table import expected, hand_table

from kasvudata_utils import areas, cli
from kasvudata_utils.plots import format_number
from kasvudata_utils.reports import batch

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]  # never beside the load test

NAME = "hand_mk17_table.csv"
LABEL = f"User data · {NAME}"
# Alavieska, its sub-region, the region, Oulu (the largest municipality) and Kuusamo
CHECKED = ("KU009", "SK177", "MK17", "KU564", "KU305")


@pytest.fixture(scope="module")
def table_batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("table_batch_38")
    table = folder / NAME
    hand_table().to_csv(table, index=False)
    out = folder / "reports"
    started = time.perf_counter()
    rc = cli.main(["reports", "--areas", "all", "--table", str(table), "--out", str(out), "--lang", "en",
                   "--jobs", "2", "--no-industries"])
    seconds = time.perf_counter() - started
    print(f"38-area --table batch: {seconds:.1f} s")
    return rc, out, table, seconds


def _text(path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def _personnel(out, area, year=2023):
    df = pd.read_csv(out / area / "tables" / "indicators.csv", dtype={"industry_code": str})
    row = df[(df.area_code == area) & (df.indicator == "personnel") & (df.industry_code == "ALL") & (df.year == year)]
    assert len(row) == 1, (area, year)
    return float(row["value"].iloc[0])


def test_all_38_reports_ok_from_the_table(table_batch):
    rc, out, _, _ = table_batch
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert rc == 0, m["summary"]
    assert sorted(m["reports"]) == sorted(batch.parse_areas("all")) and len(m["reports"]) == 38
    assert all(r["status"] == "ok" for r in m["reports"].values())
    assert m["data_source"]["kind"] == "user" and m["data_source"]["sources"] == [NAME]


def test_the_tables_own_numbers_in_the_reports(table_batch):
    _, out, _, _ = table_batch
    for area in CHECKED:
        # the area's personnel: the sum over its municipalities and the two divisions, worked from the formula
        assert _personnel(out, area) == expected(area, 2023), area
        assert _personnel(out, area, 2018) == expected(area, 2018), area
    # by hand for Alavieska (position k=1 in the sorted list of Finland's codes: KU005, KU009, …):
    # division 10 = (1 % 7 + 3) × (2023 − 2017) = 24, division 47 = 2 × (1 % 5 + 4) = 10 → 34
    assert sorted(areas.municipalities("SSS"))[1] == "KU009" and _personnel(out, "KU009") == 34.0
    # the region's personnel as the report's summary shows it (a number formatted for the page)
    text = _text(out / "MK17" / "report.html")
    assert format_number(expected("MK17", 2023), "en") in text
    # the reference of a municipality is the region, from the same table (its own report's rows: a
    # report's indicators.csv holds only its area)
    ref = pd.read_csv(out / "MK17" / "tables" / "indicators.csv", dtype={"industry_code": str})
    mk = ref[(ref.area_code == "MK17") & (ref.indicator == "personnel") & (ref.industry_code == "ALL")
             & (ref.year == 2023)]
    assert mk["value"].iloc[0] == expected("MK17", 2023)


def test_label_on_every_first_screen_and_no_synthetic_badge(table_batch):
    _, out, _, _ = table_batch
    for area in batch.parse_areas("all"):
        page = out / area / "report.html"
        raw = page.read_text(encoding="utf-8")
        text = _text(page)
        assert LABEL in text, area
        assert text.index(LABEL) < text.index("Key findings"), area  # before the first section
        assert "SYNTHETIC" not in raw and "kd-synthetic" not in raw, area
    index = _text(out / "index.html")
    assert LABEL in index and index.index(LABEL) < index.index("Areas")
    assert "SYNTHETIC" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_explorer_cache_shows_the_same_numbers(table_batch, tmp_path):
    from kasvudata_utils.apps import cache
    from kasvudata_utils.data import sources

    _, out, table, _ = table_batch
    src = sources.resolve_source("default", table_path=str(table))
    data = cache.AppData.load(cache.ensure_app_data(tmp_path / "cache", source=src))
    assert data.prov["kind"] == "user" and data.prov["sources"] == [NAME]
    for area in CHECKED:
        assert data.value(area, "personnel", 2023) == _personnel(out, area) == expected(area, 2023), area
