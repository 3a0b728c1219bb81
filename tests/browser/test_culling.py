"""Kernels of closed pages are culled: many page views leave the kernel count flat; Ctrl-C stops cleanly.

The server runs with a grace of 3 s set by the test (checked every 2 s); the
default is 20 s (kpwork.config.SERVE.grace).
"""

from __future__ import annotations

import time
import urllib.request

import psutil
import pytest

from .conftest import map_drawn, start_server, stop_server

BROWSER_VIEWS = 18
ABANDONED_VIEWS = 12  # fetched but never connected, like a tab that crashed


def kernels(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    alive = []
    for child in children:
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                alive.append(child)
        except psutil.Error:
            pass
    return alive


@pytest.fixture(scope="module")
def culling_server(run_outputs, tmp_path_factory):
    out, results = run_outputs
    log = tmp_path_factory.mktemp("serve-cull") / "serve.log"
    srv = start_server(out, results, log, "--grace", "3", "--viewers", "1")
    yield srv
    stop_server(srv.process)


def test_kernel_count_comes_back_down_after_many_views(culling_server, browser):
    pid = culling_server.process.pid
    baseline = len(kernels(pid))  # the pre-heated pool: one per page
    peak = baseline
    url = culling_server.url + "/voila/render/meeting.ipynb"
    for _ in range(BROWSER_VIEWS):
        context = browser.new_context()
        page = context.new_page()
        page.goto(url, timeout=120_000)
        map_drawn(page.locator("iframe.kp-map"))
        peak = max(peak, len(kernels(pid)))
        context.close()
    for _ in range(ABANDONED_VIEWS):
        with urllib.request.urlopen(url, timeout=120) as response:
            assert response.status == 200
        peak = max(peak, len(kernels(pid)))
    assert peak > baseline  # views do start kernels
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(kernels(pid)) > baseline:
        time.sleep(1)
    assert len(kernels(pid)) <= baseline, culling_server.log.read_text()[-3000:]


def test_ctrl_c_stops_the_server_and_its_kernels(culling_server):
    pid = culling_server.process.pid
    children = kernels(pid)
    assert children
    assert stop_server(culling_server.process) == 0
    gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive
