"""Nothing lost, nothing overwritten that the tool does not own (issue 14).

Output folders carry a marker; ``--site`` never deletes a foreign folder; a failing report keeps the last
good one (marked stale); files are written atomically; publishable files name no local path.
"""
import json
import os
from pathlib import Path

import pytest

from kasvudata_utils import cli, fileio
from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import PROJECT_ROOT
from kasvudata_utils.reports import batch, site, worker


def run(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _foreign(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "precious.txt").write_text("keep me")
    (folder / "other").mkdir(exist_ok=True)
    (folder / "other" / "x.txt").write_text("x")
    return folder


def _owned_reports(folder: Path) -> Path:
    """A minimal report folder as a batch leaves it (marker, manifest, one report)."""
    fileio.claim_folder(folder)
    (folder / "KU009").mkdir()
    (folder / "KU009" / "report.html").write_text("<p>ok</p>")
    (folder / "index.html").write_text('<a href="KU009/report.html">r</a>')
    (folder / "manifest.json").write_text(json.dumps({"reports": {}, "data_fingerprint": "x"}))
    return folder


# --- folders --------------------------------------------------------------------------------------

def test_claim_creates_marks_and_refuses_foreign(tmp_path):
    new = fileio.claim_folder(tmp_path / "a" / "b")
    assert (new / fileio.MARKER).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert fileio.owns_folder(fileio.claim_folder(empty))
    foreign = _foreign(tmp_path / "mine")
    with pytest.raises(InputError, match="did not write"):
        fileio.claim_folder(foreign)
    assert not (foreign / fileio.MARKER).exists() and (foreign / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("bad", ["/", "~", str(PROJECT_ROOT)])
def test_root_home_and_checkout_are_refused(bad):
    with pytest.raises(InputError):
        fileio.check_output_folder(bad, "--site")


def test_site_deletes_nothing_it_does_not_own(tmp_path, capsys):
    out = _owned_reports(tmp_path / "reports")
    target = _foreign(tmp_path / "precious")
    with pytest.raises(InputError, match="did not write"):
        site.publish_site(out, target)
    assert (target / "precious.txt").read_text() == "keep me" and (target / "other" / "x.txt").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious", "reports"]  # no staging left behind


def test_site_replaces_its_own_folder_completely(tmp_path):
    out = _owned_reports(tmp_path / "reports")
    target = tmp_path / "site"
    site.publish_site(out, target)
    assert fileio.owns_folder(target) and (target / "KU009" / "report.html").read_text() == "<p>ok</p>"
    assert target.stat().st_mode & 0o777 == 0o755  # readable by a web server, as a plain mkdir would be
    (target / "leftover.html").write_text("old")  # a file of an earlier publish, in the tool's own folder
    site.publish_site(out, target)
    assert not (target / "leftover.html").exists() and (target / "index.html").is_file()


@pytest.mark.parametrize("site_of", [lambda o: o, lambda o: o / "site", lambda o: o.parent])
def test_site_same_as_nested_in_or_parent_of_out_is_refused(tmp_path, site_of):
    out = _owned_reports(tmp_path / "reports")
    with pytest.raises(InputError, match="--site"):
        site.publish_site(out, site_of(out))
    assert (out / "KU009" / "report.html").is_file()


@pytest.mark.parametrize("argv", [
    ["--site", "{out}"], ["--site", "{out}/pub"], ["--site", "{tmp}"], ["--site", "~"], ["--site", "/"],
    ["--site", str(PROJECT_ROOT)], ["--areas", ""], ["--areas", " , "],
])
def test_reports_cli_refuses_unsafe_folders_before_running(tmp_path, capsys, argv):
    out = _owned_reports(tmp_path / "reports")
    argv = [a.format(out=out, tmp=tmp_path) for a in argv]
    rc, stdout, err = run(capsys, "reports", "--out", str(out), "--no-industries", *argv)
    assert rc == 2 and err.count("\n") == 1 and err.startswith("kasvudata: error:") and stdout == ""
    assert (out / "KU009" / "report.html").read_text() == "<p>ok</p>"


def test_foreign_site_is_refused_before_the_batch_runs(tmp_path, capsys, monkeypatch):
    def must_not_run(*a, **k):
        raise AssertionError("the batch ran before --site was checked")

    monkeypatch.setattr(batch, "run_reports", must_not_run)
    target = _foreign(tmp_path / "precious")
    rc, _, err = run(capsys, "reports", "--out", str(tmp_path / "r"), "--areas", "KU009", "--site", str(target))
    assert rc == 2 and "did not write" in err and not (tmp_path / "r").exists()
    assert (target / "precious.txt").read_text() == "keep me"


def test_reports_out_foreign_or_a_file_is_refused(tmp_path, capsys):
    foreign = _foreign(tmp_path / "mine")
    (foreign / "index.html").write_text("my own page")
    (foreign / "manifest.json").write_text('{"mine": true}')
    rc, _, err = run(capsys, "reports", "--out", str(foreign), "--areas", "KU009", "--no-industries")
    assert rc == 2 and "did not write" in err and err.count("\n") == 1
    assert (foreign / "index.html").read_text() == "my own page"
    assert (foreign / "manifest.json").read_text() == '{"mine": true}'
    a_file = tmp_path / "file.txt"
    a_file.write_text("data")
    rc, _, err = run(capsys, "reports", "--out", str(a_file), "--areas", "KU009", "--no-industries")
    assert rc == 2 and "existing file" in err and a_file.read_text() == "data"


@pytest.mark.parametrize("years", [("2099", "2100"), ("2005", "2010")])
def test_reports_period_outside_the_panel_is_exit_2(tmp_path, capsys, years):
    rc, stdout, err = run(capsys, "reports", "--out", str(tmp_path / "r"), "--areas", "KU009", "--no-industries",
                          "--start", years[0], "--end", years[1])
    assert rc == 2 and "2013–2023" in err and stdout == "" and err.count("\n") == 1


def test_reports_empty_panel_is_exit_2(tmp_path, capsys):
    from kasvudata_utils.data import load_firm_panel

    p = tmp_path / "empty.csv"
    load_firm_panel().head(0).to_csv(p, index=False)
    rc, stdout, err = run(capsys, "reports", "--out", str(tmp_path / "r"), "--areas", "KU009", "--no-industries",
                          "--panel", str(p))
    assert rc == 2 and stdout == "" and err.count("\n") == 1


def test_period_check_reads_the_national_panel_years(tmp_path, monkeypatch):
    from kasvudata_utils.data import load_firm_panel
    from kasvudata_utils.reports.sources import national_panel_path

    small = load_firm_panel().head(40).copy()
    small["year"] = [2016 + i % 4 for i in range(len(small))]  # years 2016–2019
    monkeypatch.setenv("KASVUDATA_DATA_DIR", str(tmp_path))
    nat = national_panel_path()
    nat.parent.mkdir(parents=True)
    small.to_parquet(nat, index=False)
    batch.check_panel_years(str(nat), 2016, 2019)  # inside: fine
    with pytest.raises(InputError, match="2016–2019"):
        batch.check_panel_years(str(nat), 2015, 2019)


# --- a failing run keeps the last good report --------------------------------------------------

def _fake_run(fail: bool, panel=""):
    def execute_notebook(nb, output, parameters, cwd, *a, **k):
        if fail:
            raise ValueError("bad panel")
        (Path(cwd) / "tables").mkdir()
        (Path(cwd) / "tables" / "indicators.csv").write_text("a\n1\n")
        Path(output).write_text(json.dumps({"cells": [{"source": f"panel_path = {json.dumps(panel)}"}],
                                            "metadata": {"papermill": {"input_path": "/x/nb.ipynb",
                                                                       "output_path": str(output)}}}))
    return execute_notebook


def test_failed_run_keeps_last_good_report_marked_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(worker, "export_html", lambda ipynb, html, **k: Path(html).write_text("good v1"))
    monkeypatch.setattr(worker.reports_kernels, "execute_notebook", _fake_run(False))
    out = fileio.claim_folder(tmp_path / "reports")
    job = batch.Job("area", "KU009", "nb.ipynb", {"area": "KU009", "lang": "fi"}, "KU009", "Alavieska")
    first = worker.execute_job(batch.asdict(job), str(out))
    assert first["status"] == "ok" and (out / "KU009" / "report.html").read_text() == "good v1"
    prev = batch._entry(job, first, "fp")

    monkeypatch.setattr(worker.reports_kernels, "execute_notebook", _fake_run(True))
    second = worker.execute_job(batch.asdict(job), str(out))
    assert second["status"] == "failed" and "bad panel" in second["error"]
    assert (out / "KU009" / "report.html").read_text() == "good v1"  # the last good report is kept
    assert (out / "KU009" / "tables" / "indicators.csv").is_file()
    assert [p.name for p in out.iterdir() if p.name.startswith(".KU009")] == []  # no staging folder left
    e = batch._entry(job, second, "fp", prev, out)
    assert e["stale"] is True and e["last_ok"] == first["finished"]
    index = site._status_cell(e, "en") + site._links(e, "en")
    assert "stale" in index and 'href="KU009/report.html"' in index


def test_entries_of_an_older_manifest_lose_their_local_paths(tmp_path):
    old = {"kind": "area", "status": "failed", "error": f"cannot read {tmp_path}/gone/p.csv",
           "parameters": {"area": "KU009", "panel_path": f"{tmp_path}/gone/p.csv"}}
    e = batch._public_entry(old)
    assert str(tmp_path) not in json.dumps(e)
    assert e["parameters"]["panel_path"] == "p.csv" and e["panel"]["source"] == "own"
    assert site._site_badge({"KU009": e}, "en").count("kd-real") == 1  # still badged as the user's own data
    assert batch._public_entry({"parameters": {"panel_path": ""}}) == {"parameters": {"panel_path": ""}}


def test_scrubbing_leaves_image_data_alone(tmp_path):
    home = str(Path.home())
    png = "iVBORw0KGgo" + home + "AAAA"  # base64 text may contain the home folder's name by chance
    nb = {"cells": [{"source": f"open('{home}/x.csv')",
                     "outputs": [{"data": {"image/png": png, "text/plain": f"{home}/y"}}]}], "metadata": {}}
    p = tmp_path / "r.ipynb"
    p.write_text(json.dumps(nb))
    out = json.loads(worker.strip_local_paths(p).read_text())
    cell = out["cells"][0]
    assert cell["source"] == "open('~/x.csv')" and cell["outputs"][0]["data"]["text/plain"] == "~/y"
    assert cell["outputs"][0]["data"]["image/png"] == png


def test_notebook_and_manifest_name_no_local_path(tmp_path, monkeypatch):
    panel = tmp_path / "secret_dir" / "confidential_panel.csv"
    panel.parent.mkdir()
    panel.write_text("firm_id\n1\n")
    monkeypatch.setattr(worker, "export_html", lambda ipynb, html, **k: Path(html).write_text("x"))
    monkeypatch.setattr(worker.reports_kernels, "execute_notebook", _fake_run(False, str(panel)))
    out = fileio.claim_folder(tmp_path / "reports")
    job = batch.Job("area", "KU009", "nb.ipynb", {"area": "KU009", "panel_path": str(panel)}, "KU009")
    entry = batch._entry(job, worker.execute_job(batch.asdict(job), str(out)), "fp")
    nb = (out / "KU009" / "report.ipynb").read_text()
    text = json.dumps(entry) + nb
    assert str(tmp_path) not in text and "secret_dir" not in text
    assert "confidential_panel.csv" in nb
    failed = batch._entry(job, {"status": "failed", "error": f"InputError: cannot read {panel}"}, "fp")
    assert str(tmp_path) not in failed["error"] and "confidential_panel.csv" in failed["error"]
    import hashlib
    assert entry["panel"] == {"file": "confidential_panel.csv", "source": "own",
                              "sha256": hashlib.sha256(b"firm_id\n1\n").hexdigest()}


def test_workshop_folder_serves_only_the_three_apps():
    from kasvudata_utils.commands.workshop import WORKSHOPS_DIR

    assert sorted(p.name for p in WORKSHOPS_DIR.glob("*.ipynb")) == [
        "area_explorer.ipynb", "insights_board.ipynb", "scenario_workshop.ipynb"]


# --- atomic writes ---------------------------------------------------------------------------------

def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    p = tmp_path / "backup.json"
    p.write_text('{"good": 1}')

    class Boom(Exception):
        pass

    with pytest.raises(Boom), fileio.atomic_open(p) as f:
        f.write('{"trunc')
        raise Boom  # e.g. ENOSPC half way
    assert p.read_text() == '{"good": 1}' and os.listdir(tmp_path) == ["backup.json"]


def test_export_to_a_full_disk_keeps_the_good_backup(tmp_path, monkeypatch):
    from kasvudata_utils.insights import exchange
    from kasvudata_utils.insights.store import InsightStore

    store = InsightStore(tmp_path / "s.sqlite")
    store.add("KU009", "trend", "Kasvua")
    backup = tmp_path / "backup.json"
    exchange.write_export(store, "json", out=backup)
    good = backup.read_bytes()
    store.add("KU009", "trend", "Lisää")
    real_fsync = os.fsync

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        exchange.write_export(store, "json", out=backup)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert backup.read_bytes() == good and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_read_only_store_lists_and_exports_but_refuses_writes(tmp_path, monkeypatch, capsys):
    from kasvudata_utils.insights.store import InsightStore

    db = tmp_path / "s.sqlite"
    uid = InsightStore(db).add("KU009", "trend", "=HYPERLINK(\"http://evil\")")
    # a read-only mount: os.access says "not writable" even to root (EROFS), which is what the store asks
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if mode & os.W_OK else real_access(p, mode))
    store = InsightStore(db)
    assert store.read_only and [r["uuid"] for r in store.list()] == [uid]
    with pytest.raises(InputError, match="vain luettavissa"):
        store.add("KU009", "trend", "x")
    rc, out, err = run(capsys, "insights", "--db", str(db), "list")
    assert rc == 0 and uid in out and "'=HYPERLINK" in out
    rc, out, err = run(capsys, "insights", "--db", str(db), "export", "--format", "json")
    assert rc == 0 and json.loads(out)["records"][0]["uuid"] == uid
    rc, out, err = run(capsys, "insights", "--db", str(db), "delete", uid)
    assert rc == 2 and "vain luettavissa" in err and err.count("\n") == 1


def test_kernel_comm_errors_reach_the_server_log_not_the_page(tmp_path):
    """A comm_open to an unknown target, or a failing widget model, sends nothing to the browser."""
    import uuid

    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ, KASVUDATA_INSIGHTS_DB=str(tmp_path / "ins.sqlite"), PYTHONPATH=str(PROJECT_ROOT))
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        kc.execute_interactive("import kasvudata_utils.apps.common", timeout=60)
        for target, data in [("no_such_target", {}), ("jupyter.widget", {"state": {"_model_name": "Nope"}})]:
            kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": uuid.uuid4().hex,
                                                               "target_name": target, "data": data}))
        kc.execute_interactive("1", timeout=60)  # the comm messages are handled before this one
        streams = []
        while True:
            try:
                m = kc.get_iopub_msg(timeout=2)
            except Exception:  # queue.Empty: nothing more
                break
            if m["msg_type"] in ("stream", "error"):
                streams.append(m["content"])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert streams == []
    log = (tmp_path / "kernel-errors.log").read_text()
    assert "No such comm target registered: no_such_target" in log and "Traceback" in log


