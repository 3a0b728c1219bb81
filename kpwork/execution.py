"""Notebook execution for runs: a papermill engine on warm kernels, run as Dask tasks.

:class:`WarmKernelEngine` is a papermill engine, registered under the name
``kpwork`` through the ``papermill.engine`` entry point of this package. It
executes a notebook on a warm kernel of the process's
:class:`~kpwork.kernels.KernelPool` instead of starting one, so each notebook
of a run goes through :func:`papermill.execute_notebook` itself (parameter
injection, metadata, error cells) and differs from a plain papermill run only
in timing metadata and in ids the notebook draws at random (folium map ids).
The same engine serves the ``papermill`` command: ``papermill in.ipynb
out.ipynb --engine kpwork``. See ``docs/runs.md``.

Workers write nothing: :func:`run_task` returns the executed notebook and its
page to the calling process. Dask spawns its worker processes (a forked
process would inherit the parent's ZMQ context, event loop and threads in an
undefined state and deadlock with kernel managers).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.config import RUN
from kpwork.errors import InvalidParameter
from kpwork.kernels import (
    STARTUP_TIMEOUT,
    KernelPool,
    KernelTimeout,
    close_pools,
    first_line,
    process_pool,
)

log = logging.getLogger(__name__)

#: The name of the engine in papermill's registry (``engine_name=``, ``papermill --engine``).
ENGINE_NAME = "kpwork"


@dataclass(frozen=True)
class NotebookTask:
    """One notebook to execute: everything a worker needs, picklable.

    ``template`` and ``output`` are the paths papermill records in the
    notebook's ``papermill`` metadata; ``cwd`` is the kernel's working
    directory. The worker writes nothing: the executed notebook and its page
    come back in the :class:`NotebookOutcome`, and the caller writes them
    (the notebook to ``output``).
    """

    name: str
    template: str
    output: str
    cwd: str
    parameters: dict
    kernel_name: str
    timeout: int = RUN.cell_timeout
    title: str | None = None
    kod_obce: str | None = None
    html: bool = True


@dataclass
class NotebookOutcome:
    """What came of one :class:`NotebookTask`.

    ``error`` is None on success, else a dict with ``ename``, ``evalue``,
    ``cell_index``, ``exec_count`` and ``source`` (the failing cell).
    ``seconds`` is the worker's wall time for the notebook and its page,
    ``cpu_seconds`` the CPU time of the worker and its kernels meanwhile.
    """

    name: str
    notebook: str | None = None
    html: str | None = None
    error: dict | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    worker: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")


def __getattr__(name: str):
    # papermill imports this module while it registers the engines of the ``papermill.engine``
    # entry points (``kpwork = "kpwork.execution:WarmKernelEngine"``), and this module is
    # imported without papermill by Dask workers and runs: the engine class, a subclass of
    # papermill's, is made on first access, so neither import order is circular.
    if name == "WarmKernelEngine":
        return _warm_kernel_engine()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _warm_kernel_engine() -> type:
    from papermill.engines import Engine

    class WarmKernelEngine(Engine):
        """The papermill engine ``kpwork``: a notebook on a warm kernel of a :class:`~kpwork.kernels.KernelPool`.

        Used as ``papermill.execute_notebook(..., engine_name="kpwork")``; besides
        papermill's own arguments it takes these keyword arguments:

        pool : KernelPool, optional
            The pool to lend the kernel from; this process's pool of the
            kernel (:func:`~kpwork.kernels.process_pool`) by default.
        kernel_cwd : str, optional
            The kernel's working directory for this notebook (the kernel
            changes directory, never the calling process); the caller's
            working directory by default.
        execution_timeout : int, optional
            Seconds a cell may run (as for papermill's engine); the run's
            default cell timeout when not given. A cell over it raises
            :class:`~kpwork.kernels.KernelTimeout` naming the cell, and the
            kernel is killed.

        Papermill's ``log_output``, ``stdout_file`` and ``stderr_file`` are
        not supported (an :class:`~kpwork.errors.InvalidParameter`).
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name: str,
            *,
            pool: KernelPool | None = None,
            kernel_cwd: str | os.PathLike | None = None,
            execution_timeout: float | None = None,
            start_timeout: float = STARTUP_TIMEOUT,
            log_output: bool = False,
            stdout_file=None,
            stderr_file=None,
            input_path: str | None = None,
            **unknown,
        ) -> None:
            if unknown:
                known = "pool, kernel_cwd, execution_timeout, start_timeout"
                raise InvalidParameter(f"engine {ENGINE_NAME}: unknown options {', '.join(sorted(unknown))} (options: {known})")
            if log_output or stdout_file or stderr_file:
                raise InvalidParameter(f"engine {ENGINE_NAME}: log_output, stdout_file and stderr_file are not supported; use papermill's default engine")
            pool = process_pool(kernel_name) if pool is None else pool
            with pool.kernel(startup_timeout=start_timeout) as kernel:
                kernel.execute(nb_man, cwd=kernel_cwd or os.getcwd(), timeout=execution_timeout or RUN.cell_timeout)

    WarmKernelEngine.__qualname__ = "WarmKernelEngine"
    return WarmKernelEngine


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


