"""Meeting page benchmark: a meeting of 1, 10 and 30 opening the page at once; one viewer's map and updates.

Starts `kpwork serve` on a free port (default settings unless ``--viewers`` /
``--serve-args`` say otherwise) against a run written into a temporary
outputs folder and drives headless Debian Chromium (/usr/bin/chromium) with
Playwright:

1. **a meeting**: for each audience size (``--audiences 1,10,30``) that many
   browser contexts open the meeting page at once (or spread over
   ``--spread`` seconds); prints each one's time to a drawn map (median,
   90th percentile, max, how many got "too many pages") and the kernels and
   memory (RSS of the server and its kernels) every second; then closes them
   and waits until the kernels are back to the pre-heated ones;
2. **one viewer**: time to map (median of ``--runs``) and the update after a
   target-group and a funding-method change.

    .venv/bin/python benchmarks/meeting_bench.py [--audiences 1,10,30] [--viewers 30] [--runs 7] [--region DIR] [--spread 60] [--viewers-as browsers|protocol]

``--viewers-as protocol`` measures the server's side of a meeting alone, as
when every person brings a device: one real browser opens the page once and
its requests are recorded; then each viewer of an audience fetches those
files (six at a time, gzip, as a browser does), opens the page kernel's
websocket and asks for the widgets' state over ipywidgets' control channel,
as the page's widget manager does; it is done when the state holds the map's
frame. What a device then needs to draw is the one-viewer figure (measured
with a real browser, alone, at the end). The viewers are a few coroutines in
this process: the server has the two cores to itself.

``--region`` serves another region (e.g. ``kpwork synth --municipalities 200``)
for the updates of a bigger map; ``--audiences 0`` skips the meeting.

Aims (issues 14, 20): thirty within a minute each see the map within 10 s;
one viewer's map within 3 s, updates within 0.5 s; a closed tab's kernel
freed within seconds; memory bounded by the cap. The browsers run on the
same 2 cores as the server: a real meeting has a device per person.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    start_server,
    stop_server,
    write_run,
)


def kernels(pid: int) -> list[psutil.Process]:
    out = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS of the server alone and of the server with all its children, MiB."""
    server = psutil.Process(pid)
    total = server.memory_info().rss
    for child in server.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return server.memory_info().rss / 2**20, total / 2**20


