"""StatFin PxWeb client, JSON-stat parser and the StatFin → schema mappings, all offline.

Real recorded responses: tests/fixtures/jsonstat_fixtures/ (see PROVENANCE there);
constructed responses in the same format: tests/fixtures/pxweb_recorded/ (README there).
No test here touches the network: the client gets a fake session, the CLI a local server.
"""
from __future__ import annotations

import copy
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from kasvudata_utils.data import pxweb, pxweb_business
from kasvudata_utils.data.jsonstat import parse_jsonstat
from kasvudata_utils.errors import InputError

FIX = Path(__file__).parent / "fixtures"
JS = FIX / "jsonstat_fixtures"
V1 = JS / "pxweb_v1_statfin_mcp"
REC = FIX / "pxweb_recorded"
ALL_DATASETS = [JS / "map-kunta-population.json", JS / "many-categories.json", JS / "map-maakunta-establishments.json",
                V1 / "api-query-population-finland.json", V1 / "api-query-helsinki-population.json",
                V1 / "api-query-three-cities.json", REC / "13wz-query.json", REC / "11yq-query.json"]


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- JSON-stat parser on real fixtures
def test_municipality_population_sums_to_the_whole_country():
    df = parse_jsonstat(JS / "map-kunta-population.json")
    assert len(df) == 308 and df["alue"].is_unique
    assert df["value"].sum() == 5_635_971  # PROVENANCE: the 2024 whole-country population
    # and the same figure arrives independently as SSS 2024 in the PxWeb v1 response
    fin = parse_jsonstat(V1 / "api-query-population-finland.json")
    assert fin.loc[fin["timeperiod_y"] == "2024", "value"].item() == 5_635_971


def test_helsinki_series_and_three_cities_agree():
    hel = parse_jsonstat(V1 / "api-query-helsinki-population.json")
    assert hel["timeperiod_y"].tolist() == ["2021", "2022", "2023", "2024", "2025"]
    assert hel["value"].tolist() == [658457, 664028, 674500, 684018, 694392]
    three = parse_jsonstat(V1 / "api-query-three-cities.json")
    assert three.loc[three["alue_23_20260101"] == "KU091", "value"].item() == 694392  # Helsinki 2025 in both


def test_categories_come_back_in_table_order():
    three = parse_jsonstat(V1 / "api-query-three-cities.json")
    order = load(V1 / "api-metadata-population.json")["variables"][0]["values"]
    codes = three["alue_23_20260101"].tolist()
    assert codes == ["KU049", "KU091", "KU092"]
    assert [order.index(c) for c in codes] == sorted(order.index(c) for c in codes)
    # the order comes from the index positions, not from the key order of the JSON object
    shuffled = load(V1 / "api-query-three-cities.json")
    idx = shuffled["dimension"]["alue_23_20260101"]["category"]["index"]
    shuffled["dimension"]["alue_23_20260101"]["category"]["index"] = dict(reversed(list(idx.items())))
    pd.testing.assert_frame_equal(parse_jsonstat(shuffled), three)


def test_index_as_array_and_labels():
    df = parse_jsonstat(JS / "map-kunta-population.json", labels=True)
    assert df.loc[df["alue"] == "KU009", "alue_label"].item() == "Alavieska"
    assert df.loc[df["alue"] == "KU009", "value"].item() == 2410


def test_industry_rows_add_up_in_the_regional_accounts_fixture():
    df = parse_jsonstat(JS / "many-categories.json").set_index("toimiala")["value"]
    assert len(df) == 38 and df["SSS"] == 525501
    assert df["A"] == df["A01"] + df["A02_A03"]  # 12844 = 5743 + 7101


def test_roles_units_and_missing_value_descriptions_are_kept():
    df = parse_jsonstat(JS / "map-maakunta-establishments.json")
    meta = df.attrs["jsonstat"]
    assert meta["role"]["geo"] == ["maakunta"] and meta["role"]["time"] == ["vuosi"]
    assert meta["missing_value_descriptions"]["3"] == "Data is subject to secrecy"
    assert df.loc[df["maakunta"] == "MK17", "value"].item() == 1556
    assert not df["suppressed"].any()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyjstat's own, about its internals
