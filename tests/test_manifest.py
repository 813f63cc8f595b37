"""The data manifest and ``kasvudata data check``: a changed byte fails naming the file."""
from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from kasvudata_utils import cli
from kasvudata_utils.data import build, manifest
from kasvudata_utils.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"


@pytest.fixture()
def data_copy(tmp_path, monkeypatch):
    """A temporary data folder with the committed raw files and manifest (nothing built)."""
    shutil.copytree(DATA / "raw", tmp_path / "raw")
    shutil.copy(DATA / "manifest.csv", tmp_path / "manifest.csv")
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    return tmp_path


def _lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_committed_manifest_lists_every_raw_file():
    rows = manifest.read(DATA)
    raw = {r["path"] for r in rows if r["layer"] == "raw"}
    on_disk = {p.relative_to(DATA).as_posix() for p in (DATA / "raw").rglob("*") if p.is_file()}
    assert raw == on_disk
    assert list(rows[0]) == manifest.COLUMNS
    by_path = {r["path"]: r for r in rows}
    # wc -l data_kunta_1001.csv = 55,181 lines = header + 55,180 monthly rows
    assert by_path["raw/labour_market_tem/data_kunta_1001.csv"]["rows"] == "55180"
    # Export_regional.csv: 19 regions + Tuntemato + Yhteensä
    assert by_path["raw/exports_regional/Export_regional.csv"]["rows"] == "21"
    assert all(r["licence"] and r["attribution"] and r["source"] for r in rows)


def test_check_passes_on_a_clean_copy(data_copy, capsys):
    assert cli.main(["data", "check"]) == 0
    lines = _lines(capsys)
    assert "OK raw/population/sotkadata_population.csv" in lines
    # processed files are not built in the copy: reported, not failed
    skipped = [ln for ln in lines if ln.startswith("SKIP processed/")]
    assert skipped and all("run `kasvudata data build`" in ln for ln in skipped)


def test_one_changed_byte_fails_naming_the_file(data_copy, capsys):
    target = data_copy / "raw" / "exports_regional" / "Export_regional.csv"
    data = bytearray(target.read_bytes())
    i = data.index(b"1420")
    data[i] = ord("2")  # 1420 → 2420: same size, same rows, one byte different
    target.write_bytes(bytes(data))
    assert cli.main(["data", "check"]) == 2
    lines = _lines(capsys)
    fails = [ln for ln in lines if ln.startswith("FAIL")]
    assert fails == ["FAIL raw/exports_regional/Export_regional.csv: sha256 differs from the manifest "
                     "(file changed)"]


def test_missing_and_unlisted_raw_files_fail(data_copy, capsys):
    (data_copy / "raw" / "population" / "sotkadata_population.csv").unlink()
    (data_copy / "raw" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    assert cli.main(["data", "check"]) == 2
    out = "\n".join(_lines(capsys))
    assert "FAIL raw/population/sotkadata_population.csv: file missing" in out
    assert "FAIL raw/extra.csv: not in the manifest" in out


def test_processed_files_checked_after_update(data_copy, capsys):
    build.build_real(data_copy / "processed", raw=data_copy / "raw")
    rows = manifest.update(data_copy)
    by_path = {r["path"]: r for r in rows}
    pop = by_path["processed/population.parquet"]
    assert pop["rows"] == str(308 * 23) and pop["schema"] == "municipality_code;year;population"
    assert by_path["processed/web_mk17.geojson"]["rows"] == "30"
    assert cli.main(["data", "check"]) == 0
    _lines(capsys)
    # a processed file replaced by one with another schema fails with the reason and the remedy
    build.write_parquet(pd.DataFrame({"x": [1, 2]}), data_copy / "processed" / "distances.parquet")
    assert cli.main(["data", "check"]) == 2
    fail = [ln for ln in _lines(capsys) if ln.startswith("FAIL")]
    assert len(fail) == 1 and fail[0].startswith("FAIL processed/distances.parquet: sha256 differs")
    assert "2 rows, manifest says 308" in fail[0] and "kasvudata data build" in fail[0]


def test_update_keeps_entries_of_unbuilt_processed_files(data_copy):
    before = [r for r in manifest.read(data_copy) if r["layer"] == "processed"]
    manifest.update(data_copy)  # nothing built in the copy
    after = [r for r in manifest.read(data_copy) if r["layer"] == "processed"]
    assert after == before
    with open(data_copy / "manifest.csv", encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == manifest.COLUMNS


def test_missing_manifest_is_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    assert cli.main(["data", "check"]) == 2
    err = capsys.readouterr().err
    assert "data manifest missing" in err and len(err.strip().splitlines()) == 1


def test_project_data_passes_check():
    # `make test` builds data/processed first (Makefile: test depends on the data stamp)
    assert (DATA / "processed" / "population.parquet").exists(), "run `kasvudata data build` first"
    failed = [r.line() for r in manifest.check(DATA) if not r.ok]
    assert failed == []


def test_update_ignores_national_build_folder(data_copy):
    nat = data_copy / "processed" / "national"
    nat.mkdir(parents=True)
    build.write_parquet(pd.DataFrame({"x": [1]}), nat / "firm_panel.parquet")
    rows = manifest.update(data_copy)
    assert not any("national" in r["path"] for r in rows)