def run_task(task: NotebookTask, pool: KernelPool | None = None) -> NotebookOutcome:
    """Execute one notebook with :func:`papermill.execute_notebook` on the ``kpwork`` engine and export its page.

    Parameters
    ----------
    task
        The notebook, its parameters and the kernel's working directory.
    pool
        The warm kernels to use; this process's pool by default.

    Returns
    -------
    NotebookOutcome
        Never raises for a notebook's own failure: a failing cell or a
        timeout comes back in :attr:`NotebookOutcome.error`.
    """
    import nbformat
    import papermill

    started, cpu = time.perf_counter(), _cpu_seconds()
    outcome = NotebookOutcome(name=task.name)
    try:
        # papermill gets the notebook, not its path (its file reader calls os.chdir, process-wide),
        # and no output path (the worker writes nothing); its metadata then records both paths
        template = nbformat.read(task.template, as_version=4)
        nb = papermill.execute_notebook(
            template, None, parameters=task.parameters, engine_name=ENGINE_NAME, kernel_name=task.kernel_name,
            progress_bar=False, request_save_on_cell_execute=False, pool=pool, kernel_cwd=task.cwd, execution_timeout=task.timeout,
        )
        nb.metadata.papermill.update(input_path=task.template, output_path=task.output)
    except papermill.PapermillExecutionError as exc:
        outcome.error = {"ename": exc.ename, "evalue": exc.evalue, "cell_index": exc.cell_index, "exec_count": exc.exec_count, "source": first_line(exc.source)}
    except KernelTimeout as exc:
        outcome.error = {"ename": "Timeout", "evalue": str(exc), "cell_index": exc.cell_index, "exec_count": None, "source": exc.source}
    except Exception as exc:  # a broken kernel (it was discarded): report, do not crash the worker
        # the outcome carries the error to the run, which says it in Czech; the traceback is for
        # developers only (a kernel killed by Ctrl-C must not print one on the user's terminal)
        log.debug("notebook %s", task.name, exc_info=True)
        outcome.error = {"ename": type(exc).__name__, "evalue": str(exc), "cell_index": None, "exec_count": None, "source": ""}
    else:
        outcome.notebook = nbformat.writes(nb)
        if task.html:
            outcome.html = notebook_html(nb, title=task.title, lang=task.parameters.get("lang", RUN.lang))
    outcome.seconds = time.perf_counter() - started
    outcome.cpu_seconds = _cpu_seconds() - cpu
    return outcome


