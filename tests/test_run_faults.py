"""Runs that survive faults: one at a time, no litter of killed runs, inputs that change, full or read-only disks."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_runs import PAGES, core_copy, write_notebooks

import kpwork.runs
from kpwork.cli import main
from kpwork.errors import KpworkWarning, RunError
from kpwork.runs import LOCK_FILE, run_region


@pytest.fixture
def setup(tmp_path):
    region = core_copy(tmp_path)
    notebooks = write_notebooks(tmp_path / "nb")
    return tmp_path, region, notebooks


def _run(region, out, notebooks):
    return run_region(region, out, only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=notebooks)


def _child(code: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(kpwork.runs.__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_second_run_while_one_writes_is_told_plainly_and_exits_1(setup):
    tmp, region, notebooks = setup
    out = tmp / "out" / "otrokovicko"
    out.mkdir(parents=True)
    holder = _child(f"""
        import time
        from filelock import FileLock
        with FileLock({str(out / LOCK_FILE)!r}):
            print("locked", flush=True)
            time.sleep(60)
    """)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunError, match="právě zapisuje jiný běh kpwork"):
            _run(region, tmp / "out", notebooks)
        result = CliRunner().invoke(main, ["run", str(region), "--out", str(tmp / "out"), "--no-progress"])
        assert result.exit_code == 1
        assert "právě zapisuje jiný běh kpwork" in result.output and "Traceback" not in result.output
        assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE], "the refused runs wrote nothing"
    finally:
        holder.kill()
        holder.wait()
    assert _run(region, tmp / "out", notebooks).run_dir.is_dir(), "the lock is free again once its holder is gone"


def test_a_killed_run_leaves_litter_that_the_next_run_removes(setup):
    tmp, region, notebooks = setup
    out = tmp / "out" / "otrokovicko"
    child = _child(f"""
        import time
        import kpwork.runs
        kpwork.runs.write_results = lambda *a, **k: time.sleep(120)  # hangs while writing its temporary folder
        kpwork.runs.run_region({str(region)!r}, {str(tmp / 'out')!r}, workers=1, progress=False, notebooks_dir={str(notebooks)!r})
    """)
    assert _wait_for(lambda: any(out.glob(".tmp-*"))), child.stderr.read() if child.poll() is not None else "no temporary folder"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    litter = list(out.glob(".tmp-*"))
    assert len(litter) == 1 and litter[0].name.endswith(f"-{child.pid}"), "kill -9 cannot clean up: the litter is there"
    os.symlink("nowhere", out / f".latest-{child.pid}")
    live = out / f".tmp-20990101-000000-{os.getppid()}"  # a process that exists: kept
    live.mkdir()
    result = _run(region, tmp / "out", notebooks)
    left = sorted(p.name for p in out.iterdir())
    assert left == sorted([LOCK_FILE, live.name, "latest", result.run_dir.name])


def test_an_input_edited_during_the_run_fails_it_naming_the_file(setup, monkeypatch):
    tmp, region, notebooks = setup
    write_index = kpwork.runs.write_index

    def edit_then_index(*args, **kwargs):
        with (region / "services.csv").open("a", encoding="utf-8") as f:
            f.write("\n")  # the coordinator saves the sheet while the notebooks run
        return write_index(*args, **kwargs)

    monkeypatch.setattr(kpwork.runs, "write_index", edit_then_index)
    with pytest.raises(RunError, match=r"services\.csv: soubor se během běhu změnil") as info:
        _run(region, tmp / "out", notebooks)
    assert "nic nebylo zveřejněno" in str(info.value)
    out = tmp / "out" / "otrokovicko"
    assert not (out / "latest").exists() and not any(out.glob(".tmp-*")) and not any(out.glob("2*"))


def test_an_input_deleted_during_the_run_gives_a_message(setup, monkeypatch):
    tmp, region, notebooks = setup
    write_index = kpwork.runs.write_index

    def delete_then_index(*args, **kwargs):
        (region / "usage.csv").unlink()
        return write_index(*args, **kwargs)

    monkeypatch.setattr(kpwork.runs, "write_index", delete_then_index)
    result = CliRunner().invoke(main, ["run", str(region), "--out", str(tmp / "out"), "--no-progress", "--only", PAGES[0]])
    assert result.exit_code == 1, result.output
    assert "usage.csv: soubor byl během běhu smazán" in result.output and "Traceback" not in result.output


def test_the_manifest_records_the_bytes_that_were_read_not_those_at_the_end(setup, monkeypatch):
    import hashlib

    tmp, region, notebooks = setup
    original = (region / "services.csv").read_bytes()
    analyse = kpwork.runs.analyse_region

    def edit_after_reading(loaded, **kwargs):
        (region / "services.csv").write_bytes(original + b"\n")
        return analyse(loaded, **kwargs)

    monkeypatch.setattr(kpwork.runs, "analyse_region", edit_after_reading)
    monkeypatch.setattr(kpwork.runs, "changed_inputs", lambda region: [])  # let the run publish, to see what it records
    result = _run(region, tmp / "out", notebooks)
    recorded = {i["path"]: (i["sha256"], i["bytes"]) for i in result.manifest["inputs"]}
    assert recorded["services.csv"] == (hashlib.sha256(original).hexdigest(), len(original))
    assert hashlib.sha256((region / "services.csv").read_bytes()).hexdigest() != recorded["services.csv"][0]


def test_latest_that_is_a_real_folder_is_moved_aside(setup):
    tmp, region, notebooks = setup
    first = _run(region, tmp / "out", notebooks)
    out = first.run_dir.parent
    (out / "latest").unlink()
    shutil.copytree(first.run_dir, out / "latest")  # a copy that followed the link
    with pytest.warns(KpworkWarning, match="nebyl odkaz na běh, ale složka"):
        second = _run(region, tmp / "out", notebooks)
    assert (out / "latest").is_symlink() and (out / "latest").resolve() == second.run_dir.resolve()
    kept = out / f"latest-kopie-{second.run_dir.name}"
    assert json.loads((kept / "manifest.json").read_text(encoding="utf-8"))["run_id"] == first.run_dir.name


@pytest.mark.parametrize(("code", "words"), [(errno.ENOSPC, "na disku došlo místo"), (errno.EROFS, "složka je jen pro čtení"), (errno.EACCES, "chybí oprávnění")])
def test_a_failed_write_is_one_line_and_leaves_nothing(setup, monkeypatch, code, words):
    tmp, region, notebooks = setup

    def failing(tables, layers, meta, folder):
        folder.mkdir(parents=True)
        (folder / "half.csv").write_text("x", encoding="utf-8")
        raise OSError(code, os.strerror(code), str(folder / "mezery.csv"))

    monkeypatch.setattr(kpwork.runs, "write_results", failing)
    result = CliRunner().invoke(main, ["run", str(region), "--out", str(tmp / "out"), "--no-progress", "--only", PAGES[0]])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "mezery.csv" in lines[0] and "--out" in lines[0], result.output
    assert not (tmp / "out" / "otrokovicko").exists(), "nothing partial, not even the folder this run created"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_output_folder_is_named(setup):
    tmp, region, notebooks = setup
    (tmp / "out").mkdir()
    (tmp / "out").chmod(0o555)
    try:
        result = CliRunner().invoke(main, ["run", str(region), "--out", str(tmp / "out"), "--no-progress"])
    finally:
        (tmp / "out").chmod(0o755)
    assert result.exit_code == 1 and "nelze zapisovat" in result.output and "Traceback" not in result.output


@pytest.mark.e2e
@pytest.mark.parametrize(("sig", "status", "message"), [(signal.SIGINT, 130, "přerušeno; nic se nezveřejnilo."), (signal.SIGTERM, 143, "ukončeno signálem SIGTERM; nic se nezveřejnilo.")])
def test_ctrl_c_or_sigterm_during_notebooks_ends_with_the_message_and_nothing_partial(setup, sig, status, message):
    import nbformat

    tmp, region, notebooks = setup
    slow = nbformat.read(notebooks / "municipality.ipynb", as_version=4)
    slow.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(slow, notebooks / "municipality.ipynb")
    child = subprocess.Popen(
        [sys.executable, "-c", "from kpwork.cli import main; main()", "run", str(region), "--out", str(tmp / "out"), "--only", PAGES[0], "--workers", "1", "--no-progress"],
        env={**os.environ, "PYTHONPATH": str(Path(kpwork.runs.__file__).parents[1])}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    out = tmp / "out" / "otrokovicko"
    assert _wait_for(lambda: any(out.glob(".tmp-*/results/region.json")), 120)
    time.sleep(3)  # the Dask workers are starting or the notebooks run: the most to clean up
    os.killpg(child.pid, sig)  # as a terminal does: the whole group, the run's Dask workers too
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == status, stderr
    assert stderr.strip().splitlines()[-1] == message, stderr
    for noise in ("Traceback", "CancelledError", "Task was destroyed", "kernel shutdown"):
        assert noise not in stderr, stderr
    assert not out.exists(), "nothing partial: the output folder this run created is gone"


def test_a_full_disk_in_other_commands_is_one_line_and_keeps_the_old_file(region_copy, monkeypatch):
    """``import-rpss`` writes services.csv through sheets.replace_file: a full disk leaves the old file whole."""
    import kpwork.sheets

    before = (region_copy / "services.csv").read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(kpwork.sheets.os, "replace", full)
    rpss = Path(__file__).parent / "data" / "rpss" / "rpss.json"
    result = CliRunner().invoke(main, ["import-rpss", str(region_copy), str(rpss)])
    assert result.exit_code == 1, result.output
    assert result.output.strip().splitlines() == [f"chyba: {region_copy / 'services.csv'}: na disku došlo místo; uvolněte místo nebo zvolte jinou složku (u běhu --out) a spusťte příkaz znovu; nic nebylo zapsáno"]
    assert (region_copy / "services.csv").read_bytes() == before
    assert sorted(p.name for p in region_copy.iterdir() if p.name.startswith(".")) == [], "no temporary file left"
