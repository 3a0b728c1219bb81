"""Benchmark: the analysis stage for the whole country, and the pages of regions of 8 to 6,258 members.

A region of 6,258 municipalities (Czechia) and 5,000 services (``kpwork
synth``) is loaded and analysed in a fresh process, which reports its wall
times and its peak resident memory; the results are then written as a run
writes them. The steps of the analysis are timed apart, so a slow one shows
(accessibility is :mod:`kpwork.access`).

By default the municipalities are a grid of squares. With ``--real`` they are
the real ones (ČÚZK boundaries, ČSÚ 2020 ages; ``kpwork synth --real``), so
the benchmark measures real geometry; the grid region of the same size is
then measured in the same run as the baseline, and both are printed side by
side (``--no-baseline`` skips it).

With ``--pages`` it renders pages instead: ``kpwork run --workers 2`` on
the sample (8 members), synthetic grid regions of 50 and 200 members and the
real country (6,258, ``kpwork synth --real``), each with ``--only`` a sample
of members (``--sample``; 0 = every member). Printed per region: size of a
municipality page (HTML + executed notebook), seconds a worker spends on one
(execution + HTML export) and the kernel's own notebook time, the region
page, pages per second once the region page is done, peak memory of the
run's largest process, and the time and disk of a run of every member
extrapolated from the sample (said so when it is). ``--scaling 1,2,4``
renders the same pages of the country with 1, 2 and 4 local workers.

Run: ``.venv/bin/python benchmarks/scale_bench.py [--real [--okres NAME | --kraj NAME]] [--municipalities 6258] [--services 5000]``;
``.venv/bin/python benchmarks/scale_bench.py --pages [--sizes 8,50,200,6258] [--sample 30] [--scaling 1,2,4]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from kpwork import access, gaps, need
from kpwork.analysis import analyse_region
from kpwork.region import load_region
from kpwork.results import write_results

region_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
t = {}
c = {}  # CPU seconds of this process: what the step costs, whatever else loads the machine
t0, c0 = time.perf_counter(), time.process_time(); region = load_region(region_dir); t["load_region"], c["load_region"] = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time(); analysis = analyse_region(region); t["analyse_region"], c["analyse_region"] = time.perf_counter() - t0, time.process_time() - c0
rss_analysis = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter(); write_results(analysis.tables, analysis.layers, analysis.meta, out); t["write_results"] = time.perf_counter() - t0
# the steps of analyse_region, once more, timed apart
t0 = time.perf_counter(); n = need.region_need(region); t["  need.region_need"] = time.perf_counter() - t0
t0 = time.perf_counter(); a = access.reachable_capacity(region, n); t["  access.reachable_capacity"] = time.perf_counter() - t0
t0 = time.perf_counter(); g = gaps.find_gaps(n, a.by_group); t["  gaps.find_gaps"] = time.perf_counter() - t0
t0 = time.perf_counter(); gaps.service_load(region.services, region.usage, region.members); t["  gaps.service_load"] = time.perf_counter() - t0
print(json.dumps({"times": t, "cpu": c, "rss_analysis_mib": rss_analysis, "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "members": len(region.members), "services": len(region.services), "rows": {k: len(v) for k, v in analysis.tables.items()}}))
"""


