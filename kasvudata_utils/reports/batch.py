"""Batch reports: run the parameterised notebooks with papermill, one kernel per report.

``kasvudata reports`` (SPEC §4, §6) plans one job per area of Northern Ostrobothnia
(``notebooks/01_area_report.ipynb``) and one per business section
(``notebooks/02_industry_profile.ipynb``), runs them in parallel worker processes, each
worker's notebooks in its kernel, which is brought back to its pre-report state and checked
between reports (:mod:`kasvudata_utils.reports.kernels`; isolation: a report's tables are byte for
byte those of a fresh kernel, ``tests/test_kernel_reuse.py``), with papermill's
start and execution timeouts (papermill#239/#776: parallel runs in one process time out, so the
pool is of processes). Parameters go through papermill's Python API, so codes stay strings.

Beyond the home region: ``--areas SSS-all`` (every municipality of Finland) or ``<AREA>-all``
(:func:`parse_areas`) with ``--data national`` (the national synthetic panel, :func:`resolve_panel`);
beyond one machine: ``--scheduler ADDRESS`` runs each notebook as a task on a Dask distributed
cluster (:mod:`kasvudata_utils.reports.cluster`). See docs/deploy.md.

The local workers are spawned before the parent plans when every report will run, and the parent
works out the site's map and headline figures while the reports run (:class:`~kasvudata_utils.reports.site.SitePrep`),
so little is left for after the last report (issue 18).

A failing report does not stop the others: its status and one-line error land in
``reports/manifest.json`` and the index. A report whose fingerprint (data files, notebook,
package code, parameters, the area's insights) is unchanged and whose HTML exists is skipped
unless ``force``.

Layout written (``out`` defaults to ``reports/``)::

    reports/index.html, insights.html, manifest.json, style.css, map.png
    reports/<AREA>/report.html, report.ipynb, tables/*.csv
    reports/industry/<SECTION>/report.html, report.ipynb, tables/*.csv
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kasvudata_utils import areas, industries, provenance
from kasvudata_utils.data import load_firm_panel, sources
from kasvudata_utils.errors import InputError
from kasvudata_utils.fileio import claim_folder
from kasvudata_utils.indicators.growth import DEFAULT_END_YEAR, DEFAULT_START_YEAR
from kasvudata_utils.labels import normalise_lang
from kasvudata_utils.paths import PROJECT_ROOT
from kasvudata_utils.reports.cluster import dispatch_dask
from kasvudata_utils.reports.common import parse_period
from kasvudata_utils.reports.fingerprint import (
    base_fingerprint,
    code_fingerprint,
    data_fingerprint,
    job_fingerprint,
    package_version,
)
from kasvudata_utils.reports.manifest import load_manifest, write_manifest
from kasvudata_utils.reports.refresh import refresh_insights
from kasvudata_utils.reports.site import SYNTHETIC_PROV, SitePrep, build_site
from kasvudata_utils.reports.sources import national_panel_path, resolve_panel
from kasvudata_utils.reports.worker import (
    EXECUTION_TIMEOUT_S,
    START_TIMEOUT_S,
    _batch_worker,
    _now,
    execute_job,
    scrub_paths,
    worker_failure,
)

NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
AREA_NOTEBOOK = "01_area_report.ipynb"
INDUSTRY_NOTEBOOK = "02_industry_profile.ipynb"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_START, DEFAULT_END = DEFAULT_START_YEAR, DEFAULT_END_YEAR  # one default period (indicators.growth)


@dataclass
class Job:
    """One notebook run: what, with which parameters, written where (relative to the output folder)."""

    kind: str  # "area" or "industry"
    key: str  # "KU009" or "industry/C"
    notebook: str  # absolute path of the source notebook
    parameters: dict
    out_subdir: str  # "KU009" or "industry/C"
    name: str = ""
    fingerprint: str = ""
    extra: dict = field(default_factory=dict)


def parse_areas(spec) -> list[str]:
    """The area codes of an ``--areas`` value, normalised, in order, without duplicates.

    ``"all"`` → the 38 home areas (MK17, its sub-regions and municipalities); ``"KU009,SK177"``
    (any accepted spelling) → those codes; ``"<AREA>-all"`` → every municipality within AREA
    (``SSS-all``: all municipalities of Finland, 308 on the 2025 division; ``MK17-all``: the 30 of
    Northern Ostrobothnia; ``SK177-all``: those of the sub-region). Items combine:
    ``"MK01-all,MK01"`` is Uusimaa's municipalities and the region itself.

    Examples
    --------
    >>> len(parse_areas("SSS-all"))
    308
    >>> parse_areas("SK177-all")[:2]
    ['KU009', 'KU208']
    """
    if spec is None or str(spec).strip().lower() == "all":
        return areas.home_region_areas()
    codes = []
    for item in (s.strip() for s in str(spec).split(",")):
        if not item:
            continue
        if item.lower().endswith("-all"):
            codes += areas.members(areas.normalise_area(item[:-4]), "KU")
        else:
            codes.append(areas.normalise_area(item))
    if not codes:
        raise InputError(f"--areas {spec!r}: expected 'all', '<AREA>-all' such as 'SSS-all', "
                         "or a comma-separated list of area codes")
    return list(dict.fromkeys(codes))


def plan_jobs(area_codes, lang: str = "fi", start_year: int = DEFAULT_START, end_year: int = DEFAULT_END,
              panel_path: str = "", industry_profiles=True, table_path: str = "",
              synthetic_firm_data: bool = False) -> list[Job]:
    """The jobs of a batch: one area report per code, plus one industry profile per business section.

    ``area_codes`` are used as given (normalise them first with :func:`parse_areas`); a code the
    notebook rejects makes that one report fail, which is how the tests inject a broken area.
    ``industry_profiles`` is True (every business section), False, or a list of section letters.
    ``table_path`` (a SPEC §3 business table, ``--table``/``--data statfin``) becomes the notebooks'
    ``table_path`` parameter; ``synthetic_firm_data`` (with a table) the area notebooks'
    ``synthetic_firm_data`` (the industry profiles show no firm-level figures).
    """
    lang = normalise_lang(lang)
    if int(start_year) >= int(end_year):
        raise InputError(f"start year {start_year} is not before end year {end_year}: expected start < end")
    common = {"start_year": int(start_year), "end_year": int(end_year), "lang": lang,
              "panel_path": str(panel_path or "")}
    if table_path:
        common["table_path"] = str(table_path)
    jobs = []
    for code in area_codes:
        code = str(code)
        try:
            name = areas.official_name(code, "en" if lang == "en" else "fi")
            ref = areas.default_reference(code)
        except InputError:
            name, ref = code, ""
        params = {"area": code, "reference": ref, **common, "output_dir": "tables"}
        if synthetic_firm_data:
            params["synthetic_firm_data"] = True
        jobs.append(Job("area", code, str(NOTEBOOK_DIR / AREA_NOTEBOOK), params, code, name))
    if industry_profiles:
        secs = industries.BUSINESS_SECTIONS if industry_profiles is True else industry_profiles
        for s in secs:
            s = industries.normalise_industry(s)
            params = {"area": areas.HOME_REGION, "reference": areas.COUNTRY, **common, "industry": s,
                      "output_dir": "tables"}
            jobs.append(Job("industry", f"industry/{s}", str(NOTEBOOK_DIR / INDUSTRY_NOTEBOOK), params,
                            f"industry/{s}", industries.industry_name(s, lang)))
    return jobs


def run_jobs(jobs: list[Job], out, n_jobs: int | None = None, force: bool = False, progress: bool = True,
             panel_path: str = "", start_timeout: int = START_TIMEOUT_S,
             execution_timeout: int = EXECUTION_TIMEOUT_S, scheduler: str = "", table_path: str = "",
             refresh_only: list[Job] | None = None, on_finished=None, pools: list | None = None,
             pool: ProcessPoolExecutor | None = None) -> dict:
    """Run the jobs (skipping up-to-date ones unless ``force``) and write the manifest.

    A job whose only changed input is its insights is not run: its insights section is rewritten in
    place (:mod:`kasvudata_utils.reports.refresh`). ``refresh_only`` jobs (the reports that show a
    requested area's insights, :func:`showing_areas`) are only ever refreshed that way, never run, not
    even with ``force``; otherwise their entries stay as they are.

    The jobs run in ``n_jobs`` local worker processes or, with ``scheduler`` (a Dask scheduler
    address such as ``tcp://10.0.0.5:8786``), as tasks on that Dask distributed cluster
    (:mod:`kasvudata_utils.reports.cluster`); either way each runs :func:`execute_job` and a failure
    stays that report's status.

    ``on_finished(entry)`` is called with each run report's manifest entry as it finishes (the batch
    works out its site meanwhile, :class:`kasvudata_utils.reports.site.SitePrep`). ``pools``: a list
    that receives the local worker pool, shut down but not yet waited for (its workers stop their
    kernels while the caller builds the site; the caller waits with ``pool.shutdown()``); without it
    the pool is waited for here. ``pool``: local workers already started (:func:`new_pool`), used
    instead of new ones and then shut down like them; the caller shuts it down when no job ran.

    Returns
    -------
    dict
        The manifest: ``generated``, ``package_version``, ``data_fingerprint``, ``summary`` and
        ``reports`` (key → entry with parameters, fingerprint, started, finished, duration_s,
        status, error, html, notebook, tables, up_to_date).
    """
    out = claim_folder(out, "--out")  # only a new, empty or KasvuDATA-written folder is written into
    data_fp, code_fp = data_fingerprint(panel_path or None), code_fingerprint()
    data_fp = table_fingerprint(data_fp, table_path)
    old = {k: _public_entry(e) for k, e in load_manifest(out).get("reports", {}).items() if isinstance(e, dict)}
    manifest = {"generated": _now(), "package_version": package_version(), "data_fingerprint": data_fp,
                "code_fingerprint": code_fp, "reports": dict(old)}
    todo = []
    for job, only_refresh in [(j, False) for j in jobs] + [(j, True) for j in refresh_only or []]:
        job.fingerprint = job_fingerprint(job, data_fp, code_fp)
        base = base_fingerprint(job, data_fp, code_fp)
        job.extra = {**job.extra, "base_fingerprint": base}
        prev = old.get(job.key, {})
        kept = ((only_refresh or not force) and prev.get("status") == "ok"
                and (out / job.out_subdir / "report.html").exists())
        if kept and prev.get("fingerprint") == job.fingerprint:
            manifest["reports"][job.key] = {**prev, "up_to_date": True}
        elif (kept and job.kind == "area" and prev.get("base_fingerprint") == base
              and refresh_insights(out / job.out_subdir, job.parameters["area"], job.parameters.get("lang", "fi"))):
            # only the insights changed: the section is rewritten in place (reports.refresh), no kernel
            manifest["reports"][job.key] = {**prev, "fingerprint": job.fingerprint, "up_to_date": False,
                                            "refreshed": "insights", "finished": _now()}
        elif not only_refresh:
            todo.append(job)
    n_jobs = max(1, int(n_jobs or os.cpu_count() or 1))
    t0 = time.perf_counter()
    if todo:
        if scheduler:
            results = dispatch_dask(todo, out, scheduler, start_timeout, execution_timeout)
        else:
            results = _dispatch_local(todo, out, n_jobs, start_timeout, execution_timeout, pools, pool)
        bar = progress_bar(len(todo), progress)
        # closed at once on an error or Ctrl-C here, so the local pool is shut down then, not when collected
        with contextlib.closing(results):
            for job, entry in results:
                manifest["reports"][job.key] = _entry(job, entry, data_fp, old.get(job.key, {}), out)
                bar.step(job.key, entry["status"])
                if on_finished is not None:
                    on_finished(manifest["reports"][job.key])
        bar.close()
    manifest["wall_time_s"] = round(time.perf_counter() - t0, 2)
    manifest["summary"] = summarise(manifest, [j.key for j in jobs])
    write_manifest(out, manifest)
    return manifest


class LineProgress:
    """The reports' progress as one line per finished report (a log, a pipe, CI: no carriage-return redraws).

    >>> import io
    >>> bar = LineProgress(2, io.StringIO(), clock=iter([0.0, 3.04, 7.6]).__next__)
    >>> bar.step("KU009", "ok"); bar.step("MK17", "failed"); print(bar.file.getvalue(), end="")
    kasvudata reports: 0/2 ...
    kasvudata reports: 1/2 (50 %) KU009 ok, 3 s
    kasvudata reports: 2/2 (100 %) MK17 failed, 8 s
    """

    def __init__(self, total: int, file=None, clock=time.perf_counter):
        self.total, self.done, self.file, self.clock = total, 0, file or sys.stderr, clock
        self.t0 = clock()
        self._write(f"kasvudata reports: 0/{total} ...")

    def _write(self, line: str) -> None:
        print(line, file=self.file, flush=True)

    def step(self, key: str, status: str) -> None:
        """One report finished (``status`` ``ok`` or ``failed``): one line with the count and the elapsed time."""
        self.done += 1
        self._write(f"kasvudata reports: {self.done}/{self.total} ({round(100 * self.done / max(self.total, 1))} %) "
                    f"{key} {status}, {self.clock() - self.t0:.0f} s")

    def close(self) -> None:
        """Nothing to clear: every line is already complete."""


class _TqdmProgress:
    """The reports' progress as a tqdm bar on a terminal (stderr)."""

    def __init__(self, total: int):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="kasvudata reports", unit="report", file=sys.stderr)

    def step(self, key: str, status: str) -> None:
        self.bar.update(1)
        self.bar.set_postfix_str(f"{key}: {status}")

    def close(self) -> None:
        self.bar.close()


