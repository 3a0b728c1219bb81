"""The national reference shipped with kpwork: loading, selecting members, newer ČSÚ age tables."""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd
import pytest
import shapely

from kpwork.errors import InvalidParameter, InvalidRegion
from kpwork.reference import (
    AGE_BANDS,
    CREDIT,
    national_municipalities,
    national_population,
    read_population_table,
    select_members,
)

BANDS = list(AGE_BANDS)


def _csv_rows() -> list[dict[str, str]]:
    """The packaged population table read with the csv module, independently of kpwork."""
    with (resources.files("kpwork.data") / "reference" / "cz_obce_vek_2020.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _codes(**selection) -> list[str]:
    return select_members(**selection)["kod_obce"].tolist()


# --- the country ---------------------------------------------------------------------------


def test_the_country_loads_in_krovak_with_codes_as_text():
    obce = national_municipalities()
    assert len(obce) == 6258 and obce.crs.to_epsg() == 5514
    assert list(obce.columns) == ["kod_obce", "nazev", "okres", "kraj", "geometry"]
    assert obce["kod_obce"].map(lambda c: isinstance(c, str) and len(c) == 6 and c.isdigit()).all()
    assert obce["kod_obce"].is_unique
    assert shapely.is_valid(obce.geometry.values).all()
    assert set(obce.geom_type) <= {"Polygon", "MultiPolygon"}
    assert abs(obce.area.sum() / 1e6 - 78_859) < 100  # km², README of the reference
    assert national_municipalities(crs=None).crs.to_epsg() == 4326


def test_each_call_returns_a_fresh_copy():
    first = national_municipalities()
    first.loc[0, "nazev"] = "changed"
    assert national_municipalities().loc[0, "nazev"] != "changed"
    population = national_population()
    population.loc[0, "celkem"] = -1
    assert national_population().loc[0, "celkem"] >= 0


def test_population_bands_add_up_and_join_the_boundaries_one_to_one():
    population = national_population()
    assert (population[BANDS].sum(axis=1) == population["celkem"]).all()
    assert population["celkem"].sum() == 10_701_777
    assert set(population["rok"]) == {2020}
    joined = national_municipalities(crs=None).merge(population, on="kod_obce", validate="one_to_one")
    assert len(joined) == 6258
    assert (joined["nazev_x"] == joined["nazev_y"]).all() and (joined["okres_x"] == joined["okres_y"]).all()
    bělov = population.set_index("kod_obce").loc["588318"]
    assert (bělov["nazev"], int(bělov["celkem"])) == ("Bělov", 317)


def test_credit_names_the_sources():
    assert CREDIT == "Hranice obcí: ČÚZK (RÚIAN), generalizace pehovorka/covid-obce-frontend (MIT); obyvatelstvo: ČSÚ"


# --- selecting members ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obce", "expected"),
    [
        ("Otrokovice, Napajedla, Bělov", ["585599", "585513", "588318"]),
        ("otrokovice, NAPAJEDLA, Belov", ["585599", "585513", "588318"]),
        ("  Bělov ,588318, belov", ["588318"]),  # the same municipality three times counts once
        ("585599", ["585599"]),
        (["Otrokovice", "585513; Bělov"], ["585599", "585513", "588318"]),
        ("frydek mistek", ["598003"]),
    ],
)
def test_select_by_name_or_code_ignores_case_diacritics_and_hyphens(obce, expected):
    assert _codes(obce=obce) == expected


def test_select_a_district_has_every_municipality_of_the_table():
    expected = {r["kod_obce"] for r in _csv_rows() if r["okres"] == "Zlín"}
    for spelling in ("Zlín", "zlin", "ZLÍN"):
        selected = select_members(okres=spelling)
        assert set(selected["kod_obce"]) == expected and len(selected) == len(expected) == 89
    names = selected["nazev"].tolist()
    assert names[0] == "Bělov" and "Otrokovice" in names


def test_select_a_region_by_its_name_with_or_without_kraj():
    expected = sum(r["kraj"] == "Zlínský kraj" for r in _csv_rows())
    for spelling in ("Zlínský kraj", "zlinsky", "ZLÍNSKÝ KRAJ"):
        assert len(_codes(kraj=spelling)) == expected == 307
    assert len(_codes(kraj="Vysočina")) == 704
    assert _codes(kraj="Hl. m. Praha") == _codes(kraj="praha") == _codes(okres="Praha") == ["554782"]


def test_selections_add_up_in_order():
    codes = _codes(obce="Kroměříž", okres="Zlín")
    assert codes[0] == "588296" and len(codes) == 90


