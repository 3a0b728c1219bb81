"""``kpwork reproduce`` trusts nothing in a manifest: tampered paths, links, devices, malformed fields."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_runs import PAGES, core_copy, write_notebooks

import kpwork.reproduce
from kpwork.cli import main
from kpwork.runs import run_region


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tampered")
    region = core_copy(tmp)
    run = run_region(region, tmp / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp / "nb"))
    return region, run.run_dir


@pytest.fixture
def copy(made, tmp_path):
    """A copy of the run and of its region that a test may tamper with; the manifest points at the region copy."""
    region, run_dir = made
    region_copy = Path(shutil.copytree(region, tmp_path / "region"))
    run_copy = Path(shutil.copytree(run_dir, tmp_path / "run", symlinks=True))
    manifest = json.loads((run_copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["parameters"]["region_dir"] = str(region_copy)
    (run_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return region_copy, run_copy, manifest


@pytest.fixture
def hashed(monkeypatch):
    """Every file reproduce hashes."""
    seen: list[Path] = []
    original = kpwork.reproduce.sha256

    def spy(path):
        seen.append(Path(path))
        return original(path)

    monkeypatch.setattr(kpwork.reproduce, "sha256", spy)
    return seen


def _save(run: Path, manifest: dict) -> None:
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _reproduce(run: Path):
    return CliRunner().invoke(main, ["reproduce", str(run)])


def _refused(result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output, result.output


def test_the_untampered_copy_reproduces(copy):
    _, run, _ = copy
    result = _reproduce(run)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["/etc/shadow", "../../../../etc/passwd", "sub/services.csv", "services.csv/../../x", "notes.txt", "", "C:\\Windows\\win.ini"])
def test_an_input_outside_the_region_is_refused_without_touching_it(copy, hashed, name):
    _, run, manifest = copy
    manifest["inputs"][0]["path"] = name
    _save(run, manifest)
    _refused(_reproduce(run), "manifest byl změněn")
    assert hashed == [] or all(p.resolve().is_relative_to(run.parent / "region") for p in hashed)
    assert all(str(p) != "/etc/shadow" for p in hashed)


def test_a_symlink_out_of_the_region_is_refused(copy, hashed, tmp_path):
    region, run, _ = copy
    secret = tmp_path / "secret.csv"
    secret.write_text("TAJNE;heslo\n", encoding="utf-8")
    (region / "usage.csv").unlink()
    (region / "usage.csv").symlink_to(secret)
    result = _reproduce(run)
    _refused(result, "usage.csv: odkaz vede mimo složku regionu")
    assert "TAJNE" not in result.output and secret not in [p.resolve() for p in hashed]


def test_dev_zero_does_not_hang(copy):
    region, run, _ = copy
    (region / "usage.csv").unlink()
    (region / "usage.csv").symlink_to("/dev/zero")
    _refused(_reproduce(run), "odkaz vede mimo složku regionu")


def test_a_pipe_or_folder_in_place_of_an_input_is_not_read(copy):
    region, run, _ = copy
    (region / "usage.csv").unlink()
    os.mkfifo(region / "usage.csv")  # opening it would wait for a writer forever
    _refused(_reproduce(run), "usage.csv: není obyčejný soubor")
    (region / "usage.csv").unlink()
    (region / "usage.csv").mkdir()
    _refused(_reproduce(run), "usage.csv: není obyčejný soubor")


def test_a_result_symlink_to_a_file_outside_is_not_shown(copy, tmp_path):
    _, run, _ = copy
    secret = tmp_path / "secret.txt"
    secret.write_text("kod_obce;TAJNE-HESLO\n1;2\n", encoding="utf-8")
    (run / "results" / "mezery.csv").unlink()
    (run / "results" / "mezery.csv").symlink_to(secret)
    result = _reproduce(run)
    _refused(result, "mezery.csv: odkaz")
    assert "TAJNE" not in result.output


def test_a_manifest_that_is_a_device_is_not_read(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").symlink_to("/dev/zero")
    _refused(_reproduce(run), "no manifest.json")


@pytest.mark.parametrize(("change", "words"), [
    (lambda m: m.update(inputs="services.csv"), "inputs: očekáván seznam"),
    (lambda m: m["inputs"].append({"path": 5, "sha256": "0" * 64}), "inputs[5]: očekáván záznam"),
    (lambda m: m["inputs"][0].update(sha256="x"), "inputs[0]: očekáván záznam"),
    (lambda m: m["inputs"].append("services.csv"), "inputs[5]"),
    (lambda m: m.update(package_data={"a": 1}), "package_data: očekáván seznam"),
    (lambda m: m["parameters"].update(region_dir=["/etc"]), "parameters.region_dir"),
    (lambda m: m["parameters"].update(region_dir="/etc"), "není složka regionu"),
    (lambda m: m["parameters"].update(today="včera"), "parameters.today"),
])
def test_malformed_fields_give_a_message_not_a_traceback(copy, change, words):
    _, run, manifest = copy
    change(manifest)
    _save(run, manifest)
    _refused(_reproduce(run), words)


def test_a_changed_input_exits_1_and_is_named_even_when_the_tables_are_the_same(copy):
    region, run, _ = copy
    with (region / "services.csv").open("a", encoding="utf-8") as f:
        f.write("\n")  # same rows, other bytes
    result = _reproduce(run)
    _refused(result, "input changed: services.csv", "nereprodukováno: vstupy se liší")
    assert "differs:" not in result.output


@pytest.mark.parametrize("field", ["distributions", "native", "kpwork", "python"])
def test_malformed_environment_fields_give_a_message(copy, field):
    _, run, manifest = copy
    manifest[field] = [1, 2]
    _save(run, manifest)
    _refused(_reproduce(run), field)
