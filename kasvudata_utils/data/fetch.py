"""``kasvudata data fetch``: the public StatFin tables the project uses, into ``data/real/``.

Fetched (PxWeb API v1, :mod:`kasvudata_utils.data.pxweb`; table ids in :data:`REAL_TABLES`):

* ``business_table.parquet`` — regional statistics on entrepreneurial activity (alyr, table 13wz):
  establishments, personnel and turnover by municipality × TOL division × year for *every*
  municipality, so that Northern Ostrobothnia can be compared with the whole country; the SPEC §3
  regional business table (StatFin's ``..``/``.`` kept as ``suppressed``);
* ``openings_closures.parquet`` — enterprise openings and closures (aly, table 11yq): register
  events, never demographic births and deaths (METHODS.md);
* ``population.parquet`` — population on 31 December by municipality (vaerak, table 11re), newer
  than the embedded copy (which ends in 2022);
* ``unemployment.parquet`` — the Ministry of Economic Affairs and Employment's employment service
  statistics as published in StatFin (tyonv, table 12r5: unemployed jobseekers, Statistics Finland's
  labour force and open vacancies by municipality and month), as annual means in the shape of the
  embedded ``unemployment.parquet`` (which ends in October 2020: it came from the retired table 1001).
  The id, the folder and the content codes (``TYOTTOMATLOPUSSA``, ``TYOVOIMATK``, ``AVPAIKATLOPUSSA``)
  were checked against public code that queries this table (e.g. pttry/pttdatahaku's
  ``data-raw/add_AW.R``, and fetch scripts written after the June 2026 change that query
  ``tyonv/12r5.px`` with ``timeperiod_m`` and ``contentscode``), not against the live API, which
  this project's machines cannot reach; a changed table ends the fetch in one line.

Each file is written atomically and recorded in ``data/real/manifest.json`` (table id, query, fetch
time, sha256, rows, licence, attribution); ``--data statfin`` and :func:`kasvudata_utils.data.sources.load_table`
label figures from it with the table and the fetch date. Polite: at most :data:`MAX_REQUESTS`
requests in any :data:`WINDOW_S` seconds (StatFin's limit), queries above StatFin's cell limit split
(:meth:`PxWebClient.fetch`), every response cached under ``data/cache/pxweb/`` so that an interrupted
fetch resumes where it stopped. Without a network: :class:`~kasvudata_utils.data.pxweb.StatFinUnavailable`
(one line, exit 2) and nothing under ``data/processed/`` changes.
"""
from __future__ import annotations

import json
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from kasvudata_utils import areas, provenance
from kasvudata_utils.data import pxweb_business as pb
from kasvudata_utils.data.pxweb import MAX_AGE_S, PxWebClient, split_table_ref, variable_base
from kasvudata_utils.data.sources import REAL_MANIFEST, file_sha256, read_real_manifest, real_dir
from kasvudata_utils.errors import InputError

#: StatFin's request limit: at most this many requests in any window of WINDOW_S seconds.
MAX_REQUESTS = 10
WINDOW_S = 10.0
LICENCE = "CC BY 4.0"
ATTRIBUTION = "Lähde: Tilastokeskus / Source: Statistics Finland, StatFin, CC BY 4.0"


@dataclass(frozen=True)
class RealTable:
    """One public table fetched by ``kasvudata data fetch``."""

    name: str  # output file stem under data/real/
    table_id: str  # StatFin short id
    kind: str  # "business", "events", "population" or "unemployment"
    title_fi: str
    title_en: str
    folder: str = ""  # StatFin subject folder, for a table that answers only inside it

    @property
    def ref(self) -> str:
        """How the client asks for the table: ``tyonv/12r5`` or ``13wz``."""
        return f"{self.folder}/{self.table_id}" if self.folder else self.table_id


REAL_TABLES = (
    RealTable("business_table", "13wz", "business", "alueellinen yritystoimintatilasto",
              "regional statistics on entrepreneurial activity"),
    RealTable("openings_closures", "11yq", "events", "aloittaneet ja lopettaneet yritykset",
              "enterprise openings and closures"),
    RealTable("population", "11re", "population", "väestörakenne", "population structure"),
    RealTable("unemployment", "12r5", "unemployment", "TEM:n työnvälitystilasto",
              "employment service statistics of the Ministry of Economic Affairs and Employment", "tyonv"),
)

#: Content codes of table 12r5 → columns of ``unemployment.parquet`` (the embedded file's names).
UNEMPLOYMENT_CONTENTS = {"TYOTTOMATLOPUSSA": "unemployed", "TYOVOIMATK": "labour_force",
                         "AVPAIKATLOPUSSA": "vacancies"}