@pytest.mark.parametrize("path", ALL_DATASETS, ids=lambda p: p.name)
def test_agrees_with_pyjstat_on_every_fixture(path):
    """pyjstat (an independent implementation) gives the same codes and values cell by cell.

    The one intended difference: pyjstat ignores ``status``, so StatFin's '-' (magnitude nil)
    stays empty there and is 0 here.
    """
    from pyjstat import pyjstat as pj

    theirs = pj.Dataset.read(path.read_text(encoding="utf-8")).write("dataframe", naming="id")
    ours = parse_jsonstat(path)
    dims = load(path)["id"]
    assert ours[dims].astype(str).values.tolist() == theirs[dims].astype(str).values.tolist()
    nil = (ours["status"] == "-").fillna(False).to_numpy(dtype=bool)
    expected = pd.to_numeric(theirs["value"], errors="coerce").to_numpy(dtype=float)
    np.testing.assert_array_equal(ours["value"].to_numpy()[~nil], expected[~nil])
    assert (ours["value"].to_numpy()[nil] == 0).all() and np.isnan(expected[nil]).all()
    assert nil.sum() == (3 if path.name == "13wz-query.json" else 0)  # Alavieska 62 in 2022: 3 measures


# ---------------------------------------------------------------------- status and suppression
def tiny(values, status=None, extension=None):
    ds = {"version": "2.0", "class": "dataset", "id": ["alue", "vuosi"], "size": [2, 2],
          "dimension": {"alue": {"category": {"index": ["KU009", "KU564"]}},
                        "vuosi": {"category": {"index": {"2022": 0, "2023": 1}}}},
          "value": values}
    if status is not None:
        ds["status"] = status
    if extension is not None:
        ds["extension"] = extension
    return ds


def test_dotdot_becomes_suppressed_not_zero():
    df = parse_jsonstat(tiny([3, None, 0, 7], status={"1": ".."}))
    assert df["value"].isna().tolist() == [False, True, False, False]
    assert df["suppressed"].tolist() == [False, True, False, False]
    assert df["status"].iloc[1] == ".." and df["value"].iloc[2] == 0.0  # a real 0 stays 0, unsuppressed


def test_status_as_array_string_and_sparse_values():
    df = parse_jsonstat(tiny({"0": 5, "3": 8}, status=[None, ".", "..", None]))
    assert df["value"].tolist()[0] == 5 and df["value"].tolist()[3] == 8
    assert df["suppressed"].tolist() == [False, True, True, False]
    assert df["status"].tolist()[1:3] == [".", ".."]
    all_conf = parse_jsonstat(tiny([None] * 4, status=".."))
    assert all_conf["suppressed"].all() and (all_conf["status"] == "..").all()


def test_symbols_inside_the_value_array():
    df = parse_jsonstat(tiny([1, "..", ".", 4]))
    assert df["status"].tolist()[1:3] == ["..", "."] and df["suppressed"].tolist() == [False, True, True, False]


def test_magnitude_nil_is_a_true_zero():
    # StatFin '-' = magnitude nil; in the coded form "7" explained by missingValueDescriptions
    ext = {"missingValueDescriptions": {"3": "Data is subject to secrecy", "7": "Magnitude nil"}}
    df = parse_jsonstat(tiny([None, None, None, 2], status={"0": "-", "1": "7", "2": "3"}, extension=ext))
    assert df["value"].tolist()[:2] == [0.0, 0.0] and df["suppressed"].tolist() == [False, False, True, False]


def test_malformed_datasets_are_one_line_errors():
    with pytest.raises(InputError, match="has 3 values for size"):
        parse_jsonstat(tiny([1, 2, 3]))
    bad = tiny([1, 2, 3, 4])
    bad["size"] = [2, 3]
    with pytest.raises(InputError, match="has 2 categories but size 3"):
        parse_jsonstat(bad)
    with pytest.raises(InputError, match="not a JSON-stat dataset"):
        parse_jsonstat({"foo": 1})


# ---------------------------------------------------------------------- the client, with a fake session
class FakeResponse:
    def __init__(self, payload, status_code=200):
        self.payload, self.status_code = payload, status_code

    def json(self):
        if isinstance(self.payload, str):
            raise ValueError("not json")
        return copy.deepcopy(self.payload)


class FakeSession:
    """Answers by (method, URL ending); records every call; ``fail`` raises a network error."""

    def __init__(self, routes, fail=None):
        self.routes, self.fail, self.calls = routes, fail, []

    def request(self, method, url, json=None, timeout=None):
        self.calls.append((method, url, json))
        assert timeout, "every request must have a timeout"
        if self.fail is not None:
            raise self.fail
        for (m, ending), answer in self.routes.items():
            if m == method and url.endswith(ending):
                return answer if isinstance(answer, FakeResponse) else FakeResponse(answer)
        return FakeResponse({"error": "not found"}, 404)