def map_visible(browser, url: str) -> tuple[float, list[tuple[str, int]]]:
    """Seconds to a drawn map, and the view's requests once the network is idle: URL and body bytes as sent."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    start = time.perf_counter()
    page.goto(url, timeout=120_000)
    page.frame_locator("iframe.kp-map").locator("path.leaflet-interactive").first.wait_for(timeout=120_000)
    elapsed = time.perf_counter() - start
    page.wait_for_load_state("networkidle")
    requests = [(r.url, r.sizes()["responseBodySize"]) for r in finished]
    context.close()
    return elapsed, requests


def updates(browser, url: str, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from a widget change to the new table: target group (map + table), funding method."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(url, timeout=120_000)
    page.locator("table.kp-contrib").wait_for(timeout=120_000)
    group = page.locator(".widget-dropdown", has=page.locator("label", has_text="Cílová skupina")).locator("select")
    method = page.locator(".widget-dropdown", has=page.locator("label", has_text="Metoda")).locator("select")
    group_values = group.locator("option").evaluate_all("os => os.map(o => o.textContent)")
    method_values = method.locator("option").evaluate_all("os => os.map(o => o.textContent)")
    group_times, method_times = [], []
    for i in range(runs):
        for select, values, table, times in ((group, group_values, "table.kp-gaps", group_times), (method, method_values, "table.kp-contrib", method_times)):
            before = page.locator(table).inner_text()
            choice = values[(i + 1) % len(values)]
            start = time.perf_counter()
            select.select_option(label=choice)
            try:
                page.wait_for_function("([s, t]) => document.querySelector(s).innerText !== t", arg=[table, before], timeout=10_000)
            except Exception:  # the same table for two choices: not an update to time
                continue
            times.append(time.perf_counter() - start)
    context.close()
    return group_times, method_times


def _cpu_seconds(processes) -> dict[int, float]:
    out = {}
    for proc in processes:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


class Sampler:
    """Kernels and memory of the server's process tree every second, in a thread; CPU of the server and of the browsers.

    CPU seconds are summed over every process seen (its last reading), from the
    sampler's start: the server with its kernels, and everything else this
    benchmark started (Playwright and Chromium), so a report says who used
    the two cores.
    """

    def __init__(self, pid: int):
        self.pid, self.rows, self._stop = pid, [], threading.Event()
        self._start = time.perf_counter()
        self._base = {**self._readings()[0], **self._readings()[1]}
        self.server_cpu: dict[int, float] = {}
        self.browser_cpu: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _readings(self) -> tuple[dict[int, float], dict[int, float]]:
        server = psutil.Process(self.pid)
        tree = [server, *server.children(recursive=True)]
        ours = {p.pid for p in tree}
        others = [p for p in psutil.Process().children(recursive=True) if p.pid not in ours]
        return _cpu_seconds(tree), _cpu_seconds(others)

    def cpu(self) -> tuple[float, float]:
        """CPU seconds of the server with its kernels, and of the browsers, since the start."""
        def used(readings: dict[int, float]) -> float:
            return sum(v - self._base.get(pid, 0.0) for pid, v in readings.items())
        return used(self.server_cpu), used(self.browser_cpu)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.rows.append((time.perf_counter() - self._start, len(kernels(self.pid)), memory_mib(self.pid)[1]))
                server, browsers = self._readings()
                self.server_cpu.update(server)
                self.browser_cpu.update(browsers)
            except psutil.Error:
                pass
            self._stop.wait(1.0)

    def stop(self) -> list[tuple[float, int, float]]:
        self._stop.set()
        self._thread.join()
        return self.rows


async def _open_one(browser, url: str, delay: float):
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    start = time.perf_counter()
    response = await page.goto(url, timeout=300_000)
    if response is not None and response.status == 503:
        return "busy"
    loaded = time.perf_counter() - start
    await page.frame_locator("iframe.kp-map").locator("path.leaflet-interactive").first.wait_for(timeout=300_000)
    elapsed = time.perf_counter() - start
    kernel_id = await page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return elapsed, kernel_id, loaded


async def meeting(url: str, audience: int, spread: float):
    """Open the page in ``audience`` contexts at once (or spread); returns times (s or "busy") and the contexts."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        delays = [spread * i / max(1, audience - 1) for i in range(audience)] if spread else [0.0] * audience
        results = await asyncio.gather(*(_open_one(browser, url, d) for d in delays), return_exceptions=True)
        times, kernel_ids, loads = [], [], []
        for r in results:
            if isinstance(r, tuple):
                times.append(r[0])
                kernel_ids.append(r[1])
                loads.append(r[2])
            else:
                times.append("busy" if r == "busy" else f"error: {r!s:.80}")
        await asyncio.sleep(2)
        await browser.close()  # every tab closes at once, without saying goodbye
        if loads:
            print("  in the order opened, page loaded / map drawn (s): " + "  ".join(f"{a:.1f}/{t:.1f}" for a, t in zip(loads, [t for t in times if isinstance(t, float)], strict=True)))
        return times, kernel_ids


def front_end_requests(browser, url: str) -> list[str]:
    """The paths one real browser asks the server for while it opens the page (the page itself first)."""
    origin = url.split("/voila/")[0]
    paths = [u[len(origin):] for u, _ in map_visible(browser, url)[1] if u.startswith(origin) and "/api/kernels/" not in u]
    return list(dict.fromkeys(paths))


