"""kpwork.region: the loader on the sample, every validation rule, and input variants.

Each rule is tested with a broken copy of the sample and the exact message a
coordinator reads (``<file>:<row>: <column>: <what is wrong, what was expected>``).
"""

from __future__ import annotations

import csv
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from kpwork import InvalidRegion, KpworkWarning, Problem, load_region
from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS

MEMBERS = ("585599", "585513", "588318", "585220", "588814", "549444", "549461", "586013")


# --- the sample ----------------------------------------------------------------------------


def test_sample_identity(sample_region, sample_dir):
    assert sample_region.id == "otrokovicko"
    assert sample_region.name == "Otrokovicko"
    assert sample_region.path == sample_dir
    assert sample_region.members == MEMBERS
    names = {p.name for p in sample_region.inputs}
    assert {"municipalities.geojson", "population.csv", "region.toml", "services.csv", "usage.csv"} <= names


def test_core_files_alone_load(region_copy):
    region = load_region(region_copy)
    assert [p.name for p in region.inputs] == [
        "municipalities.geojson", "population.csv", "region.toml", "services.csv", "usage.csv",
    ]
    assert region.extras == {}


def test_sample_municipalities(sample_region):
    m = sample_region.municipalities
    assert m.crs == ANALYSIS_CRS
    assert m.index.name == "kod_obce"
    assert list(m.index) == list(MEMBERS)
    assert all(isinstance(code, str) for code in m.index)
    assert m.loc["588318", "nazev"] == "Bělov"
    assert m["clen"].all()
    assert m.geometry.is_valid.all()
    # Krovak East North: negative metres, Otrokovice about 520 km west, 1 170 km south of the origin
    x, y = m.geometry.loc["585599"].centroid.coords[0]
    assert -540_000 < x < -510_000 and -1_180_000 < y < -1_160_000


def test_sample_population(sample_region):
    p = sample_region.population
    assert list(p.columns) == ["kod_obce", "rok", "vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"]
    assert p["kod_obce"].tolist() == list(MEMBERS)
    assert (p.dtypes.drop("kod_obce") == "int64").all()
    assert p.iloc[0].tolist() == ["585599", 2020, 2370, 11165, 3226, 831]  # ČSÚ, 31 Dec 2020
    assert sample_region.age_bands == ["vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"]
    latest = sample_region.latest_population()
    assert latest.index.tolist() == list(MEMBERS)
    assert latest.loc["585599", "obyvatele"] == 2370 + 11165 + 3226 + 831
    assert latest["obyvatele"].sum() == 29_945
    assert sample_region.member_names()["586013"] == "Žlutava"


def test_the_sample_stands_on_the_national_reference(sample_region):
    """Boundaries and age bands of the sample are those of the packaged reference (ČÚZK, ČSÚ 2020)."""
    from kpwork.reference import AGE_BANDS, national_municipalities, national_population

    members = list(MEMBERS)
    reference = national_population().set_index("kod_obce").loc[members]
    sample = sample_region.population.set_index("kod_obce").loc[members]
    assert (sample["rok"] == 2020).all()
    assert (sample[list(AGE_BANDS)] == reference[list(AGE_BANDS)]).all().all()
    shapes = national_municipalities().set_index("kod_obce").loc[members, "geometry"]
    mine = sample_region.municipalities.loc[members, "geometry"]
    # the file keeps 6 decimals of a degree (about 0.1 m): the same polygons up to that rounding
    assert all(a.symmetric_difference(b).area < 1e-3 * a.area for a, b in zip(mine, shapes, strict=True))
    assert all(s.within(mine[c]) for c, s in zip(sample_region.services["kod_obce"], sample_region.services.geometry, strict=True))


def test_sample_services(sample_region):
    s = sample_region.services.set_index("id")
    assert len(s) == 19
    assert s.crs == ANALYSIS_CRS
    assert s.loc["S01", ["druh", "forma", "kapacita", "jednotka", "kod_obce"]].tolist() == [
        "40", "terenni", 120.0, "klienti", "585599",
    ]
    assert s.loc["S01", "cilove_skupiny"] == ("seniori", "ozp")
    assert s.loc["S01", "pusobnost"] == ("585599", "588318", "588814", "586013")
    assert s.loc["S02", "pusobnost"] == MEMBERS  # "*" expands to every member
    assert s.loc["S01", "naklady"] == 6_850_000.0  # "6 850 000" in the file
    assert (s.loc["S01", "lat"], s.loc["S01", "lon"]) == (49.2118, 17.5352)  # decimal comma
    assert s.loc["S03", "druh"] == "50"  # "§50"
    assert s.loc["S04", "druh"] == "49"  # "domovy pro seniory"
    assert s.loc["S13", "cilove_skupiny"] == ("bez_pristresi", "vylouceni", "zavislosti")
    assert s.loc["S01", "adresa"] == "Šafaříkova 1464, Otrokovice"  # extra columns are kept
    assert s.loc["S01", "ico"] == ""
    assert set(s["forma"]) == {"pobytova", "ambulantni", "terenni"}
    municipality = sample_region.municipalities.geometry
    for sid, row in s.iterrows():
        assert municipality.loc[row["kod_obce"]].buffer(2000).contains(row.geometry), sid


