"""Processing of the real raw files: values checked by hand against the raw files."""
from __future__ import annotations

import json

import pytest

from kasvudata_utils import areas, provenance
from kasvudata_utils.data import build, geo, loaders, manifest, processing
from kasvudata_utils.errors import DataError, InputError

MK17_KU = areas.members("MK17", "KU")


@pytest.fixture(scope="module")
def workplaces():
    return processing.workplaces_2017()


@pytest.fixture(scope="module")
def geoms():
    return geo.geometries()


# ------------------------------------------------------------------ Paavo workplaces 2017
def test_workplaces_cover_every_municipality_and_region(workplaces):
    # 308 municipalities (2025 division) + 19 regions, each with the 22 sections A…U and X.
    assert workplaces["area_code"].nunique() == 308 + 19
    assert len(workplaces) == (308 + 19) * 22
    assert set(MK17_KU) <= set(workplaces["area_code"])


def test_workplaces_hand_values(workplaces):
    w = workplaces.set_index(["area_code", "section"])["workplaces"]
    # raw row "Oulu", column "C Manufacturing, 2017 (TP)": 9430
    assert w[("KU564", "C")] == 9430
    # Swedish 2020 name "Pargas" → Parainen KU445; raw C = 991
    assert w[("KU445", "C")] == 991
    # merged municipalities are summed: Mäntyharju 481 + Pertunmaa 115 = 596 (C);
    # Kankaanpää 856 + Honkajoki 126 = 982
    assert w[("KU507", "C")] == 481 + 115
    assert w[("KU214", "C")] == 856 + 126
    # all sections of Oulu add up to the raw "Workplaces, 2017 (TP)" total 87,979
    assert workplaces.query("area_code == 'KU564'")["workplaces"].sum() == 87979


def test_workplaces_mk17_equals_paavo_region_row(workplaces):
    # Paavo's own "MK17 North Ostrobothnia" row is an independent sum; no MK17 border changed
    # 2020→2025, so our sum of the 30 municipalities must equal it section by section
    # (C: 21,879; all sections: 160,581).
    ours = workplaces.query("area_code == 'MK17'").set_index("section")["workplaces"]
    paavo = processing.paavo_region_rows().query("area_code == 'MK17'").set_index("section")["workplaces"]
    assert ours.to_dict() == paavo.to_dict()
    assert ours["C"] == 21879 and ours.sum() == 160581


def test_name_matching_rejects_unknown_names():
    with pytest.raises(DataError, match="Atlantis"):
        processing.match_municipality_names(["Oulu", "Atlantis"], "test")
    assert processing.match_municipality_names(["Koski Tl", "Maarianhamina - Mariehamn"], "t") == {
        "Koski Tl": "KU284", "Maarianhamina - Mariehamn": "KU478"}


# ------------------------------------------------------------------ population
def test_population_hand_values():
    pop = processing.population().set_index(["municipality_code", "year"])["population"]
    assert pop[("KU564", 2022)] == 211848  # PROVENANCE check value
    # Sotkanet 2022: Mäntyharju (507) 5,564 + Pertunmaa (588) 1,600 = 7,164 on the 2025 division
    assert pop[("KU507", 2022)] == 5564 + 1600
    assert "KU588" not in pop.index.get_level_values(0)
    # 308 municipalities × 23 years (2000–2022)
    assert len(pop) == 308 * 23


# ------------------------------------------------------------------ distances
def test_haversine_one_degree_of_latitude():
    # 2πR/360 = 2π × 6371.0088 / 360 = 111.195 km
    assert processing.haversine_km(25.0, 65.0, 25.0, 66.0) == pytest.approx(111.195, abs=0.001)


def test_distances_to_oulu():
    d = processing.distances().set_index("municipality_code")["distance_to_oulu_km"]
    assert len(d) == 308 and d.min() == 0.0
    assert d["KU564"] == 0.0
    # Raw centre points: Oulu (25.471847 E, 65.013946 N), Kempele (25.441881 E, 64.939667 N).
    # Δlat 0.074279° × 111.195 = 8.259 km; Δlon 0.029966° × 111.195 × cos(64.977°) = 1.409 km;
    # √(8.259² + 1.409²) = 8.379 km (the NLS label points are ~8 km apart, not the road distance).
    assert d["KU244"] == pytest.approx(8.379, abs=0.02)
    # Utsjoki (27.0283385 E, 69.9078805 N): Δlat 4.8939° → 544.2 km, Δlon 1.5565° × 111.195 ×
    # cos(67.46°) → 66.4 km; √ ≈ 548 km
    assert 540 < d["KU890"] < 556
    # Tuusula has no centre point in the raw file: polygon point in Uusimaa, ~500 km south
    assert 480 < d["KU858"] < 530