ROUTES = {
    ("GET", "/StatFin/vaerak"): load(V1 / "api-table-list-vaerak.json"),
    ("GET", "/StatFin?query=v%C3%A4est%C3%B6"): load(V1 / "api-search-vaesto.json"),
    ("GET", "/StatFin/11re.px"): load(V1 / "api-metadata-population.json"),
    ("POST", "/StatFin/11re.px"): load(V1 / "api-query-three-cities.json"),
    ("GET", "/StatFin/13wz.px"): load(REC / "13wz-metadata.json"),
    ("POST", "/StatFin/13wz.px"): load(REC / "13wz-query.json"),
    ("GET", "/StatFin/11yq.px"): load(REC / "11yq-metadata.json"),
    ("POST", "/StatFin/11yq.px"): load(REC / "11yq-query.json"),
    ("GET", "/StatFin/tyonv/12r5.px"): load(REC / "12r5-metadata.json"),
    ("POST", "/StatFin/tyonv/12r5.px"): load(REC / "12r5-query.json"),
}


@pytest.fixture
def client(tmp_path):
    session = FakeSession(ROUTES)
    return pxweb.PxWebClient(base_url="https://example.invalid/api/v1", cache=tmp_path / "cache", session=session)


def test_table_ids_current_and_old_form():
    assert pxweb.normalise_table_id("13WZ") == "13wz.px"
    assert pxweb.normalise_table_id("StatFin/alyr/statfin_alyr_pxt_13wz.px") == "13wz.px"
    with pytest.raises(InputError, match="expected a short id"):
        pxweb.normalise_table_id("../etc/passwd")
    assert pxweb.variable_base("henkilostosuuruusluokka_4_20130101") == "henkilostosuuruusluokka"


def test_list_search_and_metadata(client):
    tables = client.list_tables("vaerak")
    assert client.session.calls[-1][1] == "https://example.invalid/api/v1/fi/StatFin/vaerak"
    assert "11re.px" in tables["id"].tolist() and set(tables["type"]) <= {"t", "l"}
    found = client.search("väestö")
    assert found["id"].iloc[0] == "13ak.px" and found["path"].iloc[0] == "/tyti"
    meta = client.metadata("11re")
    assert meta["variables"][0]["code"] == "alue_23_20260101"


def test_query_body_in_the_documented_form(client):
    df = client.fetch("11re", {"alue_23_20260101": ["KU091", "KU049", "KU092"], "timeperiod_y": ("top", 1),
                               "contentscode": "all"})
    method, url, body = client.session.calls[-1]
    assert (method, url) == ("POST", "https://example.invalid/api/v1/fi/StatFin/11re.px")
    assert body["response"] == {"format": "json-stat2"}
    assert body["query"][0] == {"code": "alue_23_20260101",
                                "selection": {"filter": "item", "values": ["KU091", "KU049", "KU092"]}}
    assert body["query"][1]["selection"] == {"filter": "top", "values": ["1"]}
    assert body["query"][2]["selection"] == {"filter": "all", "values": ["*"]}
    assert df.set_index("alue_23_20260101")["value"].to_dict() == {"KU049": 325716, "KU091": 694392,
                                                                   "KU092": 252956}


def test_cache_hit_makes_no_request(client, tmp_path):
    first = client.search("väestö")
    n = len(client.session.calls)
    again = client.search("väestö")
    assert len(client.session.calls) == n  # answered from data/cache/pxweb, not the network
    pd.testing.assert_frame_equal(first, again)
    files = list((tmp_path / "cache").glob("*.json"))
    assert len(files) == 1 and len(files[0].stem) == 64  # sha256 hex of URL + body


def test_network_failure_is_one_line_and_changes_nothing(tmp_path):
    session = FakeSession(ROUTES, fail=requests.exceptions.ConnectionError("Failed to resolve 'pxdata.stat.fi'"))
    c = pxweb.PxWebClient(base_url="https://pxdata.stat.fi/PxWeb/api/v1", cache=tmp_path / "cache", session=session)
    with pytest.raises(pxweb.StatFinUnavailable) as info:
        pxweb_business.fetch_business_table("13wz", client=c)
    assert str(info.value) == ("StatFin unreachable (ConnectionError at pxdata.stat.fi: host name not resolved); "
                               "the embedded data stays in use")
    assert isinstance(info.value, InputError) and not (tmp_path / "cache").exists()


