"""Benchmark: the analysis stage for the whole country, without notebooks.

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

Run: ``.venv/bin/python benchmarks/scale_bench.py [--real [--okres NAME | --kraj NAME]] [--municipalities 6258] [--services 5000]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=None, help="grid: 6258 by default; --real: all of the country (or okres/kraj) by default")
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real", action="store_true", help="real municipalities (boundaries and 2020 populations) instead of a grid")
    parser.add_argument("--okres", default=None, help="with --real: one district")
    parser.add_argument("--kraj", default=None, help="with --real: one region")
    parser.add_argument("--no-baseline", action="store_true", help="with --real: do not measure the grid region of the same size")
    args = parser.parse_args()
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