class _NoProgress:
    def step(self, key: str, status: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, enabled: bool = True):
    """Progress of the reports on stderr: a tqdm bar on a terminal, else one line per report; nothing when off."""
    if not enabled:
        return _NoProgress()
    return _TqdmProgress(total) if sys.stderr.isatty() else LineProgress(total)


def new_pool(n_workers: int) -> ProcessPoolExecutor:
    """A pool of ``n_workers`` spawned batch worker processes, started now (each starting its first kernel).

    :func:`run_reports` starts it before its own planning (reading the panel's years, fingerprints) when
    every report will run, so the workers' and kernels' start-up overlaps it.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # no forked zmq/thread state in the workers
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=_batch_worker)
    for _ in range(n_workers):  # the executor spawns a worker per submitted call while none is idle
        pool.submit(os.getpid)
    return pool


def _dispatch_local(todo: list[Job], out: Path, n_jobs: int, start_timeout: int, execution_timeout: int,
                    pools: list | None = None, pool: ProcessPoolExecutor | None = None):
    """Yield ``(job, entry)`` as the jobs finish in a pool of spawned local worker processes.

    ``pool``: one already started (:func:`new_pool`), else a new one. With ``pools`` (a list) the pool is
    shut down without waiting and appended to it (:func:`run_jobs`).
    """
    pool = pool or new_pool(min(n_jobs, len(todo)))
    try:
        futures = {pool.submit(execute_job, asdict(j), str(out), start_timeout, execution_timeout): j
                   for j in todo}
        for fut in as_completed(futures):
            try:
                entry = fut.result()
            except Exception as exc:  # the worker process itself died
                entry = worker_failure(exc)
            yield futures[fut], entry
    finally:
        if pools is None:
            pool.shutdown(wait=True)
        else:
            pools.append(_Stopping(pool))


class _Stopping:
    """A worker pool told to stop without waiting; :meth:`shutdown` waits for its workers (and reaps them).

    ``ProcessPoolExecutor.shutdown(wait=False)`` forgets the thread that joins the workers, so a later
    ``shutdown()`` would not wait: that thread is kept here (without it, the pool is waited for at once).
    """

    def __init__(self, pool: ProcessPoolExecutor):
        self.thread = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=self.thread is None, cancel_futures=True)

    def shutdown(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _entry(job: Job, entry: dict, data_fp: str, prev: dict | None = None, out: Path | None = None) -> dict:
    """The manifest entry of a finished job; a failed one whose last good report is still there is ``stale``.

    Parameters name no local path: an own panel appears as ``panel`` (file name and sha256).
    """
    params = dict(job.parameters)
    panel = params.get("panel_path") or ""
    if panel:
        params["panel_path"] = Path(panel).name
    e = {"kind": job.kind, "name": job.name, "parameters": params, "fingerprint": job.fingerprint,
         "base_fingerprint": (job.extra or {}).get("base_fingerprint", ""), "data_fingerprint": data_fp,
         **entry, "html": f"{job.out_subdir}/report.html",
         "notebook": f"{job.out_subdir}/report.ipynb", "up_to_date": False}
    if panel:
        e["panel"] = panel_identity(panel)
    if e.get("error"):  # an error message may quote a path: published files name none
        e["error"] = scrub_paths(e["error"], [(panel, None)])
    prev = prev or {}
    if e["status"] != "ok" and out is not None and (out / job.out_subdir / "report.html").is_file():
        e["stale"] = True  # the previous good report stays (the worker replaces a folder only when complete)
        e["last_ok"] = prev.get("last_ok") or (prev.get("finished", "") if prev.get("status") == "ok" else "")
    return e


def _public_entry(e: dict) -> dict:
    """An entry of an older manifest without local paths (its panel by file name, like :func:`_entry`)."""
    panel = str((e.get("parameters") or {}).get("panel_path") or "")
    if not Path(panel).is_absolute():
        return e
    e = {**e, "parameters": {**e["parameters"], "panel_path": Path(panel).name}}
    if "panel" not in e:
        national = Path(panel).resolve() == national_panel_path().resolve()
        e["panel"] = (panel_identity(panel) if Path(panel).is_file()
                      else {"file": Path(panel).name, "sha256": "", "source": "national" if national else "own"})
    if e.get("error"):
        e["error"] = scrub_paths(e["error"], [(panel, None)])
    return e


def panel_identity(panel_path) -> dict:
    """How published files name a firm panel: file name, sha256 and source (never its local path)."""
    p = Path(panel_path)
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    national = p.resolve() == national_panel_path().resolve()
    return {"file": p.name, "sha256": h.hexdigest(), "source": "national" if national else "own"}


def summarise(manifest: dict, keys=None) -> dict:
    """Counts of this batch's reports: total, ok, up to date, failed (with their keys)."""
    reps = manifest["reports"]
    keys = list(reps) if keys is None else keys
    failed = [k for k in keys if reps.get(k, {}).get("status") != "ok"]
    return {"total": len(keys), "ok": len(keys) - len(failed),
            "up_to_date": sum(bool(reps.get(k, {}).get("up_to_date")) for k in keys), "failed": failed}