def test_timeout_and_server_errors(tmp_path):
    c = pxweb.PxWebClient(cache=False, session=FakeSession(ROUTES, fail=requests.exceptions.ReadTimeout("x")))
    with pytest.raises(pxweb.StatFinUnavailable, match="ReadTimeout"):
        c.metadata("13wz")
    down = FakeSession({("GET", "/StatFin/13wz.px"): FakeResponse({}, 503)})
    with pytest.raises(pxweb.StatFinUnavailable, match="HTTP 503"):
        pxweb.PxWebClient(cache=False, session=down).metadata("13wz")
    with pytest.raises(InputError, match="HTTP 404"):
        pxweb.PxWebClient(cache=False, session=FakeSession({})).metadata("99zz")


def test_offline_with_an_old_cached_copy_uses_it(tmp_path):
    online = pxweb.PxWebClient(cache=tmp_path, session=FakeSession(ROUTES))
    meta = online.metadata("13wz")
    offline = pxweb.PxWebClient(cache=tmp_path, max_age_s=0,
                                session=FakeSession(ROUTES, fail=requests.exceptions.ConnectionError("down")))
    assert offline.metadata("13wz") == meta and offline.stale


def test_large_queries_are_split(monkeypatch):
    monkeypatch.setattr(pxweb, "MAX_CELLS", 2)  # 3 areas × 1 × 1 cells > 2 → queries of 2 areas and 1
    three = load(V1 / "api-query-three-cities.json")
    answers = iter([_subset(three, [0, 1]), _subset(three, [2])])

    class SplitSession(FakeSession):
        def request(self, method, url, json=None, timeout=None):
            if method == "POST":
                self.calls.append((method, url, json))
                return FakeResponse(next(answers))
            return super().request(method, url, json, timeout)

    session = SplitSession(ROUTES)
    df = pxweb.PxWebClient(cache=False, session=session).fetch(
        "11re", {"alue_23_20260101": ["KU049", "KU091", "KU092"]})
    posts = [b for m, _, b in session.calls if m == "POST"]
    assert [p["query"][0]["selection"]["values"] for p in posts] == [["KU049", "KU091"], ["KU092"]]
    assert df["alue_23_20260101"].tolist() == ["KU049", "KU091", "KU092"]
    assert df["value"].tolist() == [325716, 694392, 252956]


def _subset(ds, positions):
    out = copy.deepcopy(ds)
    dim = out["dimension"]["alue_23_20260101"]["category"]
    codes = sorted(dim["index"], key=dim["index"].get)
    keep = [codes[p] for p in positions]
    dim["index"] = {c: i for i, c in enumerate(keep)}
    out["size"][0] = len(keep)
    out["value"] = [ds["value"][p] for p in positions]
    return out


# ---------------------------------------------------------------------- StatFin → business table
def test_entrepreneurial_activity_table_maps_into_the_business_schema(client):
    bt = pxweb_business.fetch_business_table("13wz", areas=["KU009", "Oulu"], years=[2022, 2023], client=client)
    body = client.session.calls[-1][2]
    sent = {q["code"]: q["selection"]["values"] for q in body["query"]}
    assert sent["alue_23_20260101"] == ["KU009", "KU564"] and sent["timeperiod_y"] == ["2022", "2023"]
    assert "henkilostosuuruusluokka_4_20130101" not in sent  # eliminated to its total by StatFin
    assert list(bt.columns) == ["area_code", "industry_code", "year", "establishments", "personnel",
                                "turnover_eur", "exports_eur", "suppressed"]
    # division rows only: 2 areas × {01, 10, 62} × 2 years = 12; SSS, A and C are left out
    assert len(bt) == 12 and set(bt["industry_code"]) == {"01", "10", "62"}
    row = bt.set_index(["area_code", "industry_code", "year"])
    # Alavieska, food industry, 2022: 3 establishments, 12.5 person-years, EUR 2,100 thousand
    assert row.loc[("KU009", "10", 2022)].tolist()[:3] == [3.0, 12.5, 2_100_000.0]
    assert not row.loc[("KU009", "10", 2022), "suppressed"]
    # 2023 turnover '..': empty and suppressed, never 0; the other measures kept
    assert np.isnan(row.loc[("KU009", "10", 2023), "turnover_eur"]) and row.loc[("KU009", "10", 2023), "suppressed"]
    assert row.loc[("KU009", "10", 2023), "personnel"] == 14.0
    # '-' (magnitude nil): a true zero, not suppressed
    assert row.loc[("KU009", "62", 2022)].tolist()[:3] == [0.0, 0.0, 0.0]
    assert bt["suppressed"].sum() == 2  # KU009 10 2023 and KU009 62 2023
    # Oulu 62 personnel over both years: 5200 + 5400
    assert bt.query("area_code == 'KU564' and industry_code == '62'")["personnel"].sum() == 10_600
    prov = bt.attrs["provenance"]
    assert prov["kind"] == "real" and "13wz" in prov["sources"][0]