class PoliteSession:
    """A ``requests``-like session that keeps to StatFin's request limit.

    At most ``max_requests`` requests start within any ``window_s`` seconds; a request that would
    exceed it waits. ``clock`` and ``sleep`` are injectable so tests check the spacing without waiting.

    Examples
    --------
    >>> t = [0.0]
    >>> s = PoliteSession(session=type("S", (), {"request": lambda self, *a, **k: "ok"})(), max_requests=2,
    ...                   window_s=10, clock=lambda: t[0], sleep=lambda d: t.__setitem__(0, t[0] + d))
    >>> [s.request("GET", "u", timeout=1) for _ in range(3)], t[0]
    (['ok', 'ok', 'ok'], 10.0)
    """

    def __init__(self, session=None, max_requests: int = MAX_REQUESTS, window_s: float = WINDOW_S,
                 clock=time.monotonic, sleep=time.sleep, on_request=None):
        self._session = session
        self.max_requests, self.window_s = int(max_requests), float(window_s)
        self.clock, self.sleep, self.on_request = clock, sleep, on_request
        self.started: deque = deque()
        self.waited_s = 0.0

    @property
    def session(self):
        """The underlying session (a ``requests.Session`` made on first use)."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "kasvudata data fetch (+StatFin PxWeb client)"
        return self._session

    def request(self, method, url, json=None, timeout=None):
        """Wait until the window has room, then pass the request on."""
        now = self.clock()
        while self.started and now - self.started[0] >= self.window_s:
            self.started.popleft()
        if len(self.started) >= self.max_requests:
            wait = self.started[0] + self.window_s - now
            if wait > 0:
                self.sleep(wait)
                self.waited_s += wait
            now = self.clock()
            self.started.popleft()
        self.started.append(now)
        if self.on_request is not None:
            self.on_request(method, url)
        return self.session.request(method, url, json=json, timeout=timeout)


def make_client(refresh: bool = False, session=None, on_request=None) -> PxWebClient:
    """A StatFin client whose requests pass :class:`PoliteSession` (cache as usual, unless ``refresh``)."""
    polite = PoliteSession(session, on_request=on_request)
    return PxWebClient(session=polite, max_age_s=0 if refresh else MAX_AGE_S)


def _municipalities(wanted) -> list[str] | None:
    """``--areas`` as municipality codes (a region or sub-region → its municipalities); None = all."""
    if not wanted:
        return None
    out = []
    for a in wanted:
        code = areas.normalise_area(a)
        out += areas.municipalities(code)
    return list(dict.fromkeys(out))


def _table_municipalities(meta: dict, wanted) -> list[str]:
    """The table's municipality codes (explicit, so a large query can be split by area)."""
    area_var = next(v for v in meta["variables"] if variable_base(v["code"]) in pb.AREA_BASES)
    have = [c for c in area_var["values"] if str(c).startswith("KU")]
    if wanted is None:
        return have
    missing = [m for m in wanted if m not in set(have)]
    if len(missing) == len(wanted):
        raise InputError(f"--areas: none of {', '.join(wanted[:3])} is in StatFin's table: expected municipality, "
                         "sub-region or region codes of the current division")
    return [m for m in wanted if m in set(have)]


def fetch_population(client: PxWebClient, table_id: str, munis=None, years=None) -> pd.DataFrame:
    """Population on 31 Dec by municipality: ``municipality_code, year, population`` (provenance real)."""
    meta = client.metadata(table_id)
    by_base = {variable_base(v["code"]): v for v in meta["variables"]}
    found = pb.discover(meta)
    sel = {found["area"]: _table_municipalities(meta, munis), found["time"]: pb._time_values(
        by_base[variable_base(found["time"])], years)}
    for base, v in by_base.items():
        if v["code"] in sel:
            continue
        if base.startswith(("ika", "sukupuoli")):
            sel[v["code"]] = ["SSS"]
        elif v["code"] == found.get("measures"):
            sel[v["code"]] = [v["values"][0]]
    frame = client.fetch(table_id, sel, meta=meta)
    out = pd.DataFrame({"municipality_code": frame[found["area"]].astype(str).to_numpy(),
                        "year": frame[found["time"]].str[:4].astype("int64").to_numpy(),
                        "population": frame["value"].astype("float64").to_numpy()})
    out = out[out["municipality_code"].str.startswith("KU")].sort_values(["municipality_code", "year"],
                                                                         ignore_index=True)
    return provenance.tag(out, "real", [pb._source(table_id, meta.get("title"))])