def test_sample_usage(sample_region):
    u = sample_region.usage
    assert list(u.columns) == ["sluzba_id", "kod_obce", "klienti", "hodiny", "luzkodny", "obsazenost", "rok"]
    assert len(u) == 97
    assert str(u["klienti"].dtype) == "int64"
    assert str(u["rok"].dtype) == "Int64"
    assert u.iloc[0].tolist()[:4] == ["S01", "585599", 109, 7630.0] and u.iloc[0]["rok"] == 2024
    assert np.isnan(u.iloc[4]["hodiny"])  # empty cell
    assert u.iloc[4]["luzkodny"] == 56 * 354 and np.isnan(u.iloc[0]["luzkodny"])  # bed-days of the homes only (a short row)
    assert u["obsazenost"].isna().all()  # column not in the file
    assert "585068" in set(u["kod_obce"])  # clients from Zlín, outside the region, are kept
    assert set(u["sluzba_id"]) <= set(sample_region.services["id"])


def test_members_default_to_all_features(region_copy):
    toml = region_copy / "region.toml"
    toml.write_text('[region]\nid = "otrokovicko"\nname = "Otrokovicko"\n', encoding="utf-8")
    assert load_region(region_copy).members == MEMBERS


def test_missing_coordinates_fall_back_to_the_municipality(region_copy, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "lat", "")
    set_cell(services, 2, "lon", "")
    with pytest.warns(KpworkWarning, match="services.csv:2: lat/lon missing; using the centre of 585599"):
        region = load_region(region_copy)
    point = region.services.geometry.iloc[0]
    assert region.municipalities.geometry.loc["585599"].contains(point)


def test_non_member_features_are_kept_but_marked(region_copy):
    toml = region_copy / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('  "586013",  # Žlutava\n', ""), encoding="utf-8")
    services = region_copy / "services.csv"
    text = services.read_text(encoding="utf-8-sig").replace("585599, 588318, 588814, 586013", "585599, 588318, 588814")
    services.write_text(text.replace("549461, 549444, 586013", "549461, 549444"), encoding="utf-8-sig")
    region = load_region(region_copy)
    assert "586013" not in region.members
    assert not region.municipalities.loc["586013", "clen"]
    assert region.latest_population().index.tolist() == list(MEMBERS[:-1])


# --- one problem, one message ---------------------------------------------------------------


def test_folder_not_found(tmp_path, problems_of):
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:-: -: region folder not found"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("region.toml", "region.toml:-: -: file not found; it needs [region] with id and name"),
        ("municipalities.geojson", "municipalities.geojson:-: -: file not found (or municipalities.gpkg); it needs municipality polygons with kod_obce and nazev"),
        ("population.csv", "population.csv:-: -: file not found (nor population.xlsx)"),
        ("services.csv", "services.csv:-: -: file not found (nor services.xlsx)"),
        ("usage.csv", "usage.csv:-: -: file not found (nor usage.xlsx)"),
    ],
)
def test_missing_file(region_copy, problems_of, name, message):
    (region_copy / name).unlink()
    assert message in problems_of(region_copy)


def test_missing_column(region_copy, problems_of, drop_column):
    drop_column(region_copy / "population.csv", "vek_80_plus")
    drop_column(region_copy / "services.csv", "kapacita")
    drop_column(region_copy / "usage.csv", "klienti")
    assert problems_of(region_copy) == [
        "population.csv:1: vek_80_plus: missing column (columns found: kod_obce, rok, vek_0_14, vek_15_64, vek_65_79)",
        "services.csv:1: kapacita: missing column (columns found: id, nazev, poskytovatel, ico, druh, forma, cilove_skupiny, jednotka, kod_obce, lat, lon, pusobnost, naklady, adresa, telefon, email)",
        "usage.csv:1: klienti: missing column (columns found: sluzba_id, kod_obce, hodiny, rok, luzkodny)",
    ]


def test_headers_are_matched_loosely(region_copy):
    population = region_copy / "population.csv"
    text = population.read_text(encoding="utf-8")
    population.write_text(text.replace("kod_obce,rok,", "Kód obce, ROK ,", 1), encoding="utf-8")
    assert load_region(region_copy).population["kod_obce"].tolist() == list(MEMBERS)


def test_wrong_types(region_copy, problems_of, set_cell):
    set_cell(region_copy / "population.csv", 2, "vek_0_14", "hodně")
    set_cell(region_copy / "population.csv", 3, "rok", "19")
    set_cell(region_copy / "population.csv", 4, "vek_15_64", "205,5")
    set_cell(region_copy / "services.csv", 3, "kapacita", "95 lůžek")
    set_cell(region_copy / "services.csv", 4, "naklady", "14,2 mil.")
    set_cell(region_copy / "services.csv", 5, "lat", "49°10'")
    set_cell(region_copy / "usage.csv", 2, "klienti", "109,5")
    set_cell(region_copy / "usage.csv", 3, "hodiny", "sedmdesát")
    set_cell(region_copy / "usage.csv", 4, "rok", "2O24")
    assert problems_of(region_copy) == [
        "population.csv:2: vek_0_14: expected a number of people >= 0, got 'hodně'",
        "population.csv:3: rok: expected a year such as 2024, got 19",
        "population.csv:4: vek_15_64: must be a whole number, got 205,5",
        "services.csv:3: kapacita: expected a capacity >= 0, got '95 lůžek'",
        "services.csv:4: naklady: expected a yearly cost in CZK >= 0, got '14,2 mil.'",
        "services.csv:5: lat: expected latitude in degrees (WGS84), e.g. 49,2118, got '49°10''",
        "usage.csv:2: klienti: must be a whole number, got 109,5",
        "usage.csv:3: hodiny: expected a number of hours >= 0, got 'sedmdesát'",
        "usage.csv:4: rok: expected a year such as 2024, got '2O24'",
    ]


