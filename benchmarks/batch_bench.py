"""Benchmark: a plain papermill loop against ``kpwork run --workers 2`` on 50 municipalities.

A synthetic 50-municipality region (``kpwork synth``) is run once with
``kpwork run --workers 2``; then the same notebooks (the region overview and
one page per municipality, with the same parameters, against the results of
that run) are executed by a plain loop that calls the ``papermill`` command
once per notebook, one after the other, on the same machine.

Printed: both wall times, per-notebook costs and the ratios, for the notebook
stage (kpwork's includes starting the Dask cluster and the kernels, and the
HTML export, which the papermill loop does not do) and for the whole command.
Then a check that the notebooks are the same, ignoring timing metadata, the
id of the injected cell, kernel pids and the random ids folium gives map
elements (any two papermill runs differ in those).

Run: ``.venv/bin/python benchmarks/batch_bench.py [--municipalities 50] [--papermill-sample N]``.
``--papermill-sample N`` runs only N papermill notebooks and extrapolates.
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _normalised(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"[0-9a-f]{32}", "ID", text)  # folium element ids (uuid4 hex)
    text = re.sub(r"at 0x[0-9a-f]+", "at 0xADDR", text)
    text = re.sub(r"ipykernel_\d+", "ipykernel_PID", text)
    nb = json.loads(text)
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        nb["metadata"]["papermill"].pop(key, None)
    for cell in nb["cells"]:
        for key in ("start_time", "end_time", "duration"):
            cell["metadata"].get("papermill", {}).pop(key, None)
        cell["metadata"].pop("execution", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["id"] = "injected"
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--papermill-sample", type=int, default=None, help="run only this many papermill notebooks and extrapolate")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kpwork-batch-") as tmp:
        tmp = Path(tmp)
        region = tmp / "region"
        subprocess.run([BIN / "kpwork", "synth", "--municipalities", str(args.municipalities), "--seed", str(args.seed), str(region)], check=True, capture_output=True)

        load = [os.getloadavg()[0]]
        t0 = time.perf_counter()
        subprocess.run([BIN / "kpwork", "run", str(region), "--out", str(tmp / "out"), "--workers", str(args.workers), "--no-progress"], check=True, capture_output=True)
        kp_total = time.perf_counter() - t0
        load.append(os.getloadavg()[0])
        run_dir = next((tmp / "out").glob("*/latest")).resolve()
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        kp_notebooks = manifest["timings"]["notebooks"]
        jobs = sorted(p.stem for p in (run_dir / "notebooks").glob("*.ipynb"))
        n = len(jobs)

        loop = jobs if args.papermill_sample is None else ["region", *[j for j in jobs if j != "region"][: args.papermill_sample - 1]]
        pm_dir = tmp / "papermill" / "notebooks"
        pm_dir.mkdir(parents=True)
        (tmp / "papermill" / "results").symlink_to(run_dir / "results")
        t0 = time.perf_counter()
        for name in loop:
            template = REPO / "notebooks" / ("region.ipynb" if name == "region" else "municipality.ipynb")
            # -r: raw strings, as the run passes them (-p would read kod_obce as a number)
            params = ["-r", "results_dir", "../results", "-r", "lang", "cs"]
            if name != "region":
                params += ["-r", "kod_obce", name.removeprefix("obec_")]
            command = [BIN / "papermill", str(template), str(pm_dir / f"{name}.ipynb"), *params, "-k", "kpwork", "--cwd", str(pm_dir), "--no-progress-bar", "--no-request-save-on-cell-execute"]
            subprocess.run(command, check=True, capture_output=True)
        pm_loop = time.perf_counter() - t0
        load.append(os.getloadavg()[0])
        pm_per = pm_loop / len(loop)
        pm_total = pm_per * n

        same = [name for name in loop if _normalised(pm_dir / f"{name}.ipynb") == _normalised(run_dir / "notebooks" / f"{name}.ipynb")]

    print(f"notebooks: {n} (region overview + {n - 1} municipalities), {args.workers} workers, same machine")
    print(f"{'':44}{'wall s':>9}{'s / notebook':>14}")
    extrapolated = "" if len(loop) == n else f"  (extrapolated from {len(loop)})"
    print(f"{'papermill command, one per notebook':44}{pm_total:9.1f}{pm_per:14.2f}{extrapolated}")
    print(f"{'kpwork run --workers 2: notebook stage':44}{kp_notebooks:9.1f}{kp_notebooks / n:14.2f}")
    print(f"{'kpwork run --workers 2: whole command':44}{kp_total:9.1f}{kp_total / n:14.2f}")
    print(f"ratio, notebook stage: {pm_total / kp_notebooks:.1f}x   whole command: {pm_total / kp_total:.1f}x")
    print(f"1-minute load average before kpwork, after kpwork, after papermill: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} ({os.cpu_count()} CPUs)")
    print(f"identical notebooks (timings, random ids and pids aside): {len(same)} of {len(loop)}")


if __name__ == "__main__":
    main()
