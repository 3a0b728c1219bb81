"""Gaps and service load (the small-count rule is tested in test_disclosure.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpwork.config import Thresholds
from kpwork.gaps import (
    GAP_STATUS,
    find_gaps,
    main_shortage_type,
    municipality_gaps,
    region_gaps,
    service_load,
    top_shortages,
)


def test_gap_status_enough_short_and_none_reachable():
    need = pd.DataFrame({
        "kod_obce": ["585599", "585513", "588318"],
        "cilova_skupina": ["seniori"] * 3,
        "druh": ["40"] * 3,
        "potreba": [10.0, 10.0, 4.0],
    })
    access = pd.DataFrame({"kod_obce": ["585599", "585513"], "druh": ["40", "40"], "kapacita_dosazitelna": [12.0, 6.0]})
    gaps = find_gaps(need, access).set_index("kod_obce")
    assert gaps.loc["585599", "stav"] == "dostatek"
    assert gaps.loc["585599", "mezera"] == pytest.approx(-2.0)
    assert gaps.loc["585513", "stav"] == "nedostatek"
    assert gaps.loc["585513", "pokryti"] == pytest.approx(0.6)
    assert gaps.loc["588318", "stav"] == "nedostupne"
    assert gaps.loc["588318", "kapacita_dosazitelna"] == 0.0


def test_capacity_is_shared_by_groups_in_proportion_to_need():
    need = pd.DataFrame({"kod_obce": ["585599"] * 2, "cilova_skupina": ["seniori", "ozp"], "druh": ["40"] * 2, "potreba": [30.0, 10.0]})
    access = pd.DataFrame({"kod_obce": ["585599"], "druh": ["40"], "kapacita_dosazitelna": [20.0]})
    gaps = find_gaps(need, access).set_index("cilova_skupina")
    assert gaps["kapacita_dosazitelna"].sum() == pytest.approx(20.0)
    assert gaps.loc["seniori", "kapacita_dosazitelna"] == pytest.approx(15.0)


def test_service_load_overloaded_unused_and_outside_clients():
    services = pd.DataFrame({"id": ["S1", "S2", "S3"], "kapacita": [10.0, 10.0, 5.0]})
    usage = pd.DataFrame({
        "sluzba_id": ["S1", "S1", "S2", "S2"],
        "kod_obce": ["585599", "585068", "585599", "585599"],
        "klienti": [9, 3, 2, 1],
        "hodiny": [np.nan] * 4,
        "rok": pd.array([2024, 2024, 2023, 2024], dtype="Int64"),
    })
    load = service_load(services, usage, ["585599"]).set_index("sluzba_id")
    assert load.loc["S1", "klienti"] == 12 and load.loc["S1", "klienti_odjinud"] == 3
    assert load.loc["S1", "stav"] == "pretizena"
    # only the latest year of S2 counts: 1 client of 10 places
    assert load.loc["S2", "klienti"] == 1 and load.loc["S2", "stav"] == "nevyuzita"
    assert load.loc["S3", "stav"] == "bez_udaju"


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
    access = pd.DataFrame({"kod_obce": ["585599", "585599", "588318"], "druh": ["40", "49", "40"], "kapacita_dosazitelna": [44.0, 15.0, 1.0]})
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
    from kpwork.access import accessibility
    from kpwork.need import region_need

    need = region_need(sample_region)
    gaps = find_gaps(need, accessibility(sample_region, need))
    region = region_gaps(gaps)
    assert sorted(region["druh"]) == sorted(set(gaps["druh"]))
    assert region["mezera"].sum() == pytest.approx(gaps["mezera"].sum())
    assert region.loc[region["druh"] == "41", "stav"].item() == "nedostupne"
