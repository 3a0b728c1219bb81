"""Meeting page benchmark: time to map visible, update after a widget change, 100 loads in a row.

Starts `kpwork serve` on a free port against a run written into a temporary
outputs folder, drives headless Debian Chromium (/usr/bin/chromium) with
Playwright and prints medians; then loads the meeting page 100 times in a row
(each view closed before the next) and prints the kernels alive and the
server's memory (RSS of the server and its kernels) at the start and the end.

    .venv/bin/python benchmarks/meeting_bench.py [--runs 7] [--loads 100] [--cull-idle 5]

Aims (issue): map visible within 3 s, update within 0.5 s, kernels and
memory flat after the loads.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
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


def map_visible(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=120_000)
    page.frame_locator("iframe.kp-map").locator("path.leaflet-interactive").first.wait_for(timeout=120_000)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--loads", type=int, default=100)
    parser.add_argument("--cull-idle", type=int, default=5, help="culling time of the benchmark server (default 5 s; `kpwork serve` uses 600)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kpwork-bench-") as tmp:
        out = Path(tmp) / "outputs"
        results = write_run(out, REPO / "data" / "otrokovicko")
        server = start_server(out, results, Path(tmp) / "serve.log", "--cull-idle", str(args.cull_idle), "--cull-interval", "1")
        url = server.url + "/voila/render/meeting.ipynb"
        pid = server.process.pid
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                visible = []
                for _ in range(args.runs):
                    visible.append(map_visible(browser, url))
                    time.sleep(1.0)  # let the pool refill, as between two people opening the page
                group_times, method_times = updates(browser, url, args.runs)
                print(f"map visible (s): median {statistics.median(visible):.2f}  runs {', '.join(f'{v:.2f}' for v in visible)}")
                print(f"update after target group change (s): median {statistics.median(group_times):.2f}  n={len(group_times)}")
                print(f"update after funding method change (s): median {statistics.median(method_times):.2f}  n={len(method_times)}")
                time.sleep(args.cull_idle + 3)
                k0, (s0, t0) = len(kernels(pid)), memory_mib(pid)
                print(f"before {args.loads} loads: kernels {k0}, server RSS {s0:.0f} MiB, server+kernels {t0:.0f} MiB")
                start = time.perf_counter()
                peak = k0
                loads = []
                for _ in range(args.loads):
                    loads.append(map_visible(browser, url))
                    peak = max(peak, len(kernels(pid)))
                took = time.perf_counter() - start
                k1, (s1, t1) = len(kernels(pid)), memory_mib(pid)
                print(f"{args.loads} loads in {took:.0f} s (median load {statistics.median(loads):.2f} s); peak kernels {peak}")
                print(f"right after: kernels {k1}, server RSS {s1:.0f} MiB, server+kernels {t1:.0f} MiB")
                time.sleep(args.cull_idle + 5)
                k2, (s2, t2) = len(kernels(pid)), memory_mib(pid)
                print(f"after culling ({args.cull_idle} s idle): kernels {k2}, server RSS {s2:.0f} MiB, server+kernels {t2:.0f} MiB")
                browser.close()
        except Exception:
            print((Path(tmp) / "serve.log").read_text(errors="replace")[-6000:])
            raise
        finally:
            stop_server(server.process)


if __name__ == "__main__":
    main()
