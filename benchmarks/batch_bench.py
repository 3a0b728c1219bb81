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

Both are measured twice in the same invocation: as the machine is, and
busy, with ``--busy N`` CPU-bound processes (a Python busy loop each, two
by default: one per core of the reference machine) running beside them the
whole time; the ratio is printed for each.

Run: ``.venv/bin/python benchmarks/batch_bench.py [--municipalities 50] [--papermill-sample N] [--busy 2]``.
``--papermill-sample N`` runs only N papermill notebooks and extrapolates; ``--busy 0`` skips the busy round.
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


BUSY_LOOP = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end:\n    sum(i * i for i in range(10000))"


def measure(tmp: Path, region: Path, args: argparse.Namespace) -> dict:
    """``kpwork run`` on ``region``, then the papermill loop over the same notebooks; wall times and loads."""
    out = tmp / "out"
    load = [os.getloadavg()[0]]
    t0 = time.perf_counter()
    done = subprocess.run([BIN / "kpwork", "run", str(region), "--out", str(out), "--workers", str(args.workers), "--no-progress"], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"kpwork run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    kp_total = time.perf_counter() - t0
    load.append(os.getloadavg()[0])
    run_dir = next(out.glob("*/latest")).resolve()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    jobs = sorted(p.stem for p in (run_dir / "notebooks").glob("*.ipynb") if p.stem == "region" or p.stem.startswith("obec_"))
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
    same = [name for name in loop if _normalised(pm_dir / f"{name}.ipynb") == _normalised(run_dir / "notebooks" / f"{name}.ipynb")]
    return {"n": len(jobs), "loop": len(loop), "pm_per": pm_loop / len(loop), "kp_total": kp_total, "kp_notebooks": manifest["timings"]["notebooks"],
            "load": load, "same": len(same), "cpu": manifest["execution"].get("cpu_seconds_per_notebook", {})}


def report(name: str, r: dict, workers: int) -> None:
    n, pm_total = r["n"], r["pm_per"] * r["n"]
    print(f"{name}: notebooks: {n} (region overview + {n - 1} municipalities), {workers} workers, same machine")
    print(f"{'':44}{'wall s':>9}{'s / notebook':>14}")
    extrapolated = "" if r["loop"] == n else f"  (extrapolated from {r['loop']})"
    print(f"{'papermill command, one per notebook':44}{pm_total:9.1f}{r['pm_per']:14.2f}{extrapolated}")
    print(f"{f'kpwork run --workers {workers}: notebook stage':44}{r['kp_notebooks']:9.1f}{r['kp_notebooks'] / n:14.2f}")
    print(f"{f'kpwork run --workers {workers}: whole command':44}{r['kp_total']:9.1f}{r['kp_total'] / n:14.2f}")
    print(f"ratio, notebook stage: {pm_total / r['kp_notebooks']:.1f}x   whole command: {pm_total / r['kp_total']:.1f}x   (aim: 10x)")
    print(f"1-minute load average before kpwork, after kpwork, after papermill: {', '.join(f'{x:.1f}' for x in r['load'])} ({os.cpu_count()} CPUs)")
    print(f"identical notebooks (timings, random ids and pids aside): {r['same']} of {r['loop']}")
    cpu = ", ".join(f"{name} {seconds:.2f}" for name, seconds in sorted(r["cpu"].items()))
    print(f"kpwork run: CPU s per notebook of a worker and its kernel (export included), comparable under any load: {cpu}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--papermill-sample", type=int, default=None, help="run only this many papermill notebooks and extrapolate")
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes beside the busy round (0: no busy round)")
    args = parser.parse_args()

    rounds = {}
    with tempfile.TemporaryDirectory(prefix="kpwork-batch-") as tmp:
        tmp = Path(tmp)
        region = tmp / "region"
        subprocess.run([BIN / "kpwork", "synth", "--municipalities", str(args.municipalities), "--seed", str(args.seed), str(region)], check=True, capture_output=True)
        (tmp / "as-is").mkdir()
        rounds["as the machine is"] = measure(tmp / "as-is", region, args)
        report("as the machine is", rounds["as the machine is"], args.workers)  # now: the busy round takes as long again
        sys.stdout.flush()
        if args.busy:
            load = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(args.busy)]
            try:
                (tmp / "busy").mkdir()
                rounds[f"busy (+{args.busy} CPU-bound processes)"] = measure(tmp / "busy", region, args)
            finally:
                for process in load:
                    process.kill()
                    process.wait()
    print()
    for name, r in rounds.items():
        report(name, r, args.workers)


if __name__ == "__main__":
    main()