def test_business_table_levels_and_area_expansion(client):
    sections = pxweb_business.fetch_business_table("13wz", level="section", client=client)
    assert sorted(set(sections["industry_code"])) == ["A", "C"]
    everything = pxweb_business.fetch_business_table("13wz", level="all", client=client)
    totals = everything.query("industry_code == 'ALL'").set_index(["area_code", "year"])
    assert totals.loc[("KU009", 2022), "establishments"] == 40 + 3 + 0  # = 43, the sum of the divisions
    assert totals["suppressed"].all()  # the total turnover is '..' in every year
    # SK177 (Ylivieska sub-region) is not in the table: its municipality Alavieska is
    pxweb_business.fetch_business_table("13wz", areas=["SK177"], client=client)
    assert client.session.calls[-1][2]["query"][0]["selection"]["values"] == ["KU009"]
    with pytest.raises(InputError, match="area KU091 is not in this StatFin table"):
        pxweb_business.fetch_business_table("13wz", areas=["Helsinki"], client=client)
    with pytest.raises(InputError, match=r"years \[1999\] are not in this StatFin table"):
        pxweb_business.fetch_business_table("13wz", years=[1999], client=client)


def test_discovery_finds_version_stamped_codes_and_units():
    found = pxweb_business.discover(load(REC / "13wz-metadata.json"))
    assert found["area"] == "alue_23_20260101" and found["industry"] == "toimiala_9_20080101"
    assert found["time"] == "timeperiod_y" and found["measures"] == "contentscode"
    assert found["contents"] == {"alyr_toimipaikat": "establishments", "alyr_henkilosto": "personnel",
                                 "alyr_liikevaihto": "turnover_eur"}
    assert found["units"]["alyr_liikevaihto"] == 1000.0
    assert pxweb_business.tol_code("C10") == "10" and pxweb_business.tol_code("SSS") == "ALL"
    assert pxweb_business.tol_code("C10TC12") is None
    assert pxweb_business.table_kind(load(V1 / "api-metadata-population.json")) == "other"


def test_openings_and_closures_are_register_events_apart_from_births(client):
    ev = pxweb_business.fetch_openings_closures("11yq", client=client)
    assert set(ev["event"]) == {"register_opening", "register_closure", "register_stock"}
    assert not any("birth" in c or "death" in c for c in ev.columns)
    assert "not demographic births and deaths" in ev.attrs["note"]
    mk = ev.query("area_code == 'MK17' and industry_code == 'ALL' and event == 'register_opening'")
    assert mk["count"].sum() == 410 + 380 and mk["quarter"].tolist() == [1, 2]
    closure = ev.query("area_code == 'KU564' and industry_code == 'C' and period == '2023Q1' "
                       "and event == 'register_closure'")
    assert closure["suppressed"].item() and np.isnan(closure["count"].item())


# ---------------------------------------------------------------------- the command line (local server only)
class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self, method):
        for (m, ending), payload in ROUTES.items():
            if m == method and self.path.endswith(ending):
                body = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        self.send_response(404)
        self.end_headers()

    def do_GET(self):
        self._answer("GET")

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer("POST")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_statfin():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    server.shutdown()


