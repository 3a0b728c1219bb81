"""Runs: manifest, atomic publication, failures that leave nothing behind, parallel = serial."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

import kpwork.runs
from kpwork.config import NOTEBOOKS_DIR
from kpwork.errors import InvalidRegion, RunError
from kpwork.runs import monitoring_year, plan_jobs, run_region

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "otrokovicko"
CORE = ("region.toml", "municipalities.geojson", "population.csv", "services.csv", "usage.csv")
PAGES = ("585599", "588318")
#: The parameters of the stand-in notebooks, and what each prints besides the region's name.
STAND_INS = {"region.ipynb": ("", "lang"), "municipality.ipynb": ("kod_obce = None\n", "kod_obce"), "funding.ipynb": ("", "lang"), "monitoring.ipynb": ("rok = 2000\n", "rok"),
             "scenario.ipynb": ("scenar = None\n", "scenar")}


def write_notebooks(folder: Path, *, fail_for: str | None = None) -> Path:
    """Tiny stand-ins for the workbook's notebooks (fast); optionally one that fails for a municipality."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (own, shown) in STAND_INS.items():
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(f'results_dir = "../results"\n{own}lang = "cs"')
        params.metadata["tags"] = ["parameters"]
        body = [f"from kpwork.results import load\nr = load(results_dir)\nprint(r.meta['region_name'], {shown})"]
        if name == "municipality.ipynb" and fail_for:
            body.append(f'if kod_obce == "{fail_for}":\n    raise ValueError("no data for " + kod_obce)')
        nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in body)]
        nb.metadata["kernelspec"] = {"name": "kpwork", "display_name": "kpwork (Python 3)", "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


def core_copy(tmp_path: Path) -> Path:
    """A copy of the sample's core files (no optional inputs) as ``tmp_path/otrokovicko``."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "otrokovicko", ignore=lambda _, names: [n for n in names if n not in CORE]))


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    region = core_copy(tmp)
    notebooks = write_notebooks(tmp / "nb")
    result = run_region(region, tmp / "out", only=list(PAGES), workers=1, progress=False, notebooks_dir=notebooks)
    return tmp, region, notebooks, result


@pytest.mark.e2e
def test_manifest_records_inputs_parameters_versions_and_outputs(first_run):
    tmp, region, notebooks, result = first_run
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["run_id"] == result.run_dir.name
    assert {i["path"]: i["sha256"] for i in manifest["inputs"]} == {n: hashlib.sha256((region / n).read_bytes()).hexdigest() for n in CORE}
    assert manifest["parameters"] == {
        "region_dir": str(region.resolve()),
        "only": list(PAGES),
        "lang": "cs",
        "today": manifest["started"][:10],
        "rok": None,  # no plan: no monitoring page
        "timeout": 600,
        "notebooks_dir": str(notebooks.resolve()),
        "workers": 1,
        "scheduler": None,
        "pdf": False,
    }
    assert manifest["kpwork"]["version"] and len(manifest["kpwork"]["git_commit"] or "0" * 40) == 40
    assert {"pandas", "numpy", "geopandas", "papermill", "dask"} <= {k for k, v in manifest["packages"].items() if v}
    assert manifest["started"] <= manifest["finished"]
    assert manifest["execution"]["notebooks"] == 3 and manifest["execution"]["backend"] == "dask"
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    on_disk = tree(result.run_dir)
    on_disk.pop("manifest.json")
    assert outputs == on_disk, "every output with its sha256, nothing else"
    assert {"notebooks/obec_585599.ipynb", "html/obec_588318.html", "results/mezery.csv"} <= set(outputs)


@pytest.mark.e2e
def test_result_tables_have_no_paths_or_timestamps(first_run):
    tmp, region, notebooks, result = first_run
    for table in (result.run_dir / "results").glob("*.csv"):
        text = table.read_text(encoding="utf-8-sig")
        assert str(tmp) not in text and "/tmp" not in text, table.name
        assert result.run_dir.name[:8] not in text, f"{table.name} holds the run date"


@contextlib.contextmanager
def nothing_published(out: Path):
    """Fails unless the run inside leaves the region's output folder and ``latest`` as they were."""
    before = sorted(p.name for p in out.iterdir())
    latest = (out / "latest").resolve()
    yield
    assert sorted(p.name for p in out.iterdir()) == before, "no partial or temporary run folder"
    assert (out / "latest").resolve() == latest


@pytest.mark.e2e
def test_failing_notebook_names_municipality_and_cell_and_publishes_nothing(first_run, tmp_path):
    tmp, region, _, result = first_run
    broken = write_notebooks(tmp_path / "broken", fail_for="588318")
    with nothing_published(tmp / "out" / "otrokovicko"), pytest.raises(RunError) as info:
        run_region(region, tmp / "out", only=list(PAGES), workers=1, progress=False, notebooks_dir=broken)
    message = str(info.value)
    assert "municipality 588318" in message and "municipality.ipynb" in message
    assert "cell 4" in message and "ValueError: no data for 588318" in message  # In [4]: after the injected parameters
    assert info.value.kod_obce == "588318" and info.value.cell == 4


@pytest.mark.e2e
def test_ctrl_c_leaves_no_partial_run_and_keeps_latest(first_run, monkeypatch):
    tmp, region, notebooks, _ = first_run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # after every notebook ran, just before the manifest: the most to clean up
    monkeypatch.setattr(kpwork.runs, "build_manifest", interrupted)
    with nothing_published(tmp / "out" / "otrokovicko"), pytest.raises(KeyboardInterrupt):
        run_region(region, tmp / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=notebooks)


@pytest.mark.e2e
def test_the_run_passes_monitoring_the_year_of_its_reference_date(tmp_path, monkeypatch):
    started = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(kpwork.runs, "utc_now", lambda: started)
    result = run_region(SAMPLE, tmp_path / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp_path / "nb"))
    assert result.manifest["parameters"]["today"] == "2024-06-01"
    assert result.manifest["parameters"]["rok"] == 2024, "the year the monitoring page shows is in the manifest"
    nb = nbformat.read(result.run_dir / "notebooks" / "monitoring.ipynb", as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "rok = 2024\n" in injected.source, "the plan runs 2024-2025: the year of the reference date"
    assert nb.cells[-1].outputs[0]["text"] == "Otrokovicko 2024\n"


@pytest.mark.parametrize(
    ("years", "today", "expected"),
    [([2024, 2025], dt.date(2024, 6, 1), 2024), ([2024, 2025], dt.date(2026, 12, 1), 2025), ([2024, 2025], dt.date(2020, 1, 1), 2024), ([], dt.date(2026, 1, 1), 2026)],
)
def test_monitoring_year_is_the_reference_year_within_the_plan(years, today, expected):
    assert monitoring_year(years, today) == expected


WORKBOOK = ("region", "municipality", "funding", "monitoring", "meeting", "catalogue")


def _declared(nb) -> list[str]:
    """Names the parameters cell assigns, in order."""
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    return [t.id for node in ast.parse(cell.source).body for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]


@pytest.mark.parametrize("name", WORKBOOK)
def test_every_notebook_parameter_is_read_by_papermill_and_used(name):
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    declared = _declared(nb)
    assert list(papermill.inspect_notebook(path)) == declared, "papermill reads every parameter (and its annotation)"
    body = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
    used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
    assert set(declared) <= used, f"parameters {sorted(set(declared) - used)} are not used by {name}.ipynb"


def test_the_run_passes_each_notebook_only_parameters_it_declares(sample_region):
    meta = {"has_funding": True, "has_plan": True, "names": dict(sample_region.member_names())}
    jobs = plan_jobs(sample_region, meta, list(PAGES), today=dt.date(2026, 12, 1), lang="en")
    assert [j.template for j in jobs] == ["region.ipynb", "funding.ipynb", "monitoring.ipynb", "municipality.ipynb", "municipality.ipynb"]
    for job in jobs:
        assert set(job.parameters) <= set(papermill.inspect_notebook(NOTEBOOKS_DIR / job.template)), job.template
    assert jobs[2].parameters == {"results_dir": "../results", "lang": "en", "rok": 2025}
    assert jobs[3].parameters == {"results_dir": "../results", "lang": "en", "kod_obce": "585599"}


def test_bad_input_writes_nothing(tmp_path):
    region = core_copy(tmp_path)
    (region / "population.csv").write_text("kod_obce,rok\n585599,20x9\n", encoding="utf-8")
    with pytest.raises(InvalidRegion):
        run_region(region, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_missing_notebook_fails_before_anything_is_written(tmp_path):
    region = core_copy(tmp_path)
    with pytest.raises(RunError, match="municipality.ipynb, region.ipynb not found in"):
        run_region(region, tmp_path / "out", progress=False, notebooks_dir=tmp_path / "none")
    assert not (tmp_path / "out").exists()


@pytest.mark.e2e
def test_two_workers_give_byte_identical_results_to_one(first_run):
    tmp, region, notebooks, one = first_run
    two = run_region(region, tmp / "out2", only=list(PAGES), workers=2, progress=False, notebooks_dir=notebooks)
    assert two.manifest["execution"]["workers_used"] == 2
    assert tree(one.run_dir / "results") != {}
    csv = {k: v for k, v in tree(one.run_dir / "results").items() if not k.endswith(".gpkg")}
    assert csv == {k: v for k, v in tree(two.run_dir / "results").items() if not k.endswith(".gpkg")}
    from kpwork.reproduce import compare_results

    _, differences = compare_results(one.run_dir / "results", two.run_dir / "results")
    assert differences == [], "GeoPackage layers too"


@pytest.mark.parametrize(("kwargs", "message"), [({"workers": 0}, "workers: expected 1 or more"), ({"timeout": 0}, "timeout: expected seconds > 0")])
def test_bad_parameters_are_refused_before_anything_runs(tmp_path, kwargs, message):
    from kpwork.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match=message):
        run_region(core_copy(tmp_path), tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


@pytest.mark.e2e
def test_real_ctrl_c_during_notebooks_cleans_up_folder_cluster_and_kernels(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    region = core_copy(tmp_path)
    notebooks = write_notebooks(tmp_path / "nb")
    slow = nbformat.read(notebooks / "municipality.ipynb", as_version=4)
    slow.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(slow, notebooks / "municipality.ipynb")
    script = (
        # Ctrl-C as in a terminal, also when this suite runs in the background (SIGINT inherited as ignored)
        "import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\nfrom kpwork.runs import run_region\n"
        "try:\n"
        f"    run_region({str(region)!r}, {str(tmp_path / 'out')!r}, only=['585599'], workers=1, progress=False, notebooks_dir={str(notebooks)!r})\n"
        "except KeyboardInterrupt:\n    sys.exit(130)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    out = tmp_path / "out" / "otrokovicko"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _kernels_in(tmp_path):  # a kernel runs a notebook of the run
        time.sleep(0.5)
    assert _kernels_in(tmp_path), "the notebook stage started"
    time.sleep(3)
    os.kill(child.pid, signal.SIGINT)
    assert child.wait(60) == 130
    assert not any(out.glob(".tmp-*")), "the temporary run folder is removed"
    assert not (out / "latest").exists()
    deadline = time.monotonic() + 15
    while _kernels_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _kernels_in(tmp_path) == [], "no kernel outlives the run"


def _kernels_in(folder: Path) -> list[int]:
    """Live kernel processes whose working directory is under ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ipykernel_launcher" in (proc / "cmdline").read_bytes():
                state = (proc / "stat").read_text().split()[2]
                if str(folder) in os.readlink(proc / "cwd") and state != "Z":
                    found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.e2e
def test_a_successful_run_leaves_the_terminal_quiet(tmp_path):
    """No Dask worker warnings ("still alive ..., killing") after a run that went well, on a busy machine too."""
    import subprocess
    import sys

    region = core_copy(tmp_path)
    kpwork = Path(sys.executable).with_name("kpwork")
    command = [str(kpwork), "run", str(region), "--out", str(tmp_path / "out"), "--only", "585599", "--workers", "2", "--no-progress", "--lang", "en"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "nothing but the result lines"
    assert done.stdout.splitlines()[0].startswith("run complete: ")


def test_a_scenario_page_is_listed_under_its_title(sample_region):
    meta = {"has_funding": False, "has_plan": False, "names": dict(sample_region.member_names()),
            "scenarios": ["pecovatelska_napajedla", "bez_nazvu"], "scenario_titles": {"pecovatelska_napajedla": "Pečovatelská služba v Napajedlech"}}
    jobs = [j for j in plan_jobs(sample_region, meta, [], today=dt.date(2026, 12, 1)) if j.template == "scenario.ipynb"]
    assert [(j.title, j.parameters["scenar"]) for j in jobs] == [
        ("Otrokovicko: scénář Pečovatelská služba v Napajedlech", "pecovatelska_napajedla"), ("Otrokovicko: scénář bez_nazvu", "bez_nazvu")]