def summary_line(manifest: dict) -> str:
    """One line for the terminal, e.g. ``52 reports: 51 ok (10 up to date), 1 failed: KU999 (…)``."""
    s = manifest["summary"]
    line = f"{s['total']} reports: {s['ok']} ok ({s['up_to_date']} up to date), {len(s['failed'])} failed"
    if s["failed"]:
        first = s["failed"][0]
        line += ": " + ", ".join(s["failed"][:5]) + (" …" if len(s["failed"]) > 5 else "")
        line += f" (first error: {manifest['reports'][first].get('error', '')[:200]})"
    return line + f"; wall time {manifest.get('wall_time_s', 0)} s"


def check_panel_years(panel_path: str, start_year, end_year) -> None:
    """Refuse (one line, exit 2) a panel without rows, or a period the panel's years do not cover.

    Without this an empty panel or ``--start 2099 --end 2100`` made every report fail, one by one.
    """
    start, end = parse_period(start_year, end_year)
    if panel_path and Path(panel_path).resolve() == national_panel_path().resolve():
        import pandas as pd  # the national panel is large: its year column only

        years = pd.read_parquet(panel_path, columns=["year"])["year"]
    else:  # the embedded panel (cached) or an own one (read and validated: a broken file is exit 2 here)
        years = load_firm_panel(panel_path or None)["year"]
    name = Path(panel_path).name if panel_path else "the embedded firm panel"
    if len(years) == 0:
        raise InputError(f"firm panel {name} has no rows: expected firms by year (SPEC §3)")
    lo, hi = int(years.min()), int(years.max())
    if start < lo or end > hi:
        raise InputError(f"period {start}–{end}: expected years within {lo}–{hi}, the years of {name}")