def monthly_to_annual(monthly: pd.DataFrame) -> pd.DataFrame:
    """Annual means of monthly counts, as the embedded ``unemployment.parquet`` holds them.

    ``monthly``: ``municipality_code, year, month, unemployed, labour_force, vacancies`` (NaN where
    StatFin suppressed a cell). Returns ``municipality_code, year, months, unemployed, labour_force,
    vacancies, unemployment_rate_pct``: each count averaged over the months it has (a suppressed month
    is left out of its mean, as for the embedded file), ``months`` = months in the response, and
    ``unemployment_rate_pct = 100 × unemployed / labour_force`` (ratio of the annual means).

    >>> m = pd.DataFrame({"municipality_code": "KU072", "year": 2024, "month": [1, 2],
    ...                   "unemployed": [30.0, 20.0], "labour_force": [400.0, 400.0], "vacancies": [1.0, None]})
    >>> r = monthly_to_annual(m).iloc[0]
    >>> int(r["months"]), float(r["unemployed"]), float(r["vacancies"]), float(r["unemployment_rate_pct"])
    (2, 25.0, 1.0, 6.25)
    """
    g = monthly.groupby(["municipality_code", "year"], as_index=False)
    out = g.agg(months=("month", "nunique"), unemployed=("unemployed", "mean"),
                labour_force=("labour_force", "mean"), vacancies=("vacancies", "mean"))
    out["months"] = out["months"].astype("int64")
    out["unemployment_rate_pct"] = (100 * out["unemployed"] / out["labour_force"]).where(out["labour_force"] > 0)
    for c in ("unemployed", "labour_force", "vacancies", "unemployment_rate_pct"):
        out[c] = out[c].astype("float64").round(3)
    return out.sort_values(["municipality_code", "year"], ignore_index=True)


def fetch_unemployment(client: PxWebClient, table_ref: str, munis=None, years=None) -> pd.DataFrame:
    """Employment service statistics by municipality and month → annual means (provenance real).

    Returns the columns of the embedded ``unemployment.parquet`` (:func:`monthly_to_annual`).

    Raises
    ------
    InputError
        One line when the table lacks a content code of :data:`UNEMPLOYMENT_CONTENTS` (StatFin
        renamed it) or its time variable is not monthly.
    """
    meta = client.metadata(table_ref)
    found = pb.discover(meta, contents_rules={})
    by_code = {v["code"]: v for v in meta["variables"]}
    tid = split_table_ref(table_ref)[1].removesuffix(".px")
    measures = by_code.get(found["measures"] or "", {"values": []})
    missing = [c for c in UNEMPLOYMENT_CONTENTS if c not in measures["values"]]
    if missing:
        raise InputError(f"StatFin table {tid} has no content {', '.join(missing)}: expected the employment "
                         f"service statistics by municipality and month (the table may have changed)")
    time_var = by_code[found["time"]]
    if not all(re.fullmatch(r"\d{4}M\d{2}", str(v)) for v in time_var["values"]):
        raise InputError(f"StatFin table {tid}: time values such as {time_var['values'][0]!r}, expected months "
                         "such as 2024M01")
    sel = {found["area"]: _table_municipalities(meta, munis), found["time"]: pb._time_values(time_var, years),
           found["measures"]: list(UNEMPLOYMENT_CONTENTS)}
    for code, v in by_code.items():  # any other variable: its total
        if code not in sel:
            sel[code] = ["SSS"] if "SSS" in v["values"] else [v["values"][0]]
    frame = client.fetch(table_ref, sel, meta=meta)
    frame = frame[frame[found["area"]].astype(str).str.startswith("KU")]
    period = frame[found["time"]].astype(str)
    long = pd.DataFrame({"municipality_code": frame[found["area"]].astype(str).to_numpy(),
                         "year": period.str[:4].astype("int64").to_numpy(),
                         "month": period.str[5:7].astype("int64").to_numpy(),
                         "what": frame[found["measures"]].map(UNEMPLOYMENT_CONTENTS).to_numpy(),
                         "value": frame["value"].astype("float64").to_numpy()})
    # unstack, not pivot_table(dropna=False): only the months the response holds, NaN kept where suppressed
    monthly = (long.set_index(["municipality_code", "year", "month", "what"])["value"].unstack("what")
               .reindex(columns=list(UNEMPLOYMENT_CONTENTS.values())).reset_index())
    monthly.columns.name = None
    out = monthly_to_annual(monthly)
    return provenance.tag(out, "real", [pb._source(tid, meta.get("title"))])


