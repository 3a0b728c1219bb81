"""Warm kernels: started once per process, reset between notebooks, never a port or a chdir.

A plain ``papermill`` call pays for a kernel start and shutdown per notebook,
which is most of the cost of a municipality page. Here every process that
executes notebooks (a Dask worker, or the caller) keeps a :class:`KernelPool`
of started kernels and reuses them: between two notebooks the kernel is reset
(namespace, execution count, working directory, open figures, warning
registries), so each notebook sees what a fresh kernel would show. The
papermill engine on top of the pool is :mod:`kpwork.execution`.

Three of the four traps of running many kernels at once are handled here
(the fourth, forked worker processes, in :func:`kpwork.execution.dask_client`):

* ZMQ port clashes between kernels started in parallel: kernels listen on
  IPC sockets (``transport="ipc"``) under a private folder per process,
  never on TCP ports.
* ``os.chdir`` is process-wide: nothing here changes the working directory
  of the calling process; each kernel changes its own (it is a separate
  process) before a notebook runs.
* a kernel can hang (in a cell, or after the last one): every cell has a
  timeout, every kernel request a deadline, and a kernel that missed one is
  killed and replaced, never reused.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from papermill.engines import NotebookExecutionManager

from kpwork.config import KERNEL_NAME

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
import gc as _kp_gc
_kp_gc.freeze()
del _kp_gc
"""
# ``%reset -f`` ends in a full garbage collection (IPython's displayhook flush): over every
# object of pandas, geopandas, matplotlib and folium it cost ~0.14 s of CPU per notebook, twice
# the work of some pages. What survives a reset (imported modules, their caches) is then frozen
# (``gc.freeze``), so the next reset's collection, and the collections during the next notebook,
# scan only what that notebook made. Frozen objects are still freed by reference counting;
# only cycles among them would stay, and a kernel is replaced after MAX_USES notebooks.
#: nbclient starts kernels with this history file; so do we.
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