def test_kod_obce_not_six_digits(region_copy, problems_of, set_cell):
    set_cell(region_copy / "population.csv", 9, "kod_obce", "58601")
    set_cell(region_copy / "services.csv", 20, "kod_obce", "5855130")
    set_cell(region_copy / "usage.csv", 5, "kod_obce", "Žlutava")
    assert problems_of(region_copy) == [
        "population.csv:9: kod_obce: must be a 6-digit municipality code (kód obce), got '58601'",
        "population.csv:-: kod_obce: member 586013 has no population row; expected a row per member and year",
        "services.csv:20: kod_obce: must be a 6-digit municipality code (kód obce), got '5855130'",
        "usage.csv:5: kod_obce: must be a 6-digit municipality code (kód obce), got 'Žlutava'",
    ]


def test_duplicate_population_row(region_copy, problems_of, set_cell):
    set_cell(region_copy / "population.csv", 5, "kod_obce", "588318")
    assert problems_of(region_copy) == [
        "population.csv:5: kod_obce: duplicate row for 588318 in 2020 (also row 4)",
        "population.csv:-: kod_obce: member 585220 has no population row; expected a row per member and year",
    ]


def test_several_years_of_population_are_fine(region_copy):
    population = region_copy / "population.csv"
    with population.open("a", encoding="utf-8") as f:
        f.write("585599,2023,2600,11000,3100,1100\n")
    region = load_region(region_copy)
    assert len(region.population) == 9
    assert region.latest_population().loc["585599", "rok"] == 2023


def test_negative_or_missing_population(region_copy, problems_of, set_cell):
    set_cell(region_copy / "population.csv", 6, "vek_65_79", "-61")
    set_cell(region_copy / "population.csv", 7, "vek_80_plus", "")
    assert problems_of(region_copy) == [
        "population.csv:6: vek_65_79: must be >= 0, got -61",
        "population.csv:7: vek_80_plus: missing value; expected a number of people >= 0",
    ]


def test_member_without_population(region_copy, problems_of, drop_rows):
    drop_rows(region_copy / "population.csv", 8)
    assert problems_of(region_copy) == [
        "population.csv:-: kod_obce: member 549461 has no population row; expected a row per member and year",
    ]


def test_member_without_geometry(region_copy, problems_of):
    toml = region_copy / "region.toml"
    text = toml.read_text(encoding="utf-8").replace('  "586013",  # Žlutava\n', '  "586013",  # Žlutava\n  "585068",  # Zlín\n')
    toml.write_text(text, encoding="utf-8")
    assert problems_of(region_copy) == [
        "region.toml:15: members: member 585068 has no polygon in the municipalities file; expected a feature with kod_obce 585068",
        "population.csv:-: kod_obce: member 585068 has no population row; expected a row per member and year",
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[region\nid = 1\n", "region.toml:1: -: not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 8)"),
        ('id = "x"\n', "region.toml:-: region: missing [region] section with id and name"),
        ('[region]\nname = "Otrokovicko"\n', "region.toml:-: id: [region] id must be a non-empty text, e.g. id = \"otrokovicko\""),
        ('[region]\nid = "Otrokovicko ORP"\nname = "Otrokovicko"\n', "region.toml:2: id: must be lower-case letters, digits, - or _ (it names the output folder), got 'Otrokovicko ORP'"),
        ('[region]\nid = "o"\nname = "O"\nmembers = "585599"\n', 'region.toml:4: members: must be a list of 6-digit codes, e.g. ["585599", "585513"]'),
        ('[region]\nid = "o"\nname = "O"\nmembers = [\n  "585599",\n  "58551",\n]\n', "region.toml:6: members: must be a 6-digit municipality code (kód obce), got '58551'"),
    ],
)
def test_region_toml(region_copy, problems_of, toml, message):
    (region_copy / "region.toml").write_text(toml, encoding="utf-8")
    assert message in problems_of(region_copy)


def test_member_listed_twice(region_copy, problems_of):
    toml = region_copy / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('  "586013",  # Žlutava\n', '  "586013",  # Žlutava\n  "585513",\n'), encoding="utf-8")
    assert problems_of(region_copy) == ["region.toml:15: members: member 585513 listed twice"]


def test_negative_or_missing_capacity(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 2, "kapacita", "-120")
    set_cell(region_copy / "services.csv", 3, "kapacita", "")
    set_cell(region_copy / "services.csv", 4, "naklady", "-1")
    assert problems_of(region_copy) == [
        "services.csv:2: kapacita: must be >= 0, got -120",
        "services.csv:3: kapacita: missing value; expected a capacity >= 0",
        "services.csv:4: naklady: must be >= 0, got -1",
    ]


def test_unknown_druh_forma_target_group_suggest_the_closest(region_copy, problems_of, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "druh", "pečovatelská sluba")
    set_cell(services, 3, "druh", "§53")
    set_cell(services, 4, "forma", "pobytova sluzba")
    set_cell(services, 5, "forma", "domácí")
    set_cell(services, 6, "cilove_skupiny", "seniory, osoby se zdravotnim postizenm")
    set_cell(services, 7, "cilove_skupiny", "")
    assert problems_of(region_copy) == [
        "services.csv:2: druh: unknown service type (druh) 'pečovatelská sluba'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'pečovatelská služba'?",
        "services.csv:3: druh: unknown service type (druh) '§53'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name",
        "services.csv:4: forma: unknown form (forma) 'pobytova sluzba'; expected pobytová, ambulantní or terénní; did you mean 'pobytová'?",
        "services.csv:5: forma: unknown form (forma) 'domácí'; expected pobytová, ambulantní or terénní",
        "services.csv:6: cilove_skupiny: unknown target group (cílová skupina) 'osoby se zdravotnim postizenm'; expected a target group of the registry or its short form (docs/data-format.md); did you mean 'osoby se zdravotním postižením'?",
        "services.csv:7: cilove_skupiny: missing value; expected one or more target groups",
    ]