async def _virtual_viewer(origin: str, paths: list[str], delay: float, hold: asyncio.Event, arrived: list, parallel: int = 6):
    """One viewer as the server sees it: the page, the front end's files, the kernel's websocket, the widgets' state.

    Fetches what a real browser fetched (``paths``, six at a time with gzip, as a
    browser does), connects to the page's kernel and asks for the widgets' state
    over ipywidgets' control channel, as the page's widget manager does; done
    when the state holds the drawn map's frame. Keeps the websocket open (an
    open tab) until ``hold`` is set. Returns (seconds, kernel id) or an error text.
    """
    import json
    import re
    import uuid

    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    await asyncio.sleep(delay)
    client = AsyncHTTPClient()
    start = time.perf_counter()

    def fetch(path: str):
        return client.fetch(origin + path, raise_error=False, request_timeout=300, headers={"Accept-Encoding": "gzip"})

    page = await fetch(paths[0])
    if page.code == 503:
        return "busy", None
    config = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.body, re.S)
    kernel_id = json.loads(config.group(1))["kernelId"]
    queue = list(paths[1:])

    async def fetcher():
        while queue:
            await fetch(queue.pop(0))

    await asyncio.gather(*(fetcher() for _ in range(parallel)))
    ws_origin = origin.replace("http://", "ws://")
    session = uuid.uuid4().hex
    socket = await websocket_connect(HTTPRequest(f"{ws_origin}/api/kernels/{kernel_id}/channels?session_id={session}", request_timeout=300))

    def message(msg_type: str, content: dict, metadata: dict | None = None) -> str:
        header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "", "version": "5.3", "date": ""}
        return json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": "shell", "buffers": []})

    comm_id = uuid.uuid4().hex
    await socket.write_message(message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}}, {"version": "1.0.0"}))
    await socket.write_message(message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}))
    while True:
        reply = await asyncio.wait_for(socket.read_message(), timeout=300)
        if reply is None:
            return "websocket closed", kernel_id
        text = reply if isinstance(reply, str) else reply.decode("utf-8", "replace")
        if '"update_states"' in text and "kp-map" in text:
            break
    elapsed = time.perf_counter() - start
    arrived.append(elapsed)
    await hold.wait()
    socket.close()
    return elapsed, kernel_id


async def virtual_meeting(origin: str, paths: list[str], audience: int, spread: float):
    """``audience`` virtual viewers at once (or spread); returns times (s, "busy" or an error) and their kernels."""
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=10 * audience)
    hold, arrived = asyncio.Event(), []
    delays = [spread * i / max(1, audience - 1) for i in range(audience)] if spread else [0.0] * audience
    tasks = [asyncio.ensure_future(_virtual_viewer(origin, paths, d, hold, arrived)) for d in delays]
    while len(arrived) + sum(t.done() for t in tasks) < audience:  # every viewer has its map or failed
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    hold.set()  # then every tab closes at once
    results = await asyncio.gather(*tasks, return_exceptions=True)
    times, kernel_ids = [], []
    for r in results:
        if isinstance(r, tuple):
            times.append(r[0])
            if r[1]:
                kernel_ids.append(r[1])
        else:
            times.append(f"error: {r!s:.80}")
    return times, kernel_ids


def freed_after(server_url: str, kernel_ids: list[str], timeout: float = 180) -> float:
    """Seconds until every view's kernel is shut (its REST model answers 404)."""
    import urllib.error
    import urllib.request

    start = time.perf_counter()
    alive = set(kernel_ids)
    while alive and time.perf_counter() - start < timeout:
        for kernel_id in list(alive):
            try:
                urllib.request.urlopen(f"{server_url}/api/kernels/{kernel_id}", timeout=10).close()
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    alive.discard(kernel_id)
        time.sleep(0.5)
    return time.perf_counter() - start if not alive else float("inf")


