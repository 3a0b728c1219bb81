"""`kpwork env`: the exact requirements that rebuild a run's environment; the lock files they come from."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from kpwork.cli import main
from kpwork.environment import canonical_name, environment_changes, requirements
from kpwork.manifest import MANIFEST, build_manifest, write_manifest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)")


@pytest.fixture
def run_dir(sample_region, tmp_path):
    folder = tmp_path / "20250301-080000"
    (folder / "results").mkdir(parents=True)
    (folder / "results" / "mezery.csv").write_text("kod_obce;chybi\n585599;1\n", encoding="utf-8")
    manifest = build_manifest(sample_region, folder, {"region_dir": str(sample_region.path)}, started=dt.datetime(2025, 3, 1, tzinfo=dt.UTC), run_id=folder.name)
    write_manifest(manifest, folder)
    return folder


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))


def test_kpwork_env_lists_every_recorded_version_but_kpwork_which_it_says_how_to_install(run_dir):
    manifest = _manifest(run_dir)
    manifest["distributions"]["pandas"] = "2.2.0"  # what the run had, not what is installed now
    (run_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    result = CliRunner().invoke(main, ["env", str(run_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    pins = dict(PIN.match(line).groups() for line in lines if not line.startswith("#"))
    assert pins == {name: version for name, version in manifest["distributions"].items() if name != "kpwork"}
    assert pins["pandas"] == "2.2.0" and pins["numpy"] == metadata.version("numpy")
    comments = "\n".join(line for line in lines if line.startswith("#"))
    assert f"at commit {manifest['kpwork']['git_commit']}" in comments
    assert f"GDAL {manifest['native']['gdal']}, PROJ {manifest['native']['proj']}" in comments
    assert f"Python {manifest['python']}" in comments


def test_an_older_manifest_gives_its_key_packages_and_says_that_is_all(run_dir):
    manifest = _manifest(run_dir)
    del manifest["distributions"], manifest["native"]
    manifest["packages"]["distributed"] = None
    lines = requirements(manifest)
    assert [line for line in lines if not line.startswith("#")] == sorted(
        f"{canonical_name(n)}=={v}" for n, v in manifest["packages"].items() if n != "kpwork" and v
    )
    assert "# this manifest records only kpwork's key packages, not every installed distribution" in lines
    assert "# not installed in the run: distributed" in lines


def test_kpwork_env_without_a_manifest_exits_1_naming_the_folder(tmp_path):
    result = CliRunner().invoke(main, ["env", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path}: no manifest.json" in result.output


def test_changes_name_python_gdal_and_the_packages_that_differ(run_dir):
    manifest = _manifest(run_dir)
    assert environment_changes(manifest) == []
    manifest["python"] = "3.10.0"
    manifest["native"]["gdal"] = "3.0.0"
    manifest["distributions"]["pandas"] = "2.2.0"
    manifest["distributions"]["kpwork"] = "0.0.1"  # kpwork's code is identified by the commit
    del manifest["distributions"]["numpy"]
    manifest["distributions"]["no-such-package-kpwork"] = "1.0"
    assert [str(c) for c in environment_changes(manifest)] == [
        f"Python: 3.10.0 in the run -> {sys.version.split()[0]} now",
        f"GDAL: 3.0.0 in the run -> {pyogrio.__gdal_version_string__} now",
        "no-such-package-kpwork: 1.0 in the run -> not installed now",
        f"numpy: not installed in the run -> {metadata.version('numpy')} now",
        f"pandas: 2.2.0 in the run -> {metadata.version('pandas')} now",
    ]


def _pins(path: Path) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            pins.setdefault(canonical_name(match[1]), set()).add(match[2])
    return pins


def test_the_locks_pin_every_package_with_hashes_and_the_runtime_lock_has_no_test_packages():
    runtime, test = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-test.lock")
    for lock in ("requirements.lock", "requirements-test.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert entries and all("--hash=sha256:" in entry for entry in entries if "==" in entry), lock
    for name in ("pytest", "playwright", "ruff", "hypothesis", "access"):
        assert name not in runtime and name in test, name
    assert {name: runtime[name] for name in runtime} == {name: test[name] for name in runtime}, "the test lock has the runtime lock's versions"
    for name in ("pandas", "numpy", "geopandas", "voila", "xstatic-leaflet", "jupyterlab-language-pack-cs-cz"):
        assert name in runtime, name


def test_environment_yml_pins_the_direct_dependencies_as_the_lock():
    import tomllib

    runtime = _pins(ROOT / "requirements.lock")
    direct = [re.split(r"[<>=\[ ]", d, maxsplit=1)[0] for d in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]]
    conda = {}
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^\s+- ([A-Za-z0-9._-]+)==([^ #]+)", line):
            conda[canonical_name(match[1])] = match[2]
    for name in map(canonical_name, direct):
        assert name in conda, f"environment.yml does not pin {name}"
        assert conda[name] in runtime[name], f"environment.yml: {name}=={conda[name]}, requirements.lock: {runtime[name]}"


def test_the_makefile_installs_the_locks_with_hashes_and_ci_calls_make_test():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "pip install --quiet --require-hashes -r $(TEST_LOCK)" in makefile
    assert re.search(r"^\$\(RUN_STAMP\): \$\(LOCK\)", makefile, re.M) and re.search(r"^\$\(TEST_STAMP\): \$\(TEST_LOCK\)", makefile, re.M)
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1] == "make test"


@pytest.mark.e2e
def test_kpwork_env_output_is_installable_from_pypi(run_dir, tmp_path):
    """pip resolves every line of `kpwork env` (exact versions, no dependencies) in a fresh venv."""
    (tmp_path / "requirements.txt").write_text(CliRunner().invoke(main, ["env", str(run_dir)]).output, encoding="utf-8")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--dry-run", "--no-deps", "--quiet",
         "--ignore-installed", "-r", str(tmp_path / "requirements.txt")],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.e2e
def test_a_fresh_venv_from_kpwork_env_reproduces_the_run_with_the_same_versions(tmp_path):
    """The evaluator's path: `kpwork env RUN > requirements.txt`, a fresh venv, kpwork at the commit, `kpwork reproduce`.

    Installs every package of the test environment from PyPI (about a minute with pip's cache).
    """
    from test_runs import PAGES, SAMPLE, write_notebooks

    from kpwork.runs import run_region

    run = run_region(SAMPLE, tmp_path / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp_path / "nb")).run_dir
    (tmp_path / "requirements.txt").write_text(CliRunner().invoke(main, ["env", str(run)]).output, encoding="utf-8")
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for args in (["-r", str(tmp_path / "requirements.txt")], ["--no-deps", "-e", str(ROOT)]):
        install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], capture_output=True, text=True, timeout=1200)
        assert install.returncode == 0, install.stderr[-3000:]
    result = subprocess.run([str(venv / "bin" / "kpwork"), "reproduce", str(run)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "environment: the same versions as the run's" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("reproduced:")


def test_a_missing_kpwork_kernel_is_registered_into_the_environment_on_first_use(tmp_path, monkeypatch, caplog):
    from jupyter_client.kernelspec import KernelSpecManager

    from kpwork import kernels

    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {"python3": "/somewhere"})
    monkeypatch.setattr(sys, "prefix", str(tmp_path))  # the environment's prefix, never ~/.local
    assert kernels.notebook_kernel() == "kpwork"
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "kpwork" / "kernel.json").read_text(encoding="utf-8"))
    assert spec["display_name"] == "kpwork (Python 3)" and spec["argv"][0] == sys.executable
    # a prefix that cannot be written: python3, with a warning that says so
    monkeypatch.setattr(kernels, "register_kernel", lambda prefix=None: (_ for _ in ()).throw(PermissionError("read-only")))
    assert kernels.notebook_kernel() == "python3"
    assert "cannot be registered" in caplog.text and "read-only" in caplog.text


@pytest.mark.parametrize("notebook", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_every_notebook_parameter_has_a_type_papermill_shows(notebook):
    import papermill

    parameters = papermill.inspect_notebook(str(ROOT / "notebooks" / notebook))
    assert parameters, f"{notebook} has a parameters cell"
    untyped = [name for name, p in parameters.items() if p["inferred_type_name"] in (None, "None")]
    assert untyped == [], f"{notebook}: parameters without a type annotation ({', '.join(untyped)}); use a quoted Optional[...] for None defaults"