# ------------------------------------------------------------------ unemployment
def test_unemployment_every_mk17_municipality_matched():
    u = processing.unemployment()
    got = set(u["municipality_code"])
    assert set(MK17_KU) <= got and len(got) == 308
    # every MK17 municipality has all 15 years 2006–2020
    per = u[u["municipality_code"].isin(MK17_KU)].groupby("municipality_code")["year"].nunique()
    assert (per == 15).all()


def test_unemployment_hand_value_hailuoto_2019():
    # raw rows "Hailuoto", 2019-01 … 2019-12: Tyottomat 32,30,26,24,24,21,24,20,21,20,21,24
    # (sum 287, mean 23.9167); Tyovoima 377 every month; vacancies 29,11,11,10,5,5 in 6 months
    # (mean 71/6 = 11.833). Rate = 100 × 23.9167 / 377 = 6.344 %.
    u = processing.unemployment().query("municipality_code == 'KU072' and year == 2019").iloc[0]
    assert u["months"] == 12
    assert u["unemployed"] == pytest.approx(287 / 12, abs=0.001)
    assert u["labour_force"] == pytest.approx(377, abs=0.001)
    assert u["vacancies"] == pytest.approx(71 / 6, abs=0.001)
    assert u["unemployment_rate_pct"] == pytest.approx(6.344, abs=0.001)


# ------------------------------------------------------------------ industries, exports
def test_industries_typos_fixed():
    ind = processing.industries_table()
    assert (ind["level"] == "section").sum() == 22  # A…U plus X (unknown)
    assert (ind["level"] == "division").sum() == 88
    o = ind.set_index("code").loc["O"]
    assert "maanpuolustus" in o["name_fi"] and "3s" not in o["name_fi"].lower()
    assert "undifferentiated" in ind.set_index("code").loc["T", "name_en"]
    assert not ind["name_en"].str.contains("0", regex=False).any()


def test_exports_mk17_in_eur():
    e = processing.exports_regional()
    mk17 = e.query("region_code == 'MK17'").set_index("year")["exports_goods_eur"]
    assert mk17.to_dict() == {2013: 1_420_000_000, 2014: 1_572_000_000, 2015: 1_396_000_000,
                              2016: 1_337_000_000, 2017: 1_864_000_000}
    assert set(e["region_code"]) == set(areas.members(areas.COUNTRY, "MK")) | {"SSS"}
    # 2017: regions sum to 58,886 M + unknown 669 M = 59,555 M vs total 59,554 M (rounding)
    y = e.query("year == 2017")
    regions = y.query("region_code != 'SSS'")["exports_goods_eur"].sum()
    assert abs(regions + 669_000_000 - y.query("region_code == 'SSS'")["exports_goods_eur"].iloc[0]) <= 2_000_000


# ------------------------------------------------------------------ geometries and web layer
def test_geometry_counts(geoms):
    counts = geoms["level"].value_counts().to_dict()
    assert counts["KU"] == 308 and counts["MK"] == 19
    assert counts["SK"] == len(areas.members(areas.COUNTRY, "SK"))
    assert geoms.crs.to_epsg() == 3067
    assert list(geoms.columns) == ["area_code", "level", "name_fi", "name_sv", "geometry"]
    mk17 = geoms[geoms["area_code"].isin(MK17_KU)]
    assert len(mk17) == 30
    assert geoms.geometry.is_valid.all()


def test_mantyharju_includes_pertunmaa(geoms):
    # NLS TOTALAREA: Mäntyharju 1,210.98 km² + Pertunmaa 454.18 km² = 1,665.16 km²; the
    # 1:4.5 M generalisation changes areas by a few per cent
    area_km2 = geoms.set_index("area_code").loc["KU507"].geometry.area / 1e6
    assert area_km2 == pytest.approx(1665.16, rel=0.05)


