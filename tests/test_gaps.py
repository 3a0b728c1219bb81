"""Gaps and service load (the small-count rule is tested in test_disclosure.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpwork.config import Thresholds
from kpwork.errors import InvalidParameter
from kpwork.gaps import (
    GAP_STATUS,
    find_gaps,
    main_shortage_type,
    municipality_gaps,
    region_gaps,
    service_load,
    top_shortages,
)


def _by_group(rows: list[tuple]) -> pd.DataFrame:
    """Reachable capacity per group, as kpwork.access.reachable_capacity gives it (by_group)."""
    return pd.DataFrame(rows, columns=["kod_obce", "cilova_skupina", "druh", "jednotka", "kapacita_dosazitelna"])


def test_gap_status_enough_short_and_none_reachable():
    need = pd.DataFrame({
        "kod_obce": ["585599", "585513", "588318"],
        "cilova_skupina": ["seniori"] * 3,
        "druh": ["40"] * 3,
        "potreba": [10.0, 10.0, 4.0],
    })
    access = _by_group([("585599", "seniori", "40", "klienti", 12.0), ("585513", "seniori", "40", "klienti", 6.0)])
    gaps = find_gaps(need, access).set_index("kod_obce")
    assert gaps.loc["585599", "stav"] == "dostatek"
    assert gaps.loc["585599", "mezera"] == pytest.approx(-2.0)
    assert gaps.loc["585513", "stav"] == "nedostatek"
    assert gaps.loc["585513", "pokryti"] == pytest.approx(0.6)
    assert gaps.loc["588318", "stav"] == "nedostupne"
    assert gaps.loc["588318", "kapacita_dosazitelna"] == 0.0
    assert set(gaps["jednotka"]) == {"klienti"}


def test_each_group_keeps_the_capacity_reached_for_it():
    # capacity is attributed to groups by kpwork.access (by the groups services serve), not by need shares here
    need = pd.DataFrame({"kod_obce": ["585599"] * 2, "cilova_skupina": ["seniori", "ozp"], "druh": ["40"] * 2, "potreba": [30.0, 10.0]})
    access = _by_group([("585599", "seniori", "40", "klienti", 20.0), ("585599", "ozp", "40", "klienti", 0.0)])
    gaps = find_gaps(need, access).set_index("cilova_skupina")
    assert gaps.loc["seniori", "kapacita_dosazitelna"] == 20.0 and gaps.loc["ozp", "stav"] == "nedostupne"
    with pytest.raises(InvalidParameter, match="missing columns"):
        find_gaps(need, access.drop(columns="cilova_skupina"))


def test_capacity_in_another_unit_has_rows_of_its_own_and_is_never_added():
    # §44 planned in beds: 3 beds reachable, and 12 clients of field respite care that no factor converts
    need = pd.DataFrame({"kod_obce": ["585599"], "cilova_skupina": ["seniori"], "druh": ["44"], "potreba": [5.0]})
    access = _by_group([("585599", "seniori", "44", "lůžka", 3.0), ("585599", "seniori", "44", "klienti", 12.0)])
    gaps = find_gaps(need, access)
    assert gaps["jednotka"].tolist() == ["lůžka", "klienti"]
    beds, clients = gaps.iloc[0], gaps.iloc[1]
    assert (beds["potreba"], beds["kapacita_dosazitelna"], beds["mezera"], beds["stav"]) == (5.0, 3.0, 2.0, "nedostatek")
    assert np.isnan(clients["potreba"]) and np.isnan(clients["mezera"]) and np.isnan(clients["pokryti"])
    assert (clients["kapacita_dosazitelna"], clients["stav"]) == (12.0, "jina_jednotka")
    per_type = municipality_gaps(gaps)
    assert per_type[["jednotka", "kapacita_dosazitelna", "stav"]].values.tolist() == [["lůžka", 3.0, "nedostatek"], ["klienti", 12.0, "jina_jednotka"]]
    assert region_gaps(gaps)["mezera"].tolist()[0] == 2.0 and np.isnan(region_gaps(gaps)["mezera"].tolist()[1])
    assert top_shortages(gaps)[["jednotka", "mezera"]].values.tolist() == [["lůžka", 2.0]]


def test_service_load_overloaded_unused_and_outside_clients():
    services = pd.DataFrame({"id": ["S1", "S2", "S3"], "druh": ["40"] * 3, "kapacita": [10.0, 10.0, 5.0], "jednotka": ["klienti"] * 3})
    usage = pd.DataFrame({
        "sluzba_id": ["S1", "S1", "S2", "S2"],
        "kod_obce": ["585599", "585068", "585599", "585599"],
        "klienti": [9, 3, 2, 1],
        "hodiny": [np.nan] * 4,
        "rok": pd.array([2024, 2024, 2023, 2024], dtype="Int64"),
    })
    load = service_load(services, usage, ["585599"]).set_index("sluzba_id")
    assert load.loc["S1", "klienti"] == 12 and load.loc["S1", "klienti_odjinud"] == 3
    assert load.loc["S1", "stav"] == "pretizena" and load.loc["S1", "vytizeni_zaklad"] == "klienti"
    # only the latest year of S2 counts: 1 client of 10 places
    assert load.loc["S2", "klienti"] == 1 and load.loc["S2", "stav"] == "nevyuzita"
    assert load.loc["S3", "stav"] == "bez_udaju" and load.loc["S3", "vytizeni_zaklad"] == "bez_udaju"


NIGHT_SHELTER = pd.DataFrame({"id": ["N"], "druh": ["63"], "kapacita": [10.0], "jednotka": ["lůžka"]})


def _nights(**columns) -> pd.DataFrame:
    # 3 clients a year of a 10-bed night shelter, from two municipalities
    return pd.DataFrame({"sluzba_id": ["N", "N"], "kod_obce": ["585599", "585513"], "klienti": [2, 1], "rok": [2024, 2024], **columns})


def test_load_of_beds_is_their_occupancy_never_clients_over_beds():
    # 3 clients a year on 10 beds is not "unused": without occupancy there is no comparable figure
    load = service_load(NIGHT_SHELTER, _nights(), ["585599", "585513"]).iloc[0]
    assert (load["vytizeni_zaklad"], load["stav"]) == ("nesrovnatelne", "bez_udaju") and np.isnan(load["vytizeni"])
    # bed-days: 2,920 nights a year on 10 beds = 8 beds occupied on average = 80 %
    load = service_load(NIGHT_SHELTER, _nights(luzkodny=[2000.0, 920.0]), ["585599"]).iloc[0]
    assert load["obsazenost"] == pytest.approx(8.0) and load["vytizeni"] == pytest.approx(0.8)
    assert (load["vytizeni_zaklad"], load["stav"]) == ("obsazenost", "v_norme")
    # average occupancy given on one row (the provider's total) counts for the service
    load = service_load(NIGHT_SHELTER, _nights(obsazenost=[9.5, np.nan]), ["585599"]).iloc[0]
    assert load["vytizeni"] == pytest.approx(0.95)


def test_load_of_beds_estimated_from_clients_through_a_conversion():
    # a region's factor: 0.5 clients a year per bed -> 3 clients are 6 beds' worth of 10: 60 %, marked an estimate
    factor = pd.DataFrame({"druh": ["63"], "jednotka_z": ["lůžka"], "jednotka_na": ["klienti"], "faktor": [0.5], "zdroj": ["test"]})
    load = service_load(NIGHT_SHELTER, _nights(), ["585599"], conversions=factor).iloc[0]
    assert load["vytizeni"] == pytest.approx(0.6)
    assert (load["vytizeni_zaklad"], load["stav"]) == ("odhad_z_klientu", "v_norme")


def test_load_of_families_is_not_clients_over_families():
    services = pd.DataFrame({"id": ["R"], "druh": ["65"], "kapacita": [20.0], "jednotka": ["rodiny"]})
    usage = pd.DataFrame({"sluzba_id": ["R"], "kod_obce": ["585599"], "klienti": [17], "rok": [2024]})
    load = service_load(services, usage, ["585599"]).iloc[0]
    assert (load["vytizeni_zaklad"], load["stav"]) == ("nesrovnatelne", "bez_udaju")


def test_top_shortages_and_main_type():
    gaps = pd.DataFrame({
        "kod_obce": ["1", "1", "2", "2"],
        "druh": ["40", "49", "40", "49"],
        "potreba": [5.0, 2.0, 6.0, 9.0],
        "kapacita_dosazitelna": [1.0, 3.0, 5.0, 1.0],
        "mezera": [4.0, -1.0, 1.0, 8.0],
    })
    assert top_shortages(gaps, n=2)[["kod_obce", "druh"]].values.tolist() == [["2", "49"], ["1", "40"]]
    assert main_shortage_type(gaps) == "49"


@pytest.fixture
def group_gaps() -> pd.DataFrame:
    """Two municipalities, two target groups, two types; Bělov reaches no §49."""
    need = pd.DataFrame({
        "kod_obce": ["585599", "585599", "585599", "588318", "588318"],
        "cilova_skupina": ["seniori", "ozp", "seniori", "seniori", "seniori"],
        "druh": ["49", "40", "40", "40", "49"],
        "potreba": [30.0, 10.0, 30.0, 4.0, 2.0],
    })
    access = _by_group([
        ("585599", "seniori", "40", "klienti", 33.0), ("585599", "ozp", "40", "klienti", 11.0),
        ("585599", "seniori", "49", "lůžka", 15.0), ("588318", "seniori", "40", "klienti", 1.0),
    ])
    return find_gaps(need, access)


def test_municipality_gaps_add_up_the_target_groups(group_gaps):
    per = municipality_gaps(group_gaps).set_index(["kod_obce", "druh"])
    assert per.loc[("585599", "40"), "potreba"] == pytest.approx(40.0)
    assert per.loc[("585599", "40"), "kapacita_dosazitelna"] == pytest.approx(44.0)
    assert per.loc[("585599", "40"), "stav"] == "dostatek" and per.loc[("585599", "40"), "pokryti"] == pytest.approx(1.1)
    assert per.loc[("585599", "49"), "stav"] == "nedostatek"
    assert per.loc[("588318", "49"), "stav"] == "nedostupne"
    assert list(per.index) == [("585599", "40"), ("585599", "49"), ("588318", "40"), ("588318", "49")]


def test_region_gaps_total_every_municipality_with_the_same_rule(group_gaps):
    region = region_gaps(group_gaps).set_index("druh")
    assert list(region.index) == ["40", "49"]
    assert region["potreba"].sum() == pytest.approx(group_gaps["potreba"].sum())
    assert region["kapacita_dosazitelna"].sum() == pytest.approx(group_gaps["kapacita_dosazitelna"].sum())
    assert region.loc["40", "mezera"] == pytest.approx(44.0 - 45.0)
    assert region.loc["40", "pokryti"] == pytest.approx(45.0 / 44.0)
    assert region.loc["40", "stav"] == "dostatek" and region.loc["49", "stav"] == "nedostatek"
    # the one rule of gap_status: a stricter threshold changes every level alike
    strict = Thresholds(enough_share=1.5)
    assert set(region_gaps(group_gaps, thresholds=strict)["stav"]) == {"nedostatek"}
    assert "dostatek" not in set(municipality_gaps(group_gaps, thresholds=strict)["stav"])
    assert set(region["stav"]) <= set(GAP_STATUS)


def test_region_gaps_of_the_sample_match_the_gap_table(sample_region):
    from kpwork.access import reachable_capacity
    from kpwork.need import region_need

    need = region_need(sample_region)
    gaps = find_gaps(need, reachable_capacity(sample_region, need).by_group)
    region = region_gaps(gaps)
    assert sorted(region["druh"]) == sorted(set(gaps["druh"]))
    assert region["mezera"].sum() == pytest.approx(gaps["mezera"].sum())
    assert region.loc[region["druh"] == "41", "stav"].item() == "nedostupne"