def _quantile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def report_meeting(audience: int, times: list, rows: list, settle: float, cpu: tuple[float, float] = (0.0, 0.0), what: str = "map shown to") -> None:
    ok = [t for t in times if isinstance(t, float)]
    busy = sum(t == "busy" for t in times)
    errors = [t for t in times if isinstance(t, str) and t != "busy"]
    line = f"audience {audience:>2}: {what} {len(ok)}/{audience}"
    if ok:
        line += f"; time to map median {statistics.median(ok):.1f} s, p90 {_quantile(ok, 0.9):.1f} s, max {max(ok):.1f} s; within 10 s: {sum(t <= 10 for t in ok)}"
    print(line + (f"; too many pages: {busy}" if busy else "") + (f"; errors: {errors[:2]}" if errors else ""))
    print(f"  every view's kernel shut {settle:.0f} s after the tabs closed")
    wall = rows[-1][0] if rows else 0.0
    print(f"  CPU over {wall:.0f} s (2 cores: {2 * wall:.0f} CPU-s): server and kernels {cpu[0]:.0f} s, browsers {cpu[1]:.0f} s")
    peak = max(rows, key=lambda r: r[2]) if rows else (0, 0, 0)
    print(f"  peak server+kernels {peak[2]:.0f} MiB ({peak[1]} kernels) at {peak[0]:.0f} s")
    series = rows[:: max(1, len(rows) // 25)]
    print("  t/s kernels MiB: " + "  ".join(f"{t:.0f}/{k}/{m:.0f}" for t, k, m in series))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audiences", default="1,10,30", help="audience sizes, comma separated")
    parser.add_argument("--spread", type=float, default=0.0, help="open an audience's pages over this many seconds (0: all at once)")
    parser.add_argument("--viewers", type=int, default=None, help="kpwork serve --viewers (default: its default)")
    parser.add_argument("--serve-args", default="", help="more options of kpwork serve")
    parser.add_argument("--runs", type=int, default=7, help="one viewer's map and updates: runs")
    parser.add_argument("--region", type=Path, default=REPO / "data" / "otrokovicko", help="the region served (default: the sample)")
    parser.add_argument(
        "--viewers-as", choices=("browsers", "protocol"), default="browsers",
        help="browsers: headless Chromium tabs on this machine; protocol: the server's side of each view alone "
             "(the files a browser fetched, the kernel's websocket, the widgets' state with the map), as from separate devices",
    )
    args = parser.parse_args()
    extra = [*(["--viewers", str(args.viewers)] if args.viewers else []), *args.serve_args.split()]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kpwork-bench-") as tmp:
        out = Path(tmp) / "outputs"
        results = write_run(out, args.region)
        started = time.perf_counter()
        server = start_server(out, results, Path(tmp) / "serve.log", *extra, timeout=600, region=args.region)
        url = server.url + "/voila/render/meeting.ipynb"
        pid = server.process.pid
        try:
            pre_heated = len(kernels(pid))
            print(f"kpwork serve {' '.join(extra) or '(defaults)'}: ready in {time.perf_counter() - started:.0f} s with {pre_heated} kernels, server+kernels {memory_mib(pid)[1]:.0f} MiB")
            paths: list[str] = []
            if args.viewers_as == "protocol":
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                    paths = front_end_requests(browser, url)
                    browser.close()
                refill(pid, pre_heated, time.perf_counter())
                print(f"viewers as the server sees them: each fetches the {len(paths)} paths one browser fetched, opens the kernel's websocket and asks for the widgets' state")
            for audience in (int(a) for a in args.audiences.split(",") if int(a) > 0):
                sampler = Sampler(pid)
                if args.viewers_as == "protocol":
                    clients = time.process_time()
                    times, kernel_ids = asyncio.run(virtual_meeting(server.url, paths, audience, args.spread))
                    print(f"  the virtual viewers' own CPU (this process): {time.process_time() - clients:.1f} s")
                else:
                    times, kernel_ids = asyncio.run(meeting(url, audience, args.spread))
                closed = time.perf_counter()
                settle = freed_after(server.url, kernel_ids)
                time.sleep(3)
                rows = sampler.stop()
                report_meeting(audience, times, rows, settle, sampler.cpu(), "everything the map needs delivered to" if args.viewers_as == "protocol" else "map shown to")
                refill(pid, pre_heated, closed)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                visible, transfer = [], []
                for _ in range(args.runs):
                    seconds, requests = map_visible(browser, url)
                    visible.append(seconds)
                    transfer.append((len(requests), sum(sent for _, sent in requests)))
                    time.sleep(1.0)  # let the pool refill, as between two people opening the page
                group_times, method_times = updates(browser, url, args.runs)
                print(f"one viewer: map visible (s): median {statistics.median(visible):.2f}  runs {', '.join(f'{v:.2f}' for v in visible)}")
                print(f"one viewer: {transfer[-1][0]} requests, {transfer[-1][1] / 1e6:.2f} MB over the network (response bodies as sent)")
                print(f"update after target group change (s): median {statistics.median(group_times):.2f}  n={len(group_times)}")
                print(f"update after funding method change (s): median {statistics.median(method_times):.2f}  n={len(method_times)}")
                browser.close()
        except Exception:
            print((Path(tmp) / "serve.log").read_text(errors="replace")[-6000:])
            raise
        finally:
            stop_server(server.process)


def refill(pid: int, pre_heated: int, since: float, timeout: float = 180) -> None:
    """Wait until the pool has its pre-heated kernels again and they have rendered their pages (the server tree idle)."""
    while time.perf_counter() - since < timeout and len(kernels(pid)) < pre_heated:
        time.sleep(0.5)
    server = psutil.Process(pid)
    while time.perf_counter() - since < timeout:
        tree = [server, *server.children(recursive=True)]
        before = sum(_cpu_seconds(tree).values())
        time.sleep(2.0)
        if sum(_cpu_seconds(tree).values()) - before < 0.4:  # under a fifth of a core: the pages are rendered
            break
    time.sleep(2)


if __name__ == "__main__":
    main()
