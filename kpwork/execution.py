"""Notebook execution for runs: warm kernels, papermill-identical notebooks, Dask tasks.

A plain ``papermill`` call pays for a kernel start and shutdown per notebook,
which is most of the cost of a municipality page. Here every process that
executes notebooks (a Dask worker, or the caller) keeps a :class:`KernelPool`
of started kernels and reuses them: between two notebooks the kernel is reset
(namespace, execution count, working directory, open figures, warning
registries), so each notebook sees what a fresh papermill kernel would show.

Executed notebooks match :func:`papermill.execute_notebook`: the same
parameter injection (:func:`papermill.parameterize.parameterize_notebook`),
the same ``papermill`` metadata and the same cell loop. What legitimately
differs is only timing metadata (``papermill.start_time``, ``duration``, the
cells' ``execution`` timestamps) and ids that the notebook itself draws at
random (folium map ids). See ``docs/runs.md``.

The four traps of running many kernels at once and what this module does:

* ZMQ port clashes between kernels started in parallel: kernels listen on
  IPC sockets (``transport="ipc"``) under a private folder per process,
  never on TCP ports.
* ``os.chdir`` is process-wide: nothing here changes the working directory
  of the calling process; each kernel changes its own (it is a separate
  process) before a notebook runs.
* a kernel can hang (in a cell, or after the last one): every cell has a
  timeout, every kernel request a deadline, and a kernel that missed one is
  killed and replaced, never reused.
* forked process pools deadlock with kernel managers (threads, ZMQ
  contexts, event loops copied by ``fork``): the Dask cluster spawns its
  worker processes (``distributed.worker.multiprocessing-method = spawn``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds a kernel may take to start, answer a reset, or shut down gracefully.
STARTUP_TIMEOUT = 60
CONTROL_TIMEOUT = 30
SHUTDOWN_GRACE = 3
#: A kernel is replaced by a fresh one after this many notebooks.
MAX_USES = 200

_RESET_CODE = """\
import sys as _kp_sys, os as _kp_os
if "matplotlib.pyplot" in _kp_sys.modules:
    _kp_sys.modules["matplotlib.pyplot"].close("all")
for _kp_m in list(_kp_sys.modules.values()):
    _kp_r = getattr(_kp_m, "__warningregistry__", None)
    if isinstance(_kp_r, dict):
        _kp_r.clear()
_kp_os.chdir({cwd!r})
del _kp_sys, _kp_os, _kp_m, _kp_r
"""
_RESET_NAMESPACE = """\
get_ipython().history_manager.writeout_cache()
get_ipython().run_line_magic("reset", "-f")
get_ipython().execution_count = 1
"""
#: nbclient starts kernels with this history file; so do we.
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute: everything a worker needs, picklable.

    ``template`` and ``output`` are the paths papermill would get (they go
    into the notebook's ``papermill`` metadata); ``cwd`` is the kernel's
    working directory. The worker writes nothing: the executed notebook and
    its page come back in the :class:`NotebookOutcome`.
    """

    name: str
    template: str
    output: str
    cwd: str
    parameters: dict
    kernel_name: str
    timeout: int = 600
    title: str | None = None
    kod_obce: str | None = None
    html: bool = True


@dataclass
class NotebookOutcome:
    """What came of one :class:`NotebookTask`.

    ``error`` is None on success, else a dict with ``ename``, ``evalue``,
    ``cell_index``, ``exec_count`` and ``source`` (the failing cell).
    """

    name: str
    notebook: str | None = None
    html: str | None = None
    error: dict | None = None
    seconds: float = 0.0
    worker: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")


class KernelTimeout(Exception):
    """A kernel did not answer in time (a cell over its timeout, a dead or stuck kernel).

    ``cell_index`` and ``source`` (first line) name the cell when it was one.
    """

    def __init__(self, message: str, *, cell_index: int | None = None, source: str = ""):
        super().__init__(message)
        self.cell_index = cell_index
        self.source = source


