"""Reproduce: the same inputs give the same tables; a changed input or table is named."""

from __future__ import annotations

import hashlib
import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_runs import PAGES, SAMPLE, core_copy, write_notebooks

from kpwork.cli import main
from kpwork.reproduce import compare_frames, reproduce
from kpwork.runs import run_region


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """A run of the bundled sample itself (all its optional inputs), with stand-in notebooks."""
    tmp = tmp_path_factory.mktemp("reproduce")
    return run_region(SAMPLE, tmp / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp / "nb")).run_dir


@pytest.fixture
def own_run(tmp_path):
    """A run of a copy of the sample's core files that a test may change."""
    region = core_copy(tmp_path)
    run = run_region(region, tmp_path / "out", only=list(PAGES[:1]), workers=1, progress=False, notebooks_dir=write_notebooks(tmp_path / "nb"))
    return region, run.run_dir


@pytest.mark.e2e
def test_the_sample_reproduces(sample_run):
    report = reproduce(sample_run)
    assert report.ok, report.lines()
    assert report.inputs == []
    assert {"mezery", "potreba", "vytizenost", "vysledky.gpkg:obce", "region.json"} <= set(report.tables)
    assert any(t.startswith("financovani_") for t in report.tables) and any(t.startswith("plan_") for t in report.tables)
    assert report.lines()[-1].startswith("reproduced:")
    assert report.packages == [] and report.commit is None
    assert "environment: the same versions as the run's" in report.lines()


@pytest.mark.e2e
def test_cli_reproduce_says_reproduced_and_exits_0(sample_run):
    result = CliRunner().invoke(main, ["reproduce", str(sample_run.parent / "latest")])
    assert result.exit_code == 0, result.output
    assert "reproduced" in result.output


@pytest.mark.e2e
def test_a_changed_input_is_named_with_the_cells_it_changes(own_run):
    region, run_dir = own_run
    text = (region / "usage.csv").read_text(encoding="utf-8-sig")
    assert "S01;585599;109;" in text
    (region / "usage.csv").write_text("\ufeff" + text.replace("S01;585599;109;", "S01;585599;110;"), encoding="utf-8")
    report = reproduce(run_dir)
    assert not report.ok
    assert [(c.path, c.status) for c in report.inputs] == [("usage.csv", "changed")]
    cells = {(d.table, d.column, d.expected, d.found) for d in report.differences}
    assert ("vyuziti", "klienti", 109, 110) in cells
    result = CliRunner().invoke(main, ["reproduce", str(run_dir)])
    assert result.exit_code == 1
    assert "input changed: usage.csv" in result.output
    assert "vyuziti: row 2: klienti: 109 in the run, 110 now" in result.output


@pytest.mark.e2e
def test_a_missing_input_and_an_edited_table_are_reported(own_run):
    region, run_dir = own_run
    moved = region.parent / "moved"
    shutil.copytree(region, moved)
    (region / "usage.csv").unlink()
    table = run_dir / "results" / "mezery.csv"
    lines = table.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    row = lines[1].split(";")
    column = header.index("kod_obce")
    row[column] = "999999"
    lines[1] = ";".join(row)
    table.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    report = reproduce(run_dir, region_dir=moved)
    assert report.inputs == [], "with --region the moved inputs are found"
    assert [(d.table, d.row, d.column, d.expected) for d in report.differences] == [("mezery", 2, "kod_obce", "999999")]
    result = CliRunner().invoke(main, ["reproduce", str(run_dir)])
    assert result.exit_code == 1 and "input missing: usage.csv" in result.output


def test_compare_frames_exact_for_integers_and_text_relative_for_floats():
    a = pd.DataFrame({"kod_obce": ["500011", "500020"], "n": [1, 2], "x": [1.0, np.nan], "t": ["a", None]})
    assert compare_frames("t", a, a.copy()) == []
    assert compare_frames("t", a, a.assign(x=[1.0 + 1e-12, np.nan])) == []
    assert [d.column for d in compare_frames("t", a, a.assign(x=[1.0 + 1e-6, np.nan]))] == ["x"]
    assert [(d.row, d.column) for d in compare_frames("t", a, a.assign(n=[1, 3]))] == [(3, "n")]
    assert [(d.row, d.column) for d in compare_frames("t", a, a.assign(t=["a", "b"]))] == [(3, "t")]
    assert [d.found for d in compare_frames("t", a, a.iloc[:1])] == ["1 rows"]


