"""``kasvudata data fetch`` offline: recorded PxWeb responses, the polite rate limit, resuming, no network.

Responses: ``tests/fixtures/pxweb_recorded/`` (13wz, 11yq, 12r5: constructed numbers in StatFin's current
API shape, see the README there) and ``tests/fixtures/jsonstat_fixtures/pxweb_v1_statfin_mcp/`` (11re
population: recorded from StatFin). The values asserted are read off those files by hand.
"""
import hashlib
import io
import json
import os
import time
from datetime import UTC, datetime

import pandas as pd
import pytest
from conftest import run_cli as run
from test_pxweb import ROUTES, FakeSession

from kasvudata_utils import paths
from kasvudata_utils.data import fetch, pxweb, sources


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    (d / "processed").mkdir(parents=True)
    (d / "raw").symlink_to(paths.raw_dir())  # the classification keys (area codes) stay readable
    (d / "processed" / "business_table.parquet").write_bytes(b"embedded bytes")  # must stay untouched
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(d))
    monkeypatch.setenv("KASVUDATA_PXWEB_CACHE", str(tmp_path / "cache"))
    return d


@pytest.fixture
def fetched(data_dir):
    session = FakeSession(ROUTES)
    client = fetch.make_client(session=session)
    written = fetch.fetch_all(client=client)
    return data_dir, written, session


def test_fetch_writes_the_tables_with_manifest(fetched):
    data_dir, written, _ = fetched
    real = data_dir / "real"
    assert sorted(p.name for p in written) == ["business_table.parquet", "openings_closures.parquet",
                                                "population.parquet", "unemployment.parquet"]
    manifest = json.loads((real / "manifest.json").read_text(encoding="utf-8"))["files"]
    entry = manifest["business_table.parquet"]
    assert entry["table_id"] == "13wz" and entry["licence"] == "CC BY 4.0" and "Tilastokeskus" in entry["attribution"]
    assert entry["sha256"] == hashlib.sha256((real / "business_table.parquet").read_bytes()).hexdigest()
    assert entry["query"]["areas"] == "all municipalities" and entry["query"]["url"].endswith("/StatFin/13wz.px")
    assert entry["fetched_utc"].endswith("Z")
    assert entry["rows"] == 12  # 2 municipalities × 3 divisions (01, 10, 62) × 2 years
    # the selection as sent: PxWeb's query list, its cells and requests (one, below the cell limit)
    (sent,) = entry["query"]["pxweb"]
    area = next(q for q in sent["query"] if q["code"].startswith("alue"))
    assert area["selection"] == {"filter": "item", "values": ["KU009", "KU564"]}
    assert sent["requests"] == 1 and "split_by" not in sent

    bt = pd.read_parquet(real / "business_table.parquet")
    row = bt[(bt.area_code == "KU009") & (bt.industry_code == "01") & (bt.year == 2023)].iloc[0]
    assert row["establishments"] == 38 and row["personnel"] == 29.0 and row["turnover_eur"] == 4350 * 1000
    conf = bt[(bt.area_code == "KU009") & (bt.industry_code == "10") & (bt.year == 2023)].iloc[0]
    assert bool(conf["suppressed"]) and pd.isna(conf["turnover_eur"])  # StatFin's '..' stays suppressed

    pop = pd.read_parquet(real / "population.parquet").set_index("municipality_code")
    assert pop.loc["KU091", "population"] == 694392 and pop.loc["KU091", "year"] == 2025  # Helsinki, recorded

    ev = pd.read_parquet(real / "openings_closures.parquet")
    assert set(ev["event"]) <= {"register_opening", "register_closure", "register_stock"}  # never births
    assert (data_dir / "processed" / "business_table.parquet").read_bytes() == b"embedded bytes"


