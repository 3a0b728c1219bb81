"""Attacks on the meeting server: DNS rebinding, script from elsewhere, kernel exhaustion, leaks, litter.

One server with a small cap (``--max-pages 4 --viewers 1 --grace 3``) for
the whole module; the burst runs last. No timing is asserted except the
grace itself (a kernel must be gone within grace + check interval + slack).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import websocket

from kpwork import serve as srv
from kpwork.serve_kernels import FIRST_VISIT

from .conftest import REPO, free_port, map_drawn, start_server, stop_server

MAX_PAGES = 4
GRACE = 3
SLACK = 12  # seconds: the check interval (2 s), a busy machine
MEETING = "/voila/render/meeting.ipynb"
OUTSIDE = "203.0.113.7"  # TEST-NET-3: never a real host


@pytest.fixture(scope="module")
def small_server(run_outputs, tmp_path_factory):
    out, results = run_outputs
    log = tmp_path_factory.mktemp("serve-small") / "serve.log"
    server = start_server(out, results, log, "--max-pages", str(MAX_PAGES), "--viewers", "1", "--grace", str(GRACE))
    yield server
    stop_server(server.process)


def _get(url: str, host: str | None = None, timeout: float = 120) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _kernel_id(page_html: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page_html).group(1)


def _kernel_alive(server, kernel_id: str) -> bool:
    return _get(f"{server.url}/api/kernels/{kernel_id}")[0] == 200


def _kernels(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def _tree_rss(pid: int) -> int:
    total = 0
    try:
        root = psutil.Process(pid)
        for p in [root, *root.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


# --- DNS rebinding ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", MEETING, "/voila/static/voila.js", "/voila/tree", "/api/kernels/00000000-0000-0000-0000-000000000000"])
@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}", "localhost.evil.example"])
def test_a_spoofed_host_is_refused_before_any_handler(small_server, path, host):
    port = urlsplit(small_server.url).port
    before = len(_kernels(small_server.process.pid))
    status, body = _get(small_server.url + path, host=host.format(port=port))
    assert status == 403
    assert "Přístup odmítnut" in body and "kernelId" not in body
    assert len(_kernels(small_server.process.pid)) <= before  # no kernel started for it


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}"])
def test_the_names_of_this_computer_are_served(small_server, host):
    status, body = _get(small_server.url + "/", host=host.format(port=urlsplit(small_server.url).port))
    assert status == 200 and "voila/render/meeting.ipynb" in body


def _channels(server, kernel_id: str, host: str) -> websocket.WebSocket:
    url = f"ws://127.0.0.1:{urlsplit(server.url).port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
    return websocket.create_connection(url, host=host, origin=f"http://{host}", timeout=10)


def test_a_websocket_with_a_spoofed_host_and_matching_origin_is_refused(small_server):
    port = urlsplit(small_server.url).port
    kernel_id = _kernel_id(_get(small_server.url + MEETING)[1])
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        _channels(small_server, kernel_id, f"evil.example:{port}")
    assert refused.value.status_code == 403
    ws = _channels(small_server, kernel_id, f"127.0.0.1:{port}")  # the same socket with the right name opens
    ws.close()


# --- leaks ------------------------------------------------------------------------------------


def _message(kind: str, content: dict) -> str:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": kind, "username": "x", "session": "s", "version": "5.3", "date": ""}
    return json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []})


def test_malformed_comm_messages_send_no_traceback_to_the_browser(small_server):
    port = urlsplit(small_server.url).port
    page = _get(small_server.url + MEETING)[1]
    kernel_id = _kernel_id(page)
    model = re.search(r'"model_id":\s*"([0-9a-f]{32})"', page).group(1)
    ws = _channels(small_server, kernel_id, f"127.0.0.1:{port}")
    try:
        for content in (
            {"comm_id": model, "data": {"method": "update", "state": {"children": 5, "layout": "x"}}},
            {"comm_id": model, "data": None},
            {"data": {}},  # no comm id: a KeyError in the kernel
            {"comm_id": model, "data": {"method": "request_state"}},  # a well-formed one: it must answer
        ):
            ws.send(_message("comm_msg", content))
        ws.send(_message("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": {"state": {"_model_name": "NoSuch"}}}))
        received = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                received.append(ws.recv())
            except websocket.WebSocketTimeoutException:
                break
    finally:
        ws.close()
    kinds = [json.loads(m)["header"]["msg_type"] for m in received]
    assert "comm_msg" in kinds, kinds  # the kernel did answer the well-formed request
    text = "\n".join(received)
    assert "Traceback" not in text and "site-packages" not in text and str(Path.cwd()) not in text
    assert "error" not in kinds and not [m for m in received if '"name": "stderr"' in m]


# --- the page policy ---------------------------------------------------------------------------


INJECT = f"""() => {{
    const img = new Image(); img.src = 'http://{OUTSIDE}/pixel.png'; document.body.appendChild(img);
    fetch('http://{OUTSIDE}/data').catch(() => null);
}}"""


def test_the_meeting_page_works_under_its_policy_and_blocks_requests_elsewhere(small_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="cs-CZ")
    page = context.new_page()
    console, requests, failed = [], [], {}
    page.on("console", lambda m: console.append(m.text))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.setdefault(r.url, r.failure))
    with page.expect_response(lambda r: MEETING in r.url) as first:
        page.goto(small_server.url + MEETING, timeout=120_000)
    assert "default-src 'self'" in first.value.headers["content-security-policy"]
    map_drawn(page.locator("iframe.kp-map"))
    page.wait_for_timeout(1000)
    assert [m for m in console if "Content Security Policy" in m] == []  # the page needs nothing the policy forbids
    page.evaluate(INJECT)
    map_frame = next(f for f in page.frames if f != page.main_frame and f.url in ("about:srcdoc", ""))
    map_frame.evaluate(INJECT)  # the map's frame inherits the policy
    page.wait_for_timeout(1500)
    outside = [u for u in requests if OUTSIDE in u]
    assert outside, "the injected image was not even tried: the check would pass vacuously"
    assert {u: failed.get(u) for u in outside} == dict.fromkeys(outside, "csp")  # blocked by the policy, not sent
    refused = [m for m in console if "Content Security Policy" in m and OUTSIDE in m]
    assert len(refused) >= 4, console  # image and fetch, in the page and in the map's frame
    context.close()


# --- kernels: grace, cap, litter ---------------------------------------------------------------


def test_a_closed_page_frees_its_kernel_within_the_grace(small_server, browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(small_server.url + MEETING, timeout=120_000)
    map_drawn(pg.locator("iframe.kp-map"))
    kernel_id = pg.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    pg.wait_for_timeout((GRACE + 3) * 1000)
    assert _kernel_alive(small_server, kernel_id)  # an open page keeps its kernel beyond the grace
    pg.close()  # no beforeunload: as a crashed tab or a lost network
    closed = time.monotonic()
    while _kernel_alive(small_server, kernel_id) and time.monotonic() - closed < GRACE + SLACK:
        time.sleep(0.5)
    assert not _kernel_alive(small_server, kernel_id), f"kernel alive {time.monotonic() - closed:.0f} s after the tab closed"
    context.close()


def test_a_page_never_opened_frees_its_kernel_within_the_grace(small_server):
    status, page = _get(small_server.url + MEETING)
    assert status == 200
    kernel_id = _kernel_id(page)
    fetched = time.monotonic()
    while _kernel_alive(small_server, kernel_id) and time.monotonic() - fetched < FIRST_VISIT * GRACE + SLACK:
        time.sleep(0.5)
    assert not _kernel_alive(small_server, kernel_id)


def test_a_burst_of_200_views_is_capped_and_memory_bounded(small_server):
    pid = small_server.process.pid
    baseline_rss = _tree_rss(pid)
    peak = {"kernels": 0, "rss": 0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak["kernels"] = max(peak["kernels"], len(_kernels(pid)))
            peak["rss"] = max(peak["rss"], _tree_rss(pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(lambda _: _get(small_server.url + MEETING, timeout=180), range(200)))
    statuses = [status for status, _ in answers]
    busy = next(body for status, body in answers if status == 503)
    deadline = time.monotonic() + FIRST_VISIT * GRACE + SLACK + 30
    while len(_kernels(pid)) > 2 and time.monotonic() < deadline:  # back to the pre-heated two
        time.sleep(1)
    stop.set()
    watcher.join()
    assert set(statuses) == {200, 503} and statuses.count(200) <= 2 * MAX_PAGES
    assert "Příliš mnoho otevřených stránek" in busy and "kpwork" not in busy.lower()
    assert peak["kernels"] <= MAX_PAGES
    assert peak["rss"] - baseline_rss < MAX_PAGES * 400 * 2**20
    assert len(_kernels(pid)) <= 2
    assert _get(small_server.url + "/")[0] == 200  # the server survived
    assert _get(small_server.url + MEETING)[0] == 200  # and serves pages again


def test_the_url_comes_once_the_server_listens_and_the_terminal_stays_quiet_then_a_kill_leaves_litter_the_next_start_removes(run_outputs, tmp_path):
    out, _ = run_outputs
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    log = tmp_path / "serve.log"
    port = free_port()
    command = [str(Path(sys.executable).with_name("kpwork")), "serve", str(REPO / "data" / "otrokovicko"), "--out", str(out), "--port", str(port), "--viewers", "1", "--max-pages", "4"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp)}  # the server's temporary folders go here
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while f"http://127.0.0.1:{port}/" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _get(f"http://127.0.0.1:{port}/", timeout=5)[0] == 200  # at once: printed only once listening
        while "kpwork: ready" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        status, body = _get(f"http://127.0.0.1:{port}{MEETING}")
        assert status == 200, log.read_text()[-5000:] + body[-2000:]
        for refused in ("/voila/files/marker-icon.png", "/files/region.toml", "/voila/render/nope.ipynb", "/voila/static/nope.js"):
            assert _get(f"http://127.0.0.1:{port}{refused}")[0] in (403, 404)
        time.sleep(1)
        lines = log.read_text().splitlines()
        assert len(lines) == 2 and lines[0].startswith("kpwork: stránky výpočtu") and lines[1].startswith("kpwork: připraveno"), lines  # nothing per view
        kernels = _kernels(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # the server only, as an out-of-memory killer would
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    litter = list(tmp.glob(f"{srv.FOLDER_PREFIX}*"))
    assert litter and list(litter[0].glob("voila_*/kernel-*.json")) and (litter[0] / "pages" / "meeting.ipynb").exists()
    gone, alive = psutil.wait_procs(kernels, timeout=20)  # orphaned kernels notice their parent is gone
    for p in alive:
        p.kill()
    assert kernels and not alive
    assert srv.clean_stale_folders(tmp) == litter
    assert list(tmp.iterdir()) == []
