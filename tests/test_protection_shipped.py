"""Issue 12: the embedded panel publishes under the protection levels, from the pattern shipped in data/protection/."""
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from kasvudata_utils import areas, paths
from kasvudata_utils.data import load_firm_panel
from kasvudata_utils.data.synthetic import generate
from kasvudata_utils.indicators import disclosure, engine, intervals, protection


@pytest.fixture(scope="module")
def embedded_primary():
    return protection.primary_table(engine.prepare(load_firm_panel()))


def test_the_shipped_pattern_is_the_embedded_panels_current_one(embedded_primary):
    # Stale (the rules' version, the data build or the table's shape changed): run `make protection-pattern`
    shipped = sorted(paths.shipped_protection_dir().glob("*.npy"))
    expected = protection.shipped_file(embedded_primary)
    assert [p.name for p in shipped] == [expected.name], (
        "data/protection/ does not hold the embedded panel's pattern under the current rules: "
        "run `make protection-pattern` and commit the file")
    flags = protection._read_pattern(expected, len(embedded_primary))
    assert flags is not None and flags.shape == (26448, len(protection.PROTECTED))
    # every primary cell stays suppressed (the pattern adds secondary cells, never publishes a primary one)
    for k, m in enumerate(protection.PROTECTED):
        primary = embedded_primary[f"f_{m}"].to_numpy(dtype=bool)
        assert not (primary & ~flags[:, k]).any(), m


def _no_solving(*args, **kwargs):
    raise AssertionError("a linear programme was solved for the embedded panel")


def test_the_embedded_panel_reads_the_shipped_pattern_and_solves_nothing(monkeypatch, tmp_path):
    panel = load_firm_panel()  # a new frame: a new CellData, nothing remembered from other tests
    monkeypatch.setattr(paths, "processed_dir", lambda: tmp_path)  # no pattern kept by an earlier run
    monkeypatch.setattr(protection, "protect_uncached", _no_solving)
    monkeypatch.setattr(disclosure, "protect_measure", _no_solving)
    monkeypatch.setattr(intervals, "unprotected", _no_solving)
    monkeypatch.delenv(protection.LEVELS_ENV, raising=False)
    cd = engine.prepare(panel)
    assert protection.protection_levels_apply(cd)
    t = protection.protected_table(cd)
    assert not (tmp_path / "protection_cache").exists()
    # the pattern of the protection levels: the municipalities' headline totals of personnel, firms and
    # turnover are all published (the complements avoid them), far more sections are hidden than primary
    munis = t["area_code"].isin(sorted(cd.municipalities))
    for m in ("personnel", "establishments", "turnover_eur"):
        assert not t.loc[munis & (t["_ind_level"] == "ALL"), f"f_{m}"].any(), m
    sec = munis & (t["_ind_level"] == "section")
    prim = protection.primary_table(cd)
    assert t.loc[sec, "f_personnel"].sum() > prim.loc[sec.to_numpy(), "f_personnel"].sum()


def test_the_stage_applies_to_own_panels_and_to_the_shipped_synthetic_one(monkeypatch):
    monkeypatch.delenv(protection.LEVELS_ENV, raising=False)
    assert protection.protection_levels_apply(engine.prepare(load_firm_panel()))  # the embedded panel: shipped
    generated = engine.prepare(generate(scale="test").firm_panel)  # a test panel: no pattern shipped
    assert not protection.protection_levels_apply(generated)
    real = SimpleNamespace(prov={"kind": "real"})  # an own panel, whatever it covers
    assert protection.protection_levels_apply(real)
    monkeypatch.setenv(protection.LEVELS_ENV, "off")
    assert not protection.protection_levels_apply(real)
    monkeypatch.setenv(protection.LEVELS_ENV, "on")
    assert protection.protection_levels_apply(generated)


def test_a_pattern_of_another_shape_is_not_read(tmp_path):
    t = pd.DataFrame({f"f_{m}": [True, False, True] for m in protection.PROTECTED})
    path = tmp_path / "p.npy"
    path.write_bytes(protection._pattern_bytes(t))
    assert protection._read_pattern(path, 3)[:, 0].tolist() == [True, False, True]
    assert protection._read_pattern(path, 9) is None  # 9 rows need two bytes per column
    assert protection._read_pattern(tmp_path / "missing.npy", 3) is None


def test_the_default_publication_of_a_subregion_passes_the_audit():
    # the embedded data as the reports and the apps publish them, attacked for the Raahe sub-region
    # (SK174: three municipalities) and its municipalities (under the exact rule alone 1 222 of them are exposed)
    sub = "SK174"
    codes = ",".join([sub] + list(areas.municipalities(sub)))
    r = subprocess.run([sys.executable, "-m", "kasvudata_utils", "disclosure", "audit", "--areas", codes],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    attacked = int(r.stderr.split("disclosure audit: ")[1].split(" ")[0])
    assert attacked > 100 and r.stderr.rstrip().endswith("; 0 exposed")


def test_the_pattern_sits_under_the_repository_not_the_data_dir(monkeypatch, tmp_path):
    # keyed by content, it is found wherever the data were built (KASVUDATA_DATA_DIR)
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    assert paths.processed_dir() == tmp_path / "processed"
    assert paths.shipped_protection_dir() == paths.PROJECT_ROOT / "data" / "protection"
