"""Runs of any size: pages stream to disk, the driver's memory stays flat, a cluster's kernels are shut after the run."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import nbformat
import pytest
from test_runs import _kernels_in  # the one check for kernels left behind by a run

import kpwork.runs
from kpwork.runs import run_region
from kpwork.synth import synthesize_region

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "otrokovicko"
#: What each stand-in page prints: as much as a real page weighs (a map, two charts).
PAGE_BYTES = 400_000


def _heavy_notebooks(folder: Path) -> Path:
    """Stand-ins of the region and municipality notebooks whose pages weigh like real ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, own in (("region.ipynb", ""), ("municipality.ipynb", "kod_obce = None\n")):
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(f'results_dir = "../results"\n{own}lang = "cs"')
        params.metadata["tags"] = ["parameters"]
        body = nbformat.v4.new_code_cell(f"from IPython.display import HTML\nHTML('<p>' + 'x' * {PAGE_BYTES} + '</p>')")
        nb.cells = [params, body]
        nb.metadata["kernelspec"] = {"name": "kpwork", "display_name": "kpwork (Python 3)", "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


@pytest.mark.e2e
def test_the_driver_s_memory_does_not_grow_with_the_number_of_pages(tmp_path, monkeypatch):
    region = synthesize_region(40, 3, tmp_path / "region", services=20)
    notebooks = _heavy_notebooks(tmp_path / "nb")
    members = [line.split(",")[0] for line in (region / "population.csv").read_text(encoding="utf-8").splitlines()[1:]]
    written = kpwork.runs._write_outcome
    traced: list[int] = []

    def write_and_measure(outcome, **kwargs):
        written(outcome, **kwargs)
        gc.collect()  # what is still held, not what the collector has not reached yet
        traced.append(tracemalloc.get_traced_memory()[0])

    monkeypatch.setattr(kpwork.runs, "_write_outcome", write_and_measure)
    tracemalloc.start()
    try:
        result = run_region(region, tmp_path / "out", only=members, workers=2, progress=False, notebooks_dir=notebooks)
    finally:
        tracemalloc.stop()
    assert len(list((result.run_dir / "html").glob("obec_*.html"))) == len(members) == len(traced) - 1
    page = (result.run_dir / "html" / f"obec_{members[0]}.html").stat().st_size + (result.run_dir / "notebooks" / f"obec_{members[0]}.ipynb").stat().st_size
    assert page > 2 * PAGE_BYTES
    # this process's memory as pages 7-11 and the last five reach the disk, within one run (two runs
    # would differ by what the first run's later steps import and cache); the least of five, because a
    # result or two may still be in flight at any one write, while held pages would show in all five
    early, late = min(traced[6:11]), min(traced[-5:])
    slope = (late - early) / (len(traced) - 3 - 8)
    # holding the finished pages would add ``page`` bytes (~1 MB) per page; streaming adds bookkeeping
    # only: Dask's logs of recent tasks, ~10-35 KiB a task until they are full (after ~1,500 tasks)
    assert slope < page / 10, f"{slope / 1024:.0f} KiB more per page (a page is {page / 1024:.0f} KiB)"


def _wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.exists(), f"{path} was not written within {seconds} s"


@pytest.fixture
def cluster(tmp_path):
    """A Dask cluster as a kraj would run it: ``dask scheduler`` and two ``dask worker`` processes."""
    dask = Path(sys.executable).parent / "dask"
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")] if p)}
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen([dask, "scheduler", "--scheduler-file", info, "--port", "0", "--no-dashboard"], env=env, stdout=logs[0], stderr=subprocess.STDOUT)
    workers = None
    try:
        _wait_for(info, 60)
        workers = subprocess.Popen(
            [dask, "worker", "--scheduler-file", info, "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--local-directory", tmp_path / "dask"],
            env=env, stdout=logs[1], stderr=subprocess.STDOUT,
        )
        from distributed import Client

        with Client(scheduler_file=str(info), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, workers
    finally:
        for process in (workers, scheduler):
            if process is not None:
                process.terminate()
                process.wait(60)
        for log in logs:
            log.close()


@pytest.mark.e2e
def test_a_run_on_an_existing_cluster_shuts_the_workers_kernels_after_it(cluster, tmp_path):
    address, workers = cluster
    region = Path(shutil.copytree(SAMPLE, tmp_path / "otrokovicko"))
    result = run_region(region, tmp_path / "out", only=["585599", "588318"], scheduler=address, progress=False)
    assert result.manifest["execution"]["cluster"] == address
    assert result.manifest["execution"]["workers_used"] == 2
    pages = sorted(p.name for p in (result.run_dir / "html").glob("*.html"))
    assert {"region.html", "obec_585599.html", "obec_588318.html", "financovani.html", "monitoring.html"} <= set(pages)
    assert workers.poll() is None, "the cluster's workers stay up"
    deadline = time.monotonic() + 30
    while _kernels_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _kernels_in(tmp_path) == [], "no kernel stays on the workers"