def measure(region: Path, results: Path) -> dict:
    """Load, analyse and write ``region`` in a fresh process; its report plus the process's wall time."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, str(region), str(results)], check=True, capture_output=True, text=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["wall"] = time.perf_counter() - t0
    return report


REPO = Path(__file__).resolve().parent.parent
KPWORK = Path(sys.executable).parent / "kpwork"


def render(region: Path, out: Path, *, sample: int, workers: int, seed: int = 3) -> dict:
    """``kpwork run`` on ``sample`` members of ``region`` (all when 0) in a fresh process; sizes and times of its pages."""
    import tomllib

    members = tomllib.loads((region / "region.toml").read_text(encoding="utf-8"))["region"]["members"]
    chosen = members if not sample or sample >= len(members) else random.Random(seed).sample(members, sample)
    only = [a for code in chosen for a in ("--only", code)] if len(chosen) < len(members) else []
    t0 = time.perf_counter()
    # GNU time: the largest resident set of the run's processes (driver, workers, kernels) in KiB, as the last line
    done = subprocess.run(["/usr/bin/time", "-f", "%M", KPWORK, "run", str(region), "--out", str(out), "--workers", str(workers), "--no-progress", *only],
                          check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak = int(done.stderr.strip().splitlines()[-1])
    run = next(out.glob("*/latest")).resolve()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    pages = sorted((run / "html").glob("obec_*.html"))
    sizes = [p.stat().st_size + (run / "notebooks" / f"{p.stem}.ipynb").stat().st_size for p in pages]
    kernel = [json.loads((run / "notebooks" / f"{p.stem}.ipynb").read_text(encoding="utf-8"))["metadata"]["papermill"]["duration"] for p in pages]
    region_done = (run / "html" / "region.html").stat().st_mtime
    finished = sorted(p.stat().st_mtime for p in pages if p.stat().st_mtime > region_done)
    rate = (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 2 and finished[-1] > finished[0] else None
    extra = sum(f.stat().st_size for f in run.rglob("*") if f.is_file() and not f.name.startswith("obec_") and f.parent.name != "stranky")
    page_data = sum(f.stat().st_size for f in (run / "results" / "stranky").glob("*"))
    per_page = manifest["execution"]["seconds_per_notebook"]
    return {
        "members": len(members), "pages": len(pages), "sampled": len(chosen) < len(members), "workers": workers, "wall": wall,
        "stage": manifest["timings"]["notebooks"], "analysis": manifest["timings"]["analysis"], "results": manifest["timings"]["results"],
        "page_mb": sum(sizes) / len(sizes) / 1e6, "page_max_mb": max(sizes) / 1e6, "html_mb": max(p.stat().st_size for p in pages) / 1e6,
        "page_s": per_page["municipality.ipynb"], "page_cpu": manifest["execution"]["cpu_seconds_per_notebook"]["municipality.ipynb"], "kernel_s": sum(kernel) / len(kernel), "region_s": per_page["region.ipynb"],
        "region_mb": ((run / "html" / "region.html").stat().st_size + (run / "notebooks" / "region.ipynb").stat().st_size) / 1e6,
        "rate": rate, "peak_mib": peak / 1024, "fixed_mb": extra / 1e6, "page_data_kb": page_data / len(pages) / 1e3,
    }


def _extrapolated(r: dict) -> tuple[float, float]:
    """Seconds and GB of a run of every member: the measured run plus the other pages at the measured rate."""
    rate = r["rate"] or r["workers"] / r["page_s"]
    rest = r["members"] - r["pages"]
    return r["wall"] + rest / rate, (r["fixed_mb"] + r["members"] * (r["page_mb"] + r["page_data_kb"] / 1e3)) / 1e3


def pages_main(args: argparse.Namespace) -> None:
    from kpwork.synth import synthesize_region

    print(f"pages: kpwork run --workers 2, --only {args.sample or 'all'} members drawn with seed 3; {os.cpu_count()} CPUs", flush=True)
    print(f"{'members':>8}{'pages':>6}{'page MB':>9}{'max MB':>8}{'worker s/page':>15}{'CPU s/page':>12}{'kernel s':>10}{'pages/s':>9}"
          f"{'region s':>9}{'region MB':>10}{'peak MiB':>10}{'all pages: h':>14}{'GB':>7}{'load':>6}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kpwork-pages-") as tmp:
        tmp = Path(tmp)
        regions = {}
        for size in (int(s) for s in args.sizes.split(",")):
            if size == 8:
                regions[size] = REPO / "data" / "otrokovicko"
            elif size >= 6258:
                regions[size] = synthesize_region(None, args.seed, tmp / "cz", services=args.services, real=True)
            else:
                regions[size] = synthesize_region(size, args.seed, tmp / f"grid{size}")
            r = _attempt(regions[size], tmp / f"out{size}", sample=args.sample, workers=2)
            if r:
                seconds, gb = _extrapolated(r)
                note = " (extrapolated)" if r["sampled"] else ""
                print(f"{r['members']:8,}{r['pages']:6}{r['page_mb']:9.2f}{r['page_max_mb']:8.2f}{r['page_s']:15.2f}{r['page_cpu']:12.2f}{r['kernel_s']:10.2f}"
                      f"{_rate(r)}{r['region_s']:9.1f}{r['region_mb']:10.1f}{r['peak_mib']:10,.0f}{seconds / 3600:14.2f}{gb:7.1f}{os.getloadavg()[0]:6.1f}{note}", flush=True)
        print("CPU s/page: the worker's and its kernel's CPU time for one page (execution + HTML), whatever else loads the machine; "
              "kernel s: papermill's wall time of the notebook; load: 1-minute load average after the run", flush=True)
        print("aims: a page <= 1 MB and <= 0.6 s of notebook work; every page of the country in <= 1 h on 2 workers, <= 10 GB, < 2 GiB per process", flush=True)
        workers = [int(w) for w in args.scaling.split(",") if w]
        if workers:
            big = regions[max(regions)]
            print(f"scaling on the {max(regions):,}-member region, the same {args.sample} pages:")
            print(f"{'workers':>8}{'stage s':>9}{'pages/s':>9}{'worker s/page':>15}{'CPU s/page':>12}{'all pages: h':>14}{'load':>6}", flush=True)
            for n in workers:
                r = _attempt(big, tmp / f"scale{n}", sample=args.sample, workers=n)
                if r:
                    seconds, _ = _extrapolated(r)
                    print(f"{n:8}{r['stage']:9.1f}{_rate(r)}{r['page_s']:15.2f}{r['page_cpu']:12.2f}{seconds / 3600:14.2f}{os.getloadavg()[0]:6.1f}", flush=True)


def _attempt(region: Path, out: Path, **kwargs) -> dict | None:
    """:func:`render`, or None with the run's last lines of stderr printed when it failed."""
    try:
        return render(region, out, **kwargs)
    except subprocess.CalledProcessError as exc:
        print(f"{region.name}: kpwork run failed (exit {exc.returncode}):\n" + "\n".join((exc.stderr or "").strip().splitlines()[-15:]), flush=True)
        return None


