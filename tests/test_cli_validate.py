"""``kpwork validate``: a one-screen summary and exit 0, or one line per problem and exit 1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpwork.cli import main

LINE = re.compile(r"^(?P<file>[\w.\[\]-]+):(?P<row>\d+|-): (?P<column>[\w-]+): (?P<message>.+)$")


def test_validate_the_sample(sample_dir):
    result = CliRunner().invoke(main, ["validate", str(sample_dir), "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Otrokovicko (otrokovicko): OK"
    assert lines[1] == "  members: 8 municipalities, 29,945 inhabitants (2020)"
    assert lines[2] == "  services: 19 of 15 types from 7 providers"
    assert lines[3] == "    by form: pobytová 5, ambulantní 7, terénní 7"
    assert "  usage: 97 rows, 849 clients" in lines
    assert len(lines) <= 24  # one screen
    assert result.stderr == ""


def test_validate_core_files_alone(region_copy):
    result = CliRunner().invoke(main, ["validate", str(region_copy), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "  files read: 5"


def test_validate_defaults_to_the_sample(monkeypatch, sample_dir):
    monkeypatch.chdir(sample_dir.parents[1])
    result = CliRunner().invoke(main, ["validate", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Otrokovicko (otrokovicko): OK\n")


def _break_everything(folder: Path, set_cell) -> list[str]:
    """Many problems across all files at once; returns the lines validate must print."""
    toml = folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('  "586013",  # Žlutava\n', '  "586013",  # Žlutava\n  "585068",  # Zlín\n'), encoding="utf-8")
    geojson = folder / "municipalities.geojson"
    data = json.loads(geojson.read_text(encoding="utf-8"))
    data["features"][2]["properties"]["nazev"] = None
    geojson.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    population = folder / "population.csv"
    set_cell(population, 3, "vek_65_79", "-5")
    set_cell(population, 4, "kod_obce", "58831")
    set_cell(population, 5, "vek_0_14", "")
    services = folder / "services.csv"
    set_cell(services, 2, "kapacita", "-120")
    set_cell(services, 3, "druh", "domov senjoru")  # a typo: "domov seniorů" is understood
    set_cell(services, 4, "forma", "terénní")
    set_cell(services, 5, "cilove_skupiny", "seniorii")
    set_cell(services, 6, "lat", "17,5105")
    set_cell(services, 6, "lon", "49,1725")
    set_cell(services, 7, "lat", "50,0875")
    set_cell(services, 7, "lon", "14,4213")
    set_cell(services, 8, "pusobnost", "585599, 585513, 500011")
    set_cell(services, 9, "kod_obce", "58559")
    usage = folder / "usage.csv"
    set_cell(usage, 2, "sluzba_id", "X99")
    set_cell(usage, 5, "klienti", "-1")
    return [
        "region.toml:15: members: member 585068 has no polygon in the municipalities file; expected a feature with kod_obce 585068",
        "municipalities.geojson:3: nazev: missing municipality name; expected the name of the municipality",
        "population.csv:3: vek_65_79: municipality 585513 (Napajedla): must be >= 0, got -5",
        "population.csv:4: kod_obce: must be a 6-digit municipality code (kód obce), got '58831'",
        "population.csv:5: vek_0_14: municipality 585220 (Halenkovice): missing value; expected a number of people >= 0",
        "population.csv:-: kod_obce: member 588318 has no population row; expected a row per member and year",
        "population.csv:-: kod_obce: member 585068 has no population row; expected a row per member and year",
        "services.csv:2: kapacita: service S01 (Pečovatelská služba SENIOR Otrokovice): must be >= 0, got -120",
        "services.csv:3: druh: service S02 (Domov pro seniory Otrokovice): unknown service type (druh) 'domov senjoru'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'domovy pro seniory'?",
        "services.csv:4: forma: service S03 (Domov se zvláštním režimem Otrokovice): domovy se zvláštním režimem (§50) is not provided as terénní; expected pobytová",
        "services.csv:5: cilove_skupiny: service S04 (Domov pro seniory Napajedla): unknown target group (cílová skupina) 'seniorii'; expected a target group of the registry or its short form (docs/data-format.md); did you mean 'senioři'?",
        "services.csv:6: lat: service S05 (Pečovatelská služba Napajedla): lat 17.5105 and lon 49.1725 look swapped; expected lat first (in Czechia lat is 48.5-51.1, lon 12-18.9)",
        "services.csv:7: lat: service S06 (Charitní pečovatelská služba): service at lat 50.0875, lon 14.4213 lies outside the region (237 km from its edge); expected WGS84 degrees inside the region",
        "services.csv:8: pusobnost: service S07 (Odlehčovací služba Charity): 500011 is not a member of the region; list members only, or * for the whole region",
        "services.csv:9: kod_obce: service S08 (Osobní asistence Charity): must be a 6-digit municipality code (kód obce), got '58559'",
        "usage.csv:2: sluzba_id: unknown service 'X99' (not in services)",
        "usage.csv:5: klienti: service S01: must be >= 0, got -1",
    ]


def test_validate_lists_every_problem_of_a_broken_copy(region_copy, set_cell):
    expected = _break_everything(region_copy, set_cell)
    result = CliRunner().invoke(main, ["validate", str(region_copy), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    for line in expected:
        assert line in lines
    assert lines == [*expected, f"{len(expected)} problems found; nothing was written."]
    for line in lines[:-1]:
        match = LINE.match(line)
        assert match, line
        assert match["file"] in {"region.toml", "municipalities.geojson", "population.csv", "services.csv", "usage.csv"}


def test_validate_broken_geometry_and_sheets(region_copy, set_cell):
    geojson = region_copy / "municipalities.geojson"
    data = json.loads(geojson.read_text(encoding="utf-8"))
    data["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[17.50, 49.15], [17.55, 49.20], [17.55, 49.15], [17.50, 49.20], [17.50, 49.15]]]}
    geojson.write_text(json.dumps(data), encoding="utf-8")
    set_cell(region_copy / "services.csv", 10, "forma", "pobytova")
    set_cell(region_copy / "usage.csv", 10, "kod_obce", "")
    result = CliRunner().invoke(main, ["validate", str(region_copy), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "municipalities.geojson:1: geometry: invalid polygon: Self-intersection[17.525 49.175]; expected a valid polygon (QGIS: Fix geometries)",
        "services.csv:10: forma: service S09 (Denní stacionář Klubíčko): denní stacionáře (§46) is not provided as pobytová; expected ambulantní",
        "usage.csv:10: kod_obce: service S02: missing value; expected a 6-digit code",
        "3 problems found; nothing was written.",
    ]


def test_validate_one_problem(region_copy, set_cell):
    set_cell(region_copy / "usage.csv", 3, "sluzba_id", "S1")
    result = CliRunner().invoke(main, ["validate", str(region_copy), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr == "usage.csv:3: sluzba_id: unknown service 'S1' (not in services); did you mean 'S01'?\n1 problem found; nothing was written.\n"


def test_validate_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nowhere"), "--lang", "en"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'nowhere'}:-: -: region folder not found"


@pytest.mark.parametrize("broken", [False, True])
def test_the_installed_command(region_copy, set_cell, broken):
    """The real entry point: exit status and streams as a shell sees them."""
    if broken:
        set_cell(region_copy / "services.csv", 2, "kapacita", "-120")
    kpwork = Path(sys.executable).with_name("kpwork")
    command = [str(kpwork)] if kpwork.exists() else [sys.executable, "-m", "kpwork.cli"]
    done = subprocess.run([*command, "validate", str(region_copy), "--lang", "en"], capture_output=True, text=True, timeout=120)
    if broken:
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == "services.csv:2: kapacita: service S01 (Pečovatelská služba SENIOR Otrokovice): must be >= 0, got -120\n1 problem found; nothing was written.\n"
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Otrokovicko (otrokovicko): OK\n")


CZECH_LINE = re.compile(r"^(?P<file>[\w.\[\]-]+)(?:, řádek (?P<row>\d+))?, (?P<column>[\w-]+): (?P<message>.+)$")
ENGLISH_WORDS = re.compile(r"\b(expected|must|got|unknown|missing|service|member|listed|duplicate|file not found|did you mean)\b")


def test_a_broken_copy_is_described_in_czech_naming_services_and_municipalities(region_copy, set_cell):
    english = _break_everything(region_copy, set_cell)
    result = CliRunner().invoke(main, ["validate", str(region_copy)], env={"LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(english) + 1
    assert lines[-1] == f"Nalezeno: {len(english)} problémů; nic se nezapsalo."
    for line in lines[:-1]:
        match = CZECH_LINE.match(line)
        assert match, line
        assert not ENGLISH_WORDS.search(match["message"]), line
    assert "services.csv, řádek 2, kapacita: služba S01 (Pečovatelská služba SENIOR Otrokovice): musí být číslo ≥ 0, zadáno -120" in lines
    assert "usage.csv, řádek 5, klienti: služba S01: musí být číslo ≥ 0, zadáno -1" in lines
    assert any(line.startswith("population.csv, řádek 3, vek_65_79: obec ") for line in lines)


def test_english_with_lang_en_or_an_english_locale(region_copy, set_cell):
    set_cell(region_copy / "services.csv", 4, "kapacita", "dvacet")
    expected = "services.csv:4: kapacita: service S03 (Domov se zvláštním režimem Otrokovice): expected a capacity >= 0, got 'dvacet'"
    for args, env in ((["--lang", "en"], {"LANG": "cs_CZ.UTF-8"}), ([], {"LANG": "en_GB.UTF-8", "LC_ALL": ""})):
        result = CliRunner().invoke(main, ["validate", str(region_copy), *args], env=env)
        assert result.stderr.splitlines() == [expected, "1 problem found; nothing was written."]
    czech_run = CliRunner().invoke(main, ["validate", str(region_copy), "--lang", "cs"], env={"LC_ALL": "en_US.UTF-8"})
    assert czech_run.stderr.splitlines() == [
        "services.csv, řádek 4, kapacita: služba S03 (Domov se zvláštním režimem Otrokovice): hodnota ‚dvacet‘ nejde přečíst; napište číslo ≥ 0, např. 30",
        "Nalezeno: 1 problém; nic se nezapsalo.",
    ]


def test_the_summary_of_a_valid_region_is_czech(sample_dir):
    result = CliRunner().invoke(main, ["validate", str(sample_dir)], env={"LANG": "C.UTF-8", "LC_ALL": ""})
    assert result.exit_code == 0
    assert "  členské obce: 8 obcí, 29 945 obyvatel (2020)" in result.stdout.splitlines()
