"""``kpwork import-rpss``: services of a region from the national registry's open-data export.

The fixture ``tests/data/rpss/`` is a small ``rpss.json`` in the registry's
layout with its codelists (ids with and without their ``Codelist/`` prefix):
16 services around the sample region Otrokovicko, among them a hidden
address, statutory bodies with made-up names, an unknown service type and
target groups, services from outside that cover members, multi-form services
and an ended registration.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpwork import KpworkError, KpworkWarning, load_region
from kpwork import sheets as sh
from kpwork.cli import main
from kpwork.rpss import import_rpss
from kpwork.rpss.codelists import read_codelists
from kpwork.rpss.merge import CHANGE_LOG, GONE
from kpwork.rpss.rows import COORDINATOR, COVERED, HIDDEN, NEIGHBOUR

FIXTURE = Path(__file__).parent / "data" / "rpss"
TODAY = dt.date(2025, 1, 1)
#: Personal data in the fixture (statutory bodies, a facility manager): never written anywhere.
PERSONAL = ("Bohumila", "Vymyšlená", "Kryštof", "Smyšlený", "Nejsoucí", "Ctibor", "Fiktivní", "Neexistující", "Radomír", "Nepravý")
#: The fixture's rows of Otrokovicko: one per form of each service of the region that kpwork can map.
EXPECTED_IDS = {
    "1000001-ter", "1000002-pob", "1000003-pob", "1000003-ter", "1000004-pob", "1000006-ter",
    "1000009-ter", "1000011-ter", "1000012-amb", "1000014-amb", "1000016-amb", "1000016-ter",
}


def _rows(folder: Path) -> dict[str, dict[str, str]]:
    frame = sh.read_sheet(folder / "services.csv").frame
    return {row["id"]: row for row in frame.to_dict("records")}


def _run(folder: Path, export: Path = FIXTURE / "rpss.json", **kwargs):
    return import_rpss(folder, export, today=TODAY, **kwargs)


def _set(path: Path, sid: str, column: str, value: str) -> None:
    """Set one cell of services.csv (UTF-8 with BOM, ``;``) by service id, adding the column if needed."""
    lines = [line.split(";") for line in path.read_text(encoding="utf-8-sig").splitlines()]
    if column not in lines[0]:
        lines = [line + [column if i == 0 else ""] for i, line in enumerate(lines)]
    row = next(line for line in lines if line[0] == sid)
    row[lines[0].index(column)] = value
    path.write_text("\r\n".join(";".join(line) for line in lines) + "\r\n", encoding="utf-8-sig")


def _all_text(folder: Path) -> str:
    return "\n".join(sh.decode(p.read_bytes()) for p in folder.iterdir() if p.is_file())


@pytest.fixture
def imported(region_copy: Path):
    """The sample's core files with the fixture imported once: (report, rows by id)."""
    return _run(region_copy), _rows(region_copy)


@pytest.fixture
def export_copy(tmp_path: Path) -> Path:
    """A copy of the fixture export and codelists that a test may edit; returns its rpss.json."""
    target = tmp_path / "export"
    shutil.copytree(FIXTURE, target)
    return target / "rpss.json"


