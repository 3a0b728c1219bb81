"""Voilà pages for a meeting: the meeting page, the catalogue of services, an index.

:func:`serve` starts Voilà (imported lazily) on a folder that holds **only**
the page notebooks, copied into a private temporary folder at start. The pages
read the latest run's results from the folder named in the environment
variable :data:`RESULTS_ENV`, which the kernels inherit from the server: no
route of the server leads to the run, the region's input files or ``outputs/``.

Security settings (see ``docs/meeting.md`` and ``docs/security.md``):

* binds ``127.0.0.1`` unless a host is given (then a warning), and answers
  only requests addressed to the names it was started for
  (:mod:`kpwork.serve_guard`: against DNS rebinding, HTTP and websockets alike);
* every response carries a Content-Security-Policy that allows nothing
  outside the server;
* code cells are stripped (``strip_sources``), tracebacks are not shown, and
  no kernel error or stderr output reaches the browser;
* the kernel accepts only widget (comm) messages from the browser;
* ``/voila/files/`` serves nothing (empty allowlist, everything denied);
* no template or theme override from the query string;
* nothing is loaded from the internet: Font Awesome links of Voila's lab template are dropped;
* the front end's scripts and styles go out gzip-compressed, each file
  compressed once (:mod:`kpwork.serve_transfer`: ~5 MB → ~1.5 MB a device
  on the meeting room's network);
* the loading screen speaks Czech (English under it) instead of Voilà's "Executing 3 of 4",
  and nothing on it moves (``templates/voila/spinner.macro.html.j2``);
* at most ``max_pages`` kernels, pre-heated for the expected audience, shut
  a few seconds after their browser left or never came
  (:mod:`kpwork.serve_kernels`).
"""

from __future__ import annotations

import errno
import html
import logging
import os
import shutil
import socket
import tempfile
import tomllib
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kpwork.config import DEFAULT_REGION, NOTEBOOKS_DIR, OUTPUTS_DIR, SERVE
from kpwork.errors import KpworkError, KpworkWarning
from kpwork.kernels import iopub_timeout, notebook_kernel
from kpwork.results import RESULTS_ENV
from kpwork.serve_kernels import (
    PageLimits,
    default_max_pages,
    page_handler,
    page_kernel_manager,
    page_websocket,
    pool_config,
)

log = logging.getLogger(__name__)

