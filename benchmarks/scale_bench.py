"""Benchmark: the analysis stage for the whole country, without notebooks.

A synthetic region of 6,258 municipalities (Czechia) and 5,000 services
(``kpwork synth``) is loaded and analysed in a fresh process, which reports
its wall times and its peak resident memory; the results are then written as
a run writes them. The steps of the analysis are timed apart, so a slow one
shows (accessibility is :mod:`kpwork.access`).

Run: ``.venv/bin/python benchmarks/scale_bench.py [--municipalities 6258] [--services 5000]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
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
t0 = time.perf_counter(); region = load_region(region_dir); t["load_region"] = time.perf_counter() - t0
t0 = time.perf_counter(); analysis = analyse_region(region); t["analyse_region"] = time.perf_counter() - t0
rss_analysis = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter(); write_results(analysis.tables, analysis.layers, analysis.meta, out); t["write_results"] = time.perf_counter() - t0
# the steps of analyse_region, once more, timed apart
t0 = time.perf_counter(); n = need.region_need(region); t["  need.region_need"] = time.perf_counter() - t0
t0 = time.perf_counter(); a = access.reachable_capacity(region, n); t["  access.reachable_capacity"] = time.perf_counter() - t0
t0 = time.perf_counter(); g = gaps.find_gaps(n, a.by_group); t["  gaps.find_gaps"] = time.perf_counter() - t0
t0 = time.perf_counter(); gaps.service_load(region.services, region.usage, region.members); t["  gaps.service_load"] = time.perf_counter() - t0
print(json.dumps({"times": t, "rss_analysis_mib": rss_analysis, "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "members": len(region.members), "services": len(region.services), "rows": {k: len(v) for k, v in analysis.tables.items()}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=6258)
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from kpwork.synth import synthesize_region

    with tempfile.TemporaryDirectory(prefix="kpwork-scale-") as tmp:
        region = Path(tmp) / "region"
        t0 = time.perf_counter()
        synthesize_region(args.municipalities, args.seed, region, services=args.services)
        synth = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(region), str(Path(tmp) / "results")], check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    report = json.loads(out.stdout.strip().splitlines()[-1])
    t = report["times"]
    print(f"{report['members']:,} municipalities, {report['services']:,} services (synthetic, seed {args.seed}; written in {synth:.1f} s)")
    print(f"{'step':28}{'wall s':>9}")
    for step, seconds in t.items():
        print(f"{step:28}{seconds:9.2f}")
    analysis = t["load_region"] + t["analyse_region"]
    print(f"{'load + analyse':28}{analysis:9.2f}   aim: under 10 s for the analysis stage")
    print(f"{'process (incl. imports)':28}{wall:9.2f}")
    print(f"peak memory (RSS): {report['rss_analysis_mib']:,.0f} MiB after the analysis, {report['rss_peak_mib']:,.0f} MiB at the end   aim: under 2,048 MiB")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report["rows"].items())))


if __name__ == "__main__":
    main()