def test_a_name_of_two_municipalities_lists_both_with_district_and_code():
    with pytest.raises(InvalidParameter) as info:
        select_members(obce="Otrokovice, Pohořelice")
    message = str(info.value)
    assert "Pohořelice (okres Zlín, 549461)" in message
    assert "Pohořelice (okres Brno-venkov, 584801)" in message
    assert "'Pohořelice (Zlín)'" in message  # how to pick one


def test_the_district_picks_one_of_a_shared_name():
    assert _codes(obce="Pohořelice (Zlín)") == ["549461"]
    assert _codes(obce="pohorelice (okres brno-venkov)") == ["584801"]
    with pytest.raises(InvalidParameter, match="Březina \\(okres Brno-venkov, 581429\\).*uveďte místo názvu kód obce"):
        select_members(obce="Březina (Brno-venkov)")  # two of that name in one district: only the code tells


def test_every_problem_is_listed_at_once_with_suggestions():
    with pytest.raises(InvalidParameter) as info:
        select_members(obce="Otrokovce, 58559, 999999, Napajedla", okres="Zlínsko", kraj="Zlín")
    lines = str(info.value).splitlines()
    assert lines == [
        "obec 'Otrokovce': žádná obec ČR se tak nejmenuje; nemysleli jste Otrokovice (okres Zlín, 585599)?",
        "obec '58559': kód obce má 6 číslic",
        "obec '999999': kód 999999 nemá žádná obec ČR (stav 2021/22)",
        "okres 'Zlínsko': takový okres neznáme; nemysleli jste 'Zlín'?",
        "kraj 'Zlín': takový kraj neznáme; nemysleli jste 'Zlínský kraj'?",
    ]


def test_an_unknown_district_lists_all_districts():
    with pytest.raises(InvalidParameter, match="okresy ČR: Benešov, Beroun, .*Znojmo$"):
        select_members(okres="xyz")


def test_nothing_selected_is_an_error():
    with pytest.raises(InvalidParameter, match="nebyla zadána žádná obec"):
        select_members()
    with pytest.raises(InvalidParameter, match="nebyla zadána žádná obec"):
        select_members(obce=" , ")


# --- a newer ČSÚ age table -----------------------------------------------------------------

MEMBERS = ["585599", "585513", "588318"]
FIVE_YEARS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole numbers (the remainder in the first)."""
    share = [total // parts] * parts
    share[0] += total - sum(share)
    return share


def _five_year_groups(row: pd.Series, factor: float = 1.0) -> list[int]:
    """Age groups 0-4 ... 85+ that add up to the row's kpwork bands (times ``factor``)."""
    band = {b: int(row[b] * factor) for b in BANDS}
    return _split(band["vek_0_14"], 3) + _split(band["vek_15_64"], 10) + _split(band["vek_65_79"], 3) + _split(band["vek_80_plus"], 2)


def _csu_table(factor: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ČSÚ layout (POH, ZUJ, Obec, Okres, Kraj, Celkem, 0-4 ... 85+): celkem, muži, ženy rows
    per municipality and a district total row; and the kpwork bands it must give."""
    ref = national_population().set_index("kod_obce").loc[MEMBERS]
    rows, expected = [], []
    for code, row in ref.iterrows():
        groups = _five_year_groups(row, factor)
        men = [g // 2 for g in groups]
        women = [g - m for g, m in zip(groups, men, strict=True)]
        for sex, values in (("celkem", groups), ("muži", men), ("ženy", women)):
            rows.append([sex, code, row["nazev"], row["okres"], row["kraj"], sum(values), *values])
        expected.append([code, sum(groups[:3]), sum(groups[3:13]), sum(groups[13:16]), sum(groups[16:])])
    rows.append(["celkem", "CZ0724", "okres Zlín", "Zlín", "Zlínský kraj", 0, *[0] * len(FIVE_YEARS)])
    table = pd.DataFrame(rows, columns=["POH", "ZUJ", "Obec", "Okres", "Kraj", "Celkem", *FIVE_YEARS])
    return table, pd.DataFrame(expected, columns=["kod_obce", *BANDS])


def test_csu_xlsx_with_sexes_and_five_year_groups(tmp_path):
    table, expected = _csu_table(factor=1.1)
    path = tmp_path / "2023_vek.xlsx"
    table.to_excel(path, index=False)
    result = read_population_table(path, rok=2023)
    assert result.columns.tolist() == ["kod_obce", "rok", *BANDS]
    assert set(result["rok"]) == {2023}
    pd.testing.assert_frame_equal(result.drop(columns="rok"), expected, check_dtype=False)


def test_csu_csv_with_single_years_and_a_repeated_85_plus_group(tmp_path):
    """As in ČSÚ's table of municipalities from 1,000 inhabitants: ages 0 ... 84, 85+, X, then 0-4 ... 85+ again."""
    ref = national_population().set_index("kod_obce").loc[MEMBERS]
    header = ["POH", "ZUJ", "Obec", "Celkem", *map(str, range(85)), "85+", "X", *FIVE_YEARS]
    lines = [";".join(header)]
    for code, row in ref.iterrows():
        groups = _five_year_groups(row)
        singles = [v for g in groups[:-1] for v in _split(g, 5)] + [groups[-1]]
        lines.append(";".join(["celkem", code, row["nazev"], str(row["celkem"]), *map(str, singles), "", *map(str, groups)]))
    path = tmp_path / "vek.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1250"))
    result = read_population_table([path], rok=2024).set_index("kod_obce")
    assert (result[BANDS] == ref[BANDS]).all().all()