class WarmKernel:
    """One started kernel on IPC sockets, reusable for many notebooks.

    The kernel's client and manager live on a private event loop in a
    daemon thread, so any thread may call :meth:`run`; calls are serialised
    by the pool (one notebook per kernel at a time).
    """

    def __init__(self, kernel_name: str, *, runtime_dir: Path, startup_timeout: float = STARTUP_TIMEOUT):
        self.kernel_name = kernel_name
        self.uses = 0
        self.broken = False
        self._runtime_dir = runtime_dir
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"kpwork-kernel-{kernel_name}", daemon=True)
        self._thread.start()
        self.km = None
        self.kc = None
        try:
            self._call(self._start(startup_timeout), startup_timeout + 5)
        except BaseException:
            self.shutdown(now=True)
            raise

    # --- plumbing ---------------------------------------------------------------------------

    def _call(self, coro, timeout: float | None):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError as exc:
            if future.done():  # raised inside the coroutine, not by our deadline
                self.broken = True
                raise
            future.cancel()
            self.broken = True
            raise KernelTimeout(f"kernel {self.kernel_name} did not answer within {timeout:.0f} s") from exc

    async def _start(self, startup_timeout: float) -> None:
        from jupyter_client.manager import AsyncKernelManager

        ip = str(self._runtime_dir / f"kernel-{uuid.uuid4().hex[:12]}")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=ip)
        await self.km.start_kernel(cwd=str(self._runtime_dir), extra_arguments=list(_KERNEL_ARGS))
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=startup_timeout)
        self.kc.allow_stdin = False

    @property
    def pid(self) -> int | None:
        """Process id of the kernel (for tests and logs)."""
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    @property
    def connection(self) -> dict:
        """The kernel's connection info (transport, socket addresses)."""
        return self.km.get_connection_info() if self.km else {}

    async def _silent(self, code: str) -> None:
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        try:
            reply = await self.kc.get_shell_msg(timeout=CONTROL_TIMEOUT)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await self.kc.get_shell_msg(timeout=CONTROL_TIMEOUT)
        except queue.Empty as exc:
            self.broken = True
            raise KernelTimeout(f"kernel {self.kernel_name} did not answer a reset within {CONTROL_TIMEOUT} s") from exc
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")

    async def _reset(self, cwd: str) -> None:
        await self._silent(_RESET_CODE.format(cwd=cwd))
        await self._silent(_RESET_NAMESPACE)
        # drop anything a previous notebook left on iopub (late output of its threads)
        while True:
            try:
                await self.kc.get_iopub_msg(timeout=0.01)
            except Exception:
                break

    # --- public -----------------------------------------------------------------------------

    def reset(self, cwd: str | Path) -> None:
        """Clear the namespace, set execution count 1 and the working directory."""
        self._call(self._reset(str(cwd)), CONTROL_TIMEOUT + 5)

    def run(self, nb, *, cwd: str | Path, timeout: float, input_path: str | None = None, output_path: str | None = None):
        """Execute a parameterized notebook node like papermill's nbclient engine.

        Returns the executed node with papermill's metadata. A cell error is
        recorded in the notebook (as papermill does), not raised; a cell
        over ``timeout`` seconds raises :class:`KernelTimeout` and marks the
        kernel broken.
        """
        from papermill.execute import prepare_notebook_metadata, remove_error_markers

        nb = prepare_notebook_metadata(nb, input_path, output_path)
        nb = remove_error_markers(nb)
        if self.uses:
            self.reset(cwd)
        else:
            self._call(self._silent(_RESET_CODE.format(cwd=str(cwd))), CONTROL_TIMEOUT + 5)
        self.uses += 1
        budget = timeout * (1 + len(nb.cells)) + CONTROL_TIMEOUT
        return self._call(self._execute(nb, timeout), budget)

    async def _execute(self, nb, timeout: float):
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NotebookExecutionManager
        from papermill.log import logger

        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False, log_output=False, autosave_cell_every=30)
        nb_man.notebook_start()
        client = PapermillNotebookClient(
            nb_man, km=self.km, timeout=timeout, startup_timeout=STARTUP_TIMEOUT, kernel_name=self.kernel_name, log=logger, log_output=False, stdout_file=None, stderr_file=None
        )
        client.kc = self.kc
        client.reset_execution_trackers()
        try:
            for index, cell in enumerate(client.nb.cells):
                try:
                    nb_man.cell_start(cell, index)
                    await client.async_execute_cell(cell, index)
                except CellExecutionError as ex:
                    nb_man.cell_exception(client.nb.cells[index], cell_index=index, exception=ex)
                    break
                except (CellTimeoutError, DeadKernelError) as ex:
                    self.broken = True
                    reason = "no reply within the cell timeout" if isinstance(ex, CellTimeoutError) else "the kernel died"
                    raise KernelTimeout(f"{reason} ({timeout:g} s) in cell {index}: {_first_line(cell.source)}", cell_index=index, source=_first_line(cell.source)) from ex
                finally:
                    nb_man.cell_complete(client.nb.cells[index], cell_index=index)
            info = await client.async_wait_for_reply(self.kc.kernel_info())
            client.nb.metadata["language_info"] = info["content"]["language_info"]
            client.set_widgets_metadata()
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    def shutdown(self, *, now: bool = False) -> None:
        """Stop the kernel (killed when ``now`` or when it does not stop in time) and the loop."""
        if self.km is not None and self._loop.is_running():
            try:
                self._call(self._shutdown(now), SHUTDOWN_GRACE + 10)
            except Exception as exc:  # the kernel is gone either way: log and go on
                log.warning("kernel shutdown: %s", exc)
                self._kill_process()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self.km = None

    async def _shutdown(self, now: bool) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if await self.km.is_alive():
            if now:
                await self.km.shutdown_kernel(now=True)
            else:
                self.km.shutdown_wait_time = SHUTDOWN_GRACE
                await self.km.shutdown_kernel(now=False)
        await self.km.cleanup_resources()

    def _kill_process(self) -> None:
        import signal

        pid = self.pid
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _first_line(source: str) -> str:
    return source.strip().splitlines()[0] if source.strip() else ""