@pytest.mark.e2e
def test_reproduce_analyses_as_of_the_recorded_date(sample_run, tmp_path):
    import json

    copy = tmp_path / sample_run.name
    shutil.copytree(sample_run, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["today"] == manifest["started"][:10]
    manifest["parameters"]["today"] = "2024-01-15"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = reproduce(copy)
    assert not report.ok
    plan_tables = {t for t in report.tables if t.startswith("plan_")}
    differing = {d.table for d in report.differences}
    # the documents show the plan's tables and the run's date: their plan sheets, their text, the styles' date
    shown = {t for t in differing if t.startswith(("vysledky.xlsx:Plán", "dokumenty/"))} | {"vysledky.gpkg:layer_styles"}
    assert differing <= plan_tables | shown
    assert differing & plan_tables


@pytest.mark.e2e
def test_a_changed_default_norms_file_is_reported_like_a_changed_input(sample_run, tmp_path):
    import json

    copy = tmp_path / sample_run.name
    shutil.copytree(sample_run, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    recorded = {item["path"]: item for item in manifest["package_data"]}
    norms = recorded["kpwork/data/norms.csv"]
    assert norms["sha256"] == hashlib.sha256(resources.files("kpwork.data").joinpath("norms.csv").read_bytes()).hexdigest()
    assert reproduce(copy).inputs == [], "the run's own package data is unchanged"
    # the run was made with other default norms, with a table this installation lacks, and without terms.csv
    norms["sha256"] = "0" * 64
    manifest["package_data"] = [norms, {"path": "kpwork/data/retired.csv", "sha256": "1" * 64, "bytes": 10}, recorded["kpwork/data/conversions.csv"]]
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = reproduce(copy)
    assert [(c.path, c.status, c.package_data) for c in report.inputs] == [
        ("kpwork/data/norms.csv", "changed", True), ("kpwork/data/retired.csv", "missing", True), ("kpwork/data/terms.csv", "new", True),
    ]
    result = CliRunner().invoke(main, ["reproduce", str(copy)])
    assert f"input changed: kpwork/data/norms.csv (kpwork's package data, sha256 000000000000… in the run, now {_norms_sha256()[:12]}…)" in result.output
    assert "input missing: kpwork/data/retired.csv (kpwork's package data)" in result.output
    assert "input new: kpwork/data/terms.csv (kpwork's package data, not in the run's manifest)" in result.output
    # a manifest written before package data was recorded reports none
    del manifest["package_data"]
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert reproduce(copy).inputs == []


@pytest.mark.e2e
def test_a_run_made_with_other_versions_names_them_and_how_to_rebuild_still_comparing_tables(sample_run, tmp_path):
    import json
    from importlib import metadata

    copy = tmp_path / sample_run.name
    shutil.copytree(sample_run, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["distributions"]["pandas"] == metadata.version("pandas")
    manifest["distributions"]["pandas"] = "2.2.0"
    manifest["distributions"]["xstatic-leaflet"] = "1.7.1.0"
    manifest["kpwork"]["git_commit"] = "0" * 40
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = reproduce(copy)
    assert report.ok, "the tables are still compared, and they are the same"
    assert [(c.name, c.run, c.now) for c in report.packages] == [
        ("pandas", "2.2.0", metadata.version("pandas")), ("xstatic-leaflet", "1.7.1.0", metadata.version("xstatic-leaflet")),
    ]
    result = CliRunner().invoke(main, ["reproduce", str(copy)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "environment differs from the run's (2 packages):" in lines
    assert f"  pandas: 2.2.0 in the run -> {metadata.version('pandas')} now" in lines
    assert f"  xstatic-leaflet: 1.7.1.0 in the run -> {metadata.version('xstatic-leaflet')} now" in lines
    assert any(line.startswith(f"kpwork: commit {'0' * 40} in the run -> ") for line in lines)
    assert any(f"kpwork env {copy} > requirements.txt" in line for line in lines)
    assert lines[-1].startswith("reproduced:")


def _norms_sha256() -> str:
    return hashlib.sha256(resources.files("kpwork.data").joinpath("norms.csv").read_bytes()).hexdigest()


@pytest.mark.parametrize(("manifest", "message"), [(None, "no manifest.json; expected a run folder"), ('{"run_id": ', "not a valid manifest (Expecting")])
def test_cli_reproduce_without_a_valid_manifest_exits_1_with_the_reason(tmp_path, manifest, message):
    if manifest is not None:
        (tmp_path / "manifest.json").write_text(manifest, encoding="utf-8")
    result = CliRunner().invoke(main, ["reproduce", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("chyba: ") and message in result.output