def test_form_not_allowed_for_the_type(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 2, "forma", "pobytová")  # pečovatelská služba
    set_cell(region_copy / "services.csv", 3, "forma", "terénní")  # domov pro seniory
    assert problems_of(region_copy) == [
        "services.csv:2: forma: pečovatelská služba (§40) is not provided as pobytová; expected terénní or ambulantní",
        "services.csv:3: forma: domovy pro seniory (§49) is not provided as terénní; expected pobytová",
    ]


def test_service_ids(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 3, "id", "S01")
    set_cell(region_copy / "services.csv", 4, "id", "")
    lines = problems_of(region_copy)
    assert lines[:2] == [
        "services.csv:3: id: duplicate service id 'S01' (also row 2); expected a unique id per service",
        "services.csv:4: id: missing service id; expected a short unique text such as S01",
    ]


def test_service_outside_the_region(region_copy, problems_of, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "lat", "50,0875")  # Praha
    set_cell(services, 2, "lon", "14,4213")
    assert problems_of(region_copy) == [
        "services.csv:2: lat: service at lat 50.0875, lon 14.4213 lies outside the region (237 km from its edge); expected WGS84 degrees inside the region",
    ]


def test_service_coordinates_swapped(region_copy, problems_of, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 3, "lat", "17,5398")
    set_cell(services, 3, "lon", "49,2135")
    assert problems_of(region_copy) == [
        "services.csv:3: lat: lat 17.5398 and lon 49.2135 look swapped; expected lat first (in Czechia lat is 48.5-51.1, lon 12-18.9)",
    ]


def test_service_with_only_one_coordinate(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 4, "lon", "")
    assert problems_of(region_copy) == [
        "services.csv:4: lon: give both lat and lon, or neither (then the municipality's centre is used)",
    ]


def test_service_seat_and_catchment_must_be_members(region_copy, problems_of, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "pusobnost", "585599, 585068")  # Zlín is not a member
    set_cell(services, 3, "pusobnost", "585599, 5855")
    set_cell(services, 4, "kod_obce", "585068")
    set_cell(services, 4, "lat", "")
    set_cell(services, 4, "lon", "")
    assert problems_of(region_copy) == [
        "services.csv:2: pusobnost: 585068 is not a member of the region; list members only, or * for the whole region",
        "services.csv:3: pusobnost: must be a 6-digit municipality code (kód obce), got '5855'",
        "services.csv:4: kod_obce: 585068 is not a member of the region; expected the code of the member municipality where the service sits",
    ]


def test_ico_is_kept_as_eight_digits(region_copy, problems_of, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "ico", "75088231")
    set_cell(services, 3, "ico", "123456")  # Excel dropped the leading zeros
    set_cell(services, 4, "ico", "123456789")
    assert problems_of(region_copy) == ["services.csv:4: ico: IČO must be up to 8 digits, got '123456789'"]
    set_cell(services, 4, "ico", "")
    assert load_region(region_copy).services["ico"].tolist()[:3] == ["75088231", "00123456", ""]


def test_usage_unknown_service(region_copy, problems_of, set_cell):
    set_cell(region_copy / "usage.csv", 2, "sluzba_id", "S20")
    set_cell(region_copy / "usage.csv", 3, "sluzba_id", "")
    set_cell(region_copy / "usage.csv", 4, "klienti", "-2")
    assert problems_of(region_copy) == [
        "usage.csv:2: sluzba_id: unknown service 'S20' (not in services); did you mean 'S12'?",
        "usage.csv:3: sluzba_id: missing service id; expected an id from services",
        "usage.csv:4: klienti: must be >= 0, got -2",
    ]


def test_usage_is_checked_even_when_services_have_problems(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 2, "kapacita", "-120")
    set_cell(region_copy / "usage.csv", 3, "sluzba_id", "X99")
    assert problems_of(region_copy) == [
        "services.csv:2: kapacita: must be >= 0, got -120",
        "usage.csv:3: sluzba_id: unknown service 'X99' (not in services)",
    ]


def test_ragged_csv_row(region_copy, problems_of):
    usage = region_copy / "usage.csv"
    usage.write_text(usage.read_text(encoding="utf-8-sig").replace("S01;588318;1;70;2024", "S01;588318;1;70;2024;;poznámka"), encoding="utf-8-sig")
    assert problems_of(region_copy) == [
        "usage.csv:3: -: 7 values but the header has 6 columns; values beyond the last column are ignored (poznámka)",
    ]


def test_rows_are_numbered_as_excel_shows_them(region_copy, problems_of):
    """Blank and empty rows left in a sheet still count, so row numbers match Excel."""
    usage = region_copy / "usage.csv"
    raw = usage.read_bytes().replace(b"S01;588318;1;70;2024\r\n", b"S01;588318;1;70;2024\r\n\r\n;;;;\r\n", 1)
    usage.write_bytes(raw.replace(b"S01;586013;6;420;2024", b"S01;586013;-6;420;2024"))
    assert problems_of(region_copy) == ["usage.csv:7: klienti: must be >= 0, got -6"]


