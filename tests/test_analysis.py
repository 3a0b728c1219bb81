"""analyse_region: the documented tables, layers and meta; the same result every time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from kpwork.analysis import Analysis, analyse_region
from kpwork.region import Region, load_region
from kpwork.results import write_table
from kpwork.taxonomy import paragraph_order

TODAY = dt.date(2025, 3, 1)
FUNDING_TABLES = ["financovani_sluzby", "financovani_podily", "financovani_srovnani", "financovani_vrstvy", "financovani_jadro", "financovani_odhlaseni"]
SCENARIO_TABLES = ["scenare_souhrn", "scenare_obce", "scenare_sluzby", "scenare_naklady", "scenare_podily"]
META_KEYS = {"region_id", "region_name", "members", "names", "main_type", "types", "has_services", "population_years", "has_funding", "has_plan", "scenarios", "scenario_titles"}


def documented() -> tuple[list[str], list[str], list[str]]:
    """Tables of every region, prefixes of optional tables and layers, as analyse_region's docstring lists them."""
    returns = analyse_region.__doc__.split("Returns", 1)[1]
    tables, layers = returns.split("; layers", 1)
    names = re.findall(r"``(\w+\*?)``", tables)
    return [n for n in names if not n.endswith("*")], [n[:-1] for n in names if n.endswith("*")], re.findall(r"``(\w+)``", layers)


BASE_TABLES, OPTIONAL_PREFIXES, LAYERS = documented()


@pytest.fixture(scope="module")
def analysis(sample_region: Region) -> Analysis:
    return analyse_region(sample_region, today=TODAY)


def assert_same(one: Analysis, other: Analysis, *, tables: list[str] | None = None) -> None:
    """Equal tables (and row order), layers and meta."""
    assert list(one.tables) == list(other.tables)
    for name in tables or one.tables:
        pd.testing.assert_frame_equal(one.tables[name], other.tables[name], obj=name)
    assert list(one.layers) == list(other.layers)
    for name, layer in one.layers.items():
        pd.testing.assert_frame_equal(layer, other.layers[name], obj=name)
    assert one.meta == other.meta


# --- what it returns -------------------------------------------------------------------------


def test_tables_are_the_documented_ones(analysis):
    assert OPTIONAL_PREFIXES == ["financovani_", "plan_", "scenare_"] and "obce" in BASE_TABLES
    names = list(analysis.tables)
    plan = [n for n in names if n.startswith("plan_")]
    assert names == BASE_TABLES + FUNDING_TABLES + plan + SCENARIO_TABLES
    assert plan, "the sample has a plan"
    assert all(isinstance(frame, pd.DataFrame) and not isinstance(frame, gpd.GeoDataFrame) for frame in analysis.tables.values())


def test_tables_name_their_municipalities(analysis, sample_region):
    members = set(sample_region.members)
    for name in ("obce", "potreba", "dostupnost", "mezery", "nejvetsi_nedostatky"):
        table = analysis.tables[name]
        assert set(table["kod_obce"]) <= members, name
        assert table["nazev"].notna().all(), name
    assert analysis.tables["obce"]["kod_obce"].tolist() == list(sample_region.members)
    assert analysis.tables["sluzby"]["id"].tolist() == sample_region.services["id"].tolist()
    assert len(analysis.tables["nejvetsi_nedostatky"]) <= 20


def test_layers(analysis, sample_region):
    assert list(analysis.layers) == LAYERS == ["obce", "sluzby"]
    for layer in analysis.layers.values():
        assert isinstance(layer, gpd.GeoDataFrame)
        assert layer.crs.to_epsg() == 5514
    municipalities = analysis.layers["obce"]
    assert municipalities["kod_obce"].tolist() == list(sample_region.members)
    for druh in analysis.meta["types"]:
        assert {f"potreba_{druh}", f"pokryti_{druh}"} <= set(municipalities.columns)
    services = analysis.layers["sluzby"]
    assert services["id"].tolist() == sample_region.services["id"].tolist()
    assert (services.geom_type == "Point").all()


def test_meta(analysis, sample_region):
    meta = analysis.meta
    assert set(meta) == META_KEYS
    assert meta["region_id"] == sample_region.id and meta["region_name"] == sample_region.name
    assert meta["members"] == list(sample_region.members)
    assert meta["names"] == sample_region.member_names().to_dict()
    assert meta["types"] == sorted(set(analysis.tables["mezery"]["druh"]), key=paragraph_order)
    assert meta["main_type"] in meta["types"]
    assert meta["has_funding"] is True and meta["has_plan"] is True
    assert meta["has_services"] is True
    assert meta["population_years"] == [2020], "the sample's ČSÚ figures of 31 Dec 2020"
    json.dumps(meta)  # region.json