def _cli(args, env_extra, tmp_path):
    env = {**os.environ, "KASVUDATA_PXWEB_CACHE": str(tmp_path / "cache"), **env_extra}
    return subprocess.run([sys.executable, "-m", "kasvudata_utils", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_fetch_writes_the_business_table(local_statfin, tmp_path):
    out = tmp_path / "bt.csv"
    proc = _cli(["statfin", "fetch", "--table", "13wz", "--out", str(out)], {"KASVUDATA_PXWEB_URL": local_statfin},
                tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "13wz: 12 rows (business; 2 rows suppressed" in proc.stderr
    from kasvudata_utils.data.panel_io import read_business_table

    back = read_business_table(out)  # the file round-trips through the schema
    assert back["turnover_eur"].sum() == 4_200_000 + 4_350_000 + 2_100_000 + 0 + 15_000_000 + 15_500_000 + \
        310_000_000 + 325_000_000 + 720_000_000 + 760_000_000
    search = _cli(["statfin", "search", "väestö"], {"KASVUDATA_PXWEB_URL": local_statfin}, tmp_path)
    assert search.returncode == 0 and search.stdout.splitlines()[1].startswith("13ak.px,/tyti,")


def test_cli_network_failure_is_exit_2_one_line(tmp_path):
    proc = _cli(["statfin", "fetch", "--table", "13wz"], {"KASVUDATA_PXWEB_URL": "http://127.0.0.1:9/api/v1"},
                tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "kasvudata: error: StatFin unreachable (ConnectionError at 127.0.0.1:9: connection refused); "
        "the embedded data stays in use"]
    assert proc.stdout == "" and not (tmp_path / "cache").exists()


def test_cli_bad_years(tmp_path):
    proc = _cli(["statfin", "fetch", "--table", "13wz", "--years", "2023-2013"], {}, tmp_path)
    assert proc.returncode == 2 and "runs backwards" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_table_in_a_folder_is_found_through_search(tmp_path):
    """Where StatFin answers 404 for …/StatFin/13wz.px, the folder comes from search (…/StatFin/alyr/13wz.px)."""
    routes = {
        ("GET", "/StatFin?query=13wz"): [{"id": "13wz.px", "path": "/alyr", "title": "13wz -- Toimipaikat",
                                          "score": 1.0, "published": "2026-06-10T05:00:00"}],
        ("GET", "/StatFin/alyr/13wz.px"): load(REC / "13wz-metadata.json"),
        ("POST", "/StatFin/alyr/13wz.px"): load(REC / "13wz-query.json"),
    }
    session = FakeSession(routes)
    c = pxweb.PxWebClient(base_url="https://example.invalid/api/v1", cache=False, session=session)
    bt = pxweb_business.fetch_business_table("13wz", client=c)
    urls = [(m, u.removeprefix("https://example.invalid/api/v1/fi")) for m, u, _ in session.calls]
    assert urls == [("GET", "/StatFin/13wz.px"), ("GET", "/StatFin?query=13wz"), ("GET", "/StatFin/alyr/13wz.px"),
                    ("POST", "/StatFin/alyr/13wz.px")]
    assert len(bt) == 12
    # a folder given by the user is used directly
    assert c.table_url("vaerak/11re") == "https://example.invalid/api/v1/fi/StatFin/vaerak/11re.px"
    assert pxweb.split_table_ref("StatFin/alyr/13WZ.px") == ("alyr", "13wz.px")


def test_rate_limit_is_waited_out(monkeypatch):
    waits = []
    monkeypatch.setattr(pxweb.time, "sleep", waits.append)
    answers = iter([FakeResponse({}, 429), FakeResponse(load(REC / "13wz-metadata.json"))])

    class Limited(FakeSession):
        def request(self, method, url, json=None, timeout=None):
            self.calls.append((method, url, json))
            return next(answers)

    session = Limited({})
    meta = pxweb.PxWebClient(cache=False, session=session).metadata("13wz")
    assert meta["variables"][0]["code"] == "alue_23_20260101"
    assert len(session.calls) == 2 and waits == [10.0]  # no Retry-After header → 10 s, StatFin's window
    always = FakeSession({("GET", "/StatFin/13wz.px"): FakeResponse({}, 429)})
    with pytest.raises(InputError, match="HTTP 429"):
        pxweb.PxWebClient(cache=False, session=always).metadata("13wz")
    assert len(always.calls) == 1 + pxweb.RETRIES_429


@pytest.mark.parametrize("text, factor", [
    ("Liikevaihto (1 000 euroa)", 1e3), ("Liikevaihto (1000 euroa)", 1e3), ("Turnover (EUR 1,000)", 1e3),
    ("Turnover (EUR 1\u00a0000)", 1e3), ("Liikevaihto, 1.000 €", 1e3), ("tuhatta euroa", 1e3),
    ("EUR thousand", 1e3), ("milj. euroa", 1e6), ("EUR million", 1e6),
    ("euroa", 1.0), ("Turnover (EUR)", 1.0), ("Henkilöstö 2021", 1.0), ("Toimipaikat (lkm)", 1.0),
])
def test_one_unit_reader_for_the_fetch_and_the_web_export(text, factor):
    from kasvudata_utils.data import statfin_export

    assert pxweb_business.unit_factor(text) == factor
    # the web export's turnover heading is read by the same rule: an English heading in EUR 1,000 too
    assert statfin_export._thousands(text) == (factor == 1e3)