def test_web_geojson_small_and_wgs84(geoms):
    fc = geo.web_layer(geoms)
    data = geo.geojson_bytes(fc)
    assert len(data) <= 300_000
    assert len(fc["features"]) == 30
    props = fc["features"][0]["properties"]
    assert set(props) == {"area_code", "name_fi", "name_sv", "subregion_code"}
    assert len({f["properties"]["subregion_code"] for f in fc["features"]}) == 7
    coords = json.dumps([f["geometry"]["coordinates"] for f in fc["features"]])
    nums = [float(x) for x in coords.replace("[", " ").replace("]", " ").replace(",", " ").split()]
    lons, lats = nums[0::2], nums[1::2]
    assert min(lons) > 22 and max(lons) < 31 and min(lats) > 63 and max(lats) < 67
    sk = geo.web_layer(geoms, level="SK")
    assert len(sk["features"]) == 7


# ------------------------------------------------------------------ build and loaders
def test_build_is_byte_identical(tmp_path):
    a = build.build_real(tmp_path / "a")
    b = build.build_real(tmp_path / "b")
    assert [p.name for p in a] == [p.name for p in b] and len(a) == 9
    for pa, pb in zip(a, b, strict=False):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert (tmp_path / "a" / "web_mk17.geojson").stat().st_size <= 300_000


def test_loaders_after_build(tmp_path, monkeypatch):
    build.build_real(tmp_path / "built" / "processed")
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(DataError, match="kasvudata data build"):
        loaders.load_population()
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path / "built"))
    pop = loaders.load_population()
    assert provenance.get(pop)["kind"] == "real"
    pop2 = loaders.load_population()
    pop2.loc[0, "population"] = -1  # a caller's change must not reach the next caller
    assert loaders.load_population().loc[0, "population"] != -1
    mk = loaders.load_geometries("MK")
    assert len(mk) == 19 and mk.crs.to_epsg() == 3067
    assert loaders.load_geometries("sk", crs=4326).crs.to_epsg() == 4326
    with pytest.raises(InputError, match="'XX'"):
        loaders.load_geometries("XX")
    assert len(loaders.load_web_geojson()["features"]) == 30
    assert loaders.load_workplaces_2017().columns.tolist() == ["area_code", "section", "workplaces"]
    assert loaders.load_distances().columns.tolist() == ["municipality_code", "distance_to_oulu_km"]
    with pytest.raises(DataError, match="kasvudata data build"):
        loaders.load_firm_panel()


def test_cli_build_writes_real_files_then_calls_synthetic(tmp_path, monkeypatch, capsys):
    import types

    from kasvudata_utils import cli
    from kasvudata_utils.data import build

    calls = []
    fake = types.ModuleType("kasvudata_utils.data.synthetic")
    fake.build = lambda out_dir, scale: calls.append((str(out_dir), scale)) or []
    monkeypatch.setattr(build, "synthetic", fake)
    assert cli.main(["data", "build", "--scale", "test", "--out", str(tmp_path)]) == 0
    assert calls == [(str(tmp_path), "test")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        v for k, v in loaders.FILES.items() if k in loaders.REAL_FILES)
    assert "built 9 files" in capsys.readouterr().out


def test_cli_build_rejects_unknown_scale(capsys):
    from kasvudata_utils import cli

    with pytest.raises(SystemExit) as exc:  # argparse rejects it: exit 2, one line on stderr
        cli.main(["data", "build", "--scale", "huge"])
    assert exc.value.code == 2
    assert "'huge'" in capsys.readouterr().err
    with pytest.raises(InputError, match="'huge'"):
        build.build_all(scale="huge")


def test_docstring_examples_run():
    # every docstring example runs under `pytest --doctest-modules` (pyproject addopts); this test makes sure
    # the data modules keep enough of them that a reader sees each step used
    import doctest

    for module in (processing, geo, manifest, build, loaders):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted >= 5, module.__name__


def test_panel_and_table_load_under_two_seconds():
    # a fresh process, so nothing is cached: ISSUE #2 asks for < 2 s for the panel and the table
    import subprocess
    import sys

    from kasvudata_utils.paths import processed_dir

    for name in ("firm_panel.parquet", "business_table.parquet"):
        assert (processed_dir() / name).exists(), "run `kasvudata data build` first"
    code = ("import time; from kasvudata_utils.data import load_firm_panel, load_business_table; "
            "t = time.perf_counter(); p = load_firm_panel(); b = load_business_table(); "
            "print(time.perf_counter() - t, len(p), len(b))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, n_panel, n_table = out.split()
    assert float(seconds) < 2.0 and int(n_panel) > 0 and int(n_table) > 0