#: The notebooks served, from the workbook's ``notebooks/`` folder.
PAGES = ("meeting.ipynb", "catalogue.ipynb")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Seconds a page's rendering waits for a cell's outputs after its reply (nbclient's default: 4); Voilà's cells have no timeout.
IOPUB_TIMEOUT = iopub_timeout(None)
#: Voila template folder put first on the template path: the lab template without CDN links.
VOILA_TEMPLATE = Path(__file__).parent / "templates" / "voila"
#: Prefix of the server's private temporary folder (pages, connection files, kernel sockets).
FOLDER_PREFIX = "kpwork-serve-"


def page_limits(*, max_pages: int | None = None, viewers: int = SERVE.viewers, grace: int = SERVE.grace, interval: int = SERVE.interval) -> PageLimits:
    """The server's :class:`~kpwork.serve_kernels.PageLimits`, checked; ``max_pages`` by default from free memory.

    Raises
    ------
    KpworkError
        When the pre-heated kernels (``viewers`` plus one per other page) do not fit under ``max_pages``.
    """
    cap = default_max_pages() if max_pages is None else max_pages
    needed = viewers + len(PAGES) - 1
    if cap < needed + 1:
        hint = "; or close other programs" if max_pages is None else ""
        raise KpworkError(f"--viewers {viewers} needs --max-pages of at least {needed + 1} (pre-heated pages plus one), got {cap}{hint}")
    return PageLimits(max_pages=cap, viewers=viewers, grace=grace, interval=interval)


def latest_results(region_dir: str | os.PathLike, out_dir: str | os.PathLike = OUTPUTS_DIR) -> Path:
    """The results folder of the latest complete run of a region.

    ``region_dir`` may also be a run folder (with ``results/region.json``).

    Raises
    ------
    KpworkError
        When the region has no run yet (suggesting ``kpwork run``).
    """
    folder = Path(region_dir)
    if (folder / "results" / "region.json").exists():
        return (folder / "results").resolve()
    region_id = _region_id(folder)
    results = Path(out_dir) / region_id / "latest" / "results"
    if not (results / "region.json").exists():
        raise KpworkError(f"no run of region '{region_id}' in {Path(out_dir) / region_id}; run `kpwork run {folder}` first")
    return results.resolve()


def _region_id(folder: Path) -> str:
    config = folder / "region.toml"
    if not folder.is_dir():
        raise KpworkError(f"region folder {folder} not found")
    try:
        section = tomllib.loads(config.read_text(encoding="utf-8-sig")).get("region", {})
    except (OSError, tomllib.TOMLDecodeError):
        section = {}
    value = section.get("id") if isinstance(section, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else folder.name


def check_port(host: str, port: int) -> None:
    """Raise a clear error when ``host:port`` cannot be bound (taken or not allowed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise KpworkError(f"port {port} on {host} is taken (another kpwork serve?); choose another with --port, e.g. --port {port + 1}") from exc
            raise KpworkError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def voila_config(server_dir: Path, *, host: str = SERVE.host, port: int = SERVE.port, limits: PageLimits | None = None, verbose: bool = False):
    """The traitlets configuration of the Voilà server (a :class:`traitlets.config.Config`).

    Parameters
    ----------
    server_dir
        The server's private folder (:func:`server_folder`): the page
        notebooks in ``pages/`` (Voilà's ``root_dir``), connection files and
        kernel sockets beside them.
    limits
        The kernels' cap, pre-heating and grace (default: :func:`page_limits`).
    verbose
        Voilà's own log at INFO (else errors only: the terminal stays quiet).
    """
    from traitlets.config import Config

    limits = limits or page_limits()
    c = Config()
    c.Voila.root_dir = str(server_dir / "pages")
    c.Voila.connection_dir_root = str(server_dir)
    c.Voila.ip = host
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.open_browser = False
    c.Voila.token = ""
    c.Voila.autoreload = False
    c.Voila.log_level = logging.INFO if verbose else logging.ERROR
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = []
    c.VoilaConfiguration.file_denylist = [r".*"]
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    c.VoilaConfiguration.template = "lab"
    c.VoilaConfiguration.theme = "light"
    c.VoilaConfiguration.preheat_kernel = True
    c.VoilaConfiguration.default_pool_size = 1
    c.VoilaConfiguration.progressive_rendering = False
    # a page's outputs (the widgets) come after its cell's reply; nbclient drops those that come later than
    # iopub_timeout (4 s) with a "Timeout waiting for IOPub output" warning, and a kernel rendering on a busy
    # machine (thirty pre-heated at once) then hands out a page without its widgets: no map, ever
    c.VoilaExecutor.iopub_timeout = IOPUB_TIMEOUT
    c.VoilaKernelManager.kernel_pools_config = pool_config(limits)
    c.MappingKernelManager.cull_idle_timeout = limits.grace
    c.MappingKernelManager.cull_interval = limits.interval
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    c.MappingKernelManager.default_kernel_name = notebook_kernel()
    c.VoilaConfiguration.multi_kernel_manager_class = page_kernel_manager(limits, quiet=not verbose)
    return c


@contextmanager
def server_folder(source: Path = NOTEBOOKS_DIR, *, tmp: str | os.PathLike | None = None) -> Iterator[Path]:
    """The server's private temporary folder: copies of the page notebooks only (in ``pages/``).

    Folders left by a server that was killed (its process gone) are removed
    first (:func:`clean_stale_folders`); this one is removed at the end.
    """
    missing = [p for p in PAGES if not (source / p).exists()]
    if missing:
        raise KpworkError(f"page notebooks missing in {source}: {', '.join(missing)}")
    clean_stale_folders(tmp)
    folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=tmp))
    try:
        (folder / "owner").write_text(_owner(os.getpid()), encoding="ascii")
        (folder / "pages").mkdir()
        for page in PAGES:
            shutil.copyfile(source / page, folder / "pages" / page)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clean_stale_folders(tmp: str | os.PathLike | None = None) -> list[Path]:
    """Remove the private folders (page copies, connection files) of servers whose process is gone; the removed.

    A folder belongs to the process written in its ``owner`` file (id and
    start time, so that a new process with a reused id does not keep it).
    """
    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            owner = (folder / "owner").read_text(encoding="ascii").strip()
            pid = int(owner.split()[0])
        except (OSError, ValueError, IndexError):
            continue  # not ours, or being created right now
        if _owner(pid) != owner:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("removed %d folder(s) of a server that was stopped abruptly", len(removed))
    return removed


def _owner(pid: int) -> str:
    """``"<pid> <start time>"`` of a running process, ``""`` when it is gone."""
    import psutil

    try:
        return f"{pid} {psutil.Process(pid).create_time():.2f}"
    except psutil.Error:
        return ""


def index_html(meta: dict) -> str:
    """The index page: the region's name and links to the pages, Czech and English."""
    name = html.escape(meta.get("region_name", ""))
    rows = [
        ("meeting.ipynb", "Jednání: mapa, profil obce, financování", "Meeting: map, municipality profile, funding"),
        ("catalogue.ipynb", "Katalog sociálních služeb", "Catalogue of social services"),
    ]
    items = "".join(
        f'<li><a href="voila/render/{page}">{html.escape(cs)}</a><br><small lang="en">{html.escape(en)}</small></li>' for page, cs, en in rows
    )
    return (
        f'<!DOCTYPE html><html lang="cs"><head><meta charset="utf-8"><title>{name}</title>'
        "<style>body{font:20px/1.5 'DejaVu Sans',Arial,sans-serif;max-width:900px;margin:2em auto;padding:0 1em}"
        "li{margin:1em 0}a{font-size:1.3em}small{color:#555}</style></head>"
        f"<body><h1>{name}</h1><p>Komunitní plánování sociálních služeb · <span lang=\"en\">Community planning of social services</span></p>"
        f"<ul>{items}</ul></body></html>"
    )


def serve(
    region_dir: str | os.PathLike = DEFAULT_REGION,
    *,
    host: str = SERVE.host,
    port: int = SERVE.port,
    out_dir: str | os.PathLike = OUTPUTS_DIR,
    limits: PageLimits | None = None,
    extra_hosts: Iterable[str] = (),
    on_listening: Callable[[str], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    verbose: bool = False,
) -> None:
    """Serve the meeting pages of a region's latest run with Voilà until Ctrl-C.

    Parameters
    ----------
    region_dir
        The region folder (its latest run is served), or a run folder.
    host
        Address to listen on; ``127.0.0.1`` (this computer only) by default.
        Any other address makes the pages visible on the network (a warning).
    port
        TCP port (8866 by default); a taken port is an error.
    out_dir
        Where ``kpwork run`` wrote the runs.
    limits
        The kernels' cap, pre-heating and grace (:func:`page_limits`).
    extra_hosts
        More names the server answers to (besides loopback and ``host``),
        e.g. a name in the local network's DNS.
    on_listening
        Called with the server's URL once it accepts connections.
    on_ready
        Called once every page has its pre-heated kernels ready.
    verbose
        Voilà's log at INFO.

    Raises
    ------
    KpworkError
        No run yet, the port is taken, or page notebooks are missing.

    Examples
    --------
    ``serve("data/otrokovicko")`` then open http://127.0.0.1:8866/
    """
    from kpwork.serve_guard import allowed_hosts

    results = latest_results(region_dir, out_dir)
    limits = limits or page_limits()
    if host not in _LOCAL_HOSTS:
        warnings.warn(f"serving on {host}: other computers on the network can open the pages (there is no password)", KpworkWarning, stacklevel=2)
    check_port(host, port)
    with server_folder() as folder:
        config = voila_config(folder, host=host, port=port, limits=limits, verbose=verbose)
        hooks = {"allowed": allowed_hosts(host, extra=extra_hosts), "on_listening": on_listening, "on_ready": on_ready}
        _run_voila(folder / "pages", results, config, hooks)


def server_url(host: str, port: int) -> str:
    """The URL to open on this computer (``[…]`` around an IPv6 address; loopback for a wildcard address)."""
    host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _run_voila(pages: Path, results: Path, config, hooks: dict) -> None:
    import json

    import tornado.ioloop
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    from kpwork.serve_guard import guarded_application
    from kpwork.serve_transfer import static_gzip

    os.environ[RESULTS_ENV] = str(results)
    index = index_html(json.loads((results / "region.json").read_text(encoding="utf-8")))
    ours = {TornadoVoilaHandler: page_handler(), VoilaKernelWebsocketHandler: page_websocket()}

    class MeetingVoila(Voila):
        """Voilà with our settings on top of any user config, a static index at ``/``, guarded, quiet."""

        def parse_command_line(self, argv=None):
            super().parse_command_line(argv)
            self.cli_config.merge(config)
            self.update_config(self.cli_config)

        def setup_template_dirs(self):
            # our lab template first: it drops Voila's Font Awesome links to a CDN
            super().setup_template_dirs()
            self.template_paths.insert(0, str(VOILA_TEMPLATE))

        def init_handlers(self):
            handlers = [(h[0], ours.get(h[1], h[1]), *h[2:]) for h in super().init_handlers() if h[0] != self.server_url]
            return [(self.server_url, _static_page_handler(), {"body": index}), *handlers]

        def start(self):
            # Voila.start with our application class (Host check, page policy, quiet log)
            self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
            settings = self.init_settings()
            self.app = guarded_application(hooks["allowed"])(**settings)
            self.app.add_transform(static_gzip())
            self.app.settings.update(self.tornado_settings)
            self.app.add_handlers(".*$", self.init_handlers())
            loop = tornado.ioloop.IOLoop.current()
            if hooks["on_listening"]:  # runs once the loop runs, i.e. after the socket is bound and listening
                loop.add_callback(hooks["on_listening"], server_url(self.ip, self.port))
            if hooks["on_ready"]:
                _when_pools_filled(self.kernel_manager, hooks["on_ready"])
            self.listen()

    app = MeetingVoila()
    app.initialize([])
    app.start()


def _when_pools_filled(kernel_manager, callback: Callable[[], None]) -> None:
    """Call ``callback`` once, when every pre-heated kernel has its page rendered."""
    import tornado.ioloop

    def rendered(task) -> bool:  # a pool entry is done once its kernel started; the page renders after
        return task.done() and not task.cancelled() and task.exception() is None and task.result()["task"].done()

    def check() -> None:
        pools = getattr(kernel_manager, "_pools", {})
        if pools and all(pool and all(rendered(t) for t in pool) for pool in pools.values()):
            timer.stop()
            callback()

    timer = tornado.ioloop.PeriodicCallback(check, 500)
    timer.start()


def _static_page_handler():
    import tornado.web

    class StaticPage(tornado.web.RequestHandler):
        def initialize(self, body: str) -> None:
            self.body = body

        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(self.body)

    return StaticPage