def _fetch_one(spec: RealTable, client: PxWebClient, munis, years, codes=None) -> tuple[pd.DataFrame, dict]:
    meta = client.metadata(spec.ref)
    client.fetched_queries = []
    if spec.kind == "business":
        sel_areas = _table_municipalities(meta, munis)
        df = pb.fetch_business_table(spec.table_id, areas=sel_areas, years=years, level="division", client=client)
        query = {"areas": "all municipalities" if munis is None else sel_areas, "years": years or "all",
                 "level": "division"}
    elif spec.kind == "unemployment":
        df = fetch_unemployment(client, spec.ref, munis, years)
        query = {"areas": "all municipalities" if munis is None else munis, "years": years or "all",
                 "contents": list(UNEMPLOYMENT_CONTENTS), "aggregation": "annual mean of monthly counts",
                 "last_month": _last_month(df) if not df.empty else ""}
    elif spec.kind == "events":
        df = pb.fetch_openings_closures(spec.table_id, areas=codes, years=years, client=client)
        query = {"areas": "all" if codes is None else codes, "years": years or "all"}
    else:
        df = fetch_population(client, spec.table_id, munis, years)
        query = {"areas": "all municipalities" if munis is None else munis, "years": years or "all",
                 "age": "total", "sex": "total"}
    query["url"] = client.table_url(spec.ref)
    # the selections as sent (PxWeb API v1 query list), so the fetch can be repeated by hand
    query["pxweb"] = client.fetched_queries
    return df, {"statfin_title": meta.get("title", ""), "query": query}


def _last_month(df: pd.DataFrame) -> str:
    """The newest month in an annual-mean table: its last year and that year's month count."""
    last = df[df["year"] == df["year"].max()]
    return f"{int(last['year'].iloc[0])}M{int(last['months'].max()):02d}"


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame = df.copy()
    frame.attrs = {}
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _write_manifest(folder: Path, manifest: dict) -> None:
    p = folder / REAL_MANIFEST
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, p)


def fetch_all(years=None, areas_=None, refresh: bool = False, out_dir=None, client: PxWebClient | None = None,
              tables=REAL_TABLES, progress: bool = False, log=None) -> list[Path]:
    """Fetch every table of ``tables`` into ``out_dir`` (default ``data/real``) and record it.

    Parameters
    ----------
    years : list of int, optional
        Default: every year StatFin has.
    areas_ : list of area codes, optional
        Default: every municipality (the country's comparison needs them all).
    refresh : bool
        Ask StatFin again even where a cached response exists.
    out_dir : path, optional
        Default :func:`kasvudata_utils.data.sources.real_dir`.
    client : PxWebClient, optional
        Default :func:`make_client` (tests pass one with recorded responses).
    progress : bool
        Show a progress bar (tqdm) over the tables.
    log : callable, optional
        Called with one line per table written.

    Returns
    -------
    list of Path
        The files written. A table that fails stops the fetch with one line; the tables written
        before it stay (a rerun resumes from the cache).
    """
    from tqdm import tqdm

    client = client or make_client(refresh)
    munis = _municipalities(areas_)
    codes = [areas.normalise_area(a) for a in areas_] if areas_ else None
    folder = Path(out_dir) if out_dir is not None else real_dir()
    written = []
    bar = tqdm(tables, desc="kasvudata data fetch", unit="table", disable=not progress)
    for spec in bar:
        bar.set_postfix_str(f"{spec.table_id}: {spec.name}")
        client.oldest_cached = None
        asked = datetime.now(UTC)
        df, info = _fetch_one(spec, client, munis, years, codes)
        # the fetch time is that of the oldest response used: a cached one may be days old
        fetched = (datetime.fromtimestamp(client.oldest_cached, UTC) if client.oldest_cached is not None
                   else asked)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{spec.name}.parquet"
        _write_parquet(df, path)
        manifest = read_real_manifest(folder)
        manifest["files"][path.name] = {
            "table_id": spec.table_id, "title_fi": spec.title_fi, "title_en": spec.title_en,
            "fetched_utc": fetched.strftime("%Y-%m-%dT%H:%M:%SZ"), "sha256": file_sha256(path),
            "rows": len(df), "licence": LICENCE, "attribution": ATTRIBUTION, **info}
        _write_manifest(folder, manifest)
        written.append(path)
        bar.set_postfix_str(f"{spec.table_id}: {len(df)} rows, {client.requests_made} requests so far")
        if log:
            log(f"{path}: {len(df)} rows from StatFin table {spec.table_id}")
    bar.close()
    if client.stale and log:  # --refresh while offline: the cached copies were used, say so
        log("StatFin unreachable: older cached responses were used (their fetch time is in the manifest)")
    return written
