"""Conversions between units of capacity: the shipped factors, a region's overrides, the lookup."""

from __future__ import annotations

import pandas as pd
import pytest

from kpwork import load_region
from kpwork.conversions import (
    combine_conversions,
    default_conversions,
    factor_table,
    region_conversions,
)
from kpwork.taxonomy import CAPACITY_UNITS, SERVICE_TYPES


def test_shipped_conversions_are_valid_and_each_has_its_source():
    shipped = default_conversions()
    assert len(shipped) >= 2
    assert shipped["druh"].isin(list(SERVICE_TYPES)).all()
    assert shipped[["jednotka_z", "jednotka_na"]].isin(list(CAPACITY_UNITS)).all().all()
    assert (shipped["faktor"] > 0).all()
    assert shipped["zdroj"].str.len().gt(20).all()
    respite = shipped.set_index("druh").loc["44"]
    # 365 days x 0.8 occupancy / 21 days a stay, as its zdroj explains
    assert (respite["jednotka_z"], respite["jednotka_na"]) == ("lůžka", "klienti")
    assert respite["faktor"] == pytest.approx(365 * 0.8 / 21, abs=0.01)
    assert "předpoklad" in respite["zdroj"]


def test_factor_table_works_both_ways_and_drops_switched_off_rows():
    table = pd.DataFrame({"druh": ["44", "55"], "jednotka_z": ["lůžka", "hovory"], "jednotka_na": ["klienti", "kontakty"], "faktor": [12.5, 0.0]})
    factors = factor_table(table)
    assert factors[("44", "lůžka", "klienti")] == 12.5 and factors[("44", "klienti", "lůžka")] == pytest.approx(0.08)
    assert ("55", "hovory", "kontakty") not in factors


def test_a_region_replaces_a_default_in_either_direction_and_adds_new_ones(region_copy):
    (region_copy / "conversions.csv").write_text(
        "druh;jednotka_z;jednotka_na;faktor;zdroj\n"
        "44;klienti;lůžka;0,05;kraj: průměrný pobyt 14 dní\n"
        "65;rodiny;klienti;2,5;předpoklad: rodič a 1,5 dítěte\n",
        encoding="utf-8",
    )
    region = load_region(region_copy)
    assert (region_copy / "conversions.csv") in region.inputs
    used = region_conversions(region)
    factors = factor_table(used)
    assert factors[("44", "lůžka", "klienti")] == pytest.approx(20.0)
    assert factors[("65", "rodiny", "klienti")] == 2.5
    assert len(used.loc[used["druh"] == "44"]) == 1
    assert ("55", "hovory", "kontakty") in factors  # the other defaults stay


def test_a_region_switches_a_default_off_with_zero():
    default = default_conversions()
    off = pd.DataFrame({"druh": ["44"], "jednotka_z": ["lůžka"], "jednotka_na": ["klienti"], "faktor": [0.0], "zdroj": ["bez převodu"]})
    assert ("44", "lůžka", "klienti") not in factor_table(combine_conversions(default, off))


def test_bad_conversions_are_reported_with_file_row_and_column(region_copy, problems_of):
    (region_copy / "conversions.csv").write_text(
        "druh;jednotka_z;jednotka_na;faktor;zdroj\n"
        "44;lůžka;lůžka;2;x\n"
        "44;klienti;osoby;2;x\n"
        "63;lůžka;klienti;-1;x\n"
        "57;lůžka;klienti;1;\n"
        "63;klienti;lůžka;1;y\n",
        encoding="utf-8",
    )
    assert problems_of(region_copy) == [
        "conversions.csv:2: jednotka_na: §44: converts lůžka to itself; expected two different units",
        "conversions.csv:3: jednotka_na: unknown unit of capacity (jednotka) 'osoby'; expected one of lůžka, místa, klienti, rodiny, kontakty, intervence, hovory",
        "conversions.csv:4: faktor: must be >= 0, got -1",
        "conversions.csv:5: zdroj: missing value; expected the source of the factor, or 'předpoklad: ' and the reasoning",
        "conversions.csv:6: jednotka_na: §63: a second conversion between klienti and lůžka (also row 4); give one per type and pair of units",
    ]