def test_kpwork_bands_and_a_rok_column_need_no_year(tmp_path):
    path = tmp_path / "pop.csv"
    ref = national_population().set_index("kod_obce").loc[MEMBERS].reset_index()
    ref.assign(rok=2022)[["kod_obce", "rok", *BANDS]].to_csv(path, index=False)
    result = read_population_table(path)
    assert result["rok"].tolist() == [2022] * 3 and result["vek_80_plus"].tolist() == ref["vek_80_plus"].tolist()


def test_table_problems_are_reported_with_file_row_and_column(tmp_path):
    table, _ = _csu_table()
    table.loc[0, "Celkem"] += 7  # the bands no longer add up to Celkem on Excel row 2
    table.loc[3, "0-4"] = -1  # Excel row 5: a negative count
    good = tmp_path / "good.csv"
    table.to_csv(good, sep=";", index=False)
    gaps = tmp_path / "gaps.csv"
    table.drop(columns=["70-74"]).to_csv(gaps, sep=";", index=False)
    with pytest.raises(InvalidRegion) as info:
        read_population_table([good, gaps, tmp_path / "none.csv"], rok=2023)
    lines = [str(p) for p in info.value.problems]
    assert "good.csv:5: 0_4: must be >= 0, got -1" in lines
    assert any(line.startswith("good.csv:2: celkem: věková pásma dávají") for line in lines)
    assert any(line.startswith("gaps.csv:1: vek_65_79: věkové sloupce tabulky neskládají pásmo 65-79 let") for line in lines)
    assert lines[-1].endswith("none.csv:-: -: soubor nenalezen")


@pytest.mark.parametrize(
    "headers",
    [
        ("0–14", "15 - 64 let", "od 65 do 79", "80 a více"),
        ("0-14", "15-64", "65-79", "80+"),
        ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"),
        ("0 až 14", "15 až 64", "65-69", "70-79", "80 a starší"),
    ],
)
def test_age_headers_as_people_write_them(tmp_path, headers):
    ref = national_population().set_index("kod_obce").loc[MEMBERS]
    values = ref[BANDS].to_numpy().tolist()
    if len(headers) == 5:  # 65-79 given as two groups
        values = [[a, b, c // 2, c - c // 2, d] for a, b, c, d in values]
    table = pd.DataFrame(values, columns=list(headers)).assign(**{"Kód obce": MEMBERS})
    path = tmp_path / "vek.xlsx"
    table.to_excel(path, index=False)
    result = read_population_table(path, rok=2024).set_index("kod_obce")
    assert (result[BANDS] == ref[BANDS]).all().all()


def test_a_group_across_a_band_limit_is_reported(tmp_path):
    path = tmp_path / "vek.csv"
    path.write_text("kod_obce;0-14;15-69;70-79;80+\n588318;43;230;30;14\n", encoding="utf-8")
    with pytest.raises(InvalidRegion) as info:
        read_population_table(path, rok=2024)
    assert [p.column for p in info.value.problems] == ["vek_15_64", "vek_65_79"]


def test_a_bad_year_is_reported(tmp_path):
    path = tmp_path / "vek.csv"
    path.write_text("kod_obce;rok;vek_0_14;vek_15_64;vek_65_79;vek_80_plus\n588318;24;43;207;53;14\n", encoding="utf-8")
    with pytest.raises(InvalidRegion, match="vek.csv:2: rok: očekáván rok, např. 2024, zadáno 24"):
        read_population_table(path)


def test_a_table_without_rok_needs_the_year(tmp_path):
    table, _ = _csu_table()
    path = tmp_path / "vek.csv"
    table.to_csv(path, sep=";", index=False)
    with pytest.raises(InvalidRegion, match="vek.csv:1: rok: tabulka nemá sloupec rok"):
        read_population_table(path)