@pytest.mark.slow
def test_real_batch_failure_keeps_the_good_report_and_the_index_says_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("KASVUDATA_INSIGHTS_DB", str(tmp_path / "none.sqlite"))
    out = tmp_path / "reports"
    jobs = batch.plan_jobs(["KU009"], "en", industry_profiles=False)
    m1 = batch.run_jobs(jobs, out, n_jobs=1, progress=False)
    assert m1["reports"]["KU009"]["status"] == "ok"
    good = (out / "KU009" / "report.html").read_bytes()
    broken = batch.plan_jobs(["KU009"], "en", industry_profiles=False)
    broken[0].parameters["reference"] = "KU9999"  # past the CLI's checks: the notebook itself fails
    m2 = batch.run_jobs(broken, out, n_jobs=1, progress=False)
    e = m2["reports"]["KU009"]
    assert e["status"] == "failed" and "KU9999" in e["error"] and e["stale"] is True
    assert e["last_ok"] == m1["reports"]["KU009"]["finished"]
    assert (out / "KU009" / "report.html").read_bytes() == good
    site.build_site(out, m2, "en")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="KU009/report.html"' in index  # the adviser still gets the last good report ...
    researchers = (out / "researchers.html").read_text(encoding="utf-8")  # ... and the status is for researchers
    assert "stale: the latest run failed" in researchers and 'href="KU009/report.html"' in researchers
    assert site.broken_links(out) == []
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]


