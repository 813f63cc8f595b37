"""``kasvudata reports --data statfin`` and the industry profile on a fetched table.

``data/real`` is made by hand (a constructed national table, see ``test_reports_table``) with the
manifest ``kasvudata data fetch`` writes, so its figures carry the real label with table and date.
"""
import json
import re
from unittest import mock

import pytest
from test_reports_table import expected, hand_table

from kasvudata_utils import cli, paths
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
    (real / "manifest.json").write_text(json.dumps({"files": {"business_table.parquet": entry}}), encoding="utf-8")
    return d


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
