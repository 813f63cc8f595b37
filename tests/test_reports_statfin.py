"""``kasvudata reports --data statfin`` and the industry profile on a fetched table.

``data/real`` is made by hand (a constructed national table, see ``test_reports_table``) with the
manifest ``kasvudata data fetch`` writes, so its figures carry the real label with table and date.
"""
import json
import re
from unittest import mock

import pandas as pd
import pytest
from test_reports_table import expected, hand_table

from kasvudata_utils import areas, cli, paths
from kasvudata_utils.data import sources

LABEL = "Real data · Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, haettu 2026-05-04"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("statfin_data")
    (d / "raw").symlink_to(paths.raw_dir())
    (d / "processed").symlink_to(paths.processed_dir())  # read only: geometries, population, …
    real = d / "real"
    real.mkdir()
    hand_table().to_parquet(real / "business_table.parquet", index=False)
    entry = {"table_id": "13wz", "title_fi": "alueellinen yritystoimintatilasto",
             "title_en": "regional statistics on entrepreneurial activity", "fetched_utc": "2026-05-04T08:00:00Z",
             "sha256": sources.file_sha256(real / "business_table.parquet")}
    unemployment().to_parquet(real / "unemployment.parquet", index=False)
    un_entry = {"table_id": "12r5", "title_fi": "TEM:n työnvälitystilasto", "fetched_utc": "2026-05-05T08:00:00Z",
                "title_en": "employment service statistics of the Ministry of Economic Affairs and Employment",
                "sha256": sources.file_sha256(real / "unemployment.parquet")}
    (real / "manifest.json").write_text(json.dumps({"files": {"business_table.parquet": entry,
                                                              "unemployment.parquet": un_entry}}), encoding="utf-8")
    return d


def unemployment() -> pd.DataFrame:
    """Constructed annual unemployment of every municipality, 2021–2025 (newer than the embedded 2020)."""
    rows = []
    for k, m in enumerate(sorted(areas.municipalities("SSS"))):
        for y in range(2021, 2026):
            rows.append([m, y, 12, float(10 * (k % 4 + 1) + y - 2021), 1000.0, 3.0])
    df = pd.DataFrame(rows, columns=["municipality_code", "year", "months", "unemployed", "labour_force",
                                     "vacancies"])
    df["unemployment_rate_pct"] = 100 * df["unemployed"] / df["labour_force"]
    return df


def test_fetched_unemployment_replaces_the_embedded_one(data_dir, tmp_path):
    out = tmp_path / "reports"
    with mock.patch.dict("os.environ", {"KASVUDATA_DATA_DIR": str(data_dir)}):
        rc = cli.main(["reports", "--areas", "KU009", "--data", "statfin", "--out", str(out), "--lang", "en",
                       "--jobs", "1", "--no-industries"])
    assert rc == 0
    table = pd.read_csv(out / "KU009" / "tables" / "population_labour_market.csv").set_index(["area_code", "year"])
    un = unemployment().set_index("municipality_code")
    # Alavieska alone: its constructed rate; Northern Ostrobothnia: the ratio of the summed counts
    assert table.loc[("KU009", 2025), "unemployment_rate_pct"] == pytest.approx(un.loc["KU009"].query(
        "year == 2025")["unemployment_rate_pct"].iloc[0])
    mk = un.loc[areas.municipalities("MK17")].query("year == 2023")
    assert table.loc[("MK17", 2023), "unemployment_rate_pct"] == pytest.approx(
        100 * mk["unemployed"].sum() / mk["labour_force"].sum())
    assert 2020 not in set(table.loc["KU009"].dropna(subset=["unemployment_rate_pct"]).index)  # not the embedded
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "KU009" / "report.html").read_text()))
    assert "Real data · Tilastokeskus, TEM:n työnvälitystilasto, taulukko 12r5, haettu 2026-05-05" in text


def test_reports_data_statfin_labelled_real_with_vintage(data_dir, tmp_path):
    out = tmp_path / "reports"
    with mock.patch.dict("os.environ", {"KASVUDATA_DATA_DIR": str(data_dir)}):
        rc = cli.main(["reports", "--areas", "KU009", "--data", "statfin", "--out", str(out), "--lang", "en",
                       "--jobs", "1", "--no-industries"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert rc == 0, manifest
    assert manifest["data_source"]["kind"] == "real"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "KU009" / "report.html").read_text()))
    assert LABEL in text and "SYNTHETIC" not in text
    index = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "index.html").read_text()))
    assert LABEL in index


def test_industry_profile_from_the_table(data_dir, monkeypatch):
    from kasvudata_utils.reports.common import normalise_parameters
    from kasvudata_utils.reports.industry import IndustryProfile

    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(data_dir))
    table = str(data_dir / "real" / "business_table.parquet")
    prof = IndustryProfile.build("C", normalise_parameters("MK17", "", 2018, 2023, "en", table_path=table))
    assert prof.prov["kind"] == "real"
    assert prof.table.loc["KU009", "personnel"] == expected("KU009", 2023, "10")
    assert prof.table.loc["MK17", "personnel"] == expected("MK17", 2023, "10")
