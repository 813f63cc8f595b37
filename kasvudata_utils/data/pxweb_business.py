"""StatFin tables → the project's schemas: the regional business table and register events.

- :func:`fetch_business_table` fetches a table of StatFin's *regional statistics
  on entrepreneurial activity* (alyr: establishments, personnel, turnover by
  industry × municipality × year, e.g. table 13wz) and returns the SPEC §3
  regional business table, validated, ``..``/``.`` → empty with ``suppressed``.
- :func:`fetch_openings_closures` fetches *enterprise openings and closures*
  (aly, e.g. table 11yq) into a separate long table. These are **register
  events**, not demographic births and deaths (METHODS, business demography):
  the ``event`` column says ``register_opening`` / ``register_closure`` /
  ``register_stock`` so that no indicator can mix them up with births/deaths.

Variables are found from the table's metadata by the *base* of their code
(``alue_23_20260101`` → ``alue``), by ``time: true`` and by the content
texts, never by a hard-coded version stamp. ``mapping`` overrides anything
that discovery gets wrong; its keys: ``area``, ``time``, ``industry``,
``measures`` (variable codes), ``contents`` (content code → column name),
``units`` (content code → factor to euros or persons), ``industry_codes``
(StatFin code → TOL code), ``selections`` (other variable → values).

The pure halves (:func:`business_table_from_frame`,
:func:`openings_closures_from_frame`) take an already parsed response, so
they are tested offline on recorded responses.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data.pxweb import PxWebClient, normalise_table_id, split_table_ref, variable_base
from kasvudata_utils.data.schemas import validate_business_table
from kasvudata_utils.errors import InputError

AREA_BASES = ("alue", "kunta", "maakunta", "seutukunta", "area", "region")
TIME_BASES = ("vuosi", "timeperiod", "year", "vuosineljannes", "neljannes", "kuukausi", "quarter")
INDUSTRY_BASES = ("toimiala", "industry", "tol", "naring")
MEASURE_BASES = ("tiedot", "contentscode", "information", "uppgifter")

#: Content texts → business-table columns (Finnish, Swedish, English wording of StatFin). Tried in
#: this order, so "Toimipaikkojen henkilöstö" (establishments' personnel) is personnel, not establishments.
BUSINESS_CONTENTS = {
    "turnover_eur": r"liikevaihto|turnover|oms[aä]ttning",
    "exports_eur": r"vienti|export",
    "personnel": r"henkil[oö]st|personnel|person-year|henkil[oö]ty[oö]vuo|personal",
    "establishments": r"toimipaik|establishment|arbetsst[aä]lle",
}
#: Content texts → register event names (openings and closures table).
EVENT_CONTENTS = {
    "register_opening": r"aloittan|opening|start|grunda|nya f[oö]retag",
    "register_closure": r"lopettan|closure|clos|ceas|upph[oö]r|nedlag",
    "register_stock": r"kanta|stock|active|best[aå]nd",
}
SOURCE = "Statistics Finland, StatFin"


# ---------------------------------------------------------------------------- discovery
def _find(variables: list[dict], bases, want_time=False) -> dict | None:
    for v in variables:
        base = variable_base(v["code"])
        if any(base.startswith(b) for b in bases) or (want_time and v.get("time")):
            return v
    return None


def discover(meta: dict, mapping: dict | None = None, contents_rules: dict = BUSINESS_CONTENTS) -> dict:
    """Which variable is area, time, industry and measure, and which content code is which column.

    >>> meta = {"variables": [
    ...     {"code": "alue_23_20260101", "text": "Alue", "values": ["KU564"], "valueTexts": ["Oulu"]},
    ...     {"code": "timeperiod_y", "text": "Vuosi", "values": ["2023"], "valueTexts": ["2023"], "time": True},
    ...     {"code": "contentscode", "text": "Tiedot", "values": ["a", "b"],
    ...      "valueTexts": ["Toimipaikkojen lukumäärä", "Liikevaihto (1 000 euroa)"]}]}
    >>> d = discover(meta)
    >>> d["area"], d["time"], d["industry"], d["contents"], d["units"]
    ('alue_23_20260101', 'timeperiod_y', None, {'a': 'establishments', 'b': 'turnover_eur'}, {'a': 1.0, 'b': 1000.0})
    """
    mapping = dict(mapping or {})
    variables = meta["variables"]
    by_code = {v["code"]: v for v in variables}
    found = {}
    for key, bases, time in (("area", AREA_BASES, False), ("time", TIME_BASES, True),
                             ("industry", INDUSTRY_BASES, False), ("measures", MEASURE_BASES, False)):
        if mapping.get(key):
            if mapping[key] not in by_code:
                raise InputError(f"mapping {key}={mapping[key]!r} is not a variable of this table: expected one of "
                                 f"{', '.join(by_code)}")
            found[key] = mapping[key]
        else:
            v = _find(variables, bases, want_time=time)
            found[key] = v["code"] if v else None
    if found["area"] is None or found["time"] is None:
        raise InputError(f"cannot tell the area and year variables of this table (variables: "
                         f"{', '.join(by_code)}): pass mapping={{'area': CODE, 'time': CODE}}")
    contents, units = dict(mapping.get("contents") or {}), {}
    if found["measures"]:
        mv = by_code[found["measures"]]
        for code, text in zip(mv["values"], mv.get("valueTexts", mv["values"]), strict=False):
            if code not in contents:
                for column, pattern in contents_rules.items():
                    if re.search(pattern, f"{text} {code}", re.I) and column not in contents.values():
                        contents[code] = column
                        break
            units[code] = unit_factor(text)
    units.update(mapping.get("units") or {})
    found["contents"] = contents
    found["units"] = {c: units.get(c, 1.0) for c in contents}
    return found


def unit_factor(text: str) -> float:
    """Factor to plain units from a content text or a column heading: the one unit reader of the data layer.

    ``(1 000 euroa)``, ``1000 euroa``, ``EUR 1,000``, ``Turnover (EUR 1 000)``, ``tuhatta euroa`` → 1000;
    ``milj. euroa``, ``EUR million`` → 1e6; anything else → 1.

    >>> [unit_factor(x) for x in ("Liikevaihto (1 000 euroa)", "Turnover (EUR 1,000)", "milj. euroa", "euroa")]
    [1000.0, 1000.0, 1000000.0, 1.0]
    """
    t = str(text).lower().replace("\u00a0", " ").replace("\u202f", " ")
    t = re.sub(r"(?<=\d)[ ,.](?=\d{3}\b)", "", t)  # 1 000, 1,000 and 1.000 are all 1000
    if re.search(r"milj|million|\bmn\b", t):
        return 1e6
    if re.search(r"tuhat|thousand", t) or (re.search(r"(?<![\d.,])1000(?![\d])", t)
                                           and re.search(r"eur|€|\be\b", t)):
        return 1e3
    return 1.0


def tol_code(code: str) -> str | None:
    """A StatFin industry code as a TOL code: ``SSS`` → ``ALL``, ``C10`` → ``10``; None if not a plain level."""
    c = str(code).strip().upper()
    if c in ("SSS", "TOTAL", "YHT", "ALL"):
        return industries.ALL
    if m := re.fullmatch(r"[A-U]?(\d{2})", c):
        c = m.group(1)
    try:
        return industries.normalise_industry(c)
    except InputError:
        return None


# ---------------------------------------------------------------------------- selections
def _area_values(var: dict, wanted) -> list[str] | str:
    if wanted is None:
        return "all"
    if isinstance(wanted, str):
        wanted = [wanted]
    codes = [areas.normalise_area(a) for a in wanted]
    available = set(var["values"])
    out = []
    for code in codes:
        if code in available:
            out.append(code)
            continue
        inside = [m for m in areas.municipalities(code) if m in available] if code != areas.COUNTRY else []
        if not inside:
            raise InputError(f"area {code} is not in this StatFin table (it has {len(available)} areas, e.g. "
                             f"{', '.join(list(var['values'])[:4])})")
        out += inside
    return list(dict.fromkeys(out))


def _time_values(var: dict, years) -> list[str] | str:
    if years is None:
        return "all"
    if isinstance(years, (int, str)):
        years = [years]
    wanted = {int(y) for y in years}
    out = [v for v in var["values"] if v[:4].isdigit() and int(v[:4]) in wanted]
    if not out:
        raise InputError(f"years {sorted(wanted)} are not in this StatFin table: it has {var['values'][0]}…"
                         f"{var['values'][-1]}")
    return out


def _selections(meta: dict, found: dict, areas_, years, mapping: dict | None) -> dict:
    by_code = {v["code"]: v for v in meta["variables"]}
    sel = {found["area"]: _area_values(by_code[found["area"]], areas_),
           found["time"]: _time_values(by_code[found["time"]], years)}
    if found["industry"]:
        sel[found["industry"]] = "all"
    if found["measures"]:
        sel[found["measures"]] = list(found["contents"]) or "all"
    extra = dict((mapping or {}).get("selections") or {})
    for code, v in by_code.items():
        if code in sel:
            continue
        if code in extra:
            sel[code] = extra[code]
        elif not v.get("elimination", True):
            total = [c for c, t in zip(v["values"], v.get("valueTexts", v["values"]), strict=False)
                     if c == "SSS" or re.search(r"yhteensä|total|kaikki|totalt", str(t), re.I)]
            if not total:
                raise InputError(f"variable {code!r} ({v.get('text')}) needs a value: pass "
                                 f"mapping={{'selections': {{'{code}': [...]}}}}")
            sel[code] = total[:1]
    return sel


# ---------------------------------------------------------------------------- business table
def business_table_from_frame(frame: pd.DataFrame, found: dict, level: str = "division",
                              industry_codes: dict | None = None, what: str = "StatFin table") -> pd.DataFrame:
    """Map a parsed alyr response (:func:`~kasvudata_utils.data.jsonstat.parse_jsonstat`) to SPEC §3.

    ``level`` keeps ``division`` rows (two digits), ``section`` rows, or ``all``
    (every code that maps to TOL, totals as ``ALL``). Codes that are not a plain
    TOL level (e.g. ``C10TC12``) are left out and listed in
    ``attrs["dropped_industry_codes"]``.
    """
    if found["industry"] is None:
        raise InputError(f"{what}: no industry variable (expected a code starting with 'toimiala'); pass "
                         f"mapping={{'industry': CODE}}")
    contents = found["contents"]
    if not any(c in ("establishments", "personnel", "turnover_eur") for c in contents.values()):
        raise InputError(f"{what}: none of establishments, personnel or turnover found among its contents: "
                         f"pass mapping={{'contents': {{CODE: 'personnel', …}}}}")
    df = frame[frame[found["measures"]].isin(list(contents))] if found["measures"] else frame
    raw_ind = df[found["industry"]].astype(str)
    lookup = {c: (industry_codes or {}).get(c, tol_code(c)) for c in raw_ind.unique()}
    dropped = sorted(c for c, t in lookup.items() if t is None)
    tol = raw_ind.map(lookup)
    keep = tol.notna()
    if level == "division":
        keep &= tol.str.fullmatch(r"\d{2}").fillna(False).astype(bool)
    elif level == "section":
        keep &= tol.str.fullmatch(r"[A-Z]").fillna(False).astype(bool)
    elif level != "all":
        raise InputError(f"level {level!r}: expected division, section or all")
    df = df[keep.to_numpy()]
    long = pd.DataFrame({
        "area_code": df[found["area"]].to_numpy(),
        "industry_code": tol[keep].to_numpy(),
        "year": df[found["time"]].str[:4].to_numpy(),
        "column": df[found["measures"]].map(contents).to_numpy(),
        "value": df["value"].to_numpy() * df[found["measures"]].map(found["units"]).to_numpy(dtype=float),
        "suppressed": df["suppressed"].to_numpy(),
    })
    keys = ["area_code", "industry_code", "year"]
    wide = long.pivot_table(index=keys, columns="column", values="value", aggfunc="first", dropna=False,
                            sort=False)
    flags = long.groupby(keys, sort=False)["suppressed"].any()
    out = wide.reindex(flags.index).reset_index()
    out.columns.name = None
    for col in ("establishments", "personnel", "turnover_eur", "exports_eur"):
        if col not in out.columns:
            out[col] = np.nan
    out["suppressed"] = flags.to_numpy()
    out = validate_business_table(out[["area_code", "industry_code", "year", "establishments", "personnel",
                                       "turnover_eur", "exports_eur", "suppressed"]], what=what)
    out.attrs["dropped_industry_codes"] = dropped
    return out


def _source(table_id: str, title: str | None) -> str:
    return f"{SOURCE} table {table_id.removesuffix('.px')}" + (f": {title}" if title else "") + " (CC BY 4.0)"


def fetch_business_table(table_id, areas=None, years=None, mapping: dict | None = None, level: str = "division",
                         client: PxWebClient | None = None) -> pd.DataFrame:
    """Fetch a StatFin regional entrepreneurial-activity table as the SPEC §3 business table.

    Parameters
    ----------
    table_id : str
        E.g. ``"13wz"`` (``kasvudata statfin search toimipaikat`` finds others).
    areas : list of area codes or names, optional
        Default all areas of the table; a sub-region or region that the table
        does not hold is expanded to its municipalities.
    years : list of int, optional
        Default all years.
    mapping : dict, optional
        Overrides of variable discovery (see the module docstring).
    level : {"division", "section", "all"}
        Industry level kept (the embedded table is at division level).
    client : PxWebClient, optional
        Default: a client with the on-disk cache.

    Returns
    -------
    DataFrame
        Validated business table, provenance ``real`` (source: the StatFin table).
        Turnover in euros (StatFin's EUR 1,000 multiplied out).

    Raises
    ------
    StatFinUnavailable
        One line when StatFin cannot be reached; nothing else changes.
    """
    client = client or PxWebClient()
    tid = normalise_table_id(split_table_ref(table_id)[1])
    meta = client.metadata(table_id)
    found = discover(meta, mapping)
    frame = client.fetch(table_id, _selections(meta, found, areas, years, mapping), meta=meta)
    out = business_table_from_frame(frame, found, level=level, industry_codes=(mapping or {}).get("industry_codes"),
                                    what=f"StatFin table {tid.removesuffix('.px')}")
    dropped = out.attrs.get("dropped_industry_codes", [])
    provenance.tag(out, "real", [_source(tid, meta.get("title"))], columns={c: "real" for c in out.columns})
    out.attrs["dropped_industry_codes"] = dropped
    return out


# ---------------------------------------------------------------------------- openings and closures
def openings_closures_from_frame(frame: pd.DataFrame, found: dict, what: str = "StatFin table") -> pd.DataFrame:
    """Map a parsed openings/closures response to a long table of register events.

    Columns: ``area_code, industry_code, period, year, quarter, event, count, suppressed``;
    ``event`` ∈ ``register_opening``, ``register_closure``, ``register_stock``.
    """
    contents = found["contents"]
    if not contents:
        raise InputError(f"{what}: no openings or closures found among its contents: pass "
                         f"mapping={{'contents': {{CODE: 'register_opening', …}}}}")
    df = frame[frame[found["measures"]].isin(list(contents))]
    period = df[found["time"]].astype(str)
    quarter = period.str.extract(r"Q(\d)$", expand=False)
    industry = (df[found["industry"]].astype(str).map(lambda c: tol_code(c) or c) if found["industry"]
                else pd.Series(industries.ALL, index=df.index))
    area_map = {a: areas.normalise_area(a) for a in df[found["area"]].unique()}
    out = pd.DataFrame({
        "area_code": df[found["area"]].map(area_map).astype(str).to_numpy(),
        "industry_code": industry.astype(str).to_numpy(),
        "period": period.to_numpy(),
        "year": period.str[:4].astype("int64").to_numpy(),
        "quarter": pd.array(quarter.astype("float").to_numpy(), dtype="Int64"),
        "event": df[found["measures"]].map(contents).astype(str).to_numpy(),
        "count": df["value"].to_numpy(dtype=float),
        "suppressed": df["suppressed"].to_numpy(dtype=bool),
    })
    if (out["count"] < 0).any():
        raise InputError(f"{what}: negative event count in the response")
    return out


def fetch_openings_closures(table_id="11yq", areas=None, years=None, mapping: dict | None = None,
                            client: PxWebClient | None = None) -> pd.DataFrame:
    """Fetch StatFin's enterprise openings and closures as register events (never births/deaths).

    Returns the long table of :func:`openings_closures_from_frame`, provenance
    ``real``, with ``attrs["note"]`` saying that these are register events.
    """
    client = client or PxWebClient()
    tid = normalise_table_id(split_table_ref(table_id)[1])
    meta = client.metadata(table_id)
    found = discover(meta, mapping, contents_rules=EVENT_CONTENTS)
    frame = client.fetch(table_id, _selections(meta, found, areas, years, mapping), meta=meta)
    out = openings_closures_from_frame(frame, found, what=f"StatFin table {tid.removesuffix('.px')}")
    provenance.tag(out, "real", [_source(tid, meta.get("title"))], columns={c: "real" for c in out.columns})
    out.attrs["note"] = ("Register events (openings and closures in the business register), not demographic "
                         "births and deaths: do not mix with birth_rate_pct or death_rate_pct.")
    return out


def table_kind(meta: dict) -> str:
    """``business`` (alyr contents), ``events`` (openings/closures) or ``other``, from the metadata."""
    found = discover(meta) if _has_area_time(meta) else None
    if found and found["industry"] and any(c in ("establishments", "personnel", "turnover_eur")
                                           for c in found["contents"].values()):
        return "business"
    # no event contents at all → any() is False, as for contents that are not openings/closures
    if found and any(v in ("register_opening", "register_closure")
                     for v in discover(meta, contents_rules=EVENT_CONTENTS)["contents"].values()):
        return "events"
    return "other"


def _has_area_time(meta: dict) -> bool:
    vs = meta.get("variables", [])
    return _find(vs, AREA_BASES) is not None and _find(vs, TIME_BASES, want_time=True) is not None