def table_period(table_path: str, start_year=None, end_year=None) -> tuple[int, int]:
    """The period of a run on a business table: the years given, else the table's own.

    Without ``--start``/``--end`` the period ends in the table's last year and starts as many years
    before it as the default period spans (``DEFAULT_END - DEFAULT_START``), not before the table's
    first year: a table of 2020–2022 gives 2020–2022, one of 2013–2023 gives 2018–2023. A period
    outside the table's years, or a table of one year, is refused in one line before any report runs
    (the table is read and validated here, so a broken file is refused here too).
    """
    years = sources.load_table(table_path)["year"]
    name = Path(table_path).name
    lo, hi = int(years.min()), int(years.max())
    if lo == hi:
        raise InputError(f"business table {name} has only the year {lo}: expected at least two years for a "
                         "period")
    if end_year is None:
        end_year = hi
    elif start_year is None:
        end_year = parse_period(lo - 1, end_year)[1]  # a one-line error for a non-number
    start = max(lo, int(end_year) - (DEFAULT_END - DEFAULT_START)) if start_year is None else start_year
    s, e = parse_period(start, end_year)
    if s < lo or e > hi:
        raise InputError(f"period {s}–{e}: expected years within {lo}–{hi}, the years of business table {name}")
    return s, e


def table_fingerprint(data_fp: str, table_path: str = "") -> str:
    """``data_fp`` extended with a business table's bytes and those of the files fetched beside it.

    A refreshed fetch or an edited file reruns the reports: the table itself, and the population,
    unemployment and register events the reports take from its folder
    (:func:`kasvudata_utils.data.sources.population_for`). Unchanged without a table.
    """
    if not table_path:
        return data_fp
    data_fp = hashlib.sha256(f"{data_fp}:{sources.file_sha256(table_path)}".encode()).hexdigest()[:16]
    beside = [Path(table_path).parent / n for n in (sources.REAL_POPULATION, sources.REAL_UNEMPLOYMENT,
                                                     "openings_closures.parquet")]
    extra = ":".join(f"{p.name}={sources.file_sha256(p)}" for p in beside if p.is_file())
    return hashlib.sha256(f"{data_fp}:{extra}".encode()).hexdigest()[:16] if extra else data_fp