def iopub_timeout(timeout: float | None) -> int:
    """Seconds to wait for a cell's outputs once the kernel has replied: a tenth of the cell timeout, 30-120 s.

    nbclient's default (4 s) drops the outputs of a cell whose kernel is slow
    to send them (a big map, a busy machine): the page then has no map.
    ``None``: cells without a timeout (Voilà's pages) wait the longest.
    """
    if timeout is None:
        return 120
    return int(min(120, max(30, timeout / 10)))


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
            raise KernelTimeout(f"kernel {self.kernel_name} did not answer within {round(timeout)} s") from exc

    async def _start(self, startup_timeout: float) -> None:
        from jupyter_client.manager import AsyncKernelManager

        ip = str(self._runtime_dir / f"kernel-{uuid.uuid4().hex[:12]}")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=ip)
        # the kernel's own log (e.g. "Parent appears to have exited" after Ctrl-C or SIGTERM) is not for the
        # coordinator's terminal; what a notebook prints and raises comes back through the kernel's messages
        await self.km.start_kernel(cwd=str(self._runtime_dir), extra_arguments=list(_KERNEL_ARGS), stderr=subprocess.DEVNULL)
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

    def execute(self, nb_man: NotebookExecutionManager, *, cwd: str | Path, timeout: float) -> None:
        """Execute the notebook of papermill's execution manager cell by cell, as papermill's engine does.

        The kernel is reset first (its working directory set to ``cwd``);
        ``nb_man`` gets the cell callbacks papermill's nbclient engine gives
        it (start, exception, complete), so the notebook carries the same
        ``papermill`` metadata. A cell error is recorded in the notebook, not
        raised; a cell over ``timeout`` seconds, or a kernel that dies, raises
        :class:`KernelTimeout` and marks the kernel broken.
        """
        if self.uses:
            self.reset(cwd)
        else:  # a fresh kernel: nothing to clear but its working directory
            self._call(self._silent(_RESET_CODE.format(cwd=str(cwd))), CONTROL_TIMEOUT + 5)
        self.uses += 1
        budget = timeout * (1 + len(nb_man.nb.cells)) + CONTROL_TIMEOUT
        self._call(self._execute(nb_man, timeout), budget)

    async def _execute(self, nb_man: NotebookExecutionManager, timeout: float) -> None:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        # the client papermill's engine uses is an nbclient NotebookClient with these settings
        # nbclient waits 4 s for a cell's outputs after its reply: too little for a country's map on a
        # busy machine (33 MB), and without raising it would drop the output silently
        client = NotebookClient(
            nb_man.nb, km=self.km, timeout=timeout, kernel_name=self.kernel_name, raise_on_iopub_timeout=True, iopub_timeout=iopub_timeout(timeout), log=log,
        )
        client.kc = self.kc
        client.reset_execution_trackers()
        for index, cell in enumerate(client.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                await client.async_execute_cell(cell, index)
            except CellExecutionError as ex:
                nb_man.cell_exception(client.nb.cells[index], cell_index=index, exception=ex)
                break
            except (CellTimeoutError, DeadKernelError) as ex:
                self.broken = True
                if isinstance(ex, DeadKernelError):
                    reason = "the kernel died"
                elif "IOPub" in str(ex):
                    reason = f"the cell's output did not arrive within {iopub_timeout(timeout):g} s of its end"
                else:
                    reason = f"no reply within the cell timeout ({timeout:g} s)"
                source = first_line(cell.source)
                raise KernelTimeout(f"{reason} in cell {index}: {source}", cell_index=index, source=source) from ex
            finally:
                nb_man.cell_complete(client.nb.cells[index], cell_index=index)
        info = await client.async_wait_for_reply(self.kc.kernel_info())
        client.nb.metadata["language_info"] = info["content"]["language_info"]
        client.set_widgets_metadata()

    def shutdown(self, *, now: bool = False) -> None:
        """Stop the kernel (killed when ``now`` or when it does not stop in time) and the loop."""
        if self.km is not None and self._loop.is_running():
            try:
                self._call(self._shutdown(now), SHUTDOWN_GRACE + 10)
            except Exception as exc:  # the kernel is gone either way (Ctrl-C reached it first): nothing for the user to do
                log.debug("kernel shutdown: %s", exc)
                self._kill_process()
        if self._loop.is_running():
            # a cell cut short leaves nbclient's watch on the kernel pending; stopped with the loop, asyncio
            # would print "Task was destroyed but it is pending!" on the terminal
            with contextlib.suppress(Exception):
                self._call(_cancel_pending(), 5)
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


async def _cancel_pending() -> None:
    """Cancel every other task of the running loop and wait until they have ended."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def first_line(source: str) -> str:
    """The first non-empty line of a cell's source (to name a cell in a message)."""
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
    def kernel(self, *, startup_timeout: float = STARTUP_TIMEOUT) -> Iterator[WarmKernel]:
        """Lend a warm kernel for one notebook (started, within ``startup_timeout`` s, when none is idle)."""
        with self._lock:
            k = self._idle.pop() if self._idle else None
        if k is None:
            k = WarmKernel(self.kernel_name, runtime_dir=self._runtime_dir, startup_timeout=startup_timeout)
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
def close_pools() -> int:
    """Shut down every warm kernel of this process (also called at exit); how many there were."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    kernels = sum(len(pool) for pool in pools)
    for pool in pools:
        pool.close()
    return kernels


def notebook_kernel() -> str:
    """The kernel the notebooks run on: ``kpwork``, registered into this environment on first use when missing.

    A conda environment (``environment.yml``) or a plain ``pip install`` has no
    ``kpwork`` kernel until its first run; it is installed under ``sys.prefix``
    (never ``~/.local``) for this Python. Only when that fails (a read-only
    prefix) do the notebooks run on ``python3``, with a warning.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME in KernelSpecManager().find_kernel_specs():
        return KERNEL_NAME
    try:
        register_kernel()
    except OSError as exc:
        log.warning("Jupyter kernel '%s' is not installed and cannot be registered in %s (%s); using python3", KERNEL_NAME, sys.prefix, exc)
        return "python3"
    log.info("registered the Jupyter kernel '%s' in %s", KERNEL_NAME, sys.prefix)
    return KERNEL_NAME


def register_kernel(prefix: str | None = None) -> str:
    """Register the Jupyter kernel ``kpwork`` (this Python) under ``prefix`` (``sys.prefix``); returns its folder."""
    from ipykernel.kernelspec import install

    return install(kernel_name=KERNEL_NAME, display_name="kpwork (Python 3)", prefix=prefix or sys.prefix)