# --- geometry ------------------------------------------------------------------------------


def _rewrite_features(folder: Path, edit) -> None:
    path = folder / "municipalities.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data["features"])
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_geometry_codes_given_as_numbers(region_copy, sample_region):
    def numbers(features):
        for f in features:
            f["properties"]["kod_obce"] = int(f["properties"]["kod_obce"])

    _rewrite_features(region_copy, numbers)
    region = load_region(region_copy)
    assert list(region.municipalities.index) == list(MEMBERS)
    assert_geodataframe_equal(region.municipalities, sample_region.municipalities)


def test_geometry_feature_problems(region_copy, problems_of):
    bowtie = {"type": "Polygon", "coordinates": [[[17.50, 49.15], [17.55, 49.20], [17.55, 49.15], [17.50, 49.20], [17.50, 49.15]]]}

    def breaks(features):
        features[1]["properties"]["kod_obce"] = "58551"
        features[2]["properties"]["kod_obce"] = "585599"
        features[3]["geometry"] = bowtie
        features[4]["geometry"] = {"type": "Point", "coordinates": [17.4, 49.1]}
        features[5]["properties"]["kod_obce"] = None
        features[6]["properties"]["nazev"] = ""

    _rewrite_features(region_copy, breaks)
    assert problems_of(region_copy) == [
        "municipalities.geojson:2: kod_obce: must be a 6-digit municipality code (kód obce), got '58551'",
        "municipalities.geojson:3: kod_obce: duplicate code 585599 (also feature 1); expected one polygon per municipality",
        "municipalities.geojson:4: geometry: invalid polygon: Self-intersection[17.525 49.175]; expected a valid polygon (QGIS: Fix geometries)",
        "municipalities.geojson:5: geometry: expected a polygon, got Point",
        "municipalities.geojson:6: kod_obce: missing municipality code; expected a 6-digit code (kód obce)",
        "municipalities.geojson:7: nazev: missing municipality name; expected the name of the municipality",
    ]


def test_geometry_missing_properties(region_copy, problems_of):
    def strip(features):
        for f in features:
            f["properties"] = {"KOD": f["properties"]["kod_obce"]}

    _rewrite_features(region_copy, strip)
    assert problems_of(region_copy) == [
        "municipalities.geojson:-: kod_obce: missing property in the features (properties found: kod)",
        "municipalities.geojson:-: nazev: missing property in the features (properties found: kod)",
    ]


def test_geojson_with_metres_but_no_crs(region_copy, sample_region, problems_of):
    """GeoJSON without "crs" is read as WGS84; Krovak metres in it are reported, not projected."""
    (region_copy / "municipalities.geojson").unlink()
    krovak = sample_region.municipalities.drop(columns="clen").reset_index()
    text = krovak.to_json(drop_id=True)
    data = json.loads(text)
    data.pop("crs", None)
    (region_copy / "municipalities.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert problems_of(region_copy) == [
        "municipalities.geojson:-: crs: the file says EPSG:4326 (degrees) but its coordinates reach -540520, -1174987; save it with the coordinate system its coordinates are in (e.g. EPSG:5514)",
    ]


def test_gpkg_loads_like_geojson(region_copy, sample_region):
    (region_copy / "municipalities.geojson").unlink()
    gdf = sample_region.municipalities.drop(columns="clen").reset_index()
    gdf.to_file(region_copy / "municipalities.gpkg", driver="GPKG")
    region = load_region(region_copy)
    assert [p.name for p in region.inputs][0] == "municipalities.gpkg"
    assert_geodataframe_equal(region.municipalities, sample_region.municipalities)
    assert_geodataframe_equal(region.services, sample_region.services)


def test_gpkg_without_crs(region_copy, sample_region, problems_of):
    (region_copy / "municipalities.geojson").unlink()
    gdf = sample_region.municipalities.drop(columns="clen").reset_index().set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gdf.to_file(region_copy / "municipalities.gpkg", driver="GPKG")
    assert problems_of(region_copy) == [
        "municipalities.gpkg:-: crs: the file has no coordinate reference system; save it with one (e.g. EPSG:5514 or EPSG:4326)",
    ]


def test_bad_polygons_do_not_flood_other_files(region_copy, problems_of, set_cell):
    """With a broken polygon, services are not all reported as outside the region."""

    def breaks(features):
        features[0]["properties"]["kod_obce"] = "58559"

    _rewrite_features(region_copy, breaks)
    set_cell(region_copy / "services.csv", 2, "lat", "")
    set_cell(region_copy / "services.csv", 2, "lon", "")
    set_cell(region_copy / "services.csv", 3, "kapacita", "-1")
    assert problems_of(region_copy) == [
        "municipalities.geojson:1: kod_obce: must be a 6-digit municipality code (kód obce), got '58559'",
        "services.csv:3: kapacita: must be >= 0, got -1",
    ]


# --- many problems at once ------------------------------------------------------------------


def test_all_problems_of_all_files_are_raised_together(region_copy, set_cell):
    set_cell(region_copy / "population.csv", 2, "vek_0_14", "-1")
    set_cell(region_copy / "services.csv", 2, "druh", "41 tísňová")  # §41 is terénní only
    set_cell(region_copy / "services.csv", 2, "forma", "ambulantní")
    set_cell(region_copy / "usage.csv", 2, "klienti", "")
    with pytest.raises(InvalidRegion) as info:
        load_region(region_copy)
    assert info.value.problems == [
        Problem("population.csv", 2, "vek_0_14", "must be >= 0, got -1"),
        Problem("services.csv", 2, "forma", "tísňová péče (§41) is not provided as ambulantní; expected terénní"),
        Problem("usage.csv", 2, "klienti", "missing value; expected a number of clients >= 0"),
    ]
    assert isinstance(info.value, ValueError)


