"""Browser tests: `kpwork serve` in a subprocess, driven by headless Debian Chromium.

Each test module starts one server (module-scoped) against a run written
into a temporary outputs folder; screenshots go to ``test-artifacts/``.
No browser is downloaded: Playwright launches ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    out_dir: Path
    results: Path
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_run(out_dir: Path, region_dir: Path) -> Path:
    """A run's results (what `kpwork serve` needs) written with the library; no notebooks executed."""
    from kpwork.analysis import analyse_region
    from kpwork.region import load_region
    from kpwork.results import write_results

    region = load_region(region_dir)
    analysis = analyse_region(region)
    run = out_dir / region.id / "20250101-000000"
    write_results(analysis.tables, analysis.layers, analysis.meta, run / "results")
    (out_dir / region.id / "latest").symlink_to(run.name)
    return run / "results"


@pytest.fixture(scope="session")
def run_outputs(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("outputs")
    results = write_run(out, REPO / "data" / "otrokovicko")
    return out, results


def start_server(out_dir: Path, results: Path, log: Path, *extra: str, timeout: float = 90, region: Path | None = None) -> Server:
    port = free_port()
    kpwork = Path(sys.executable).with_name("kpwork")
    command = [str(kpwork), "serve", str(region or REPO / "data" / "otrokovicko"), "--out", str(out_dir), "--port", str(port), *extra]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kpwork serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200 and _pools_filled(log):
                    return Server(url, process, out_dir, results, log)
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"kpwork serve not ready after {timeout} s:\n{log.read_text()}")


def _pools_filled(log: Path) -> bool:
    text = log.read_text(errors="replace")
    return "kpwork: připraveno;" in text or "kpwork: ready for" in text  # the serve_ready line, Czech or English


def stop_server(process: subprocess.Popen) -> int:
    """Ctrl-C, as a coordinator stops it; the return code."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


@pytest.fixture(scope="module")
def server(run_outputs, tmp_path_factory) -> Iterator[Server]:
    out, results = run_outputs
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    srv = start_server(out, results, log)
    yield srv
    stop_server(srv.process)


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (make chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="cs-CZ")
    pg = context.new_page()
    refused = []
    pg.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    context.close()
    assert refused == [], "the page needs something its Content-Security-Policy forbids"


def screenshot(pg, name: str, *, height: int = 2600) -> Path:
    """A tall screenshot of the page into test-artifacts/ (Voila scrolls inside its own panel)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = pg.viewport_size
    pg.set_viewport_size({"width": size["width"], "height": height})
    pg.wait_for_timeout(300)
    pg.screenshot(path=str(path), full_page=True)
    pg.set_viewport_size(size)
    return path


def click_in_view(target) -> None:
    """Click ``target`` once it is enabled, brought to the middle of the view first.

    Seen on the scenario panel's keep button (about one run in eight): the
    button sat on the bottom edge of Voilà's scrolling panel, the press focused
    it, the panel scrolled (between the press and the release) and the release
    landed beside it; no click, and Playwright reports success. Enabled first:
    the panel enables the button after everything below it is drawn, so the
    page no longer grows under it when it is brought to the middle.
    """
    # imported here, as the browser fixture does: without Playwright the tests skip
    from playwright.sync_api import expect

    expect(target).to_be_enabled(timeout=90_000)
    # two frames after the scroll: Chromium routes a click by the last frame it
    # drew, and a map's sandboxed frame (a process of its own) that stood at
    # the target's new place takes it (seen: the download link clicked right
    # after map_drawn brought a map into view; no event reached the page)
    target.evaluate("el => { el.scrollIntoView({block: 'center', inline: 'nearest'});"
                    " return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))); }")
    target.click(timeout=90_000)


def map_drawn(frame_element, *, timeout: float = 120_000):
    """Bring a map's frame into view, as its reader scrolls to it, and wait for its shapes; its content.

    ``frame_element`` is the locator of the ``<iframe>``. Chromium does not
    render a sandboxed (cross-origin) frame outside the view: a frame that
    gets its size there (a notebook's output, a redrawn panel) keeps the
    drawing of a zero-sized map, the whole region in one pixel ("M0 0L0 0z"),
    until it is scrolled into view and the map fits itself again
    (L.kpFitOnResize in kpwork.pages.maps; test_map_frames). Seen on CI in JupyterLab: the map
    cell below the fold after Run All, shapes hidden for two minutes.
    """
    frame_element = frame_element.first
    frame_element.scroll_into_view_if_needed(timeout=timeout)
    content = frame_element.content_frame
    content.locator("path.leaflet-interactive").first.wait_for(timeout=timeout)
    return content