def _cpu_seconds() -> float:
    """CPU seconds spent so far by this process and its kernels: what a notebook costs, however busy the machine."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def notebook_html(nb, *, title: str | None = None, lang: str = RUN.lang) -> str:
    """An executed notebook node as a standalone page: no code, nothing from the internet.

    ``lang`` becomes ``<html lang>``: the exporter's ``language_code`` trait
    overwrites any ``resources["language_code"]``, so it is set on the exporter.
    ``nb`` is not changed: the title goes into a copy of its metadata (the
    exporter deep-copies the notebook itself).
    """
    from nbformat import NotebookNode

    if title:
        nb = NotebookNode({**nb, "metadata": NotebookNode({**nb.metadata, "title": title})})
    body, _ = _exporter(lang).from_notebook_node(nb)
    return body


_EXPORTERS = threading.local()
#: JupyterLab's style of the exported pages, written once beside them (the pages link it).
SHARED_CSS = "jupyterlab.css"


def shared_css() -> str:
    """The style every exported page links as :data:`SHARED_CSS`: JupyterLab's, light theme, as nbconvert ships it."""
    env = _exporter(RUN.lang).environment
    return "\n".join(env.loader.get_source(env, name)[0] for name in ("static/index.css", "static/theme-light.css"))


def _exporter(lang: str):
    """This thread's HTML exporter for ``lang``, made once: a new one compiles its ten Jinja templates again."""
    exporters = _EXPORTERS.__dict__.setdefault("by_lang", {})
    if lang not in exporters:
        exporter = _page_exporter_class()(template_name="kpwork", language_code=lang, extra_template_basedirs=[str(Path(__file__).parent / "templates")])
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporters[lang] = exporter
    return exporters[lang]


