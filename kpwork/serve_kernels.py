"""Kernels of the meeting pages: a cap, pre-heated kernels for the expected audience, a short grace.

Every view of a Voilà page runs in a kernel of its own (~250 MiB). Left to
itself Voilà starts one per GET, for anyone, and keeps it until culling. The
classes made here (:func:`page_kernel_manager`, :func:`page_handler`,
:func:`page_websocket`) hold the server to :class:`PageLimits`:

* **a cap**: at most ``max_pages`` kernels alive, pre-heated ones included;
  a view over the cap gets a plain "too many open pages" page (HTTP 503)
  and starts nothing;
* **pre-heated kernels**: ``viewers`` kernels of the meeting page (one of
  every other page) are started and rendered before anyone asks, and a view
  takes a ready one; after a view, the pool is refilled only up to the
  expected audience (one spare at least), never beyond the cap;
* **a grace**: a kernel whose browser left (a closed tab, a lost network)
  is shut after ``grace`` seconds, a kernel handed to a view whose browser
  never connected (a GET from a script, an ``<img>`` on another site, a
  crashed tab) after :data:`FIRST_VISIT` graces counted from its page sent;
* kernels listen on **IPC sockets** in the server's private folder (no TCP
  port, no unencrypted-TCP warning) with no history file and no capture of
  their low-level stderr;
* **no tracebacks to the browser**: error messages and stderr output of a
  kernel never reach the websocket (they may name server paths).

Voilà, Jupyter Server and Tornado are imported inside the factories.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import dataclass

from kpwork.serve_guard import refusal_html

#: Memory one page view's kernel takes on the sample (measured, rounded up); sizes the default cap.
PAGE_MEMORY = 250 * 2**20
#: The page pre-heated for the audience; other pages get one spare kernel.
MEETING_PAGE = "meeting.ipynb"
#: A view whose browser has not connected yet gets this many graces (a slow device on a busy server).
FIRST_VISIT = 3
#: Extra arguments of every page kernel: no history database, low-level stderr not sent to the browser.
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.capture_fd_output=False"]
#: The view's kernel in the page configuration Voilà writes into the page.
_KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
#: Longest path of a Unix socket (``sun_path`` is 108 bytes on Linux, 104 on macOS).
_SOCKET_PATH_MAX = 104
#: Seconds between two looks at a pool that waits for a free place under the cap.
_WAIT_STEP = 0.5

BUSY_HTML = refusal_html(
    "Příliš mnoho otevřených stránek",
    "Server teď nemá místo pro další stránku. Zavřete stránky, které nikdo nepotřebuje, a za chvíli načtěte tuto stránku znovu.",
)


@dataclass(frozen=True)
class PageLimits:
    """How many page kernels the server keeps, and for how long (see ``docs/meeting.md``).

    Attributes
    ----------
    max_pages : int
        Kernels alive at most (open views plus pre-heated ones).
    viewers : int
        Pre-heated kernels of the meeting page: the expected audience.
    grace : float
        Seconds a view's kernel may have no browser connected after its tab
        closed before it is shut; a view whose browser never connected gets
        :data:`FIRST_VISIT` times as long, from its page sent.
    interval : float
        Seconds between two checks of the grace.
    """

    max_pages: int
    viewers: int
    grace: float
    interval: float


class PageLimitReached(Exception):
    """The cap of page kernels is reached (answered with :data:`BUSY_HTML`, HTTP 503)."""


def default_max_pages(available: int | None = None) -> int:
    """The default cap: half the memory available now, at :data:`PAGE_MEMORY` a page (4 to 200).

    Examples
    --------
    >>> default_max_pages(8 * 2**30)
    16
    """
    if available is None:
        import psutil

        available = psutil.virtual_memory().available
    return max(4, min(200, int(available * 0.5 // PAGE_MEMORY)))


def page_kernel_manager(limits: PageLimits, *, quiet: bool = True):
    """The kernel manager class of ``kpwork serve`` (Voilà adds its pre-heating on top).

    ``quiet``: the kernels log nothing below CRITICAL to the terminal (a
    hostile widget message makes them log a traceback each).
    """
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    kernel_args = [*KERNEL_ARGS, *(["--IPKernelApp.log_level=CRITICAL"] if quiet else [])]

    class PageKernels(AsyncMappingKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.kp_limits = limits
            self._kp_starting = 0
            self._kp_closing = False
            self._kp_unconnected_since: dict[str, float] = {}
            self._kp_came: set[str] = set()  # views whose browser has connected at least once

        # --- the cap ------------------------------------------------------------------------

        def kp_count(self) -> int:
            """Kernels alive or starting."""
            return len(self._kernels) + self._kp_starting

        def kp_has_room(self) -> bool:
            return self.kp_count() < limits.max_pages

        async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):
            preheat = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
            while preheat and not self.kp_has_room():  # a pool waits for a place; a view is refused
                if self._kp_closing:
                    raise PageLimitReached("the server is stopping")
                await asyncio.sleep(_WAIT_STEP)
            if not self.kp_has_room():
                raise PageLimitReached(f"{limits.max_pages} page kernels are running")
            self._kp_starting += 1  # no await between the check and this: no two views take the last place
            try:
                kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), *kernel_args]
                return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
            finally:
                self._kp_starting -= 1

        def pre_start_kernel(self, kernel_name, kwargs):
            km, kernel_name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
            # sockets in the server's private folder, one prefix per kernel; TCP on loopback when
            # the temporary folder's path is too long for a socket's name (108 bytes on Linux)
            prefix = os.path.join(os.path.dirname(self.connection_dir), f"k{kernel_id[:8]}")
            if len(os.fsencode(prefix)) + 3 < _SOCKET_PATH_MAX:
                km.transport, km.ip = "ipc", prefix
            return km, kernel_name, kernel_id

        async def shutdown_all(self, now=False):
            self._kp_closing = True
            return await super().shutdown_all(now=now)

        # --- the grace ----------------------------------------------------------------------

        def kp_sent(self, kernel_id: str) -> None:
            """A view's page is in its browser: the grace counts from now (a busy server renders slowly)."""
            if kernel_id in self._kernels and not self._kernel_connections.get(kernel_id):
                self._kp_unconnected_since[kernel_id] = time.monotonic()

        async def cull_kernels(self):
            # all at once: Jupyter's one after the other takes seconds per kernel (a room of 30 leaving: minutes)
            async def cull(kernel_id: str) -> None:
                try:
                    await self.cull_kernel_if_idle(kernel_id)
                except Exception:
                    self.log.exception("checking kernel %s for the grace", kernel_id)

            await asyncio.gather(*(cull(k) for k in list(self._kernels)))

        async def cull_kernel_if_idle(self, kernel_id: str):
            # Voilà's pre-heating class skips pooled kernels before calling this: here a
            # kernel is in a view. Count from the first time it is seen with no browser.
            if self._kernel_connections.get(kernel_id, 0) == 0:
                since = self._kp_unconnected_since.setdefault(kernel_id, time.monotonic())
                grace = self.cull_idle_timeout * (1 if kernel_id in self._kp_came else FIRST_VISIT)
                if time.monotonic() - since < grace:
                    return None
            else:
                self._kp_unconnected_since.pop(kernel_id, None)
                self._kp_came.add(kernel_id)
            return await super().cull_kernel_if_idle(kernel_id)

        async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
            self._kp_unconnected_since.pop(kernel_id, None)
            self._kp_came.discard(kernel_id)
            result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
            if not self._kp_closing and hasattr(self, "fill_if_needed"):
                for notebook in list(self._pools):  # the audience left: pre-heat for the next one
                    self.kp_size_pool(notebook, taking=False)
                    self.fill_if_needed(notebook_name=notebook)
            return result

        # --- the pool -----------------------------------------------------------------------

        def kp_ready(self, notebook: str) -> bool:
            """Whether a pre-heated kernel of ``notebook`` is ready; ready ones are put first."""
            pool = getattr(self, "_pools", {}).get(notebook)
            if not pool:
                return False
            pool[:] = [t for t in pool if not (t.done() and (t.cancelled() or t.exception() is not None))]
            pool.sort(key=lambda task: not task.done())
            return bool(pool) and pool[0].done()

        def kp_size_pool(self, notebook: str, *, taking: bool = True) -> None:
            """How many kernels the pool of ``notebook`` keeps (after a view takes one, when ``taking``).

            The meeting page keeps ``viewers`` kernels in views and pool together
            (one spare at least); other pages one spare.
            """
            if not hasattr(self, "kernel_pools_config"):
                return
            in_views = len(self.notebook_data.get(notebook, {}).get("kernel_ids", ())) - sum(t.done() for t in self._pools.get(notebook, ()))
            wanted = max(1, limits.viewers - in_views - taking) if notebook == MEETING_PAGE else 1
            self.kernel_pools_config = {**self.kernel_pools_config, notebook: {"pool_size": wanted}}

    return PageKernels


