"""Voilà pages for a meeting: the meeting page, the catalogue of services, an index.

:func:`serve` starts Voilà (imported lazily) on a folder that holds **only**
the page notebooks, copied into a temporary folder at start. The pages read
the latest run's results from the folder named in the environment variable
:data:`RESULTS_ENV`, which the kernels inherit from the server: no route of
the server leads to the run, the region's input files or ``outputs/``.

Security settings (see ``docs/meeting.md``):

* binds ``127.0.0.1`` unless a host is given (then a warning);
* code cells are stripped (``strip_sources``), tracebacks are not shown;
* the kernel accepts only widget (comm) messages from the browser;
* ``/voila/files/`` serves nothing (empty allowlist, everything denied);
* no template or theme override from the query string.
* nothing is loaded from the internet: Font Awesome links of Voila's lab template are dropped.

Voilà keeps a kernel alive for every page view; :class:`Culling` shuts
idle kernels with no browser connected (default: after 10 minutes).
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kpwork.config import DEFAULT_REGION, NOTEBOOKS_DIR, OUTPUTS_DIR, SERVE
from kpwork.errors import KpworkError, KpworkWarning
from kpwork.kernels import notebook_kernel
from kpwork.results import RESULTS_ENV

log = logging.getLogger(__name__)

#: The notebooks served, from the workbook's ``notebooks/`` folder.
PAGES = ("meeting.ipynb", "catalogue.ipynb")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Voila template folder put first on the template path: the lab template without CDN links.
VOILA_TEMPLATE = Path(__file__).parent / "templates" / "voila"


@dataclass(frozen=True)
class Culling:
    """When the server shuts kernels of pages nobody looks at any more.

    Attributes
    ----------
    idle_timeout : int
        Seconds without activity after which a kernel with no browser
        connected is shut (``MappingKernelManager.cull_idle_timeout``).
        Ten minutes: a closed or crashed tab frees its ~120 MiB soon, while a
        reload or a short network drop within that time keeps working.
    interval : int
        Seconds between checks (``MappingKernelManager.cull_interval``).
    connected : bool
        Also cull kernels whose page is still open (``cull_connected``). Off:
        a page left open during a long discussion keeps working.
    """

    idle_timeout: int = SERVE.cull_idle
    interval: int = SERVE.cull_interval
    connected: bool = False


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


def voila_config(pages_dir: Path, *, host: str = SERVE.host, port: int = SERVE.port, culling: Culling = Culling(), preheat: bool = True):
    """The traitlets configuration of the Voilà server (a :class:`traitlets.config.Config`).

    Parameters
    ----------
    pages_dir
        The folder with only the page notebooks (Voilà's ``root_dir``).
    preheat
        Keep one kernel per page started with the page already rendered, so a
        page shows at once (``VoilaConfiguration.preheat_kernel``).
    """
    from traitlets.config import Config

    c = Config()
    c.Voila.root_dir = str(pages_dir)
    c.Voila.ip = host
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.open_browser = False
    c.Voila.token = ""
    c.Voila.autoreload = False
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = []
    c.VoilaConfiguration.file_denylist = [r".*"]
    c.VoilaConfiguration.allow_template_override = "NO"
    c.VoilaConfiguration.allow_theme_override = "NO"
    c.VoilaConfiguration.template = "lab"
    c.VoilaConfiguration.theme = "light"
    c.VoilaConfiguration.preheat_kernel = preheat
    c.VoilaConfiguration.default_pool_size = 1
    c.VoilaConfiguration.progressive_rendering = False
    c.MappingKernelManager.cull_idle_timeout = culling.idle_timeout
    c.MappingKernelManager.cull_interval = culling.interval
    c.MappingKernelManager.cull_connected = culling.connected
    c.MappingKernelManager.cull_busy = False
    c.MappingKernelManager.default_kernel_name = notebook_kernel()
    c.VoilaConfiguration.multi_kernel_manager_class = _patient_culler()
    return c


def _patient_culler():
    """A kernel manager that culls a kernel only after it was seen with no browser for a whole timeout.

    A pre-heated kernel may wait in Voilà's pool longer than the timeout; when
    a page takes it, the browser connects a moment later. The stock culler
    could shut it in that moment (it looks idle and unconnected); this one
    starts counting when it first sees the kernel out of the pool unconnected.
    """
    import time

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    class PatientCuller(AsyncMappingKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._kp_unconnected_since: dict[str, float] = {}

        async def cull_kernel_if_idle(self, kernel_id: str):
            if self._kernel_connections.get(kernel_id, 0) == 0:
                since = self._kp_unconnected_since.setdefault(kernel_id, time.monotonic())
                if time.monotonic() - since < self.cull_idle_timeout:
                    return None
            else:
                self._kp_unconnected_since.pop(kernel_id, None)
            return await super().cull_kernel_if_idle(kernel_id)

    return PatientCuller


@contextmanager
def pages_folder(source: Path = NOTEBOOKS_DIR) -> Iterator[Path]:
    """A temporary folder holding copies of the page notebooks only."""
    missing = [p for p in PAGES if not (source / p).exists()]
    if missing:
        raise KpworkError(f"page notebooks missing in {source}: {', '.join(missing)}")
    folder = Path(tempfile.mkdtemp(prefix="kpwork-pages-"))
    try:
        for page in PAGES:
            shutil.copyfile(source / page, folder / page)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    culling: Culling = Culling(),
    preheat: bool = True,
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
    culling
        When idle kernels of closed pages are shut (:class:`Culling`).
    preheat
        Keep one pre-rendered kernel per page (faster first view).

    Raises
    ------
    KpworkError
        No run yet, the port is taken, or page notebooks are missing.

    Examples
    --------
    ``serve("data/otrokovicko")`` then open http://127.0.0.1:8866/
    """
    results = latest_results(region_dir, out_dir)
    if host not in _LOCAL_HOSTS:
        warnings.warn(f"serving on {host}: other computers on the network can open the pages (there is no password)", KpworkWarning, stacklevel=2)
    check_port(host, port)
    with pages_folder() as pages:
        _run_voila(pages, results, voila_config(pages, host=host, port=port, culling=culling, preheat=preheat))


def _run_voila(pages: Path, results: Path, config) -> None:
    import json

    from voila.app import Voila

    os.environ[RESULTS_ENV] = str(results)
    index = index_html(json.loads((results / "region.json").read_text(encoding="utf-8")))

    class MeetingVoila(Voila):
        """Voilà with our settings on top of any user config, and a static index at ``/``."""

        def parse_command_line(self, argv=None):
            super().parse_command_line(argv)
            self.cli_config.merge(config)
            self.update_config(self.cli_config)

        def setup_template_dirs(self):
            # our lab template first: it drops Voila's Font Awesome links to a CDN
            super().setup_template_dirs()
            self.template_paths.insert(0, str(VOILA_TEMPLATE))

        def init_handlers(self):
            handlers = [h for h in super().init_handlers() if h[0] != self.server_url]
            return [(self.server_url, _static_page_handler(), {"body": index}), *handlers]

    app = MeetingVoila()
    app.initialize([])
    log.info("serving %s on http://%s:%s/", results, config.Voila.ip, config.Voila.port)
    app.start()


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