@functools.cache
def _page_exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """nbconvert's HTML exporter without its second pass over the page through BeautifulSoup.

        ``HTMLExporter.from_notebook_node`` parses the whole page (a map of
        ~0.6 MB in every municipality page) with Python's HTML parser and
        writes it out again, only to add ``alt`` to images that have none
        (every chart of ours has one) and ``tabindex="0"`` to inputs (pages
        have none) and outputs (the ``kpwork`` template writes it). That
        pass was a fifth of a page's export.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    PageExporter.__qualname__ = "PageExporter"
    return PageExporter


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


def shut_worker_kernels(client) -> dict:
    """Shut down the warm kernels of every worker of ``client``'s cluster; the kernels shut, per worker.

    A cluster the run did not start outlives it: its workers would keep
    their kernels (a process and its memory each) until they close.
    """
    return client.run(close_pools)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while the LocalCluster's worker processes start, so that they inherit the ignore.

    A terminal's Ctrl-C reaches the whole process group: a worker that is
    still starting would print its own ``KeyboardInterrupt`` traceback beside
    the run's one line. The run alone answers Ctrl-C and closes the cluster.
    (Their kernels run in sessions of their own, and ipykernel installs its
    own SIGINT handler around each cell, so interrupting a cell still works.)
    The price: a Ctrl-C in the seconds the workers take to start is not
    heard; the next one is.
    """
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None) -> Iterator:
    """A Dask client: on ``scheduler`` when given, else on a new LocalCluster.

    On an existing cluster the workers' warm kernels are shut on exit
    (:func:`shut_worker_kernels`); the workers themselves stay.

    The LocalCluster has ``workers`` spawned worker processes (sized to the
    machine by default), one thread each, no dashboard and a free port; it
    is closed, with every kernel of its workers, on exit. After a run that
    went well the workers shut their kernels down first, while the client
    waits for them; then the workers close, with
    :attr:`~kpwork.config.RunDefaults.worker_close_timeout` seconds to exit,
    and only then the scheduler: on a loaded machine a worker needs more than
    the nanny's default 4 seconds to exit, and would be killed with a warning
    on the coordinator's terminal. On an error the workers' plugin stops the
    kernels as the cluster closes.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, set_as_default=False) as client:
            client.register_plugin(_pool_plugin())
            try:
                yield client
            finally:
                shut_worker_kernels(client)
        return
    n = workers or default_workers()
    with dask.config.set({"distributed.worker.multiprocessing-method": "spawn", "distributed.worker.daemon": False}), _sigint_ignored():
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0, silence_logs=logging.ERROR)
    try:
        with Client(cluster, set_as_default=False) as client:
            client.register_plugin(_pool_plugin())
            yield client
            client.run(close_pools)
        cluster.sync(_close_workers, cluster, RUN.worker_close_timeout)
    finally:
        _close_cluster(cluster)


def _close_cluster(cluster) -> None:
    """Close a LocalCluster, quietly when a Ctrl-C or SIGTERM caught it half started or half stopped.

    Dask would otherwise retry at interpreter exit and print a traceback
    after kpwork's one-line message; the nanny processes kill their workers
    (and the workers their kernels) either way.
    """
    try:
        cluster.close()
    except Exception as exc:  # a worker still starting: Dask asserts on its status
        log.debug("closing the Dask cluster: %s: %s", type(exc).__name__, exc)
    finally:
        cluster.shutdown_on_close = False  # no second attempt (and traceback) at exit


async def _close_workers(cluster, timeout: float) -> None:
    """Close the workers of ``cluster`` at once, giving each ``timeout`` seconds to exit before its nanny kills it."""
    import asyncio

    await asyncio.gather(*(worker.close(timeout=timeout) for worker in list(cluster.workers.values())))


def execute_tasks(
    tasks: Iterable[NotebookTask],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    on_outcome: Callable[[NotebookOutcome], None] | None = None,
    total: int | None = None,
) -> list[NotebookOutcome]:
    """Execute notebook tasks on Dask, streaming; outcomes in the order of ``tasks``.

    At most :data:`IN_FLIGHT_PER_WORKER` tasks per worker are submitted at
    a time, and ``tasks`` may be a generator (the run writes each page's data
    just before its task is drawn), so neither this process nor the
    scheduler holds more than a few pages whatever their number. With
    ``on_outcome``, each outcome is handed to it as soon as it finishes and
    is kept without its notebook and page.

    Stops at the first failed notebook (cancelling the others) and returns
    the outcomes so far, the failed one last; the caller raises.

    Parameters
    ----------
    tasks
        The notebooks; a sequence or any iterable (then give ``total`` for the progress bar).
    workers, scheduler
        See :func:`dask_client`.
    progress
        A progress bar on stderr: pages done, pages per second, time left.
    on_outcome
        Called with every outcome, in the order they finish (the run writes it to disk).
    total
        Number of tasks when ``tasks`` has no length.
    """
    from distributed import as_completed

    total = len(tasks) if total is None and isinstance(tasks, Sized) else total
    if total == 0:
        return []
    n = workers or default_workers()
    pending = iter(tasks)
    token = uuid.uuid4().hex[:8]
    order: list[str] = []
    outcomes: dict[str, NotebookOutcome] = {}
    with dask_client(workers=min(n, total or n), scheduler=scheduler) as client, _progress(total, progress) as bar:
        window = IN_FLIGHT_PER_WORKER * max(n, len(client.scheduler_info().get("workers", {})) or 1)
        running = as_completed(loop=client.loop)
        for task in itertools.islice(pending, window):
            order.append(task.name)
            running.add(_submit(client, task, token))
        for future in running:
            outcome = future.result()
            future.release()
            if outcome.error:
                client.cancel(list(running.futures))
                return [*(o for o in outcomes.values() if not o.error), outcome]
            if on_outcome is not None:
                on_outcome(outcome)
                outcome.notebook = outcome.html = None
            outcomes[outcome.name] = outcome
            bar.update()
            for task in itertools.islice(pending, 1):
                order.append(task.name)
                running.add(_submit(client, task, token))
    return [outcomes[name] for name in order]


#: Tasks submitted ahead per worker: enough to keep every worker busy, few enough to keep memory flat.
IN_FLIGHT_PER_WORKER = 2


def _submit(client, task: NotebookTask, token: str):
    return client.submit(run_task, task, key=f"kpwork-{task.name}-{token}", pure=False)


def _progress(total: int | None, enabled: bool):
    """The run's progress bar on stderr: pages done of all, pages per second, time left."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="pages", unit="page", disable=not enabled, file=sys.stderr, smoothing=0.1)
