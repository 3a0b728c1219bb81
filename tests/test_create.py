"""``kpwork init``: a complete, valid region from the national reference; nothing written on error."""

from __future__ import annotations

import hashlib
import tomllib
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import kpwork.create
from kpwork.cli import main
from kpwork.create import SERVICE_HELP, USAGE_HELP, create_region, replace_population
from kpwork.errors import InvalidParameter, InvalidRegion, KpworkWarning
from kpwork.reference import AGE_BANDS, CREDIT, national_municipalities, national_population
from kpwork.region import SERVICE_COLUMNS, SERVICE_OPTIONAL, USAGE_COLUMNS, load_region

MEMBERS = ["585599", "585513", "588318"]  # Otrokovice, Napajedla, Bělov
WRITTEN = ["region.toml", "municipalities.geojson", "population.csv", "services.csv", "services.xlsx", "usage.csv", "usage.xlsx"]


def _init(*args: str):
    return CliRunner().invoke(main, ["init", *map(str, args)])


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def created(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "otrokovicko"
    result = _init(folder, "--obce", "Otrokovice, NAPAJEDLA, Belov")
    assert result.exit_code == 0, result.output
    return folder


def test_init_writes_the_listed_files_and_says_so(created):
    assert sorted(p.name for p in created.iterdir()) == sorted(WRITTEN)
    assert not list(created.parent.glob(".*")), "no temporary folder left behind"
    result = _init(created.parent / "again", "--obce", "588318")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"region zapsán do {created.parent / 'again'} (1 obec):"
    assert [line.split()[0] for line in lines[1:8]] == WRITTEN
    assert "kpwork validate" in lines[-1] and "kpwork run" in lines[-1]


def test_created_region_loads_with_real_boundaries_and_2020_ages(created):
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpworkWarning)
        region = load_region(created)
    assert (region.id, region.name, region.members) == ("otrokovicko", "Otrokovicko", tuple(MEMBERS))
    assert len(region.services) == 0 and len(region.usage) == 0
    national = national_municipalities().set_index("kod_obce").loc[MEMBERS]
    moved = region.municipalities.loc[MEMBERS].geometry.hausdorff_distance(national.geometry)
    assert (moved < 1.0).all(), "the national boundaries, within a metre (written with 6 decimals)"
    ref = national_population().set_index("kod_obce").loc[MEMBERS]
    latest = region.latest_population()
    assert (latest[list(AGE_BANDS)] == ref[list(AGE_BANDS)]).all().all()
    assert set(latest["rok"]) == {2020}