def test_unemployment_from_the_employment_service_table(fetched):
    # recorded 12r5 (constructed numbers): annual means of the months in the response, a suppressed
    # month left out of its mean, the rate as the ratio of the annual means
    data_dir, _, session = fetched
    un = pd.read_parquet(data_dir / "real" / "unemployment.parquet").set_index(["municipality_code", "year"])
    embedded = pd.read_parquet(paths.PROJECT_ROOT / "data" / "processed" / "unemployment.parquet")
    assert list(un.reset_index().columns) == list(embedded.columns)  # the embedded file's shape
    a = un.loc[("KU009", 2024)]
    assert a["months"] == 3 and a["unemployed"] == (60 + 54 + 48) / 3 and a["labour_force"] == 1000
    assert a["vacancies"] == (5 + 7) / 2  # February's '..' is not a zero
    assert a["unemployment_rate_pct"] == pytest.approx(5.4)
    assert un.loc[("KU564", 2024), "unemployment_rate_pct"] == pytest.approx(9.3)
    assert un.loc[("KU564", 2025), "months"] == 1 and un.loc[("KU564", 2025), "unemployed"] == 10500
    post = next(body for method, url, body in session.calls if method == "POST" and url.endswith("tyonv/12r5.px"))
    asked = {q["code"]: q["selection"]["values"] for q in post["query"]}
    assert asked["contentscode"] == ["TYOTTOMATLOPUSSA", "TYOVOIMATK", "AVPAIKATLOPUSSA"]
    assert asked["Alue"] == ["KU009", "KU564"]  # municipalities only: no MK17, no SSS
    entry = json.loads((data_dir / "real" / "manifest.json").read_text())["files"]["unemployment.parquet"]
    assert entry["table_id"] == "12r5" and entry["query"]["url"].endswith("/StatFin/tyonv/12r5.px")
    assert entry["query"]["last_month"] == "2025M01"
    prov = sources.fetched_beside(data_dir / "real" / "business_table.parquet", "unemployment.parquet").attrs[
        "provenance"]
    assert prov["kind"] == "real"
    assert prov["sources"] == [f"Tilastokeskus, TEM:n työnvälitystilasto, taulukko 12r5, haettu "
                               f"{entry['fetched_utc'][:10]}"]


def test_renamed_unemployment_content_is_one_line(data_dir):
    import copy

    from test_pxweb import load

    meta = load(fetch.Path(__file__).parent / "fixtures" / "pxweb_recorded" / "12r5-metadata.json")
    changed = copy.deepcopy(meta)
    changed["variables"][2]["values"][1] = "TYOTTOMAT_UUSI"
    session = FakeSession({**ROUTES, ("GET", "/StatFin/tyonv/12r5.px"): changed})
    with pytest.raises(fetch.InputError, match="has no content TYOTTOMATLOPUSSA"):
        fetch.fetch_all(client=fetch.make_client(session=session), tables=fetch.REAL_TABLES[3:])


def test_fetched_table_feeds_indicators_labelled_with_source_and_date(fetched, capsys):
    data_dir, _, _ = fetched
    rc, out, err = run(capsys, "indicators", "--area", "KU009", "--reference", "KU009", "--data", "statfin",
                       "--level", "division", "--format", "json")
    assert rc == 0, err
    recs = pd.DataFrame(json.loads(out))
    p = recs[(recs.indicator == "personnel") & (recs.industry_code == "01") & (recs.year == 2023)].iloc[0]
    assert p["value"] == 29.0
    day = json.loads((data_dir / "real" / "manifest.json").read_text())["files"]["business_table.parquet"][
        "fetched_utc"][:10]
    assert f"Real data · Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, haettu {day}" in err


def test_edited_fetched_file_is_user_data_not_real(fetched):
    data_dir, _, _ = fetched
    path = data_dir / "real" / "business_table.parquet"
    df = pd.read_parquet(path)
    df.loc[0, "personnel"] = 1.0
    df.to_parquet(path, index=False)
    prov = sources.load_table(path).attrs["provenance"]
    assert prov["kind"] == "user" and prov["sources"] == ["business_table.parquet"]


def test_check_real_verifies_the_fetched_files(fetched):
    data_dir, _, _ = fetched
    assert [ok for _, ok, _ in sources.check_real()] == [True, True, True, True]
    (data_dir / "real" / "population.parquet").write_bytes(b"edited")
    bad = [(p, reason) for p, ok, reason in sources.check_real() if not ok]
    assert bad == [("real/population.parquet", "sha256 differs from data/real/manifest.json (changed since the fetch)")]


