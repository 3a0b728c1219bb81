"""Funding result tables (kpwork.funding.tables): a tiny region by hand, the sample's invariants."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from kpwork.errors import InvalidParameter
from kpwork.funding import costgame
from kpwork.funding.inputs import FundingPlan, Layer, SharedService
from kpwork.funding.methods import METHODS
from kpwork.funding.tables import (
    cost_game,
    funding_results,
    layer_amounts,
    service_inputs,
    service_tables,
)
from kpwork.region import Region

A, B, C, D = "500011", "500020", "500038", "500046"  # D is not a member
SENIORS = ("vek_65_79", "vek_80_plus")
KEYS = ["sluzba_id", "nazev_sluzby"]
COLUMNS = {
    "financovani_sluzby": [*KEYS, "metoda", "naklady", "vrstvy", "obce", "ucastnici", "neucastni", "naklady_koalic", "naklady_vsech", "v_jadru", "jadro_uplne"],
    "financovani_podily": [*KEYS, "metoda", "kod_obce", "nazev", "obyvatele", "castka", "na_obyvatele", "samostatne", "samostatne_brutto", "plati_vic_nez_samostatne"],
    "financovani_srovnani": [*KEYS, "zvolena_metoda", "kod_obce", "nazev", "obyvatele", "samostatne", *METHODS],
    "financovani_vrstvy": ["sluzba_id", "poradi", "zdroj", "typ", "podil_pct", "castka"],
    "financovani_jadro": ["sluzba_id", "metoda", "koalice", "koalice_kody", "platba", "naklady_koalice", "prebytek"],
}


def tiny_region(**extras: object) -> Region:
    """Three members 3, 4 and 5 km apart (A-B, A-C, B-C) and a non-member; two years of data.

    2024: A has 600 inhabitants (100 aged 65+), B 300 (50), C 100 (20). Service S1
    (seat A) had 6, 0 and 2 clients, 30, 0 and 10 hours; S2 (seat B) gives no hours.
    """
    centres = {A: (-550_000, -1_150_000), B: (-547_000, -1_150_000), C: (-550_000, -1_146_000), D: (-560_000, -1_150_000)}
    crs = "EPSG:5514"
    municipalities = gpd.GeoDataFrame(
        {"nazev": ["Alfa", "Beta", "Gama", "Delta"], "clen": [True, True, True, False]},
        geometry=[box(x - 500, y - 500, x + 500, y + 500) for x, y in centres.values()],
        index=pd.Index(list(centres), name="kod_obce"),
        crs=crs,
    )
    bands = ["kod_obce", "rok", "vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"]
    population = pd.DataFrame(
        [[A, 2024, 100, 400, 80, 20], [B, 2024, 50, 200, 40, 10], [C, 2024, 20, 60, 15, 5],
         [A, 2023, 1, 1, 1, 1], [B, 2023, 1, 1, 1, 1], [C, 2023, 1, 1, 1, 1]],
        columns=bands,
    )
    services = gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "nazev": ["Pečovatelská služba", "Odlehčovací služba"], "kod_obce": [A, B],
         "pusobnost": [(A, B, C), (A, B)], "naklady": [1000.0, 600.0]},
        geometry=[Point(centres[A]), Point(centres[B])],
        crs=crs,
    )
    usage = pd.DataFrame(
        [["S1", A, 6, 30.0, 2024], ["S1", B, 0, 0.0, 2024], ["S1", C, 2, 10.0, 2024], ["S1", D, 5, 50.0, 2024],
         ["S1", A, 1, 5.0, 2023], ["S1", B, 9, 45.0, 2023], ["S2", A, 4, np.nan, 2024]],
        columns=["sluzba_id", "kod_obce", "klienti", "hodiny", "rok"],
    ).astype({"rok": "Int64"})
    return Region(id="tiny", name="Tiny", path=Path("tiny"), members=(A, B, C), municipalities=municipalities,
                  population=population, services=services, usage=usage, extras=extras)


def shared(sid: str = "S1", metoda: str = "na_obyvatele", naklady: int = 1000, ucastnici: tuple[str, ...] = (A, B, C), **kwargs: object) -> SharedService:
    return SharedService(sid, metoda, naklady, ucastnici, cilova_populace=SENIORS, **kwargs)


# --- layer_amounts ---------------------------------------------------------------------------


def test_layer_amounts_by_hand():
    service = shared(naklady=1_000_001)
    amounts = layer_amounts(service, [Layer("S1", "EU", podil=0.5), Layer("S1", "kraj", castka=100_000)])
    # quotas 500 000.5, 100 000 and 400 000.5: the one crown left goes to the first tie (the layer)
    assert amounts.to_dict() == {"EU": 500_001, "kraj": 100_000, "obce": 400_000}
    assert amounts.dtype == np.int64


def test_layers_split_exactly_and_percentages_of_the_cost():
    service = shared("S08", "scrb", 5_200_001)
    amounts = layer_amounts(service, [Layer("S08", "ESF+", podil=0.51), Layer("S08", "SR", podil=0.09), Layer("S08", "úhrady", castka=700_000)])
    assert int(amounts.sum()) == 5_200_001
    assert amounts["úhrady"] == 700_000
    assert amounts["ESF+"] in (2_652_000, 2_652_001)


def test_layer_amounts_without_layers_or_cost():
    assert layer_amounts(shared(), []).to_dict() == {"obce": 1000}
    assert layer_amounts(shared(naklady=0), [Layer("S1", "EU", podil=0.5)]).tolist() == [0, 0]


def test_layers_above_the_cost_name_the_service():
    with pytest.raises(InvalidParameter, match=r"service S1: the layers \(1100 CZK\) exceed the annual cost \(1000 CZK\)"):
        layer_amounts(shared(), [Layer("S1", "EU", podil=0.6), Layer("S1", "kraj", castka=500)])


# --- service_inputs and cost_game ------------------------------------------------------------


def test_service_inputs_by_hand():
    # C opted out: its clients (and those of the non-member D) are not counted; 2023 is not the latest year
    data = service_inputs(tiny_region(), shared(ucastnici=(A, B), neucastni=(C,), vahy={"na_obyvatele": 1.0}))
    assert data.members == [A, B]
    assert data.population.to_dict() == {A: 600.0, B: 300.0}
    assert data.target.to_dict() == {A: 100.0, B: 50.0}
    assert data.usage.to_dict() == {A: 6.0, B: 0.0}
    assert dict(data.weights) == {"na_obyvatele": 1.0}
    assert data.cost(frozenset([A])) == data.cost(frozenset([A, B])) == 1000.0  # no quotes nor model


def test_service_inputs_usage_by_hours():
    data = service_inputs(tiny_region(), shared(jednotka_vyuziti="hodiny"))
    assert data.usage.to_dict() == {A: 30.0, B: 0.0, C: 10.0}


def test_participant_without_usage_gets_zero():
    data = service_inputs(tiny_region(), shared("S2", ucastnici=(A, B)))
    assert data.usage.to_dict() == {A: 4.0, B: 0.0}


def test_hours_asked_but_missing_name_the_service():
    with pytest.raises(InvalidParameter, match="service S2: usage by hours is asked for, but usage.csv gives no hodiny"):
        service_inputs(tiny_region(), shared("S2", ucastnici=(A, B), jednotka_vyuziti="hodiny"))
    region = tiny_region(funding=FundingPlan((shared("S2", ucastnici=(A, B), jednotka_vyuziti="hodiny"),)))
    with pytest.raises(InvalidParameter, match="service S2"):
        funding_results(region)


def test_cost_game_from_the_model_by_hand():
    # seat A; rounds A-B-A 6 km, A-C-A 8 km, A-B-C-A 3 + 5 + 4 = 12 km; 250 rounds when only kc_km is given
    model = {"model_fixni": 100.0, "model_na_klienta": 10.0, "model_kc_km": 2.0}
    game, source = cost_game(tiny_region(), shared(jednotka_vyuziti="hodiny", model=model))
    assert source == "model"
    assert game(frozenset([A])) == pytest.approx(100 + 10 * 6)  # clients, whatever usage counts
    assert game(frozenset([B])) == pytest.approx(100 + 2 * 250 * 6)
    assert game(frozenset([C])) == pytest.approx(100 + 10 * 2 + 2 * 250 * 8)
    assert game(frozenset([A, B, C])) == pytest.approx(100 + 10 * 8 + 2 * 250 * 12)


def test_cost_game_from_quotes_and_without_either():
    game, source = cost_game(tiny_region(), shared(ucastnici=(A, B)), {frozenset([A]): 350.0, frozenset([B]): 500.0, frozenset("*"): 600.0})
    assert source == "tabulka" and isinstance(game, costgame.QuotedCosts)
    assert game(frozenset([A, B])) == 600.0
    game, source = cost_game(tiny_region(), shared())
    assert source == "celkove_naklady" and game(frozenset([C])) == 1000.0


def test_bad_model_names_the_service():
    with pytest.raises(InvalidParameter, match="service S1: cost model: fixni"):
        cost_game(tiny_region(), shared(model={"model_fixni": -1.0}))


# --- funding_results by hand -----------------------------------------------------------------


@pytest.fixture(scope="module")
def by_hand() -> dict[str, pd.DataFrame]:
    """S1: 1000 CZK, 10 % grant, per capita among A, B, C. S2: 600 CZK per capita among A, B, quoted alone 350 and 500."""
    plan = FundingPlan(
        (shared(), shared("S2", naklady=600, ucastnici=(A, B))),
        (Layer("S1", "dotace", podil=0.1),),
    )
    quotes = {"S2": {frozenset([A]): 350.0, frozenset([B]): 500.0, frozenset("*"): 600.0}}
    return funding_results(tiny_region(funding=plan, coalition_costs=quotes))


def test_tables_and_columns(by_hand):
    assert {name: list(frame.columns) for name, frame in by_hand.items()} == COLUMNS


def test_summary_by_hand(by_hand):
    summary = by_hand["financovani_sluzby"].set_index("sluzba_id")
    assert summary.loc["S1", ["vrstvy", "obce", "ucastnici", "naklady_koalic", "naklady_vsech", "v_jadru", "jadro_uplne"]].tolist() == [100, 900, 3, "celkove_naklady", 1000, True, True]
    assert summary.loc["S2", ["vrstvy", "obce", "ucastnici", "naklady_koalic", "naklady_vsech", "v_jadru"]].tolist() == [0, 600, 2, "tabulka", 600, False]
    assert summary.loc["S1", "nazev_sluzby"] == "Pečovatelská služba"


def test_shares_by_hand(by_hand):
    shares = by_hand["financovani_podily"].set_index(["sluzba_id", "kod_obce"])
    # S1: 900 by 600 : 300 : 100 inhabitants; alone each would pay the whole 1000, of which members pay 90 %
    s1 = shares.loc["S1"]
    assert s1["castka"].tolist() == [540, 270, 90]
    assert s1["na_obyvatele"].tolist() == [0.9, 0.9, 0.9]
    assert s1["samostatne"].tolist() == [900, 900, 900] and s1["samostatne_brutto"].tolist() == [1000, 1000, 1000]
    assert not s1["plati_vic_nez_samostatne"].any()
    # S2: 600 by 600 : 300; A alone would pay 350 < 400
    s2 = shares.loc["S2"]
    assert s2["castka"].tolist() == [400, 200]
    assert s2["samostatne"].tolist() == [350, 500]
    assert s2["plati_vic_nez_samostatne"].tolist() == [True, False]
    assert s2["nazev"].tolist() == ["Alfa", "Beta"]


def test_comparison_by_hand(by_hand):
    comparison = by_hand["financovani_srovnani"].set_index(["sluzba_id", "kod_obce"])
    s1 = comparison.loc["S1"]
    assert s1["rovnym_dilem"].tolist() == [300, 300, 300]
    assert s1["na_cilovou_populaci"].tolist() == [529, 265, 106]  # 900 by 100 : 50 : 20
    assert s1["podle_vyuziti"].tolist() == [675, 0, 225]  # 900 by 6 : 0 : 2 clients
    for method in ("kombinace", "shapley", "scrb"):  # no weights; no cost game
        assert s1[method].isna().all()
    s2 = comparison.loc["S2"]
    # Shapley: A 350/2 + (600 - 500)/2 = 225; SCRB: separable 100 and 250, the rest 250 halved
    assert s2["shapley"].tolist() == [225, 375] and s2["scrb"].tolist() == [225, 375]
    assert (comparison["zvolena_metoda"] == "na_obyvatele").all()


def test_layers_by_hand(by_hand):
    layers = by_hand["financovani_vrstvy"]
    assert layers[["sluzba_id", "poradi", "zdroj", "typ", "podil_pct", "castka"]].values.tolist() == [
        ["S1", 1, "dotace", "vrstva", 10.0, 100],
        ["S1", 2, "členské obce", "obce", 90.0, 900],
        ["S2", 1, "členské obce", "obce", 100.0, 600],
    ]


def test_core_by_hand(by_hand):
    core = by_hand["financovani_jadro"]
    # A alone costs 350: per capita and per senior it pays 400, by usage 600
    assert core[["sluzba_id", "metoda", "koalice", "koalice_kody", "platba", "naklady_koalice", "prebytek"]].values.tolist() == [
        ["S2", "na_obyvatele", "Alfa", A, 400, 350, 50],
        ["S2", "na_cilovou_populaci", "Alfa", A, 400, 350, 50],
        ["S2", "podle_vyuziti", "Alfa", A, 600, 350, 250],
    ]


def test_missing_quotes_name_service_and_member():
    with pytest.raises(InvalidParameter, match=f"service S2: member {B} has no quoted stand-alone cost"):
        service_tables(tiny_region(), shared("S2", ucastnici=(A, B)), [], {frozenset([A]): 350.0, frozenset("*"): 600.0})


def test_region_without_funding_gives_no_tables():
    assert funding_results(tiny_region()) == {}


def test_results_leave_the_region_alone():
    region = tiny_region(funding=FundingPlan((shared(),)))
    usage, population = region.usage.copy(), region.population.copy()
    funding_results(region)
    pd.testing.assert_frame_equal(region.usage, usage)
    pd.testing.assert_frame_equal(region.population, population)


# --- the sample region -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(sample_region: Region) -> dict[str, pd.DataFrame]:
    return funding_results(sample_region)


def test_sample_tables_and_columns(sample):
    assert {name: list(frame.columns) for name, frame in sample.items()} == COLUMNS


def test_sample_members_pay_exactly_the_members_part(sample, sample_region):
    summary = sample["financovani_sluzby"].set_index("sluzba_id")
    assert list(summary.index) == [s.sluzba_id for s in sample_region.extras["funding"].services]
    assert summary["metoda"].nunique() >= 2
    shares = sample["financovani_podily"]
    assert (shares.groupby("sluzba_id")["castka"].sum() == summary["obce"]).all()
    assert (shares.groupby("sluzba_id").size() == summary["ucastnici"]).all()
    assert "549444" not in set(shares.loc[shares["sluzba_id"] == "S17", "kod_obce"])  # opted out
    comparison = sample["financovani_srovnani"]
    for method in METHODS:
        paid = comparison.dropna(subset=[method]).groupby("sluzba_id")[method].sum()
        assert (paid == summary.loc[paid.index, "obce"]).all(), method
        assert comparison[method].dtype == "Int64"
    chosen = [row[row["zvolena_metoda"]] for _, row in comparison.iterrows()]
    assert chosen == shares["castka"].tolist()


def test_sample_layers_sum_to_the_cost(sample):
    summary = sample["financovani_sluzby"].set_index("sluzba_id")
    layers = sample["financovani_vrstvy"]
    assert (layers.groupby("sluzba_id")["castka"].sum() == summary["naklady"]).all()
    members = layers[layers["typ"] == "obce"].set_index("sluzba_id")["castka"]
    assert (members == summary["obce"]).all()
    assert (summary["vrstvy"] + summary["obce"] == summary["naklady"]).all()
    assert (layers.groupby("sluzba_id")["poradi"].apply(list) == layers.groupby("sluzba_id").size().apply(lambda n: list(range(1, n + 1)))).all()


def test_sample_stand_alone_costs_are_consistent(sample):
    summary = sample["financovani_sluzby"].set_index("sluzba_id")
    shares = sample["financovani_podily"]
    assert shares["plati_vic_nez_samostatne"].dtype == bool
    assert (shares["plati_vic_nez_samostatne"] == (shares["castka"] > shares["samostatne"])).all()
    assert (shares["samostatne"] == sample["financovani_srovnani"]["samostatne"]).all()
    # samostatne is the gross stand-alone cost scaled by the share the members pay (within rounding)
    factor = shares["sluzba_id"].map(summary["obce"] / summary["naklady_vsech"])
    assert ((shares["samostatne_brutto"] * factor - shares["samostatne"]).abs() <= factor + 0.5).all()


def test_sample_core_table_is_consistent(sample):
    summary = sample["financovani_sluzby"].set_index("sluzba_id")
    core = sample["financovani_jadro"]
    assert len(core) and set(core["metoda"]) <= set(METHODS)
    assert ((core["platba"] - core["naklady_koalice"] - core["prebytek"]).abs() <= 1).all()
    assert (core["prebytek"] > 0).all()
    assert (core.groupby(["sluzba_id", "metoda"]).size() <= 10).all()
    violated = set(zip(core["sluzba_id"], core["metoda"], strict=True))
    assert summary["v_jadru"].to_dict() == {sid: (sid, row["metoda"]) not in violated for sid, row in summary.iterrows()}
    assert (summary["jadro_uplne"] == (summary["ucastnici"] <= costgame.CORE_CHECK_LIMIT)).all()
    codes = core["koalice_kody"].str.split(" ")
    assert (codes.str.len() == core["koalice"].str.split(" \\+ ").str.len()).all()


def test_sample_results_are_the_same_every_time(sample_region, sample):
    again = funding_results(sample_region)
    assert list(again) == list(sample)
    for name, frame in sample.items():
        pd.testing.assert_frame_equal(again[name], frame)
