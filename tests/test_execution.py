"""Notebook execution: the papermill engine on warm kernels gives papermill's notebooks, runs in parallel safely, times out."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

import nbformat
import pytest

from kpwork.execution import NotebookTask, execute_tasks, run_task
from kpwork.kernels import KernelPool, notebook_kernel

#: Metadata that records when things ran: the only legitimate difference from papermill.
TIMING = {"start_time", "end_time", "duration"}


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('label = "default"\nkod_obce = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("test"), params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {"name": "kpwork", "display_name": "kpwork (Python 3)", "language": "python"}
    nbformat.write(nb, path)
    return path


SAMPLE_CELLS = (
    "import os, sys, warnings\nprint('hello', label)\nprint('to stderr', file=sys.stderr)",
    "warnings.warn('look at this')\nx = 41",
    "from IPython.display import HTML, display\ndisplay(HTML(f'<b>{label}</b>'))\nx + 1",
    "os.path.basename(os.getcwd())",
)


@pytest.fixture(scope="module")
def kernel() -> str:
    return notebook_kernel()


@pytest.fixture(scope="module")
def pool(kernel):
    p = KernelPool(kernel)
    yield p
    p.close()


def _task(template: Path, out: Path, kernel: str, **parameters) -> NotebookTask:
    out.mkdir(parents=True, exist_ok=True)
    return NotebookTask(name="t", template=str(template), output=str(out / "t.ipynb"), cwd=str(out), parameters=parameters, kernel_name=kernel, timeout=60, html=False)


def _printed(notebook: str, marker: str) -> str:
    """What the cell whose source contains ``marker`` printed."""
    (cell,) = [c for c in json.loads(notebook)["cells"] if c["cell_type"] == "code" and marker in "".join(c["source"])]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def _normalised(nb: dict) -> dict:
    """Drop timing metadata, the random id papermill gives the injected cell and kernel pids.

    The pid is in the file name IPython gives cell code (``/tmp/ipykernel_<pid>/``),
    which warnings and tracebacks show; it differs between any two kernels.
    """
    nb = json.loads(re.sub(r"ipykernel_\d+", "ipykernel_PID", json.dumps(nb)))
    for key in TIMING:
        nb["metadata"]["papermill"].pop(key, None)
    for cell in nb["cells"]:
        for key in TIMING:
            cell["metadata"].get("papermill", {}).pop(key, None)
        cell["metadata"].pop("execution", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["id"] = "injected"
    return nb


def test_the_engine_is_registered_through_the_entry_point():
    from importlib.metadata import entry_points

    from papermill.engines import Engine, papermill_engines

    import kpwork.execution

    (entry,) = [e for e in entry_points(group="papermill.engine") if e.name == "kpwork"]
    assert entry.value == "kpwork.execution:WarmKernelEngine"
    engine = papermill_engines.get_engine("kpwork")
    assert engine is kpwork.execution.WarmKernelEngine
    assert issubclass(engine, Engine) and "execute_managed_notebook" in vars(engine)


def test_importing_kpwork_execution_before_papermill_is_not_circular():
    import subprocess
    import sys

    code = "import kpwork.execution as x\nfrom papermill.engines import papermill_engines as e\nassert e.get_engine('kpwork') is x.WarmKernelEngine"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_engine_refuses_options_it_does_not_know(tmp_path, kernel):
    import papermill

    from kpwork.errors import InvalidParameter

    template = _notebook(tmp_path / "in.ipynb", "x = 1")
    with pytest.raises(InvalidParameter, match=r"engine kpwork: unknown options record_timing \(options: pool, kernel_cwd"):
        papermill.execute_notebook(str(template), None, engine_name="kpwork", kernel_name=kernel, progress_bar=False, record_timing=False)


@pytest.mark.e2e
def test_the_papermill_command_runs_a_notebook_on_the_kpwork_engine(tmp_path, kernel):
    import subprocess
    import sys

    template = _notebook(tmp_path / "in.ipynb", "import os\nprint(label, os.path.basename(os.getcwd()))")
    out = tmp_path / "here"
    out.mkdir()
    command = [sys.executable, "-m", "papermill", str(template), str(out / "out.ipynb"), "-p", "label", "engine", "--engine", "kpwork", "-k", kernel, "--cwd", str(out), "--no-progress-bar"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _printed((out / "out.ipynb").read_text(encoding="utf-8"), "print(label") == "engine here\n"


@pytest.mark.e2e
def test_warm_kernel_notebook_equals_papermill(tmp_path, pool, kernel):
    import papermill

    template = _notebook(tmp_path / "in.ipynb", *SAMPLE_CELLS)
    out = tmp_path / "out"
    task = _task(template, out, kernel, label="Bělov")
    papermill.execute_notebook(str(template), task.output, parameters=task.parameters, kernel_name=kernel, cwd=str(out), progress_bar=False, request_save_on_cell_execute=False)
    reference = _normalised(json.loads(Path(task.output).read_text(encoding="utf-8")))
    # the first notebook on a fresh kernel, then two more on the same kernel after resets
    for _ in range(3):
        outcome = run_task(task, pool)
        assert outcome.error is None
        assert _normalised(json.loads(outcome.notebook)) == reference
    assert pool.started == 1, "one kernel served all three notebooks"
    counts = [c["execution_count"] for c in json.loads(outcome.notebook)["cells"] if c["cell_type"] == "code"]
    assert counts == [1, 2, 3, 4, 5, 6]
    warned = json.loads(outcome.notebook)["cells"][4]["outputs"]
    assert any("look at this" in "".join(o.get("text", "")) for o in warned), "warnings show again after a reset"


@pytest.mark.e2e
def test_namespace_is_reset_between_notebooks(tmp_path, pool, kernel):
    first = _notebook(tmp_path / "a.ipynb", "leak = 1")
    second = _notebook(tmp_path / "b.ipynb", "print('leak' in globals())")
    run_task(_task(first, tmp_path / "o1", kernel), pool)
    outcome = run_task(_task(second, tmp_path / "o2", kernel), pool)
    assert _printed(outcome.notebook, "globals()") == "False\n"


@pytest.mark.e2e
def test_a_reset_collects_the_last_notebooks_cycles_then_freezes_what_survived(tmp_path, pool, kernel):
    """Garbage in reference cycles of one notebook is gone when the next starts, though survivors of resets are frozen."""
    first = _notebook(tmp_path / "a.ipynb", "import sys, weakref\nclass Node: pass\nnode = Node()\nnode.me = node\nsys.kp_probe = weakref.ref(node)")
    second = _notebook(tmp_path / "b.ipynb", "import gc, sys\nprint(sys.kp_probe() is None, gc.get_freeze_count() > 0)")
    run_task(_task(first, tmp_path / "o1", kernel), pool)
    outcome = run_task(_task(second, tmp_path / "o2", kernel), pool)
    assert _printed(outcome.notebook, "kp_probe") == "True True\n"


@pytest.mark.e2e
def test_parallel_kernels_use_ipc_and_never_chdir_this_process(tmp_path, kernel, monkeypatch):
    def forbidden(path):
        raise AssertionError("os.chdir called in the process that drives kernels")

    monkeypatch.setattr(os, "chdir", forbidden)
    here = os.getcwd()
    template = _notebook(tmp_path / "cwd.ipynb", "import os\nprint(os.getcwd())")
    pool = KernelPool(kernel)
    results: dict[int, str] = {}
    connections = []
    errors = []

    def work(i: int) -> None:
        try:
            out = tmp_path / f"run{i}"
            outcome = run_task(_task(template, out, kernel), pool)
            assert outcome.error is None, outcome.error
            results[i] = _printed(outcome.notebook, "getcwd").strip()
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        connections = [k.connection for k in pool._all]
    finally:
        pool.close()
    assert results == {i: str(tmp_path / f"run{i}") for i in range(4)}
    assert os.getcwd() == here
    assert pool.started == 4
    assert all(c["transport"] == "ipc" for c in connections)
    addresses = [(c["ip"], c["shell_port"]) for c in connections]
    assert len(set(addresses)) == 4, "every kernel has its own sockets"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.e2e
def test_a_hanging_cell_times_out_and_its_kernel_is_killed(tmp_path, kernel):
    template = _notebook(tmp_path / "hang.ipynb", "import time\ntime.sleep(600)")
    pool = KernelPool(kernel)
    pids = []
    original = pool.kernel

    def spy(**kwargs):
        cm = original(**kwargs)
        k = cm.__enter__()
        pids.append(k.pid)
        return _Lent(cm, k)

    pool.kernel = spy
    task = _task(template, tmp_path / "o", kernel)
    task = NotebookTask(**{**task.__dict__, "timeout": 2})
    t0 = time.monotonic()
    outcome = run_task(task, pool)
    assert time.monotonic() - t0 < 30
    assert outcome.error["ename"] == "Timeout"
    assert outcome.error["cell_index"] == 2 and "cell 2: import time" in outcome.error["evalue"]
    assert len(pool) == 0, "a kernel that timed out is not reused"
    deadline = time.monotonic() + 10
    while _alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pids[0])
    pool.close()


class _Lent:
    def __init__(self, cm, k):
        self.cm, self.k = cm, k

    def __enter__(self):
        return self.k

    def __exit__(self, *exc):
        return self.cm.__exit__(*exc)


@pytest.mark.e2e
def test_a_kernel_hanging_after_the_last_cell_is_killed_on_close(tmp_path, kernel):
    template = _notebook(tmp_path / "stuck.ipynb", "import atexit, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\natexit.register(time.sleep, 600)")
    pool = KernelPool(kernel)
    outcome = run_task(_task(template, tmp_path / "o", kernel), pool)
    assert outcome.error is None
    (k,) = pool._all
    pid = k.pid
    t0 = time.monotonic()
    pool.close()
    assert time.monotonic() - t0 < 20
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid)


def _start_method() -> str:
    import sys

    return "spawn" if any("spawn_main" in a for a in sys.orig_argv) else "other"


@pytest.mark.e2e
def test_dask_workers_are_spawned_even_when_this_process_holds_kernels(tmp_path, pool, kernel):
    from kpwork.execution import dask_client

    template = _notebook(tmp_path / "x.ipynb", "print(kod_obce)")
    run_task(_task(template, tmp_path / "warm", kernel), pool)  # this process now holds a live kernel
    assert len(pool) >= 1
    with dask_client(workers=2) as client:
        methods = client.run(_start_method)
    assert set(methods.values()) == {"spawn"}
    tasks = [_task(template, tmp_path / f"o{i}", kernel, kod_obce=str(500000 + i)) for i in range(4)]
    tasks = [NotebookTask(**{**t.__dict__, "name": f"n{i}"}) for i, t in enumerate(tasks)]
    outcomes = execute_tasks(tasks, workers=2, progress=False)
    assert [o.name for o in outcomes] == ["n0", "n1", "n2", "n3"]
    texts = [_printed(o.notebook, "print(kod_obce)").strip() for o in outcomes]
    assert texts == ["500000", "500001", "500002", "500003"]


def _sigint_disposition() -> str:
    import signal

    handler = signal.getsignal(signal.SIGINT)
    return "ignored" if handler is signal.SIG_IGN else "default" if handler is signal.default_int_handler else repr(handler)


@pytest.mark.e2e
def test_local_workers_ignore_ctrl_c_from_their_start_and_the_run_still_hears_it():
    # a terminal's Ctrl-C reaches the whole process group: a worker that heard it while starting printed
    # its own KeyboardInterrupt traceback beside the run's one line (CI, December 2026)
    import signal

    from kpwork.execution import dask_client

    before = signal.getsignal(signal.SIGINT)
    with dask_client(workers=2) as client:
        assert set(client.run(_sigint_disposition).values()) == {"ignored"}
        assert signal.getsignal(signal.SIGINT) is before
    assert signal.getsignal(signal.SIGINT) is before
