"""A run's result tables: Excel-friendly CSV that reads back with codes as text; the pages' results folder."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from kpwork.results import (
    CODE_COLUMNS,
    GEOPACKAGE,
    META,
    NOTICE,
    RESULTS_ENV,
    load,
    page_results_dir,
    read_table,
    write_results,
    write_table,
)


def test_round_trip_keeps_codes_as_text_with_leading_zeros(tmp_path):
    frame = pd.DataFrame(
        {
            "kod_obce": ["058559", "585599"],
            "ico": ["00284301", "70888337"],
            "druh": ["40", "49"],
            "potreba": [12.5, 0.25],
            "klienti": [3, 0],
            "cilove_skupiny": [("seniori", "ozp"), ("seniori",)],
            "poznamka": ["Bělov; obec", None],
        }
    )
    path = tmp_path / "t.csv"
    write_table(frame, path)
    back = read_table(path)
    assert back["kod_obce"].tolist() == ["058559", "585599"]
    assert back["ico"].tolist() == ["00284301", "70888337"]
    assert back["druh"].tolist() == ["40", "49"], "service types are codes, not numbers"
    assert back["potreba"].tolist() == [12.5, 0.25]
    assert back["klienti"].tolist() == [3, 0]
    assert back["cilove_skupiny"].tolist() == ["seniori, ozp", "seniori"], "tuples are written as text"
    assert back.loc[0, "poznamka"] == "Bělov; obec" and math.isnan(back.loc[1, "poznamka"])


def test_csv_is_what_czech_excel_opens(tmp_path):
    path = tmp_path / "t.csv"
    write_table(pd.DataFrame({"kod_obce": ["058559"], "podil": [0.25]}), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    assert raw.decode("utf-8-sig") == "kod_obce;podil\r\n058559;0,25\r\n", "';' and a decimal comma, CRLF line ends (a carriage return in a cell is quoted)"


def test_write_table_does_not_change_its_input(tmp_path):
    frame = pd.DataFrame({"kod_obce": ["058559"], "skupiny": [("a", "b")]})
    write_table(frame, tmp_path / "t.csv")
    assert frame.loc[0, "skupiny"] == ("a", "b")


@pytest.fixture
def results_dir(tmp_path):
    tables = {"mezery": pd.DataFrame({"kod_obce": ["058559"], "chybi": [1.5]}), "obce": pd.DataFrame({"kod_obce": ["058559"], "nazev": ["Bělov"]})}
    layer = gpd.GeoDataFrame({"kod_obce": ["058559"], "nazev": ["Bělov"]}, geometry=[Point(-520000, -1170000)], crs="EPSG:5514")
    folder = tmp_path / "results"
    written = write_results(tables, {"obce": layer}, {"region_name": "Otrokovicko"}, folder)
    assert [p.name for p in written] == [NOTICE, "mezery.csv", "obce.csv", GEOPACKAGE, META]
    return folder


def test_results_folder_says_it_is_not_public(results_dir):
    # the tables hold real clients per municipality; the CSV format stays (read_table, reproduce), a note says it
    text = (results_dir / NOTICE).read_text(encoding="utf-8")
    assert text.startswith("NEVEŘEJNÉ") and "NOT PUBLIC" in text and "Ochrana malých počtů" in text
    assert load(results_dir).tables == ["mezery", "obce"]


def test_results_load_tables_layers_and_meta(results_dir):
    r = load(results_dir)
    assert r.meta == {"region_name": "Otrokovicko"}
    assert r.tables == ["mezery", "obce"]
    assert "mezery" in r and "vyuziti" not in r
    assert r["mezery"]["kod_obce"].tolist() == ["058559"]
    layer = r.layer("obce")
    assert layer["kod_obce"].tolist() == ["058559"] and layer.crs.to_epsg() == 5514


def test_a_missing_table_names_the_tables_there_are(results_dir):
    r = load(results_dir)
    with pytest.raises(KeyError, match=r"no table 'vyuziti' in .*results \(tables: mezery, obce\)"):
        r["vyuziti"]


def test_load_without_results_suggests_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no run results in .*; run `kpwork run` first"):
        load(tmp_path)


def test_region_json_is_sorted_utf8(results_dir):
    text = (results_dir / META).read_text(encoding="utf-8")
    assert json.loads(text) == {"region_name": "Otrokovicko"} and text.endswith("\n")


def test_code_columns_include_the_keys_of_the_tables():
    assert {"kod_obce", "sluzba_id", "druh", "ico"} <= CODE_COLUMNS


@pytest.mark.parametrize(("env", "expected"), [(None, "../default/results"), ("", "../default/results"), ("/srv/run/results", "/srv/run/results")])
def test_page_results_dir_prefers_the_served_run(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv(RESULTS_ENV, raising=False)
    else:
        monkeypatch.setenv(RESULTS_ENV, env)
    assert str(page_results_dir("../default/results")) == expected