# --- the same region in every way coordinators save it ------------------------------------


NUMERIC = {
    "population": ["kod_obce", "rok", "vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"],
    "services": ["ico", "kapacita", "kod_obce", "lat", "lon", "naklady"],
    "usage": ["kod_obce", "klienti", "hodiny", "rok"],
}
DECIMAL = {"kapacita", "lat", "lon", "naklady", "hodiny"}


def _sample_tables(sample_dir: Path) -> dict[str, pd.DataFrame]:
    tables = {name: sh.read_sheet(sample_dir / f"{name}.csv").frame for name in NUMERIC}
    tables["services"].loc[1, "ico"] = "00123456"  # a real-looking IČO with leading zeros
    return tables


def _write_csv(folder: Path, tables, *, encoding: str, delimiter: str, decimal: str) -> None:
    for name, frame in tables.items():
        frame = frame.copy()
        for column in DECIMAL & set(frame.columns):
            plain = frame[column].str.replace(" ", "").str.replace(",", ".")
            frame[column] = plain.str.replace(".", decimal) if decimal == "," else plain
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as f:
            writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
            writer.writerow(frame.columns)
            writer.writerows(frame.itertuples(index=False))


def _write_xlsx(folder: Path, tables) -> None:
    """XLSX as Excel keeps it: numbers where codes and amounts are (IČO loses its zeros)."""
    for name, frame in tables.items():
        frame = frame.astype(object)
        for column in NUMERIC[name]:
            frame[column] = [sh.parse_number(v) if v else None for v in frame[column]]
        (folder / f"{name}.csv").unlink()
        frame.to_excel(folder / f"{name}.xlsx", index=False)


@pytest.fixture
def reference(region_copy, sample_dir):
    """The sample with an IČO set, as UTF-8 with BOM, ';' and decimal comma; and its Region."""
    tables = _sample_tables(sample_dir)
    _write_csv(region_copy, tables, encoding="utf-8-sig", delimiter=";", decimal=",")
    return tables, load_region(region_copy)


def _assert_same_region(a, b) -> None:
    assert (a.id, a.name, a.members) == (b.id, b.name, b.members)
    assert_geodataframe_equal(a.municipalities, b.municipalities)
    pd.testing.assert_frame_equal(a.population, b.population)
    assert_geodataframe_equal(a.services, b.services)
    pd.testing.assert_frame_equal(a.usage, b.usage)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "decimal"),
    [
        ("cp1250", ";", ","),  # Czech Windows Excel, "CSV (oddělený středníkem)"
        ("utf-8", ",", "."),  # LibreOffice / scripts
        ("utf-8-sig", ",", "."),  # Excel "CSV UTF-8" with an English locale
        ("utf-8", ";", ","),
        ("utf-16", "\t", ","),  # Excel "Unicode text"
    ],
)
def test_csv_variants_load_to_the_same_region(tmp_path, reference, encoding, delimiter, decimal):
    tables, expected = reference
    folder = tmp_path / "variant"
    folder.mkdir()
    for name in ("region.toml", "municipalities.geojson"):
        (folder / name).write_bytes((expected.path / name).read_bytes())
    _write_csv(folder, tables, encoding=encoding, delimiter=delimiter, decimal=decimal)
    if encoding == "cp1250":
        assert b"\x9a" in (folder / "services.csv").read_bytes()  # "š" as cp1250 writes it
    _assert_same_region(load_region(folder), expected)


def test_reference_equals_the_sample(reference, sample_region):
    _, region = reference
    assert region.services["ico"].iloc[1] == "00123456"
    services = region.services.assign(ico=sample_region.services["ico"])
    assert_geodataframe_equal(services, sample_region.services)
    pd.testing.assert_frame_equal(region.usage, sample_region.usage)


def test_xlsx_loads_the_same_as_csv(region_copy, reference):
    tables, expected = reference
    _write_xlsx(region_copy, tables)
    region = load_region(region_copy)
    assert sorted(p.name for p in region.inputs) == [
        "municipalities.geojson", "population.xlsx", "region.toml", "services.xlsx", "usage.xlsx",
    ]
    _assert_same_region(region, expected)


def test_xlsx_five_digit_code_is_an_error_not_padded(region_copy, reference, problems_of):
    tables, _ = reference
    tables["services"].loc[0, "kod_obce"] = "58559"
    _write_xlsx(region_copy, tables)
    assert problems_of(region_copy) == [
        "services.xlsx:2: kod_obce: must be a 6-digit municipality code (kód obce), got '58559'",
    ]


def test_xlsx_rows_keep_excel_numbers(region_copy, reference, problems_of):
    tables, _ = reference
    usage = tables["usage"]
    usage.loc[3, "klienti"] = "-6"
    blank = pd.DataFrame([[""] * usage.shape[1]], columns=usage.columns)
    tables["usage"] = pd.concat([usage.iloc[:2], blank, usage.iloc[2:]], ignore_index=True)
    _write_xlsx(region_copy, tables)
    assert problems_of(region_copy) == ["usage.xlsx:6: klienti: must be >= 0, got -6"]