def pool_config(limits: PageLimits) -> dict:
    """Voilà's ``kernel_pools_config``: ``viewers`` pre-heated meeting kernels, one of every other page."""
    return {"default": {"pool_size": 1}, MEETING_PAGE: {"pool_size": limits.viewers}}


def page_handler():
    """Voilà's page handler that answers over the cap with :data:`BUSY_HTML` (503) and uses only ready kernels."""
    from voila.tornado.handler import TornadoVoilaHandler

    class PageHandler(TornadoVoilaHandler):
        _kp_kernel: str | None = None

        def write(self, chunk):
            if self._kp_kernel is None and isinstance(chunk, str):  # the page configuration names the view's kernel
                found = _KERNEL_ID.search(chunk)
                self._kp_kernel = found.group(1) if found else None
            return super().write(chunk)

        def on_finish(self) -> None:
            if self._kp_kernel:
                self.kernel_manager.kp_sent(self._kp_kernel)
            super().on_finish()

        async def get(self, path=None):
            notebook = self.notebook_path or path
            km = self.kernel_manager
            if not (km.kp_ready(notebook) or km.kp_has_room()):
                return self._busy()
            if km.kp_ready(notebook):
                km.kp_size_pool(notebook)
            try:
                return await super().get(path)
            except PageLimitReached:
                if self._headers_written:
                    raise
                return self._busy()

        def should_use_rendered_notebook(self, notebook_data, pool_size, template_name, theme, request_args):
            notebook = self.notebook_path or self.path_kwargs.get("path") or (self.path_args[0] if self.path_args else None)
            return self.kernel_manager.kp_ready(notebook) and super().should_use_rendered_notebook(notebook_data, pool_size, template_name, theme, request_args)

        def _busy(self) -> None:
            self.clear()
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Retry-After", "30")
            self.finish(BUSY_HTML)

    return PageHandler


