"""A batch worker's reused kernel (kasvudata_utils.reports.kernels, kernelstate; issue 18).

A kernel that served other reports must give the same report as a fresh kernel: these tests run
real notebooks through :func:`kernels.execute_notebook` in this process (as a batch worker does)
and compare with papermill's own fresh kernel.
"""
import filecmp
import os

import nbformat
import numpy as np
import papermill as pm
import pytest

from kasvudata_utils.reports import batch, kernels


@pytest.fixture
def reuse(monkeypatch):
    monkeypatch.setenv("KASVUDATA_KERNEL_REUSE", "1")
    kernels.enable()
    yield
    kernels.disable()


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _outputs(path):
    nb = nbformat.read(str(path), as_version=4)  # stream texts joined
    return [(c["execution_count"], "".join(o.get("text", "") for o in c["outputs"]))
            for c in nb["cells"] if c["cell_type"] == "code"]


def test_reused_kernel_comes_back_clean(tmp_path, reuse):
    """What one notebook leaves behind (names, figures, settings, generators, folder) the next does not see."""
    imports = "import os, random\nimport numpy as np\nimport matplotlib as mpl\nimport matplotlib.pyplot as plt"
    dirty = _notebook(tmp_path / "dirty.ipynb", imports + "\n"
                      "leftover = 42\nplt.figure()\nmpl.rcParams['lines.linewidth'] = 9.0\n"
                      "np.random.seed(5)\nrandom.seed(5)\nos.chdir('/')")
    probe = _notebook(tmp_path / "probe.ipynb", imports,
                      "print('leftover' in globals(), plt.get_fignums(), mpl.rcParams['lines.linewidth'])",
                      "print(os.path.basename(os.getcwd()))",
                      "print(np.random.get_state()[1][:3].tolist(), random.random())")
    probes = []
    for i in range(2):
        for nb in (dirty, probe):
            folder = tmp_path / f"{nb.stem}{i}"
            folder.mkdir()
            kernels.execute_notebook(nb, folder / "out.ipynb", cwd=folder)
        probes.append(_outputs(tmp_path / f"probe{i}" / "out.ipynb"))
    kept = kernels._state["current"]
    assert kept is not None and kept.uses == 4  # restored clean after each, so one kernel served all four
    first, second = probes
    assert [c for c, _ in first] == [1, 2, 3, 4]  # execution counts start again from 1
    # no leftover name, no open figure, matplotlib's default line width (the 9.0 undone)
    assert first[1][1] == "False [] 1.5\n"
    assert first[2][1] == "probe0\n" and second[2][1] == "probe1\n"  # the report's folder, not the '/' left behind
    seeded = np.random.RandomState(5).get_state()[1][:3].tolist()
    assert str(seeded) not in first[3][1]  # the generators are not where the dirty notebook's seed(5) left them …
    assert first[3][1] == second[3][1]  # … but where they were before the first report, each time


def test_prestarted_kernel_serves_the_first_report(tmp_path, reuse):
    """A worker's kernel started in its initializer (before any job) is the one its first report runs in."""
    kernels.prestart()
    started = kernels._state["current"]
    assert started is not None
    # its channels are Unix sockets in the worker's own folder: no TCP port that another kernel, started at
    # the same moment by the other worker, could take between choosing it and binding it
    info = started.km.get_connection_info()
    assert info["transport"] == "ipc" and info["ip"].startswith(kernels._socket_dir() + os.sep)
    nb = _notebook(tmp_path / "a.ipynb", "x = 41 + 1\nprint(x)")
    kernels.execute_notebook(nb, tmp_path / "out.ipynb", cwd=tmp_path)
    assert _outputs(tmp_path / "out.ipynb") == [(1, "42\n")]
    assert kernels._state["current"] is started and started.uses == 1  # that kernel, kept for the next report
    kernels.disable()
    kernels.prestart()  # off: nothing is started
    assert kernels._state["current"] is None and kernels._state["next"] is None


def test_failed_report_discards_its_kernel(tmp_path, reuse):
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('no')")
    with pytest.raises(pm.PapermillExecutionError):
        kernels.execute_notebook(bad, tmp_path / "out.ipynb", cwd=tmp_path)
    assert kernels._state["current"] is None  # a kernel after an error is never reused