def _rate(r: dict) -> str:
    return f"{r['rate']:9.2f}" if r["rate"] else f"{'-':>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=None, help="grid: 6258 by default; --real: all of the country (or okres/kraj) by default")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real", action="store_true", help="real municipalities (boundaries and 2020 populations) instead of a grid")
    parser.add_argument("--okres", default=None, help="with --real: one district")
    parser.add_argument("--kraj", default=None, help="with --real: one region")
    parser.add_argument("--no-baseline", action="store_true", help="with --real: do not measure the grid region of the same size")
    parser.add_argument("--pages", action="store_true", help="render pages (kpwork run) instead of the analysis stage alone")
    parser.add_argument("--sizes", default="8,50,200,6258", help="with --pages: members of the regions (8: the sample; 6258: the real country)")
    parser.add_argument("--sample", type=int, default=30, help="with --pages: members rendered per region (0: all)")
    parser.add_argument("--scaling", default="1,2,4", help="with --pages: local workers to render the largest region's sample with ('' to skip)")
    args = parser.parse_args()
    if args.pages:
        pages_main(args)
        return
    from kpwork.synth import synthesize_region

    columns: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kpwork-scale-") as tmp:
        regions: list[tuple[str, Path, float]] = []
        if args.real:
            t0 = time.perf_counter()
            real = synthesize_region(args.municipalities, args.seed, Path(tmp) / "real", services=args.services, real=True, okres=args.okres, kraj=args.kraj)
            regions.append(("real", real, time.perf_counter() - t0))
        if not args.real or not args.no_baseline:
            n = args.municipalities or (_members(regions[0][1]) if regions else 6258)
            t0 = time.perf_counter()
            grid = synthesize_region(n, args.seed, Path(tmp) / "grid", services=args.services)
            regions.append(("grid", grid, time.perf_counter() - t0))
        for name, folder, seconds in regions:
            columns[name] = measure(folder, Path(tmp) / f"results-{name}")
            columns[name]["synth"] = seconds
    for name, report in columns.items():
        geometry = "real boundaries (ČÚZK) and 2020 populations (ČSÚ)" if name == "real" else "grid of squares"
        print(f"{name}: {report['members']:,} municipalities, {report['services']:,} services, {geometry}; seed {args.seed}; written in {report['synth']:.1f} s")
    names = list(columns)
    print(f"{'step':28}" + "".join(f"{n + ' s':>12}" for n in names))
    for step in columns[names[0]]["times"]:
        print(f"{step:28}" + "".join(f"{columns[n]['times'][step]:12.2f}" for n in names))
    both = {n: columns[n]["times"]["load_region"] + columns[n]["times"]["analyse_region"] for n in names}
    print(f"{'load + analyse':28}" + "".join(f"{both[n]:12.2f}" for n in names) + "   aim: under 10 s for the analysis stage")
    cpu = {n: columns[n]["cpu"]["load_region"] + columns[n]["cpu"]["analyse_region"] for n in names}
    print(f"{'load + analyse, CPU s':28}" + "".join(f"{cpu[n]:12.2f}" for n in names) + "   (this process's CPU time: less sensitive to other load)")
    print(f"{'process (incl. imports)':28}" + "".join(f"{columns[n]['wall']:12.2f}" for n in names))
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'peak RSS after analysis MiB':28}" + "".join(f"{columns[n]['rss_analysis_mib']:12,.0f}" for n in names))
    print(f"{'peak RSS at the end MiB':28}" + "".join(f"{columns[n]['rss_peak_mib']:12,.0f}" for n in names) + "   aim: under 2,048 MiB")
    if len(names) == 2:
        print(f"real / grid, load + analyse: {both['real'] / both['grid']:.2f}x wall, {cpu['real'] / cpu['grid']:.2f}x CPU")
    for n in names:
        print(f"rows ({n}): " + ", ".join(f"{k} {v:,}" for k, v in sorted(columns[n]["rows"].items())))


def _members(region: Path) -> int:
    import tomllib

    return len(tomllib.loads((region / "region.toml").read_text(encoding="utf-8"))["region"]["members"])


if __name__ == "__main__":
    main()
