"""StatFin PxWeb API v1 client (the current form, after the 8 June 2026 change).

Since June 2026 StatFin's tables sit directly under the database with short ids
(``…/api/v1/fi/StatFin/11re.px``, where the old form was
``…/StatFin/vaerak/statfin_vaerak_pxt_11re.px``), and variables carry
version-stamped codes (``alue_23_20260101``, ``timeperiod_y``, ``contentscode``)
instead of names. Some tables answer only inside their subject folder
(``…/StatFin/alyr/13wz.px``): a 404 directly under the database makes the
client look the folder up with a search, and ``alyr/13wz`` names it outright.
This client speaks that form:

- :meth:`PxWebClient.list_tables` — GET a folder: ``[{id, type, text, updated}]``
  (type ``l`` folder, ``t`` table);
- :meth:`PxWebClient.search` — GET ``…/StatFin?query=WORD``: ``[{id, path, title, score, published}]``;
- :meth:`PxWebClient.metadata` — GET a table: ``{title, variables: [{code, text, values, valueTexts, …}]}``;
- :meth:`PxWebClient.query` — POST a selection, JSON-stat 2.0 back;
  :meth:`PxWebClient.fetch` does the same and returns a long frame
  (:func:`~kasvudata_utils.data.jsonstat.parse_jsonstat`), splitting queries
  larger than :data:`MAX_CELLS` into several.

Why not ``pxwebpy``: its 0.6.0 release speaks PxWeb API **v2** only (its
constructor calls ``/tables``), while StatFin serves API v1 in the form above.

Every response is cached on disk under ``data/cache/pxweb/`` (file name =
sha256 of method, URL and body), so a rerun makes no request. A network failure
raises :class:`StatFinUnavailable`, a one-line :class:`InputError`
("StatFin unreachable (…); the embedded data stays in use"); nothing on disk
changes. Tests pass a fake ``session``; nothing here is called at import time.

Examples
--------
>>> normalise_table_id("11RE"), normalise_table_id("statfin_vaerak_pxt_11re.px")
('11re.px', '11re.px')
>>> variable_base("alue_23_20260101"), variable_base("timeperiod_y")
('alue', 'timeperiod_y')
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import pandas as pd

from kasvudata_utils.data.jsonstat import parse_jsonstat
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import atomic_write_text
from kasvudata_utils.paths import data_dir

DEFAULT_BASE_URL = "https://pxdata.stat.fi/PxWeb/api/v1"
DATABASE = "StatFin"
#: Cells per query: StatFin refuses larger selections, so bigger queries are split by this limit.
MAX_CELLS = 100_000
TIMEOUT_S = 30
#: Cached responses older than this are fetched again (StatFin updates tables and their variable codes).
MAX_AGE_S = 7 * 24 * 3600
#: Retries after HTTP 429 (StatFin's per-window request limit), waiting Retry-After or 10 s each time.
RETRIES_429 = 3
LANGS = ("fi", "sv", "en")


class StatFinUnavailable(InputError):
    """StatFin could not be reached (network down, DNS, timeout, server error)."""


class NotFound(InputError):
    """StatFin answered 404: no such table or folder."""


def cache_dir() -> Path:
    """Where responses are cached: ``$KASVUDATA_PXWEB_CACHE`` or ``data/cache/pxweb/`` (git-ignored)."""
    return Path(os.environ.get("KASVUDATA_PXWEB_CACHE") or data_dir() / "cache" / "pxweb")


def split_table_ref(table_id) -> tuple[str | None, str]:
    """``alyr/13wz`` → ``("alyr", "13wz.px")``; ``13wz`` → ``(None, "13wz.px")``."""
    text = str(table_id).strip().strip("/")
    folder, _, name = text.rpartition("/")
    db_folder: str | None = folder.lower().removeprefix("statfin/").removeprefix("statfin") or None
    if db_folder is not None and not re.fullmatch(r"[0-9a-z_]+", db_folder):
        raise InputError(f"StatFin folder {db_folder!r} in {table_id!r}: expected letters such as alyr")
    return db_folder, normalise_table_id(name)


def normalise_table_id(table_id) -> str:
    """``11re`` / ``11RE.px`` / old ``statfin_vaerak_pxt_11re.px`` → ``11re.px``."""
    text = str(table_id).strip().lower()
    if m := re.fullmatch(r"(?:.*/)?statfin_[a-z0-9]+_pxt_([0-9a-z]+)(?:\.px)?", text):
        text = m.group(1)
    text = text.removesuffix(".px")
    if not re.fullmatch(r"[0-9a-z]{3,6}", text):
        raise InputError(f"StatFin table id {table_id!r}: expected a short id such as 11re or 13wz "
                         f"(the form used since 8 June 2026)")
    return f"{text}.px"


def variable_base(code: str) -> str:
    """A variable code without its version stamp: ``alue_23_20260101`` → ``alue``."""
    return re.sub(r"(?:_\d+)*_\d{8}$", "", str(code)).lower()


def _retry_after(resp) -> float:
    try:
        return min(60.0, max(1.0, float((getattr(resp, "headers", None) or {}).get("Retry-After", 10))))
    except (TypeError, ValueError):
        return 10.0


def _cache_key(method: str, url: str, body) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False) if body is not None else ""
    return hashlib.sha256(f"{method} {url}\n{text}".encode()).hexdigest()


_REASONS = (
    (re.compile(r"resolve|name or service|nodename|getaddrinfo|NameResolution", re.I), "host name not resolved"),
    (re.compile(r"refused", re.I), "connection refused"),
    (re.compile(r"timed? ?out", re.I), "timed out"),
    (re.compile(r"unreachable", re.I), "network unreachable"),
    (re.compile(r"SSL|certificate", re.I), "TLS error"),
    (re.compile(r"proxy", re.I), "proxy error"),
)


def _short(exc: BaseException, url: str) -> str:
    """``ConnectionError at pxdata.stat.fi: connection refused`` — short enough for one line."""
    from urllib.parse import urlsplit

    text = str(exc)
    reason = next((r for pattern, r in _REASONS if pattern.search(text)), None)
    host = urlsplit(url).netloc or url
    return f"{type(exc).__name__} at {host}" + (f": {reason}" if reason else "")


class PxWebClient:
    """A small StatFin PxWeb v1 client with an on-disk cache.

    Parameters
    ----------
    base_url : str, optional
        API root; default ``$KASVUDATA_PXWEB_URL`` or :data:`DEFAULT_BASE_URL`.
    lang : {"fi", "sv", "en"}
        Language of labels.
    database : str
        ``StatFin`` (also ``StatFin_Passiivi`` for discontinued tables).
    timeout : float
        Seconds per request.
    cache : str, Path, bool or None
        Cache folder; ``None`` → :func:`cache_dir`; ``False`` → no cache.
    session : requests.Session-like, optional
        Anything with ``request(method, url, json=..., timeout=...)``; tests pass a fake.
    max_age_s : float
        A cached response older than this is fetched again; if StatFin is then
        unreachable, the old copy is used and ``stale`` is set.
    """

    def __init__(self, base_url=None, lang: str = "fi", database: str = DATABASE, timeout: float = TIMEOUT_S,
                 cache=None, session=None, max_age_s: float = MAX_AGE_S):
        if lang not in LANGS:
            raise InputError(f"StatFin language {lang!r}: expected one of {', '.join(LANGS)}")
        self.base_url = (base_url or os.environ.get("KASVUDATA_PXWEB_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.lang = lang
        self.database = database
        self.timeout = timeout
        self.cache = None if cache is False else Path(cache) if cache else cache_dir()
        self._session = session
        self.max_age_s = max_age_s
        self._folders: dict[str, str] = {}
        self.requests_made = 0
        self.stale = False
        #: one entry per :meth:`fetch`: the whole selection as PxWeb's query list, and how it was split
        self.fetched_queries: list[dict] = []
        self.oldest_cached: float | None = None  # fetch time of the oldest cached response served

    # ------------------------------------------------------------------ plumbing
    @property
    def session(self):
        """The HTTP session (``requests``, imported on first use), with the client's User-Agent."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "kasvudata (+StatFin PxWeb client)"
        return self._session

    def url(self, *parts: str) -> str:
        """``<base>/<lang>/<database>/<parts…>``."""
        tail = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
        return f"{self.base_url}/{self.lang}/{self.database}" + (f"/{tail}" if tail else "")

    def request(self, method: str, url: str, body=None, refresh: bool = False):
        """JSON from ``url`` (cache first); one-line errors for every failure."""
        key = _cache_key(method, url, body)
        path = self.cache / f"{key}.json" if self.cache else None
        cached = None
        if path is not None and path.exists() and not refresh:
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                cached = None  # a damaged cache file is fetched again
            if cached is not None and time.time() - path.stat().st_mtime <= self.max_age_s:
                self._note_cached(path)
                return cached
        import requests

        for attempt in range(RETRIES_429 + 1):
            try:
                self.requests_made += 1
                resp = self.session.request(method, url, json=body, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                if cached is not None and path is not None:  # offline with an old copy: better than nothing
                    self.stale = True
                    self._note_cached(path)
                    return cached
                raise StatFinUnavailable(f"StatFin unreachable ({_short(exc, url)}); the embedded data stays "
                                         f"in use") from None
            status = getattr(resp, "status_code", 200)
            if status != 429 or attempt == RETRIES_429:
                break
            # StatFin allows a few calls per 10-second window; a split query can reach it: wait it out
            time.sleep(_retry_after(resp))
        if status >= 500:
            raise StatFinUnavailable(f"StatFin unreachable (HTTP {status} from {url}); the embedded data stays "
                                     f"in use")
        if status == 404:
            raise NotFound(f"StatFin has no table or folder at {url} (HTTP 404): check the id with "
                           f"`kasvudata statfin search WORD`")
        if status == 429:
            raise InputError("StatFin's request limit was reached (HTTP 429) and did not clear: wait a minute "
                             "and try again")
        if status >= 400:
            raise InputError(f"StatFin rejected the request to {url} (HTTP {status}): check the variable "
                             f"codes and values against the table's metadata")
        try:
            data = resp.json()
        except ValueError:
            raise InputError(f"StatFin returned something other than JSON for {url}") from None
        if path is not None:
            atomic_write_text(path, json.dumps(data, ensure_ascii=False))  # a reader never sees half a file
        return data

    def _note_cached(self, path: Path) -> None:
        """Remember when the oldest cached response served was fetched (``oldest_cached``, epoch seconds)."""
        t = path.stat().st_mtime
        self.oldest_cached = t if self.oldest_cached is None else min(self.oldest_cached, t)

    # ------------------------------------------------------------------ API
    def list_tables(self, path: str = "", refresh: bool = False) -> pd.DataFrame:
        """Folders and tables in ``path`` (``""`` = the database root): ``id, type, text, updated``."""
        rows = self.request("GET", self.url(path), refresh=refresh)
        return pd.DataFrame(rows, columns=["id", "type", "text", "updated"])

    def search(self, word: str, refresh: bool = False) -> pd.DataFrame:
        """Tables whose title matches ``word``: ``id, path, title, score, published``, best first."""
        word = str(word).strip()
        if not word:
            raise InputError("StatFin search: expected a word such as 'toimipaikat' or 'population'")
        from urllib.parse import quote

        rows = self.request("GET", f"{self.url()}?query={quote(word)}", refresh=refresh)
        return pd.DataFrame(rows, columns=["id", "path", "title", "score", "published"])

    def table_url(self, table_id) -> str:
        """``…/StatFin/13wz.px``, or ``…/StatFin/<folder>/13wz.px`` once the folder is known."""
        folder, tid = split_table_ref(table_id)
        if folder:
            self._folders[tid] = folder
        folder = self._folders.get(tid)
        return self.url(folder, tid) if folder else self.url(tid)

    def metadata(self, table_id, refresh: bool = False) -> dict:
        """The table's title and variables (``code, text, values, valueTexts, elimination, time``).

        Tables are asked for directly under the database (``…/StatFin/13wz.px``); where
        StatFin answers 404 there, the table's folder is looked up with :meth:`search`
        and the table asked for in it (``…/StatFin/alyr/13wz.px``).
        """
        folder, tid = split_table_ref(table_id)
        try:
            meta = self.request("GET", self.table_url(table_id), refresh=refresh)
        except NotFound:
            if folder or tid in self._folders:
                raise
            hits = self.search(tid.removesuffix(".px"), refresh=refresh)
            paths = hits.loc[hits["id"].str.lower() == tid, "path"].tolist()
            if not paths:
                raise
            self._folders[tid] = str(paths[0]).strip("/")
            meta = self.request("GET", self.table_url(tid), refresh=refresh)
        if not isinstance(meta, dict) or "variables" not in meta:
            raise InputError(f"StatFin metadata of {table_id!r} has no variables: is it a table id?")
        return meta

    def query(self, table_id, selections: dict, refresh: bool = False) -> dict:
        """POST a query; return the JSON-stat 2.0 dataset.

        ``selections`` maps a variable code to a list of value codes, ``"all"``
        (``*``) or ``("top", n)``. Variables left out are eliminated by StatFin
        (their total), yet still appear in the response.
        """
        body = {"query": [_selection(code, sel) for code, sel in selections.items()],
                "response": {"format": "json-stat2"}}
        return self.request("POST", self.table_url(table_id), body=body, refresh=refresh)

    def fetch(self, table_id, selections: dict, labels: bool = False, refresh: bool = False,
              meta: dict | None = None) -> pd.DataFrame:
        """Query and parse into a long frame; selections above :data:`MAX_CELLS` cells are split."""
        meta = meta or self.metadata(table_id, refresh=refresh)
        sizes = {v["code"]: len(v["values"]) for v in meta["variables"]}
        explicit = {c: list(s) for c, s in selections.items() if isinstance(s, (list, tuple)) and
                    not (len(s) == 2 and s[0] == "top")}
        cells = 1
        for code in selections:
            cells *= len(explicit[code]) if code in explicit else sizes.get(code, 1)
        split = ""
        if cells <= MAX_CELLS or not explicit:
            frames = [parse_jsonstat(self.query(table_id, selections, refresh=refresh), labels=labels)]
        else:
            split = max(explicit, key=lambda c: len(explicit[c]))
            per = max(1, MAX_CELLS // (cells // len(explicit[split])))
            frames = []
            for i in range(0, len(explicit[split]), per):
                part = dict(selections, **{split: explicit[split][i:i + per]})
                frames.append(parse_jsonstat(self.query(table_id, part, refresh=refresh), labels=labels))
        self.fetched_queries.append({"query": [_selection(code, sel) for code, sel in selections.items()],
                                     "cells": cells, "requests": len(frames),
                                     **({"split_by": split} if split else {})})
        out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        out.attrs["jsonstat"] = frames[0].attrs.get("jsonstat", {})
        out.attrs["table_id"] = split_table_ref(table_id)[1]
        out.attrs["title"] = meta.get("title")
        return out


def _selection(code: str, sel) -> dict:
    if sel in ("all", "*"):
        return {"code": code, "selection": {"filter": "all", "values": ["*"]}}
    if isinstance(sel, tuple) and len(sel) == 2 and sel[0] == "top":
        return {"code": code, "selection": {"filter": "top", "values": [str(int(sel[1]))]}}
    if isinstance(sel, (str, int)):
        sel = [sel]
    return {"code": code, "selection": {"filter": "item", "values": [str(v) for v in sel]}}


# ---------------------------------------------------------------------- module-level conveniences
def list_tables(path: str = "", client: PxWebClient | None = None) -> pd.DataFrame:
    """Folders and tables under ``path`` in StatFin (see :meth:`PxWebClient.list_tables`)."""
    return (client or PxWebClient()).list_tables(path)


def search(word: str, client: PxWebClient | None = None) -> pd.DataFrame:
    """StatFin tables matching ``word`` (see :meth:`PxWebClient.search`)."""
    return (client or PxWebClient()).search(word)


def metadata(table_id, client: PxWebClient | None = None) -> dict:
    """Metadata of a StatFin table (see :meth:`PxWebClient.metadata`)."""
    return (client or PxWebClient()).metadata(table_id)


def query(table_id, selections: dict, client: PxWebClient | None = None) -> dict:
    """JSON-stat 2.0 response of a StatFin query (see :meth:`PxWebClient.query`)."""
    return (client or PxWebClient()).query(table_id, selections)