def run_reports(area_spec="all", n_jobs=None, out="reports", lang="fi", force=False, industry_profiles=True,
                start_year=None, end_year=None, panel_path="", progress=True,
                data="default", scheduler="", table_path="", synthetic_firm_data=False, board_url="") -> dict:
    """The whole ``kasvudata reports`` run: plan, execute, write manifest, index and insights page.

    ``data="national"`` reads the national synthetic panel (needed for areas outside MK17, e.g.
    ``area_spec="SSS-all"``); ``data="statfin"`` or ``table_path`` makes the figures come from that
    business table (:mod:`kasvudata_utils.data.sources`); ``scheduler`` runs the notebooks on a Dask
    cluster (:func:`run_jobs`). ``synthetic_firm_data`` (only with a table): the firm-level figures a
    table cannot give come from the synthetic panel, badged synthetic; the index says "mixed".
    ``board_url`` is the insights board the insights page links (:func:`kasvudata_utils.reports.site.board_url`).
    """
    if str(data or "").strip().lower() == "statfin":
        table = sources.resolve_source("statfin", table_path=table_path).table_path
        data = "default"
    else:
        table = sources.resolve_source("default", table_path=table_path).table_path
    panel = resolve_panel(data, panel_path)
    if synthetic_firm_data and (not table or panel):
        raise InputError("--synthetic-firm-data: expected --table FILE or --data statfin without --panel (a firm "
                         "panel already gives firm-level figures)")
    codes = parse_areas(area_spec)
    # custom areas (KU009+KU977) count too; a code that is no area at all fails in its own report, not here
    outside = [c for c in codes if (c in areas.all_areas() or areas.is_custom(c))
               and not areas.contains(areas.HOME_REGION, c)]
    if outside and not panel and not table:
        raise InputError(f"--areas {area_spec!r} includes {outside[0]} outside Northern Ostrobothnia: expected "
                         "--data national (or --panel with your own panel), the embedded panel covers MK17 only")
    started = None  # local workers started ahead, while this process plans (when every report will run)
    if not scheduler and (force or not load_manifest(out).get("reports")):
        n_sections = 0 if not industry_profiles else len(industries.BUSINESS_SECTIONS if industry_profiles is True
                                                         else industry_profiles)
        started = new_pool(min(max(1, int(n_jobs or os.cpu_count() or 1)), len(codes) + n_sections))
    prep, pools = SitePrep(), []
    try:
        if table and not panel:  # the table's years, not the embedded panel's
            start_year, end_year = table_period(table, start_year, end_year)
        else:
            start_year = DEFAULT_START if start_year is None else start_year
            end_year = DEFAULT_END if end_year is None else end_year
            check_panel_years(panel, start_year, end_year)
        jobs = plan_jobs(codes, lang, start_year, end_year, panel, industry_profiles, table, synthetic_firm_data)
        showing = [c for c in showing_areas(codes, out) if c not in codes]
        refresh_jobs = (plan_jobs(showing, lang, start_year, end_year, panel, False, table, synthetic_firm_data)
                        if showing else [])
        manifest = run_jobs(jobs, out, n_jobs, force, progress, panel, scheduler=scheduler, table_path=table,
                            refresh_only=refresh_jobs, on_finished=lambda e: (prep.start(out, lang), prep.add(e)),
                            pools=pools, pool=started)
        manifest["data_source"] = data_source_entry(panel, table, synthetic_firm_data)
        write_manifest(out, manifest)
        build_site(out, manifest, lang, board_url or None, prep)  # while the workers stop their kernels
    finally:
        prep.join()  # (already done by build_site; after an error its thread is ended here)
        if started is not None:  # an error before the jobs ran, or nothing to run: not handed to run_jobs' pools
            started.shutdown(wait=not pools, cancel_futures=True)
        for pool in pools:
            pool.shutdown()
    return manifest