def test_validate_passes_straight_away(created):
    result = CliRunner().invoke(main, ["validate", str(created), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["Otrokovicko (otrokovicko): OK", "  members: 3 municipalities, 25,036 inhabitants (2020)"]


def test_region_toml_names_members_sources_and_defaults(created):
    text = (created / "region.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["region"] == {"id": "otrokovicko", "name": "Otrokovicko", "members": MEMBERS}
    assert config["zdroje"]["uvedeni"] == CREDIT
    assert config["zdroje"]["obyvatelstvo"] == "ČSÚ, Věkové složení obyvatelstva obcí k 31. 12. 2020 (rok 2020)"
    assert '  "588318",  # Bělov (okres Zlín)' in text.splitlines()
    assert "# id: " in text and "# name: " in text and "# members: " in text
    assert "dosah pobytových služeb 30 km" in text


def test_sheets_are_cp1250_with_semicolons_and_templates_are_header_only(created):
    population = (created / "population.csv").read_bytes()
    assert "Bělov".encode("cp1250") in population and b"\r\n" in population
    assert population.decode("cp1250").splitlines()[0] == "kod_obce;nazev;rok;vek_0_14;vek_15_64;vek_65_79;vek_80_plus"
    assert (created / "services.csv").read_bytes().decode("cp1250").splitlines() == [";".join(SERVICE_HELP)]
    assert (created / "usage.csv").read_bytes().decode("cp1250").splitlines() == [";".join(USAGE_HELP)]
    assert set(SERVICE_HELP) == set(SERVICE_COLUMNS) | set(SERVICE_OPTIONAL)
    assert set(USAGE_COLUMNS) <= set(USAGE_HELP)


def _validations(sheet) -> dict[str, tuple[str, str | None]]:
    """Column header -> (type, formula1) of the data validations of a sheet."""
    headers = {c.column_letter: c.value for c in sheet[1]}
    found = {}
    for rule in sheet.data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            assert cells.min_row == 2 and cells.max_row == kpwork.create.TEMPLATE_ROWS
            found[headers[cells.coord.split(":")[0].rstrip("0123456789")]] = (rule.type, rule.formula1)
    return found


def test_services_workbook_has_drop_down_lists_and_explanations(created):
    book = load_workbook(created / "services.xlsx")
    assert book.sheetnames == ["Služby", "Vysvětlivky", "Seznamy"]
    data, notes, lists = book["Služby"], book["Vysvětlivky"], book["Seznamy"]
    assert [c.value for c in data[1]] == list(SERVICE_HELP)
    rules = _validations(data)
    assert rules["druh"] == ("list", "=Seznamy!$A$2:$A$34")
    assert rules["forma"] == ("list", "=Seznamy!$B$2:$B$4")
    assert rules["cilove_skupiny"] == ("list", "=Seznamy!$C$2:$C$28")  # the 27 groups of the registry
    assert rules["jednotka"] == ("list", "=Seznamy!$D$2:$D$8")
    assert rules["kod_obce"] == ("list", "=Seznamy!$E$2:$E$4")
    assert rules["kapacita"][0] == "decimal" and rules["lat"][0] == "decimal"
    columns = [c.value for c in lists[1]]
    values = {h: [r[j].value for r in lists.iter_rows(min_row=2) if r[j].value is not None] for j, h in enumerate(columns)}
    assert values["Druh služby"][:2] == ["§37 odborné sociální poradenství", "§39 osobní asistence"]
    assert values["Forma"] == ["pobytová", "ambulantní", "terénní"]
    assert values["Kód obce"] == MEMBERS and values["Obec"] == ["Otrokovice", "Napajedla", "Bělov"]
    explained = {r[0].value: r[1].value for r in notes.iter_rows(min_row=5)}
    assert explained == {c: ("ano" if SERVICE_HELP[c][0] else "ne") for c in SERVICE_HELP}


def test_usage_workbook_lists_members_and_checks_numbers(created):
    data = load_workbook(created / "usage.xlsx").worksheets[0]
    assert [c.value for c in data[1]] == list(USAGE_HELP)
    rules = _validations(data)
    assert rules["kod_obce"] == ("list", "=Seznamy!$E$2:$E$4")
    assert rules["klienti"][0] == "whole" and rules["rok"][0] == "whole" and rules["hodiny"][0] == "decimal"


def test_filled_workbook_is_read_instead_of_the_empty_csv(created, tmp_path):
    folder = tmp_path / "filled"
    create_region(folder, MEMBERS)
    book = load_workbook(folder / "services.xlsx")
    book.worksheets[0].append(["S01", "Pečovatelská služba", "Charita", None, "§40 pečovatelská služba", "terénní", "senioři", 120, None, "585599", None, None, "*", 6850000])
    book.save(folder / "services.xlsx")
    book = load_workbook(folder / "usage.xlsx")
    book.worksheets[0].append(["S01", "585599", 100, 7000, 2024])
    book.save(folder / "usage.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpworkWarning)  # no lat/lon: the centre of the municipality
        region = load_region(folder)
    assert {p.name for p in region.inputs} >= {"services.xlsx", "usage.xlsx"}
    assert region.services["druh"].tolist() == ["40"] and region.services["pusobnost"].iat[0] == tuple(MEMBERS)
    assert region.usage["klienti"].tolist() == [100]


def test_rows_in_both_csv_and_xlsx_are_a_problem(created, tmp_path, problems_of):
    folder = tmp_path / "both"
    create_region(folder, MEMBERS)
    book = load_workbook(folder / "usage.xlsx")
    book.worksheets[0].append(["S01", "585599", 1, None, 2024])
    book.save(folder / "usage.xlsx")
    (folder / "usage.csv").write_bytes(b"sluzba_id;kod_obce;klienti\r\nS01;585599;1\r\n")
    assert problems_of(folder) == ["usage.xlsx:-: -: usage.csv and usage.xlsx both hold rows; kpwork reads one of them: keep the rows in one file and delete the other"]


def test_init_a_whole_district(tmp_path):
    folder = tmp_path / "zlinsko"
    result = _init(folder, "--okres", "zlin", "--nazev", "Okres Zlín")
    assert result.exit_code == 0, result.output
    expected = national_population().query("okres == 'Zlín'")
    region = load_region(folder)
    assert region.name == "Okres Zlín" and set(region.members) == set(expected["kod_obce"]) and len(region.members) == 89
    assert int(region.latest_population()["obyvatele"].sum()) == int(expected["celkem"].sum())
    assert CliRunner().invoke(main, ["validate", str(folder)]).exit_code == 0


def test_a_shared_name_is_an_error_listing_each_candidate_and_nothing_is_written(tmp_path):
    folder = tmp_path / "pohorelice"
    result = _init(folder, "--obce", "Napajedla, Pohořelice")
    assert result.exit_code == 1
    assert "Pohořelice (okres Zlín, 549461)" in result.stderr and "Pohořelice (okres Brno-venkov, 584801)" in result.stderr
    assert not folder.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_kept_unless_forced(created, tmp_path):
    folder = tmp_path / "region"
    assert _init(folder, "--obce", "Bělov").exit_code == 0
    (folder / "poznamky.txt").write_text("the coordinator's notes", encoding="utf-8")
    before = _tree(folder)
    refused = _init(folder, "--obce", "Otrokovice")
    assert refused.exit_code == 1 and "už existuje" in refused.stderr and "--force" in refused.stderr
    assert _tree(folder) == before
    forced = _init(folder, "--obce", "Otrokovice", "--force")
    assert forced.exit_code == 0, forced.output
    assert load_region(folder).members == ("585599",)
    assert (folder / "poznamky.txt").read_text(encoding="utf-8") == "the coordinator's notes", "files init does not write are kept"


def test_an_empty_existing_folder_is_used(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert create_region(folder, ["588318"])[0] == folder / "region.toml"


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kpwork.create, "_write_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        create_region(tmp_path / "r", MEMBERS)
    assert list(tmp_path.iterdir()) == []


def test_unknown_codes_and_no_members_are_errors(tmp_path):
    with pytest.raises(InvalidParameter, match="kódy 999999 nemá žádná obec"):
        create_region(tmp_path / "r", ["585599", "999999"])
    with pytest.raises(InvalidParameter, match="aspoň jednu"):
        create_region(tmp_path / "r", [])
    assert list(tmp_path.iterdir()) == []


def _newer_table(tmp_path: Path, codes: list[str], year: int) -> Path:
    """A ČSÚ-style table (ZUJ, Obec, Celkem, age groups) with 10 % more people in every band."""
    ref = national_population().set_index("kod_obce").loc[codes]
    bands = (ref[list(AGE_BANDS)] * 1.1).round().astype(int)
    table = pd.DataFrame({"ZUJ": codes, "Obec": ref["nazev"].tolist(), "Celkem": bands.sum(axis=1).tolist()})
    for band, header in zip(AGE_BANDS, ("0-14", "15-64", "65-79", "80 a více"), strict=True):
        table[header] = bands[band].tolist()
    path = tmp_path / f"vek_{year}.xlsx"
    table.to_excel(path, index=False)
    return path


def test_init_with_a_newer_csu_table_records_its_year(tmp_path):
    table = _newer_table(tmp_path, MEMBERS, 2024)
    folder = tmp_path / "r"
    result = _init(folder, "--obce", ",".join(MEMBERS), "--populace", table, "--rok", "2024")
    assert result.exit_code == 0, result.output
    region = load_region(folder)
    assert set(region.latest_population()["rok"]) == {2024}
    assert int(region.latest_population().loc["588318", "obyvatele"]) == round(43 * 1.1) + round(207 * 1.1) + round(53 * 1.1) + round(14 * 1.1)
    sources = tomllib.loads((folder / "region.toml").read_text(encoding="utf-8"))["zdroje"]
    assert sources["obyvatelstvo"] == "ČSÚ, vek_2024.xlsx (rok 2024)"


def test_a_newer_table_must_cover_every_member(tmp_path):
    table = _newer_table(tmp_path, MEMBERS[:2], 2024)
    result = _init(tmp_path / "r", "--obce", ",".join(MEMBERS), "--populace", table, "--rok", "2024")
    assert result.exit_code == 1 and "tabulka obyvatel nemá řádek pro Bělov (588318)" in result.stderr
    assert not (tmp_path / "r").exists()


def test_replace_population_of_an_existing_region(tmp_path):
    folder = tmp_path / "r"
    create_region(folder, MEMBERS)
    from kpwork.reference import read_population_table

    path = replace_population(folder, read_population_table(_newer_table(tmp_path, MEMBERS, 2025), rok=2025), source="ČSÚ 2025")
    assert path == folder / "population.csv"
    assert set(load_region(folder).latest_population()["rok"]) == {2025}
    assert tomllib.loads((folder / "region.toml").read_text(encoding="utf-8"))["zdroje"]["obyvatelstvo"] == "ČSÚ 2025 (rok 2025)"


def test_replace_population_reads_members_as_validate_reads_them(tmp_path):
    # a region.toml saved in cp1250 (Windows Notepad) is read; a bad member code is named with file, row and column
    folder = tmp_path / "r"
    create_region(folder, MEMBERS)
    from kpwork.reference import read_population_table

    table = read_population_table(_newer_table(tmp_path, MEMBERS, 2025), rok=2025)
    config = folder / "region.toml"
    text = config.read_text(encoding="utf-8")
    assert '\nname = "R"\n' in text
    config.write_bytes(text.replace('\nname = "R"\n', '\nname = "Mikroregion Bělov a Žlutava"\n', 1).encode("cp1250"))
    replace_population(folder, table, source="ČSÚ 2025")
    assert set(load_region(folder).latest_population()["rok"]) == {2025}
    assert "Mikroregion Bělov a Žlutava" in config.read_text(encoding="utf-8")
    before = (folder / "population.csv").read_bytes()
    config.write_text(config.read_text(encoding="utf-8").replace(f'"{MEMBERS[1]}"', '"58551"'), encoding="utf-8")
    with pytest.raises(InvalidRegion) as caught:
        replace_population(folder, table)
    (problem,) = caught.value.problems
    assert (problem.file, problem.column) == ("region.toml", "members") and problem.row is not None
    assert (folder / "population.csv").read_bytes() == before


@pytest.mark.e2e
def test_run_on_a_region_without_services_completes(created, tmp_path):
    result = CliRunner().invoke(main, ["run", str(created), "--out", str(tmp_path / "out"), "--no-progress", "--workers", "1"])
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "otrokovicko" / "latest"
    from kpwork.results import load

    results = load(run_dir / "results")
    assert len(results["sluzby"]) == 0
    assert results["obce"]["rok"].tolist() == [2020] * 3
    assert (results["mezery"]["stav"] == "nedostupne").all()
    pages = sorted(p.name for p in (run_dir / "html").glob("*.html"))
    assert pages == ["index.html", "obec_585513.html", "obec_585599.html", "obec_588318.html", "region.html"]
    layer = gpd.read_file(run_dir / "results" / "vysledky.gpkg", layer="obce")
    assert len(layer) == 3
