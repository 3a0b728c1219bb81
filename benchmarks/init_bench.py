"""Benchmark: ``kpwork init`` for a whole kraj against reading the raw boundaries.

Each measurement runs in a fresh process (as a coordinator's command does), so
imports and the first read of the packaged data count. The baseline is what
any tool must do at least: read the country's boundaries from the packaged
GeoPackage with ``geopandas.read_file`` and reproject them to EPSG:5514. kpwork
is timed step by step: loading the country (:func:`kpwork.reference.national_municipalities`),
selecting the members (:func:`kpwork.reference.select_members`), writing the
region (:func:`kpwork.create.create_region`) and checking it (``load_region``);
then the whole ``kpwork init`` command. Medians of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/init_bench.py [--kraj "Středočeský kraj"] [--repeat 5]``.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = r"""
import json, sys, time
t0 = time.perf_counter()
import geopandas as gpd
import pyogrio  # geopandas imports its reader on the first read; count it with the imports
from importlib import resources
from pyproj import Transformer
Transformer.from_crs("EPSG:4326", "EPSG:5514")  # PROJ's start, which importing kpwork.region also does
t1 = time.perf_counter()
with resources.as_file(resources.files("kpwork.data") / "reference" / "cz_obce.gpkg") as path:
    frame = gpd.read_file(path, layer="obce").to_crs("EPSG:5514")
t2 = time.perf_counter()
print(json.dumps({"import geopandas, pyogrio, PROJ": t1 - t0, "read gpkg + to_crs": t2 - t1, "rows": len(frame)}))
"""

KPWORK = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t = {}
t0 = time.perf_counter()
from kpwork.create import create_region
from kpwork.reference import national_municipalities, select_members
from kpwork.region import load_region
import pyogrio
t["import kpwork, pyogrio, PROJ"] = time.perf_counter() - t0
t0 = time.perf_counter(); national_municipalities(); t["load the country"] = time.perf_counter() - t0
t0 = time.perf_counter(); members = select_members(kraj=sys.argv[1]); t["select the kraj"] = time.perf_counter() - t0
t0 = time.perf_counter(); select_members(obce="Otrokovice, Napajedla, Belov"); t["select 3 by name"] = time.perf_counter() - t0
t0 = time.perf_counter(); create_region(sys.argv[2], members["kod_obce"]); t["create_region"] = time.perf_counter() - t0
t0 = time.perf_counter(); region = load_region(sys.argv[2]); t["load_region (validate)"] = time.perf_counter() - t0
print(json.dumps({"times": t, "members": len(members)}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cli(kraj: str, folder: Path) -> float:
    t0 = time.perf_counter()
    command = "from kpwork.cli import main; main()"
    subprocess.run([sys.executable, "-c", command, "init", str(folder), "--kraj", kraj], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kraj", default="Středočeský kraj", help="The kraj to initialise (default: the largest, 1,144 municipalities).")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    baseline: dict[str, list[float]] = {}
    steps: dict[str, list[float]] = {}
    cli: list[float] = []
    members = 0
    with tempfile.TemporaryDirectory(prefix="kpwork-init-") as tmp:
        for k in range(args.repeat):
            for step, seconds in _child(BASELINE).items():
                if step != "rows":
                    baseline.setdefault(step, []).append(seconds)
            report = _child(KPWORK, args.kraj, str(Path(tmp) / f"api-{k}"))
            members = report["members"]
            for step, seconds in report["times"].items():
                steps.setdefault(step, []).append(seconds)
            cli.append(_cli(args.kraj, Path(tmp) / f"cli-{k}"))
        size = sum(p.stat().st_size for p in (Path(tmp) / "cli-0").iterdir())
    med = {k: statistics.median(v) for k, v in {**baseline, **steps}.items()}
    print(f"kpwork init for {args.kraj}: {members:,} municipalities, {size / 1e6:.1f} MB written; median of {args.repeat} fresh processes")
    print(f"{'step':32}{'s':>9}")
    for step in (*baseline, *steps):
        print(f"{step:32}{med[step]:9.3f}")
    print(f"{'kpwork init (whole command)':32}{statistics.median(cli):9.3f}")
    base = med["read gpkg + to_crs"]
    init = med["load the country"] + med["select the kraj"] + med["create_region"]
    print(f"baseline (read gpkg + to_crs): {base:.3f} s; kpwork load + select + write: {init:.3f} s; ratio {init / base:.1f}x")
    print(f"loading the country: {med['load the country'] / base:.2f}x the baseline (aim: under 1-2 s); selecting: {med['select the kraj'] * 1000:.0f} ms (aim: instant)")


if __name__ == "__main__":
    main()