class KernelPool:
    """Warm kernels of one kernel spec in one process, created on demand.

    ``with pool.kernel() as k:`` lends an idle kernel (starting one if none
    is idle); it goes back to the pool afterwards unless it broke (timeout,
    death, or an exception while lent), in which case it is killed.
    """

    def __init__(self, kernel_name: str, *, max_uses: int = MAX_USES):
        self.kernel_name = kernel_name
        self.max_uses = max_uses
        self._idle: list[WarmKernel] = []
        self._all: set[WarmKernel] = set()
        self._lock = threading.Lock()
        self._runtime_dir = Path(tempfile.mkdtemp(prefix="kpwork-kernels-"))
        self.started = 0

    @contextlib.contextmanager
    def kernel(self) -> Iterator[WarmKernel]:
        """Lend a warm kernel for one notebook."""
        with self._lock:
            k = self._idle.pop() if self._idle else None
        if k is None:
            k = WarmKernel(self.kernel_name, runtime_dir=self._runtime_dir)
            with self._lock:
                self._all.add(k)
                self.started += 1
        ok = False
        try:
            yield k
            ok = True
        finally:
            if ok and not k.broken and k.uses < self.max_uses:
                with self._lock:
                    self._idle.append(k)
            else:
                self._discard(k, now=not ok or k.broken)

    def _discard(self, k: WarmKernel, *, now: bool) -> None:
        with self._lock:
            self._all.discard(k)
        k.shutdown(now=now)

    def close(self) -> None:
        """Shut every kernel down and remove the sockets' folder."""
        with self._lock:
            kernels, self._all, self._idle = list(self._all), set(), []
        stoppers = [threading.Thread(target=k.shutdown, kwargs={"now": True}, daemon=True) for k in kernels]
        for t in stoppers:  # all at once: a worker has seconds to close before its nanny kills it
            t.start()
        for t in stoppers:
            t.join(SHUTDOWN_GRACE + 15)
        shutil.rmtree(self._runtime_dir, ignore_errors=True)

    def __len__(self) -> int:
        return len(self._all)


_POOLS: dict[str, KernelPool] = {}
_POOLS_LOCK = threading.Lock()


def process_pool(kernel_name: str) -> KernelPool:
    """This process's pool of warm kernels for ``kernel_name`` (created once)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(kernel_name)
        if pool is None:
            pool = _POOLS[kernel_name] = KernelPool(kernel_name)
        return pool


@atexit.register
def close_pools() -> None:
    """Shut down every warm kernel of this process (also called at exit)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


def tasks_for(jobs: Sequence, source: Path, out: Path, *, kernel_name: str, timeout: int) -> list[NotebookTask]:
    """Tasks for :class:`kpwork.runs.NotebookJob` s: template in ``source``, output and cwd ``out``."""
    return [
        NotebookTask(
            name=job.name,
            template=str(source / job.template),
            output=str(out / f"{job.name}.ipynb"),
            cwd=str(out.resolve()),
            parameters=dict(job.parameters),
            kernel_name=kernel_name,
            timeout=timeout,
            title=job.title,
            kod_obce=job.kod_obce,
        )
        for job in jobs
    ]