def showing_areas(codes, out) -> list[str]:
    """Areas with a report in ``out`` that show the insights of one of ``codes`` (the areas containing it).

    ``kasvudata reports --areas SK177`` also checks the region's report (MK17 shows SK177's insights):
    it is refreshed in place when only its insights changed, and otherwise left as it is
    (``run_jobs(refresh_only=...)``).
    """
    have = [k for k, e in load_manifest(out).get("reports", {}).items()
            if isinstance(e, dict) and e.get("kind") == "area"] if Path(out).is_dir() else []
    found = []
    for key in have:
        for code in codes:
            try:
                if key != code and areas.contains(key, code):
                    found.append(key)
                    break
            except InputError:
                break  # a custom or unknown key in an old manifest shows nobody's insights
    return found


def data_source_entry(panel_path: str = "", table_path: str = "", synthetic_firm_data: bool = False) -> dict:
    """What the batch's figures come from, for the manifest and the index's first screen.

    ``kind`` (``synthetic``, ``real``, ``user`` or ``mixed``), ``sources`` (labels with the vintage of a
    fetched table) and the files by name (no local path) with their sha256. With ``synthetic_firm_data``
    the synthetic panel is one of the sources (a table's figures plus synthetic firm-level ones: mixed).
    """
    provs, files = [], []
    if panel_path and Path(panel_path).resolve() == national_panel_path().resolve():
        provs.append(SYNTHETIC_PROV)
    elif panel_path:
        provs.append(provenance.get(load_firm_panel(panel_path)))
        files.append({"name": Path(panel_path).name, "sha256": sources.file_sha256(panel_path)})
    if table_path:
        provs.append(provenance.get(sources.load_table(table_path)))
        files.append({"name": Path(table_path).name, "sha256": sources.file_sha256(table_path)})
    if not provs or synthetic_firm_data:
        provs.append(SYNTHETIC_PROV)
    prov = provenance.combine(*provs)
    return {"kind": prov["kind"], "sources": prov["sources"], "files": files}