def test_files_of_a_staging_folder_are_fsynced_together_when_it_replaces_the_target(tmp_path, monkeypatch):
    # issue 18: inside a staging folder atomic writes skip their own fsync (≈ 10 ms a file); replace_folder
    # makes the folder's files durable in one step before the folder becomes visible
    fsynced, synced = [], []
    real_fsync = os.fsync
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (fsynced.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(fileio, "sync_folder", lambda folder: synced.append(Path(folder)))
    target = tmp_path / "KU009"
    stage = fileio.staging_folder(target)
    assert fileio.in_staging_folder(stage / "report.html") and fileio.in_staging_folder(stage / "tables" / "a.csv")
    assert not fileio.in_staging_folder(tmp_path / "x.csv") and not fileio.in_staging_folder(stage / "a" / "b" / "c")
    fileio.atomic_write_text(stage / "report.html", "<p>uusi</p>")
    fileio.atomic_write_text(stage / "tables" / "a.csv", "a\n1\n")
    assert fsynced == [] and synced == []  # nothing synced yet: nothing of it is visible
    fileio.atomic_write_text(tmp_path / "other.txt", "x")  # outside a staging folder: file + folder fsynced
    assert len(fsynced) == 2
    fileio.replace_folder(stage, target, check=False)
    assert synced == [stage]  # once, before the rename
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "report.html", "tables", "tables/a.csv"]  # the marker does not reach the published folder
    assert (target / "report.html").read_text(encoding="utf-8") == "<p>uusi</p>" and not stage.exists()

