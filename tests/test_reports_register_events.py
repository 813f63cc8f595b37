"""An area report on fetched tables: openings/closures as register events, the newer population table.

A ``data/real``-like folder is made by hand (constructed numbers, not statistics) with a manifest as
``kasvudata data fetch`` writes it, so the files count as fetched and unchanged.
"""
import html
import json
from unittest import mock

import matplotlib
import pandas as pd
import pytest
from test_reports_table import expected, hand_table

from kasvudata_utils.data import sources

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def real_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    hand_table().to_parquet(folder / "business_table.parquet", index=False)
    rows = []
    for q in ("2022Q1", "2022Q2", "2022Q3", "2022Q4"):  # KU009: 2 + 1 openings a quarter, 1 closure
        rows.append(["KU009", "ALL", q, 2022, int(q[-1]), "register_opening", 3.0, False])
        rows.append(["KU009", "ALL", q, 2022, int(q[-1]), "register_closure", 1.0, q == "2022Q4"])
    ev = pd.DataFrame(rows, columns=["area_code", "industry_code", "period", "year", "quarter", "event", "count",
                                     "suppressed"])
    ev.to_parquet(folder / "openings_closures.parquet", index=False)
    pd.DataFrame({"municipality_code": ["KU009"] * 3, "year": [1999, 2023, 2024],
                  "population": [3000.0, 2500.0, 2450.0]}).to_parquet(folder / "population.parquet", index=False)
    files = {}
    for name, tid, title in (("business_table.parquet", "13wz", "alueellinen yritystoimintatilasto"),
                             ("openings_closures.parquet", "11yq", "aloittaneet ja lopettaneet yritykset"),
                             ("population.parquet", "11re", "väestörakenne")):
        files[name] = {"table_id": tid, "title_fi": title, "title_en": title, "fetched_utc": "2026-05-04T08:00:00Z",
                       "sha256": sources.file_sha256(folder / name)}
    (folder / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return folder


def _sections(real_folder, *names):
    from kasvudata_utils.reports.area import AreaReport
    from kasvudata_utils.reports.common import normalise_parameters

    shown = []
    with mock.patch("kasvudata_utils.reports.area.show", lambda obj, *a, _s=shown, **k: _s.append(obj)):
        params = normalise_parameters("KU009", "MK17", 2018, 2023, "fi",
                                      table_path=str(real_folder / "business_table.parquet"))
        rep = AreaReport.build(params)
        for name in names:
            getattr(rep, name)()
    return rep, " ".join(html.unescape(s) if isinstance(s, str) else "" for s in shown)


def test_fetched_table_is_real_with_table_and_date(real_folder):
    rep, text = _sections(real_folder, "header")
    assert rep.d.prov["kind"] == "real"
    assert "Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, haettu 2026-05-04" in text
    assert rep.ind[(rep.ind.indicator == "personnel") & (rep.ind.area_code == "KU009") & (rep.ind.year == 2023)
                   & (rep.ind.industry_code == "ALL")]["value"].iloc[0] == expected("KU009", 2023)


def test_openings_and_closures_shown_as_register_events_never_births(real_folder):
    _, text = _sections(real_folder, "demography")
    assert "Aloittaneet ja lopettaneet yritykset (yritysrekisterin tapahtumia" in text
    assert "taulukko 11yq" in text
    # 2022: 4 quarters × 3 openings = 12; closures rest on a confidential quarter, so the sum is suppressed
    row = text[text.index("<td>2022</td>"):].split("</tr>")[0]
    assert "<td>12</td>" in row and 'title="salattu"' in row
    assert "Syntyneet (%)" not in text  # no birth-rate figure from a business table


def test_population_from_the_fetched_table(real_folder):
    _, text = _sections(real_folder, "labour_market")
    from kasvudata_utils.plots import format_number

    # 2023 → 2024 from the fetched table (1999 is before the charts' 2000 start)
    assert f"{format_number(2500, 'fi')} (2023) → {format_number(2450, 'fi')} (2024)" in text