def test_rerun_resumes_from_the_cache_and_keeps_the_fetch_time(fetched, tmp_path):
    data_dir, _, session = fetched
    first = len(session.calls)
    assert first > 0
    two_days_ago = time.time() - 2 * 24 * 3600  # cached responses younger than a week are reused
    for f in (tmp_path / "cache").glob("*.json"):
        os.utime(f, (two_days_ago, two_days_ago))
    fetch.fetch_all(client=fetch.make_client(session=session))
    assert len(session.calls) == first  # every response came from the cache: nothing asked twice
    entry = json.loads((data_dir / "real" / "manifest.json").read_text())["files"]["business_table.parquet"]
    # the manifest says when StatFin answered, not when the cache was read
    want = datetime.fromtimestamp(two_days_ago, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entry["fetched_utc"] == want


def test_large_query_is_split_under_the_cell_limit(data_dir, monkeypatch):
    monkeypatch.setattr(pxweb, "MAX_CELLS", 40)  # 13wz query: 2 areas × 6 industries × 2 years × 3 contents = 72
    session = FakeSession(ROUTES)
    fetch.fetch_all(client=fetch.make_client(session=session), tables=fetch.REAL_TABLES[:1])
    posts = [body for method, url, body in session.calls if method == "POST"]
    assert len(posts) >= 2
    for body in posts:
        sizes = [len(q["selection"]["values"]) for q in body["query"] if q["selection"]["filter"] == "item"]
        cells = 6  # industries: all six
        for n in sizes:
            cells *= n
        assert cells <= 40
    entry = json.loads((data_dir / "real" / "manifest.json").read_text(encoding="utf-8"))["files"][
        "business_table.parquet"]
    (sent,) = entry["query"]["pxweb"]  # the whole selection once, with how it was split
    assert sent["cells"] == 72 and sent["requests"] == len(posts) == 3 and sent["split_by"] == "contentscode"


def test_polite_session_keeps_to_ten_requests_in_ten_seconds():
    clock = [0.0]
    inner = FakeSession({("GET", "/x"): {}})
    polite = fetch.PoliteSession(inner, clock=lambda: clock[0], sleep=lambda d: clock.__setitem__(0, clock[0] + d))
    starts = []
    for _ in range(25):
        polite.request("GET", "https://example.invalid/x", timeout=1)
        starts.append(clock[0])
        clock[0] += 0.1  # a fast server
    for s in starts:
        assert sum(s <= u < s + 10.0 for u in starts) <= 10
    assert starts[10] >= 10.0 and polite.waited_s > 0


def test_offline_one_line_exit_2_embedded_untouched(data_dir, capsys, monkeypatch):
    monkeypatch.setenv("KASVUDATA_PXWEB_URL", "http://127.0.0.1:9/api/v1")  # nothing listens: refused
    rc, out, err = run(capsys, "data", "fetch", "--quiet")
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "StatFin unreachable" in err and "Traceback" not in err
    assert (data_dir / "processed" / "business_table.parquet").read_bytes() == b"embedded bytes"
    assert not (data_dir / "real").exists()


def test_api_error_one_line_exit_2(data_dir, capsys, monkeypatch):
    down = FakeSession({("GET", "/StatFin/13wz.px"): pxweb_response(503)})
    monkeypatch.setattr(fetch, "make_client", lambda refresh=False, session=None, on_request=None:
                        pxweb.PxWebClient(session=fetch.PoliteSession(down)))
    rc, _, err = run(capsys, "data", "fetch", "--quiet")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "HTTP 503" in err


def pxweb_response(status):
    from test_pxweb import FakeResponse

    return FakeResponse({}, status)


def test_fetched_table_feeds_shift_share(fetched, capsys):
    # recorded 13wz (constructed numbers): Alavieska A 30.5 → 29.0; Oulu A 95.0 → 97.5, total
    # 95 + 800 + 5200 = 6095 → 97.5 + 820 + 5400 = 6317.5 (Alavieska's J 2023 is confidential)
    import io

    rc, out, err = run(capsys, "shift-share", "--area", "KU009", "--reference", "KU564", "--start", "2022",
                       "--end", "2023", "--data", "statfin")
    assert rc == 0, err
    df = pd.read_csv(io.StringIO(out), dtype={"industry_code": str}).set_index("industry_code")
    G = 6317.5 / 6095 - 1
    assert df.loc["A", "national_share"] == pytest.approx(30.5 * G)
    assert df.loc["A", "industry_mix"] == pytest.approx(30.5 * (97.5 / 95 - 1 - G))
    assert df.loc["A", "regional_shift"] == pytest.approx(30.5 * (29.0 / 30.5 - 97.5 / 95))
    assert "taulukko 13wz" in err


def _region_responses():
    """The recorded 13wz responses widened to every municipality of Northern Ostrobothnia (constructed numbers).

    Same shape as ``13wz-metadata.json``/``13wz-query.json`` (the API's current form); only the area
    dimension is longer. Municipality ``k`` (position in the sorted MK17 list) has, in industry 10,
    ``10 + k`` establishments, ``100 + 10 k`` person-years in 2022 and ``110 + 10 k`` in 2023, and
    turnover EUR 1,000 × 50 per person-year; the other industries are left empty (``-``: nil).
    """
    import copy
    import itertools

    from test_pxweb import REC, load

    from kasvudata_utils import areas

    munis = sorted(areas.municipalities("MK17"))
    meta = copy.deepcopy(load(REC / "13wz-metadata.json"))
    meta["variables"][0]["values"] = ["SSS", *munis]
    meta["variables"][0]["valueTexts"] = ["KOKO MAA", *[areas.area_name(m) for m in munis]]
    ds = copy.deepcopy(load(REC / "13wz-query.json"))
    area_var, inds, years, contents = ds["id"][0], ["SSS", "A", "01", "C", "10", "62"], ["2022", "2023"], \
        ["alyr_toimipaikat", "alyr_henkilosto", "alyr_liikevaihto"]
    ds["dimension"][area_var]["category"] = {"index": {m: i for i, m in enumerate(munis)},
                                             "label": {m: areas.area_name(m) for m in munis}}
    ds["size"][0] = len(munis)
    values, status = [], {}
    for i, (k, ind, y, c) in enumerate(itertools.product(range(len(munis)), inds, years, contents)):
        if ind in ("SSS", "C", "10"):  # 10 is all of C, and of the total, here
            person_years = 100 + 10 * k + (10 if y == "2023" else 0)
            values.append({"alyr_toimipaikat": 10 + k, "alyr_henkilosto": person_years,
                           "alyr_liikevaihto": 50 * person_years}[c])
        else:
            values.append(None)
            status[str(i)] = "-"
    ds["value"], ds["status"] = values, status
    return {**ROUTES, ("GET", "/StatFin/13wz.px"): meta, ("POST", "/StatFin/13wz.px"): ds}, munis


def test_fetch_from_recordings_then_reports_on_the_result(data_dir, tmp_path, capsys):
    # end to end: `kasvudata data fetch` through recorded responses, then `kasvudata reports --data statfin`
    import re

    from kasvudata_utils import areas, cli

    for f in paths.PROJECT_ROOT.joinpath("data", "processed").iterdir():  # geometries, population, … (read only)
        target = data_dir / "processed" / f.name
        target.unlink(missing_ok=True)  # the fixture's stand-in business table too: the reports read the real one
        target.symlink_to(f)
    routes, munis = _region_responses()
    fetch.fetch_all(client=fetch.make_client(session=FakeSession(routes)))
    out = tmp_path / "reports"
    rc = cli.main(["reports", "--areas", "KU009", "--data", "statfin", "--start", "2022", "--end", "2023",
                   "--out", str(out), "--lang", "en", "--jobs", "1", "--no-industries"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert rc == 0, manifest
    assert manifest["data_source"]["kind"] == "real"
    ind = pd.read_csv(out / "KU009" / "tables" / "indicators.csv", dtype={"industry_code": str})

    def personnel(area, year):
        row = ind[(ind.area_code == area) & (ind.indicator == "personnel") & (ind.industry_code == "ALL")
                  & (ind.year == year)]
        return float(row["value"].iloc[0])

    k = munis.index("KU009")  # Alavieska: 110 + 10 k person-years in 2023
    assert personnel("KU009", 2023) == 110 + 10 * k
    # the reference, from the same table (a report's indicators.csv holds only its own area's rows)
    capsys.readouterr()
    assert cli.main(["indicators", "--area", "MK17", "--reference", "MK17", "--data", "statfin", "--start", "2022",
                     "--end", "2023",
                     "--format", "csv"]) == 0
    ind = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"industry_code": str})
    assert personnel("MK17", 2022) == sum(100 + 10 * i for i in range(len(munis)))
    assert len(munis) == len(areas.municipalities("MK17")) == 30
    day = json.loads((data_dir / "real" / "manifest.json").read_text())["files"]["business_table.parquet"][
        "fetched_utc"][:10]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "KU009" / "report.html").read_text()))
    assert f"Real data · Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, haettu {day}" in text
    # the unemployment fetched beside it (12r5 recording) replaces the embedded one, labelled with its table
    assert f"Real data · Tilastokeskus, TEM:n työnvälitystilasto, taulukko 12r5, haettu {day}" in text
    assert "SYNTHETIC" not in text
    # similar areas: the peers' personnel growth from the fetched table, which covers Northern Ostrobothnia
    # only (unknown elsewhere, never the synthetic table's), the note naming that table
    sim = pd.read_csv(out / "KU009" / "tables" / "similar_areas.csv")
    peers_outside = [c for c in sim["area_code"].iloc[1:] if c not in munis]
    assert peers_outside and sim.set_index("area_code").loc[peers_outside, "personnel_growth_pct"].isna().all()
    assert sim["personnel_growth_pct"].iloc[0] == pytest.approx(100 * 10 / (100 + 10 * k))
    assert ("Personnel: Real data · Tilastokeskus, alueellinen yritystoimintatilasto, taulukko 13wz, "
            f"haettu {day}") in text