def _edit_export(path: Path, edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit({s["identifikator"]: s for s in data["polozky"]}, data["polozky"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


# --- codelists -------------------------------------------------------------------------------


def test_codelist_ids_with_or_without_prefix():
    lists = read_codelists(FIXTURE)
    assert lists.druhy["13"] == "domovy pro seniory"  # file ids "DruhSocialniSluzby/13"
    assert lists.skupiny["24"] == "senioři"  # file ids bare "24"
    assert lists.kod_obce("Obec/585599") == lists.kod_obce({"id": "585599"}) == "585599"
    # the kraj of a member through its okres ("Obec" -> "Okres/3705" -> "Kraj/19")
    assert {("okres", "3705"), ("kraj", "19")} <= lists.areas["585599"]


# --- mapping ---------------------------------------------------------------------------------


def test_types_forms_units_and_groups_are_mapped(imported):
    report, rows = imported
    assert set(r for r in rows if not r.startswith("S")) == EXPECTED_IDS
    ps = rows["1000001-ter"]
    assert (ps["druh"], ps["forma"], ps["kapacita"], ps["jednotka"]) == ("pečovatelská služba", "terénní", "120", "klienti")
    assert ps["cilove_skupiny"] == "senioři, osoby se zdravotním postižením"
    assert ps["ico"] == "70850001" and ps["rpss_id"] == "1000001"
    assert ps["adresa"] == "Šafaříkova 1464/5, 765 02 Otrokovice"
    assert (ps["telefon"], ps["email"], ps["web"]) == ("577 100 001", "sluzba1@registr.example", "https://sluzba1.example")
    ds = rows["1000002-pob"]  # "DruhSocialniSluzby/13"; no contacts of its own: the provider's
    assert (ds["druh"], ds["forma"], ds["kapacita"], ds["jednotka"]) == ("domovy pro seniory", "pobytová", "100", "lůžka")
    assert ds["email"] == "reditel@senior-otrokovice.example"
    # a service registered in two forms: a row per form with that form's capacity
    assert (rows["1000003-pob"]["kapacita"], rows["1000003-pob"]["jednotka"]) == ("8", "lůžka")
    assert (rows["1000003-ter"]["kapacita"], rows["1000003-ter"]["jednotka"]) == ("15", "klienti")
    # several capacities of one form: the type's unit, else beds, else clients; the rest in the notes
    assert (rows["1000016-ter"]["kapacita"], rows["1000016-ter"]["jednotka"]) == ("80", "klienti")
    assert "další kapacita 500 kontakty" in rows["1000016-ter"]["rpss_poznamka"]
    # a group whose registry name holds a comma is written by its code (the loader splits on commas)
    assert rows["1000009-ter"]["cilove_skupiny"] == "osoby žijící v sociálně vyloučených komunitách, rizikovy_zivot"
    assert rows["1000014-amb"]["druh"] == "nízkoprahová zařízení pro děti a mládež"  # bare type id "25"


def test_unknown_codes_are_reported_not_dropped(imported, region_copy):
    report, rows = imported
    assert report.unknown == {
        "druh": {"centrum duševního zdraví (34)": 1},
        "cilova_skupina": {"osoby s poruchou autistického spektra (31)": 2},
        "kapacita": {"počet míst (mista)": 1},
        "forma": {"onl": 1},
    }
    reasons = {(c.rpss_id, c.poznamka) for c in report.not_imported}
    assert reasons == {
        ("1000005", "druh služby centrum duševního zdraví kpwork nezná"),
        ("1000012", "forma pobytová: denní stacionáře (§46) se v ní podle zákona neposkytuje"),
        ("1000013", "žádnou z cílových skupin (osoby s poruchou autistického spektra (31)) kpwork nezná"),
        ("1000014", "forma onl: kpwork ji nezná"),
    }
    # a known group is kept, the unknown one named on the row
    assert rows["1000011-ter"]["cilove_skupiny"] == "rodiny s dítětem/dětmi, pečující osoby"  # a newer group of the registry
    assert "neznámá cílová skupina: osoby s poruchou autistického spektra (31)" in rows["1000011-ter"]["rpss_poznamka"]
    assert rows["1000014-amb"]["jednotka"] == "počet míst"
    log = sh.read_sheet(region_copy / CHANGE_LOG).frame
    assert sorted(log.loc[log["zmena"] == "nezařazena", "rpss_id"]) == ["1000005", "1000012", "1000013", "1000014"]
    text = "\n".join(report.lines())
    assert "nezařazeno 4" in text and "cílová skupina: osoby s poruchou autistického spektra (31) (2×)" in text


# --- which services, and where ---------------------------------------------------------------


def test_services_of_the_region_and_from_outside(imported):
    report, rows = imported
    assert (report.read, report.inside, report.outside, report.ended) == (16, 10, 2, 1)
    assert {i for i, r in rows.items() if r.get("mimo_region") == "ano"} == {"1000006-ter", "1000009-ter"}
    # kraj-wide area (Zlín's personal assistance) covers every member; a list of municipalities only those
    assert rows["1000006-ter"]["pusobnost"] == "*"
    assert rows["1000009-ter"]["pusobnost"] == "585599, 585513"
    assert "sídlo mimo region: Zlín (585068)" in rows["1000006-ter"]["rpss_poznamka"]
    assert rows["1000006-ter"]["poloha"] == COVERED and rows["1000006-ter"]["kod_obce"] == "585599"
    # facilities in two members plus a kraj-wide area: the whole region; the other facility named
    assert rows["1000016-amb"]["pusobnost"] == "*"
    assert rows["1000016-amb"]["rpss_poznamka"] == "další zařízení v obcích: Otrokovice (585599)"
    assert rows["1000001-ter"]["pusobnost"] == "585599"
    # an ended facility (Napajedla) is not the seat; the active one in Žlutava is
    assert rows["1000012-amb"]["kod_obce"] == "586013"


def test_rows_are_placed_at_the_municipality_point(imported, region_copy):
    _, rows = imported
    with warnings.catch_warnings():
        warnings.simplefilter("error", KpworkWarning)  # coordinates given: no "lat/lon missing" warnings
        region = load_region(region_copy)
    services = region.services.set_index("id")
    for sid in EXPECTED_IDS:
        point = services.geometry[sid]
        centre = region.municipalities.geometry[services.loc[sid, "kod_obce"]].representative_point()
        if rows[sid]["poloha"] != NEIGHBOUR:
            assert point.distance(centre) < 2, sid  # written to 5 decimals of a degree
    assert {rows[s]["poloha"] for s in EXPECTED_IDS} == {"střed obce", HIDDEN, COVERED}


def test_a_seat_in_a_neighbour_of_the_geometry_file(region_copy):
    geojson = region_copy / "municipalities.geojson"
    data = json.loads(geojson.read_text(encoding="utf-8"))
    square = [[17.47, 49.245], [17.51, 49.245], [17.51, 49.27], [17.47, 49.27], [17.47, 49.245]]
    data["features"].append({"type": "Feature", "properties": {"kod_obce": "585858", "nazev": "Tlumačov"}, "geometry": {"type": "Polygon", "coordinates": [square]}})
    geojson.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _run(region_copy)
    row = _rows(region_copy)["1000009-ter"]
    assert row["poloha"] == NEIGHBOUR and row["kod_obce"] == "585599"  # the covered member nearest to Tlumačov
    lat, lon = sh.parse_number(row["lat"]), sh.parse_number(row["lon"])
    assert 49.245 < lat < 49.27 and 17.47 < lon < 17.51
    load_region(region_copy)


# --- safety ----------------------------------------------------------------------------------


def test_a_hidden_address_is_never_written(imported, region_copy):
    _, rows = imported
    shelter = rows["1000004-pob"]
    assert shelter["adresa"] == "" and shelter["poloha"] == HIDDEN
    assert (shelter["lat"], shelter["lon"]) == (rows["1000001-ter"]["lat"], rows["1000001-ter"]["lon"])  # Otrokovice's point
    text = _all_text(region_copy)
    assert "Skrytá" not in text and "99999999" not in text


def test_a_hidden_address_replaces_coordinates_a_coordinator_entered(imported, region_copy):
    _, rows = imported
    _set(region_copy / "services.csv", "1000004-pob", "lat", "49,2046")
    _set(region_copy / "services.csv", "1000004-pob", "lon", "17,5204")
    report = _run(region_copy)
    assert _rows(region_copy)["1000004-pob"]["lat"] == rows["1000004-pob"]["lat"]
    assert {(c.id, c.sloupec) for c in report.of_kind("změněna")} == {("1000004-pob", "lat"), ("1000004-pob", "lon")}


def test_personal_data_is_never_written(imported, region_copy):
    report, _ = imported
    text = _all_text(region_copy) + "\n".join(report.lines())
    assert not [name for name in PERSONAL if name in text]


# --- re-import -------------------------------------------------------------------------------


def test_a_second_import_changes_nothing(imported, region_copy):
    before = (region_copy / "services.csv").read_bytes()
    report = _run(region_copy)
    assert report.changes == ()
    assert (region_copy / "services.csv").read_bytes() == before


def test_reimport_merges_by_registry_id_and_keeps_the_coordinators_columns(region_copy, export_copy):
    services = region_copy / "services.csv"
    _set(services, "S02", "rpss_id", "1000002")  # S02 is the registry's 1000002: link it
    first = _run(region_copy, export_copy)
    rows = _rows(region_copy)
    assert "1000002-pob" not in rows and rows["S02"]["rpss_id"] == "1000002"
    assert [(c.id, c.sloupec, c.puvodne, c.nove) for c in first.of_kind("změněna") if c.id == "S02" and c.sloupec == "kapacita"] == [("S02", "kapacita", "95", "100")]
    assert rows["S02"]["lat"] == "49,2135" and rows["S02"]["poloha"] == COORDINATOR  # the coordinator's point kept
    # the coordinator's own columns on an imported row
    for column, value in (("naklady", "5 000 000"), ("pusobnost", "585599, 588318"), ("lat", "49,2101"), ("lon", "17,5301"), ("poznamka", "jednáno 3. 2.")):
        _set(services, "1000001-ter", column, value)
    with (region_copy / "usage.csv").open("a", encoding="utf-8", newline="") as f:
        f.write("1000003-pob;585513;6;;2024\r\n")  # usage of a service about to leave the registry

    def edit(by_id, items):
        by_id["1000001"]["formy"][0]["kapacity"][0]["pocet"] = 130
        items.remove(by_id["1000003"])
        items.remove(by_id["1000016"])
        added = json.loads(json.dumps(by_id["1000001"]))
        added.update(identifikator="1000017", portalId=4017, id="SocialniSluzba/1000017")
        added["druhSocialniSluzby"] = {"id": "DruhSocialniSluzby/2"}  # osobní asistence
        items.append(added)

    _edit_export(export_copy, edit)
    second = _run(region_copy, export_copy)
    rows = _rows(region_copy)
    assert [c.id for c in second.of_kind("přidána")] == ["1000017-ter"]
    assert {c.id for c in second.of_kind("odebrána")} == {"1000003-pob", "1000003-ter", "1000016-amb", "1000016-ter"}
    assert [(c.id, c.sloupec, c.puvodne, c.nove) for c in second.of_kind("změněna")] == [("1000001-ter", "kapacita", "120", "130")]
    ps = rows["1000001-ter"]
    assert (ps["kapacita"], ps["naklady"], ps["pusobnost"], ps["poznamka"]) == ("130", "5 000 000", "585599, 588318", "jednáno 3. 2.")
    assert (ps["lat"], ps["lon"], ps["poloha"]) == ("49,2101", "17,5301", COORDINATOR)
    # gone from the registry but usage.csv refers to it: kept and marked, the rest removed
    assert rows["1000003-pob"]["rpss_stav"] == GONE
    assert "1000003-ter" not in rows and "1000016-amb" not in rows
    assert "odkazuje na ni usage.csv" in "\n".join(second.lines())
    log = sh.read_sheet(region_copy / CHANGE_LOG).frame
    assert set(log["zmena"]) == {"přidána", "odebrána", "změněna", "nezařazena"}
    assert len(log[log["zmena"] == "přidána"]) == 11 + 1  # both imports are in the log (1000002 went into S02)
    load_region(region_copy)


def test_the_folders_csv_format_is_kept(region_copy):
    services = region_copy / "services.csv"
    text = sh.decode(services.read_bytes()).replace(";", "\t")
    sheet = sh.read_csv_text(text, "services.csv")  # rewrite the sample as cp1250, "," and decimal points
    frame = sheet.frame.rename(columns={"kod_obce": "Kód obce"})
    for column in ("lat", "lon"):
        frame[column] = frame[column].str.replace(",", ".")
    frame.to_csv(services, sep=",", index=False, encoding="cp1250")
    _run(region_copy)
    raw = services.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    written = raw.decode("cp1250")
    assert written.splitlines()[0].startswith("id,nazev,poskytovatel,ico,druh,forma,cilove_skupiny,kapacita,jednotka,Kód obce,")
    assert ",49.21782,17.53144," in written
    load_region(region_copy)


def test_an_empty_template_is_filled(region_copy):
    """As ``kpwork init`` leaves it: a header-only services.csv (ASCII) and an empty services.xlsx."""
    header = sh.read_sheet(region_copy / "services.csv").frame.iloc[:0]
    (region_copy / "services.csv").write_text(";".join(header.columns) + "\r\n", encoding="cp1250")
    header.to_excel(region_copy / "services.xlsx", index=False)
    (region_copy / "usage.csv").write_text("sluzba_id;kod_obce;klienti\r\n", encoding="cp1250")
    report = _run(region_copy)
    assert report.rows == len(EXPECTED_IDS) and report.own_rows == 0
    assert (region_copy / "services.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Czech Excel reads the names right
    assert len(load_region(region_copy).services) == len(EXPECTED_IDS)


def test_services_kept_in_xlsx_are_not_overwritten(region_copy):
    frame = sh.read_sheet(region_copy / "services.csv").frame
    (region_copy / "services.csv").unlink()
    frame.to_excel(region_copy / "services.xlsx", index=False)
    with pytest.raises(KpworkError, match=r"services\.xlsx: služby vede region v XLSX"):
        _run(region_copy)
    assert not (region_copy / "services.csv").exists() and not (region_copy / CHANGE_LOG).exists()


# --- errors and the command ------------------------------------------------------------------


def test_the_command_prints_the_report(region_copy):
    result = CliRunner().invoke(main, ["import-rpss", str(region_copy), str(FIXTURE / "rpss.json")])
    assert result.exit_code == 0, result.output
    assert "přidáno 12:" in result.stdout
    assert "služby regionu: 10 se zařízením v členské obci, 2 zvenku" in result.stdout


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing export", "rpss.json: soubor nenalezen"),
        ("no codelists", "druhy-socialni-sluzby.json: číselník nenalezen"),
        ("broken json", "rpss.json: není platný JSON"),
        ("not an export", "rpss.json: v souboru nejsou žádné služby"),
    ],
)
def test_errors_name_the_file_and_write_nothing(region_copy, tmp_path, case, message):
    export = tmp_path / "alone" / "rpss.json"
    export.parent.mkdir()
    options = ["--ciselniky", str(FIXTURE)]
    if case == "no codelists":
        shutil.copyfile(FIXTURE / "rpss.json", export)
        options = []
    elif case == "broken json":
        export.write_bytes((FIXTURE / "rpss.json").read_bytes()[:20_000])
    elif case == "not an export":
        export.write_text('{"data": []}', encoding="utf-8")
    before = (region_copy / "services.csv").read_bytes()
    result = CliRunner().invoke(main, ["import-rpss", str(region_copy), str(export), *options])
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith("chyba: ")
    assert "Traceback" not in result.output
    assert (region_copy / "services.csv").read_bytes() == before and not (region_copy / CHANGE_LOG).exists()


def test_codelists_from_their_own_folder(region_copy, tmp_path):
    export = tmp_path / "rpss.json"
    shutil.copyfile(FIXTURE / "rpss.json", export)
    report = _run(region_copy, export, ciselniky=FIXTURE)
    assert report.rows == len(EXPECTED_IDS)


def _break_member_code(folder: Path) -> None:
    toml = folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"585513",  # Napajedla', '"58551",  # Napajedla'), encoding="utf-8")


def _blank_a_name(folder: Path) -> None:
    geojson = folder / "municipalities.geojson"
    data = json.loads(geojson.read_text(encoding="utf-8"))
    data["features"][1]["properties"]["nazev"] = ""
    geojson.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _nest_deep(folder: Path) -> None:
    toml = folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("break_region", "message"),
    [
        (_break_member_code, "region.toml, řádek 8, members: kód obce musí mít 6 číslic"),
        (_blank_a_name, "municipalities.geojson, řádek 2, nazev: chybí název obce"),
        (_nest_deep, "region.toml: pole nebo tabulky jsou vnořené"),
    ],
    ids=["member code", "polygon without a name", "nesting"],
)
def test_a_broken_region_file_is_named_as_validate_names_it(region_copy, break_region, message):
    # the region's own files are read by the loader's readers: file, row and column, size and nesting limits
    break_region(region_copy)
    before = (region_copy / "services.csv").read_bytes()
    result = CliRunner().invoke(main, ["import-rpss", str(region_copy), str(FIXTURE / "rpss.json")])
    assert result.exit_code == 1
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert (region_copy / "services.csv").read_bytes() == before and not (region_copy / CHANGE_LOG).exists()


def test_a_region_with_broken_services_is_still_filled(region_copy):
    # the import reads region.toml and the polygons only: the sheet it fills may be what is broken
    services = region_copy / "services.csv"
    broken = services.read_bytes().replace(b";120;", b";sto dvacet;", 1)
    assert broken != services.read_bytes()
    services.write_bytes(broken)
    assert CliRunner().invoke(main, ["validate", str(region_copy)]).exit_code == 1
    result = CliRunner().invoke(main, ["import-rpss", str(region_copy), str(FIXTURE / "rpss.json")])
    assert result.exit_code == 0, result.output
    assert "přidáno 12:" in result.stdout