@pytest.mark.slow
def test_reused_kernel_report_tables_byte_identical_to_fresh_run(tmp_path, reuse):
    """SK177's report after two other areas in one kernel: every table, chart CSV and chart SVG equals a fresh run."""
    areas_ = ["KU009", "MK17", "SK177"]
    for code in areas_:
        folder = tmp_path / "reused" / code
        folder.mkdir(parents=True)
        params = {"area": code, "output_dir": "tables"}
        kernels.execute_notebook(batch.NOTEBOOK_DIR / batch.AREA_NOTEBOOK, folder / "report.ipynb", params, folder)
    assert kernels._state["current"].uses == 3  # one kernel served all three
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    pm.execute_notebook(str(batch.NOTEBOOK_DIR / batch.AREA_NOTEBOOK), str(fresh / "report.ipynb"),
                        parameters={"area": "SK177", "output_dir": "tables"}, cwd=str(fresh), progress_bar=False)
    # the tables, the charts' numbers and the chart images (SVG written directly, and the matplotlib map)
    names = sorted(p.name for p in (fresh / "tables").glob("*") if p.suffix in (".csv", ".svg"))
    assert "indicators.csv" in names and "chart_map.svg" in names and "chart_growth_by_industry.svg" in names
    reused = sorted(p.name for p in (tmp_path / "reused" / "SK177" / "tables").glob("*")
                    if p.suffix in (".csv", ".svg"))
    assert reused == names
    match, mismatch, errors = filecmp.cmpfiles(fresh / "tables", tmp_path / "reused" / "SK177" / "tables", names,
                                               shallow=False)
    assert mismatch == [] and errors == [] and match == names


def test_report_frames_kept_per_kernel_until_the_file_changes(tmp_path, toy_panel):
    """A reused kernel's reports share the loaded frames (the engine's prepared cells), never stale ones."""
    import os

    from kasvudata_utils.data import sources
    from kasvudata_utils.reports.common import report_frames

    panel = tmp_path / "panel.csv"
    frame = toy_panel()
    frame.to_csv(panel, index=False)
    source = sources.resolve_source("default", str(panel), "")
    first = report_frames(source)[0]
    assert report_frames(source)[0] is first  # the same frame object: the engine's cache hits
    frame.iloc[:-1].to_csv(panel, index=False)  # one firm-year fewer: another size
    st = panel.stat()
    os.utime(panel, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = report_frames(source)[0]
    assert again is not first and len(again) == len(first) - 1


def test_worker_skips_the_slow_unused_iri_grammar_and_still_reads_and_writes_notebooks(tmp_path):
    """A batch worker blocks rfc3987_syntax (≈ 1 s of CPU at import, used only for jsonschema's "iri"
    format, which no notebook schema has); nbformat still validates and papermill still runs a notebook."""
    import subprocess
    import sys

    nb = _notebook(tmp_path / "a.ipynb", "print(6 * 7)")
    code = (
        "import sys\n"
        "from kasvudata_utils.reports.worker import skip_slow_imports\n"
        "skip_slow_imports()\n"
        "import nbformat, papermill\n"
        f"nb = nbformat.read({str(nb)!r}, as_version=4)\n"
        "nbformat.validate(nb)\n"
        f"papermill.execute_notebook({str(nb)!r}, {str(tmp_path / 'out.ipynb')!r}, progress_bar=False)\n"
        "print(sys.modules['rfc3987_syntax'] is None, 'jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]  # nbformat's validator was used, without the grammar
    assert _outputs(tmp_path / "out.ipynb") == [(1, "42\n")]


def test_reused_kernel_keeps_one_client_for_its_reports(tmp_path, reuse):
    """papermill gets the kernel's one kept client (started and checked once), and every report still runs in full."""
    nb = _notebook(tmp_path / "a.ipynb", "x = 6 * 7", "print(x)")
    clients = []
    for i in range(3):
        folder = tmp_path / f"r{i}"
        folder.mkdir()
        kernels.execute_notebook(nb, folder / "out.ipynb", cwd=folder)
        assert _outputs(folder / "out.ipynb") == [(1, ""), (2, "42\n")]
        kept = kernels._state["current"]
        clients.append(kept.km.client())
    assert clients[0] is clients[1] is clients[2] and clients[0].channels_running
    kernels.disable()  # the kernel's shutdown stops its kept client too
    assert not clients[0].channels_running