def test_load_region_accepts_str(region_copy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_region(str(region_copy)).id == "otrokovicko"


def test_points_are_in_the_analysis_crs(sample_region):
    s = sample_region.services
    lonlat = s.to_crs("EPSG:4326").geometry
    np.testing.assert_allclose(lonlat.y, s["lat"], atol=1e-7)
    np.testing.assert_allclose(lonlat.x, s["lon"], atol=1e-7)


# --- terms: umbrella terms and a region's own [pojmy] --------------------------------------

POJMY = '''
[pojmy]
"naši senioři" = "seniori"                      # a code
"maminky s dětmi" = ["rodiny", "obeti_nasili"]  # several groups
SAS = "sociálně aktivizační služby pro rodiny s dětmi"  # a bare key, a name
'''


def _add_terms(folder: Path, text: str = POJMY) -> None:
    toml = folder / "region.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_umbrella_terms_and_declined_groups_in_services(region_copy, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "cilove_skupiny", "seniorům, osobám se zdravotním postižením")
    set_cell(services, 7, "cilove_skupiny", "rodina, děti a mládež")
    set_cell(services, 13, "cilove_skupiny", "dětem a mládeži")
    set_cell(services, 14, "cilove_skupiny", "osoby ohrožené sociálním vyloučením")
    set_cell(services, 20, "cilove_skupiny", "OZP a senioři")
    set_cell(services, 3, "druh", "domov seniorů")
    region = load_region(region_copy)
    groups = region.services.set_index("id")["cilove_skupiny"]
    assert groups["S01"] == ("seniori", "ozp")
    assert groups["S06"] == ("rodiny", "deti_mladez", "opoustejici_ustavni_peci")
    assert groups["S12"] == ("deti_mladez",)
    assert len(groups["S13"]) == 11 and {"bez_pristresi", "vylouceni", "zavislosti"} <= set(groups["S13"])
    assert groups["S19"] == ("ozp", "seniori")
    assert region.services.set_index("id").loc["S02", "druh"] == "49"


def test_a_regions_terms_are_read_by_every_parser(region_copy, set_cell):
    _add_terms(region_copy)
    services = region_copy / "services.csv"
    set_cell(services, 2, "cilove_skupiny", "našim seniorům, OZP")
    set_cell(services, 16, "cilove_skupiny", "maminky s dětmi")
    set_cell(services, 16, "druh", "SAS")  # S15, §65: without the region's term SAS is ambiguous
    (region_copy / "norms.csv").write_text("druh,cilova_skupina,pasmo,na_1000\nSAS,maminky s dětmi,vek_0_14,1\n40,naši senioři,vek_80_plus,120\n", encoding="utf-8")
    (region_copy / "pruzkum.csv").write_text("kod_obce,druh,cilova_skupina,respondenti,podil\n585599,pečovatelská služba,našim seniorům,40,10 %\n", encoding="utf-8")
    with pytest.raises(InvalidRegion) as info:
        load_region(region_copy)
    # a column of one group names the groups of a term that names several
    assert [str(p) for p in info.value.problems] == [
        "norms.csv:2: cilova_skupina: 'maminky s dětmi' names several target groups ('rodiny s dítětem/dětmi' and 'oběti domácího násilí'); give one here, a row per group",
    ]
    (region_copy / "norms.csv").write_text("druh,cilova_skupina,pasmo,na_1000\nSAS,rodiny,vek_0_14,1\n40,naši senioři,vek_80_plus,120\n", encoding="utf-8")
    region = load_region(region_copy)
    assert [t.term for t in region.vocabulary.terms] == ["naši senioři", "maminky s dětmi", "SAS"]
    rows = region.services.set_index("id")
    assert rows.loc["S01", "cilove_skupiny"] == ("seniori", "ozp")
    assert (rows.loc["S15", "druh"], rows.loc["S15", "cilove_skupiny"]) == ("65", ("rodiny", "obeti_nasili"))
    assert region.extras["norms"][["druh", "cilova_skupina"]].values.tolist() == [["65", "rodiny"], ["40", "seniori"]]
    assert region.extras["survey"][["druh", "cilova_skupina"]].values.tolist() == [["40", "seniori"]]


def test_a_regions_terms_reach_the_plan(region_copy, tmp_path):
    from kpwork.plan.inputs import parse_plan

    _add_terms(region_copy)
    region = load_region(region_copy)
    plan_dir = tmp_path / "plan"
    shutil.copytree(Path(__file__).parent / "data" / "plan", plan_dir)
    (plan_dir / "plan_skupiny.csv").write_text(
        "skupina;nazev;cilove_skupiny\nSEN;PS Senioři;naši senioři, osoby se zdravotním postižením a senioři\n"
        "ROD;PS Rodina, děti a mládež;rodina, děti a mládež | maminky s dětmi\n", encoding="utf-8")
    _, sheets = sh.read_workbook(plan_dir, "plan")
    log = sh.ProblemLog()
    plan = parse_plan(sheets, region, log)
    assert [str(p) for p in log.problems] == []
    groups = plan.skupiny.set_index("skupina")["cilove_skupiny"]
    assert groups["SEN"] == ("seniori", "ozp")
    assert groups["ROD"] == ("rodiny", "deti_mladez", "opoustejici_ustavni_peci", "obeti_nasili")


def test_a_regions_terms_are_checked_with_their_lines(region_copy, problems_of):
    _add_terms(region_copy, '''
[pojmy]
"naši senioři" = "seniori"
"pečovatelé" = "pecovatelky"
'senioři a SAS' = ["seniori", "66"]
"nic" = []
''')
    assert problems_of(region_copy) == [
        "region.toml:26: pojmy: \"pečovatelé\": unknown target group or service type 'pecovatelky'; expected a code or a name of docs/data-format.md; did you mean 'pečující osoby'?",
        "region.toml:27: pojmy: \"senioři a SAS\": 'senioři a SAS' names both target groups and service types; a term names one kind",
        "region.toml:28: pojmy: \"nic\": expected a target group or a service type (a code or a name) or a list of target groups, e.g. \"nic\" = \"seniori\", got []",
    ]


def test_pojmy_must_be_a_table(region_copy, problems_of):
    toml = region_copy / "region.toml"
    toml.write_text('pojmy = "senioři"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    assert problems_of(region_copy) == ['region.toml:1: pojmy: must be a table [pojmy] of lines such as "naši senioři" = "seniori"']


def test_an_unknown_group_is_a_problem_of_its_row_only(region_copy, problems_of, set_cell):
    """Suggestions by meaning, not letters; the other rows still load (and are checked)."""
    services = region_copy / "services.csv"
    set_cell(services, 2, "cilove_skupiny", "senioři v domácnosti, OZP")
    set_cell(services, 3, "cilove_skupiny", "osoby s poruchou autistického spektra")
    set_cell(services, 4, "druh", "SAS")
    assert problems_of(region_copy) == [
        "services.csv:2: cilove_skupiny: unknown target group (cílová skupina) 'senioři v domácnosti'; expected a target group of the registry or its short form (docs/data-format.md); did you mean 'senioři'?",
        "services.csv:3: cilove_skupiny: unknown target group (cílová skupina) 'osoby s poruchou autistického spektra'; expected a target group of the registry or its short form (docs/data-format.md)",
        "services.csv:4: druh: 'SAS' may mean sociálně aktivizační služby pro rodiny s dětmi (§65) or sociálně aktivizační služby pro seniory a osoby se zdravotním postižením (§66); write which one",
    ]


# --- units of capacity, usage of beds, settings of region.toml -------------------------------


def test_units_are_normalised_and_default_to_the_type_s_unit(region_copy, set_cell):
    services = region_copy / "services.csv"
    set_cell(services, 2, "jednotka", "Klientů")  # S01
    set_cell(services, 3, "jednotka", "počet lůžek")  # S02, the registry's codelist name
    set_cell(services, 4, "jednotka", "")  # S03, §50: beds
    set_cell(services, 16, "jednotka", "families")  # S15
    units = load_region(region_copy).services.set_index("id")["jednotka"]
    assert units.loc[["S01", "S02", "S03", "S15"]].tolist() == ["klienti", "lůžka", "lůžka", "rodiny"]


def test_unknown_unit_names_file_row_column_and_service(region_copy, problems_of, set_cell):
    set_cell(region_copy / "services.csv", 3, "jednotka", "lůžkaa")
    set_cell(region_copy / "services.csv", 4, "jednotka", "osoby")
    assert problems_of(region_copy) == [
        "services.csv:3: jednotka: service S02: unknown unit of capacity (jednotka) 'lůžkaa'; expected one of lůžka, místa, klienti, rodiny, kontakty, intervence, hovory; did you mean 'lůžka'?",
        "services.csv:4: jednotka: service S03: unknown unit of capacity (jednotka) 'osoby'; expected one of lůžka, místa, klienti, rodiny, kontakty, intervence, hovory",
    ]


def test_usage_occupancy_columns(region_copy, problems_of):
    usage = region_copy / "usage.csv"
    text = usage.read_text(encoding="utf-8-sig").replace("hodiny;rok;luzkodny", "hodiny;rok;luzkodny;obsazenost", 1)
    usage.write_text(text.replace("S11;585599;2;;2024", "S11;585599;2;;2024;;4,5").replace("S11;585513;1;;2024", "S11;585513;1;;2024;-3"), encoding="utf-8-sig")
    assert problems_of(region_copy) == ["usage.csv:61: luzkodny: must be >= 0, got -3"]
    usage.write_text(text.replace("S11;585599;2;;2024", "S11;585599;2;;2024;;4,5"), encoding="utf-8-sig")
    u = load_region(region_copy).usage
    assert u.loc[u["sluzba_id"] == "S11", "obsazenost"].tolist()[0] == 4.5


def test_opt_out_setting_defaults_to_false_and_is_checked(region_copy, problems_of):
    toml = region_copy / "region.toml"
    assert load_region(region_copy).settings == {"odhlaseni_vyrazuje_z_dosahu": False}
    base = toml.read_text(encoding="utf-8")
    toml.write_text(base + "\n[financovani]\nodhlaseni_vyrazuje_z_dosahu = true\n", encoding="utf-8")
    assert load_region(region_copy).settings["odhlaseni_vyrazuje_z_dosahu"] is True
    toml.write_text(base + '\n[financovani]\nodhlaseni_vyrazuje_z_dosahu = "ano"\nodhlaseni = true\n', encoding="utf-8")
    assert problems_of(region_copy) == [
        "region.toml:25: odhlaseni_vyrazuje_z_dosahu: [financovani] odhlaseni_vyrazuje_z_dosahu must be true or false (without quotes), got 'ano'",
        "region.toml:26: odhlaseni: unknown setting 'odhlaseni' in [financovani]; allowed: odhlaseni_vyrazuje_z_dosahu",
    ]