def parameterized(task: NotebookTask):
    """The task's notebook with papermill's injected-parameters cell and metadata."""
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(task.template)
    if task.parameters:
        known = {p.name for p in _infer_parameters(nb, name=task.kernel_name)}
        for p in task.parameters:
            if p not in known:
                log.warning("%s: passed unknown parameter: %s", task.template, p)
        nb = parameterize_notebook(nb, task.parameters, False, kernel_name=task.kernel_name)
    return nb


def run_task(task: NotebookTask, pool: KernelPool | None = None) -> NotebookOutcome:
    """Execute one notebook on a warm kernel of this process and export its page.

    Never raises for a notebook's own failure: a failing cell or a timeout
    comes back in :attr:`NotebookOutcome.error`.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    started = time.perf_counter()
    outcome = NotebookOutcome(name=task.name)
    pool = process_pool(task.kernel_name) if pool is None else pool
    try:
        nb = parameterized(task)
        with pool.kernel() as kernel:
            nb = kernel.run(nb, cwd=task.cwd, timeout=task.timeout, input_path=task.template, output_path=task.output)
        raise_for_execution_errors(nb, None)
    except PapermillExecutionError as exc:
        outcome.error = {"ename": exc.ename, "evalue": exc.evalue, "cell_index": exc.cell_index, "exec_count": exc.exec_count, "source": _first_line(exc.source)}
    except KernelTimeout as exc:
        outcome.error = {"ename": "Timeout", "evalue": str(exc), "cell_index": exc.cell_index, "exec_count": None, "source": exc.source}
    except Exception as exc:  # a broken kernel (it was discarded): report, do not crash the worker
        log.exception("notebook %s", task.name)
        outcome.error = {"ename": type(exc).__name__, "evalue": str(exc), "cell_index": None, "exec_count": None, "source": ""}
    else:
        outcome.notebook = nbformat.writes(nb)
        if task.html:
            outcome.html = notebook_html(nb, title=task.title)
    outcome.seconds = time.perf_counter() - started
    return outcome


def notebook_html(nb, *, title: str | None = None) -> str:
    """An executed notebook node as a standalone page: no code, nothing from the internet."""
    import copy

    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="kpwork", extra_template_basedirs=[str(Path(__file__).parent / "templates")])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"language_code": "cs"})
    return body


# --- Dask --------------------------------------------------------------------------------------


def default_workers() -> int:
    """Worker processes of a LocalCluster sized to this machine (one kernel each)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def _pool_plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    class KernelPoolPlugin(WorkerPlugin):
        """Shut the worker's warm kernels down when the worker closes."""

        name = "kpwork-kernel-pool"

        def teardown(self, worker) -> None:
            close_pools()

    return KernelPoolPlugin()


@contextlib.contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A Dask client: on ``scheduler`` when given, else on a new LocalCluster.

    The LocalCluster has ``workers`` spawned worker processes (sized to the
    machine by default), one thread each, no dashboard and a free port; it
    is closed, with every kernel of its workers, on exit.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, set_as_default=False) as client:
            client.register_plugin(_pool_plugin())
            yield client
        return
    n = workers or default_workers()
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn", "distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0, silence_logs=logging.ERROR)
    try:
        with Client(cluster, set_as_default=False) as client:
            client.register_plugin(_pool_plugin())
            yield client
    finally:
        cluster.close()


def execute_tasks(tasks: Sequence[NotebookTask], *, workers: int | None = None, scheduler: str | None = None, progress: bool = True) -> list[NotebookOutcome]:
    """Execute notebook tasks on Dask; outcomes in the order of ``tasks``.

    Stops at the first failed notebook (cancelling the others) and returns
    the outcomes so far, the failed one last; the caller raises.
    """
    from distributed import as_completed
    from tqdm.auto import tqdm

    if not tasks:
        return []
    token = uuid.uuid4().hex[:8]
    outcomes: dict[str, NotebookOutcome] = {}
    with dask_client(workers=min(workers or default_workers(), len(tasks)), scheduler=scheduler) as client:
        futures = client.map(run_task, list(tasks), key=[f"kpwork-{t.name}-{token}" for t in tasks], pure=False)
        with tqdm(total=len(tasks), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr) as bar:
            for future in as_completed(futures, loop=client.loop):
                outcome = future.result()
                outcomes[outcome.name] = outcome
                bar.update()
                if outcome.error:
                    client.cancel(futures)
                    return [*(o for o in outcomes.values() if not o.error), outcome]
    return [outcomes[t.name] for t in tasks]