def test_population_years_are_the_latest_of_each_member(region_copy):
    """A member with a newer row counts with that year; the others keep theirs."""
    population = region_copy / "population.csv"
    with population.open("a", encoding="utf-8") as f:
        f.write("585599,2024,2300,11000,3300,900\n")
    result = analyse_region(load_region(region_copy), today=TODAY)
    assert result.meta["population_years"] == [2020, 2024]
    assert result.tables["obce"].set_index("kod_obce").loc["585599", "rok"] == 2024


def test_a_region_without_services_says_so(tmp_path):
    from kpwork.create import create_region

    create_region(tmp_path / "tri", ["588318", "585220", "586013"])
    result = analyse_region(load_region(tmp_path / "tri"), today=TODAY)
    assert result.meta["has_services"] is False
    assert (result.tables["mezery"]["stav"] == "nedostupne").all(), "no capacity anywhere: the pages must not show this"


def test_region_without_optional_inputs(region_copy):
    result = analyse_region(load_region(region_copy), today=TODAY)
    assert list(result.tables) == BASE_TABLES
    assert result.meta["has_funding"] is False and result.meta["has_plan"] is False


def test_inputs_are_left_alone(sample_region):
    usage, population = sample_region.usage.copy(), sample_region.population.copy()
    analyse_region(sample_region, today=TODAY)
    pd.testing.assert_frame_equal(sample_region.usage, usage)
    pd.testing.assert_frame_equal(sample_region.population, population)


# --- the same result every time --------------------------------------------------------------


def test_two_runs_on_one_region_are_equal(analysis, sample_region):
    assert_same(analysis, analyse_region(sample_region, today=TODAY))


def test_row_order_does_not_hang_on_the_order_of_usage_and_population_rows(analysis, sample_region):
    shuffled = dataclasses.replace(
        sample_region,
        usage=sample_region.usage.sample(frac=1, random_state=1),
        population=sample_region.population.sample(frac=1, random_state=2),
    )
    assert_same(analysis, analyse_region(shuffled, today=TODAY))


def test_row_order_of_several_years_of_usage(sample_region):
    older = sample_region.usage.assign(rok=pd.array([2023] * len(sample_region.usage), dtype="Int64"))
    usage = pd.concat([sample_region.usage, older], ignore_index=True)
    one = analyse_region(dataclasses.replace(sample_region, usage=usage), today=TODAY)
    other = analyse_region(dataclasses.replace(sample_region, usage=usage.sample(frac=1, random_state=3)), today=TODAY)
    pd.testing.assert_frame_equal(one.tables["vyuziti"], other.tables["vyuziti"])


def test_today_changes_only_the_plan_tables(analysis, sample_region):
    later = analyse_region(sample_region, today=dt.date(2031, 6, 1))
    assert list(later.tables) == list(analysis.tables)
    plan = [n for n in analysis.tables if n.startswith("plan_")]
    assert_same(analysis, later, tables=[n for n in analysis.tables if n not in plan])
    assert any(not analysis.tables[n].equals(later.tables[n]) for n in plan)


_RUN = """
import json, sys
from pathlib import Path
from datetime import date
from kpwork.analysis import analyse_region
from kpwork.region import load_region
from kpwork.results import write_table
out = Path(sys.argv[2])
result = analyse_region(load_region(sys.argv[1]), today=date(2025, 3, 1))
for name, frame in result.tables.items():
    write_table(frame, out / f"{name}.csv")
(out / "meta.json").write_text(json.dumps(result.meta, ensure_ascii=False, sort_keys=True))
"""


def _written(analysis: Analysis, folder: Path) -> dict[str, bytes]:
    folder.mkdir()
    for name, frame in analysis.tables.items():
        write_table(frame, folder / f"{name}.csv")
    (folder / "meta.json").write_text(json.dumps(analysis.meta, ensure_ascii=False, sort_keys=True))
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_no_two_runs_differ(analysis, sample_dir, tmp_path):
    # runs in fresh interpreters with different hash seeds write the same bytes as this one
    expected = _written(analysis, tmp_path / "here")
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}"
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _RUN, str(sample_dir), str(out)], check=True, env=env, capture_output=True)
        written = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        assert list(written) == list(expected)
        assert [name for name in expected if written[name] != expected[name]] == []