def page_websocket():
    """Voilà's kernel websocket that never passes a traceback or stderr output to the browser."""
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    class PageWebsocket(VoilaKernelWebsocketHandler):
        def write_message(self, message, binary=False):
            if _leaks(message):
                return None
            return super().write_message(message, binary)

        def write_error(self, status_code: int, **kwargs) -> None:
            # Jupyter's error page needs a static path Voilà does not set (a traceback in the terminal)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"{status_code}")

    return PageWebsocket


def _leaks(message) -> bool:
    """Whether a kernel message would show the browser an error (traceback, stderr) of the server."""
    header, content = _header_and_content(message)
    if not header:
        return False
    kind = header.get("msg_type", "")
    if kind == "error":
        return True
    if kind == "stream":
        return (content or {}).get("name") != "stdout"
    if kind.endswith("_reply"):
        return (content or {}).get("status") == "error"
    return False


def _header_and_content(message) -> tuple[dict | None, dict | None]:
    try:
        if isinstance(message, bytes):  # v1 websocket protocol: offsets, then channel, header, parent, metadata, content
            count = int.from_bytes(message[:8], "little")
            offsets = [int.from_bytes(message[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
            header = json.loads(message[offsets[1] : offsets[2]])
            content = json.loads(message[offsets[4] : offsets[5]]) if header.get("msg_type") in ("stream",) or header.get("msg_type", "").endswith("_reply") else None
            return header, content
        if isinstance(message, str):
            message = json.loads(message)
        if isinstance(message, dict):
            return message.get("header"), message.get("content")
    except (ValueError, IndexError, TypeError):
        return None, None
    return None, None
