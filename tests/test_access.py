"""Tests of kpwork.access: the 2SFCA/E2SFCA kernels and the frame-level wrapper."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from kpwork import InvalidParameter, load_region
from kpwork.access import (
    ACCESS_COLUMNS,
    accessibility,
    catchment_fca,
    demand_points,
    gaussian_weights,
    nearest_distance,
    radius_reach,
    reachable_capacity,
    serves_group,
    two_step_fca,
)
from kpwork.conversions import default_conversions
from kpwork.taxonomy import SERVICE_TYPES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"
# PySAL access 1.1.10 under pandas 3 uses set_index(inplace=True); not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")
STEPS = [(5000.0, 1.0), (10000.0, 0.68), (20000.0, 0.22)]

# --- the hand-computed 3x3 case -------------------------------------------------------------
# Demand on a line: A (0, 0) 100 people, B (10, 0) 200, C (30, 0) 300.
# Supply: S1 (0, 0) capacity 10, S2 (20, 0) capacity 30, S3 (100, 0) capacity 5.
# Distances:     A    B    C
#          S1    0   10   30
#          S2   20   10   10
#          S3  100   90   70
DEMAND_XY = np.array([[0.0, 0.0], [10.0, 0.0], [30.0, 0.0]])
DEMAND = np.array([100.0, 200.0, 300.0])
SUPPLY_XY = np.array([[0.0, 0.0], [20.0, 0.0], [100.0, 0.0]])
CAPACITY = np.array([10.0, 30.0, 5.0])


def test_hand_computed_2sfca():
    # radius 10, inclusive: S1 reaches A, B (B at exactly 10); S2 reaches B, C; S3 nobody.
    # R1 = 10 / (100 + 200) = 1/30;  R2 = 30 / (200 + 300) = 0.06;  R3 = 0 (no demand).
    # A = R1 = 0.0333...;  B = R1 + R2 = 0.0933...;  C = R2 = 0.06
    ratio = two_step_fca(DEMAND_XY, DEMAND, SUPPLY_XY, CAPACITY, radius=10)
    np.testing.assert_allclose(ratio, [1 / 30, 1 / 30 + 0.06, 0.06], rtol=1e-12)


def test_hand_computed_e2sfca_steps():
    # steps: d <= 5 -> 1.0, 5 < d <= 10 -> 0.5 (upper bounds inclusive), beyond -> 0.
    # S1: A d=0 w=1, B d=10 w=0.5 -> demand 100 + 0.5*200 = 200 -> R1 = 10/200 = 0.05
    # S2: B d=10 w=0.5, C d=10 w=0.5 -> demand 100 + 150 = 250 -> R2 = 30/250 = 0.12
    # A = 1*0.05 = 0.05;  B = 0.5*0.05 + 0.5*0.12 = 0.085;  C = 0.5*0.12 = 0.06
    ratio = two_step_fca(DEMAND_XY, DEMAND, SUPPLY_XY, CAPACITY, radius=10, weights=[(5, 1.0), (10, 0.5)])
    np.testing.assert_allclose(ratio, [0.05, 0.085, 0.06], rtol=1e-12)


def test_one_catchment_is_capacity_over_demand():
    rng = np.random.default_rng(1)
    demand_xy = rng.uniform(-1000, 1000, (50, 2))
    demand = rng.integers(1, 500, 50).astype(float)
    ratio = two_step_fca(demand_xy, demand, np.array([[0.0, 0.0]]), [120.0], radius=5000)
    np.testing.assert_allclose(ratio, 120.0 / demand.sum(), rtol=1e-12)


def test_gaussian_weights_match_pysal():
    from access import weights

    d = np.linspace(0, 30000, 31)
    np.testing.assert_allclose(gaussian_weights(7000)(d), [weights.gaussian(7000)(x) for x in d], rtol=1e-15)


# --- equality with PySAL access -------------------------------------------------------------


def _random_case(seed: int, n: int = 400, m: int = 120, extent: float = 100_000.0):
    rng = np.random.default_rng(seed)
    demand_xy = rng.uniform(0, extent, (n, 2))
    supply_xy = rng.uniform(0, extent, (m, 2))
    demand = rng.integers(1, 20_000, n).astype(float)
    capacity = rng.uniform(0, 200, m)
    return demand_xy, demand, supply_xy, capacity


def _pysal(demand_xy, demand, supply_xy, capacity, radius, weight_fn=None, *, enhanced=False):
    """PySAL access fed a cost table built the usual way; 0 where it gives no value."""
    from access import Access

    pairs = cKDTree(demand_xy).sparse_distance_matrix(cKDTree(supply_xy), radius, output_type="coo_matrix")
    cost = pd.DataFrame({"origin": pairs.row, "dest": pairs.col, "cost": pairs.data})
    model = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(len(demand)), "pop": demand}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(len(capacity)), "cap": capacity}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    if enhanced:
        result = model.enhanced_two_stage_fca(name="e2sfca", max_cost=radius, weight_fn=weight_fn)
    else:
        result = model.two_stage_fca(name="2sfca", max_cost=radius, weight_fn=weight_fn)
    return result.iloc[:, 0].reindex(np.arange(len(demand))).fillna(0.0).to_numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_2sfca_equals_pysal(seed):
    case = _random_case(seed, m=40, extent=200_000.0)
    ours = two_step_fca(*case, radius=20_000)
    np.testing.assert_allclose(ours, _pysal(*case, 20_000), rtol=1e-9, atol=0)
    assert (ours > 0).any() and (ours == 0).any()


@pytest.mark.parametrize("radius", [20_000.0, 15_000.0])
def test_e2sfca_steps_equal_pysal(radius):
    from access import weights

    case = _random_case(3)
    ours = two_step_fca(*case, radius=radius, weights=STEPS)
    fn = weights.step_fn(dict(STEPS))
    np.testing.assert_allclose(ours, _pysal(*case, radius, fn, enhanced=True), rtol=1e-9, atol=0)


def test_e2sfca_gaussian_equals_pysal():
    from access import weights

    case = _random_case(4)
    ours = two_step_fca(*case, radius=25_000, weights=gaussian_weights(8_000))
    theirs = _pysal(*case, 25_000, weights.gaussian(8_000), enhanced=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0)


def test_many_chunks_equal_pysal_and_do_not_depend_on_workers():
    case = _random_case(5, n=500, m=2600, extent=200_000.0)  # several neighbour-search chunks
    one = two_step_fca(*case, radius=20_000, weights=STEPS)
    two = two_step_fca(*case, radius=20_000, weights=STEPS, workers=2)
    assert np.array_equal(one, two)
    plain = two_step_fca(*case, radius=20_000, workers=-1)
    np.testing.assert_allclose(plain, _pysal(*case, 20_000), rtol=1e-9, atol=0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), radius=st.floats(500, 60_000), gaussian=st.booleans())
def test_reachable_capacity_is_conserved(seed, radius, gaussian):
    # sum_i P_i A_i = sum_j S_j over supplies with demand in reach (both steps use the same weights)
    demand_xy, demand, supply_xy, capacity = _random_case(seed, n=60, m=25)
    weights = gaussian_weights(radius / 2) if gaussian else None
    ratio = two_step_fca(demand_xy, demand, supply_xy, capacity, radius, weights)
    reached = np.array([np.any(np.hypot(*(demand_xy - s).T) <= radius) for s in supply_xy])
    np.testing.assert_allclose((demand * ratio).sum(), capacity[reached].sum(), rtol=1e-9, atol=1e-9)


# --- field services and zero demand ---------------------------------------------------------


def test_catchment_reaches_exactly_its_municipalities():
    # a field service of 20 serving villages 0 and 2 (far apart), not 1 (next door):
    # R = 20 / (100 + 300) = 0.05 at 0 and 2, nothing at 1
    reach = sp.csr_array(([1.0, 1.0], ([0, 2], [0, 0])), shape=(3, 1))
    ratio = catchment_fca([100, 50, 300], [20], reach)
    assert ratio.tolist() == [0.05, 0.0, 0.05]


def test_catchment_equals_two_step_on_the_same_reach():
    demand_xy, demand, supply_xy, capacity = _random_case(6, n=80, m=30)
    pairs = cKDTree(demand_xy).sparse_distance_matrix(cKDTree(supply_xy), 20_000, output_type="coo_matrix")
    reach = sp.coo_array((np.ones(pairs.nnz), (pairs.row, pairs.col)), shape=pairs.shape)
    np.testing.assert_allclose(
        catchment_fca(demand, capacity, reach), two_step_fca(demand_xy, demand, supply_xy, capacity, 20_000), rtol=1e-12
    )


def test_supply_without_demand_contributes_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            # S2 reaches only a village of 0 people, S3 reaches nobody: neither counts, no 0/0
            ratio = two_step_fca(
                [[0.0, 0.0], [1000.0, 0.0]], [50.0, 0.0], [[0.0, 0.0], [1000.0, 0.0], [9000.0, 0.0]], [10.0, 99.0, 7.0], radius=500
            )
            assert ratio.tolist() == [0.2, 0.0]
            empty = catchment_fca([0.0, 0.0], [5.0], sp.coo_array(np.ones((2, 1))))
            assert empty.tolist() == [0.0, 0.0]
    assert two_step_fca(np.empty((0, 2)), [], [[0.0, 0.0]], [5.0], radius=10).shape == (0,)
    assert two_step_fca([[0.0, 0.0]], [5.0], np.empty((0, 2)), [], radius=10).tolist() == [0.0]


def test_nearest_distance():
    d = nearest_distance(DEMAND_XY, SUPPLY_XY)
    assert d.tolist() == [0.0, 10.0, 10.0]
    assert nearest_distance(DEMAND_XY, np.empty((0, 2))).tolist() == [np.inf] * 3


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"demand_xy": np.zeros((3, 3))}, ["demand_xy", "(3, 3)", "(n, 2)"]),
        ({"demand": [1.0, -2.0, 3.0]}, ["demand", "-2.0", ">= 0"]),
        ({"demand": [1.0, 2.0]}, ["demand", "(2,)", "(3,)"]),
        ({"capacity": [1.0, np.nan, 3.0]}, ["capacity", "nan", ">= 0"]),
        ({"capacity": [1.0, -5.0, 3.0]}, ["capacity", "-5.0"]),
        ({"supply_xy": [[0.0, np.inf], [1.0, 1.0], [2.0, 2.0]]}, ["supply_xy", "finite", "[0]"]),
        ({"radius": 0}, ["radius", "0", "> 0"]),
        ({"radius": -100.0}, ["radius", "-100.0", "> 0"]),
        ({"radius": np.inf}, ["radius", "inf", "finite"]),
        ({"radius": "far"}, ["radius", "'far'"]),
        ({"weights": [(10, 1.0), (5, 0.5)]}, ["weights", "strictly increasing", "(10, 1.0)"]),
        ({"weights": [(5, 1.0), (10, -0.5)]}, ["weights", "-0.5", ">= 0"]),
        ({"weights": []}, ["weights", "[]"]),
        ({"weights": "gauss"}, ["weights", "'gauss'"]),
        ({"weights": lambda d: -d}, ["weights", ">= 0"]),
        ({"workers": 0}, ["workers", "0", "-1"]),
    ],
)
def test_invalid_input_names_argument_value_and_allowed(kwargs, words):
    args = {"demand_xy": DEMAND_XY, "demand": DEMAND, "supply_xy": SUPPLY_XY, "capacity": CAPACITY, "radius": 10.0}
    with pytest.raises(InvalidParameter) as info:
        two_step_fca(**{**args, **kwargs})
    for word in words:
        assert word in str(info.value)


def test_invalid_reach_and_sigma():
    with pytest.raises(InvalidParameter, match="reach: expected a scipy.sparse"):
        catchment_fca([1.0], [1.0], np.ones((1, 1)))
    with pytest.raises(InvalidParameter, match=r"capacity: expected shape \(1,\)"):
        catchment_fca([1.0], [1.0, 2.0], sp.coo_array(np.ones((1, 1))))
    with pytest.raises(InvalidParameter, match="reach: weights must be finite and >= 0"):
        catchment_fca([1.0], [1.0], sp.coo_array(np.array([[-1.0]])))
    with pytest.raises(InvalidParameter, match="sigma"):
        gaussian_weights(0)


# --- the wrapper on the sample region -------------------------------------------------------


@pytest.fixture(scope="module")
def region():
    return load_region(SAMPLE)


@pytest.fixture(scope="module")
def need(region):
    people = region.latest_population()["obyvatele"]
    types = sorted(set(region.services["druh"]))
    rows = [(code, druh, people[code] * (1 + k) / 1000) for k, druh in enumerate(types) for code in region.members]
    return pd.DataFrame(rows, columns=["kod_obce", "druh", "potreba"])


@pytest.fixture(scope="module")
def table(region, need):
    return accessibility(region, need)


def test_wrapper_has_a_row_per_member_and_type(region, table):
    # every capacity of the sample is in its type's planning unit or converts to it (§44 clients -> beds)
    types = set(region.services["druh"])
    assert list(table.columns) == list(ACCESS_COLUMNS)
    assert len(table) == len(region.members) * len(types)
    assert set(zip(table["kod_obce"], table["druh"], strict=True)) == {(m, d) for m in region.members for d in types}
    assert list(dict.fromkeys(table["kod_obce"])) == list(region.members)
    assert (table["jednotka"] == table["druh"].map(lambda d: SERVICE_TYPES[d].unit)).all()
    numbers = table[["potreba", "dostupnost", "kapacita_dosazitelna", "vzdalenost_nejblizsi_m"]].to_numpy()
    assert np.isfinite(numbers).all() and (numbers >= 0).all()


def test_field_service_reaches_only_its_catchment(table):
    # §69 is offered only by S13, field, pusobnost 585599 and 585513
    s13 = table[table["druh"] == "69"].set_index("kod_obce")["dostupnost"]
    assert set(s13[s13 > 0].index) == {"585599", "585513"}


def test_reachable_capacity_adds_up_to_capacity(region, table):
    # every service has need in reach, so the reachable capacity of a type is its capacity in the planning unit
    totals = table.groupby("druh")["kapacita_dosazitelna"].sum()
    factor = np.where(region.services["druh"] == "44", np.where(region.services["jednotka"] == "klienti", 1 / 13.9, 1.0), 1.0)
    capacity = (region.services["kapacita"] * factor).groupby(region.services["druh"]).sum()
    pd.testing.assert_series_equal(totals, capacity.loc[totals.index], check_names=False, rtol=1e-9)


S17 = ["585513", "585220", "549461", "549444", "586013"]


def test_several_forms_add_their_components(region, need):
    # §44: S07 residential (8 beds, radius reaches all members), S17 field (15 clients, 5 members),
    # its clients converted to beds by the shipped factor (13.9 clients a year per bed)
    table = accessibility(region, need).query("druh == '44'").set_index("kod_obce")
    p = need[need["druh"] == "44"].set_index("kod_obce")["potreba"]
    expected = pd.Series(8 / p.sum(), index=p.index) + pd.Series(15 / 13.9 / p[S17].sum(), index=S17).reindex(p.index, fill_value=0)
    np.testing.assert_allclose(table.loc[p.index, "dostupnost"], expected, rtol=1e-12)
    np.testing.assert_allclose(table["kapacita_dosazitelna"], table["dostupnost"] * p.loc[table.index], rtol=1e-12)


def test_forms_in_units_without_a_conversion_are_shown_apart(region, need):
    off = default_conversions().assign(faktor=0.0)
    table = accessibility(region, need, conversions=off).query("druh == '44'")
    p = need[need["druh"] == "44"].set_index("kod_obce")["potreba"]
    beds = table.loc[table["jednotka"] == "lůžka"].set_index("kod_obce")
    clients = table.loc[table["jednotka"] == "klienti"].set_index("kod_obce")
    np.testing.assert_allclose(beds.loc[p.index, "kapacita_dosazitelna"], 8 * p / p.sum(), rtol=1e-12)
    assert beds["kapacita_dosazitelna"].sum() == pytest.approx(8.0)
    assert clients["kapacita_dosazitelna"].sum() == pytest.approx(15.0)
    np.testing.assert_allclose(clients.loc[S17, "kapacita_dosazitelna"], 15 * p[S17] / p[S17].sum(), rtol=1e-12)
    assert clients["potreba"].isna().all() and clients["dostupnost"].isna().all()


def test_nearest_is_zero_where_a_seat_is(region, table):
    seats = region.services.groupby("druh")["kod_obce"].agg(set)
    for row in table.itertuples():
        assert (row.vzdalenost_nejblizsi_m == 0) == (row.kod_obce in seats[row.druh])


def test_radius_by_type_and_weights(region, need):
    # §49 homes within 1 km only: just the two towns that host one keep a ratio
    small = accessibility(region, need, radius_by={"49": 1000.0}).query("druh == '49'")
    assert set(small.loc[small["dostupnost"] > 0, "kod_obce"]) == {"585599", "585513"}
    decayed = accessibility(region, need, weights=[(3000, 1.0), (30000, 0.5)])
    assert np.isfinite(decayed["dostupnost"]).all()


def test_wrapper_rejects_bad_input(region, need):
    with pytest.raises(InvalidParameter, match="radius_by: unknown key 'domov'"):
        accessibility(region, need, radius_by={"domov": 1000})
    with pytest.raises(InvalidParameter, match="radius_by: '49' must be"):
        accessibility(region, need, radius_by={"49": -1})
    with pytest.raises(InvalidParameter, match=r"need: missing columns \['potreba'\]"):
        accessibility(region, need.drop(columns="potreba"))
    stranger = pd.DataFrame({"kod_obce": ["585068"], "druh": ["40"], "potreba": [1.0]})
    with pytest.raises(InvalidParameter, match="585068"):
        accessibility(region, stranger)
    negative = need.assign(potreba=-1.0)
    with pytest.raises(InvalidParameter, match="potreba must be finite and >= 0"):
        accessibility(region, negative)


def test_demand_points_inside_and_override(region):
    points = demand_points(region)
    assert list(points.index) == list(region.members) and points.crs == "EPSG:5514"
    assert points.within(region.municipalities.geometry.loc[list(region.members)]).all()
    moved = demand_points(region, points=points.translate(100, 0))
    np.testing.assert_allclose(moved.x - points.x, 100)
    with pytest.raises(InvalidParameter, match="EPSG:5514"):
        demand_points(region, points=points.to_crs("EPSG:4326"))
    with pytest.raises(InvalidParameter, match="no point for members"):
        demand_points(region, points=points.iloc[1:])
    with pytest.raises(InvalidParameter, match="GeoSeries"):
        demand_points(region, points=gpd.GeoDataFrame(geometry=points))


# --- radius_reach: the reach of the radius kernel, editable ---------------------------------


@pytest.mark.parametrize("weights", [None, STEPS, gaussian_weights(6000.0)])
def test_radius_reach_with_catchment_fca_equals_two_step_fca(weights):
    rng = np.random.default_rng(3)
    demand_xy, supply_xy = rng.uniform(0, 60_000, (400, 2)), rng.uniform(0, 60_000, (90, 2))
    demand, capacity = rng.uniform(0, 50, 400), rng.uniform(1, 40, 90)
    expected = two_step_fca(demand_xy, demand, supply_xy, capacity, 20_000.0, weights)
    got = catchment_fca(demand, capacity, radius_reach(demand_xy, supply_xy, 20_000.0, weights))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_radius_reach_hand_case_and_empty_sides():
    # pairs within 10 of the 3x3 case: A-S1 (0), B-S1 (10), B-S2 (10), C-S2 (10); the edge is inside
    assert radius_reach(DEMAND_XY, SUPPLY_XY, 10).toarray().tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 0]]
    assert radius_reach(DEMAND_XY, np.empty((0, 2)), 10).shape == (3, 0)


# --- units, target groups and opt-outs on hand-computed tiny regions ------------------------
# tiny_region (conftest): members A 585599, B 585513 (10 km east), C 588318 (40 km east).
A, B, C = "585599", "585513", "588318"


def _need(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kod_obce", "cilova_skupina", "druh", "potreba"])


def _respite(tiny_region):
    # §44: 8 beds residential at A (30 km: reaches A and B, not C), 15 clients field in B only
    return tiny_region([
        {"id": "R", "druh": "44", "forma": "pobytova", "cilove_skupiny": ("seniori",), "kapacita": 8, "jednotka": "lůžka", "kod_obce": A},
        {"id": "F", "druh": "44", "forma": "terenni", "cilove_skupiny": ("seniori",), "kapacita": 15, "jednotka": "klienti", "kod_obce": B, "pusobnost": (B,)},
    ])


RESPITE_NEED = _need([(A, "seniori", "44", 6.0), (B, "seniori", "44", 2.0)])
TEN_A_BED = pd.DataFrame({"druh": ["44"], "jednotka_z": ["lůžka"], "jednotka_na": ["klienti"], "faktor": [10.0], "zdroj": ["test"]})


def test_mixed_units_are_converted_with_the_factor(tiny_region):
    # 10 clients a year per bed: F is 1.5 beds. R: 8 / (6 + 2) = 1 per bed of need; F: 1.5 / 2 = 0.75.
    # A: 6 * 1 = 6 beds; B: 2 * (1 + 0.75) = 3.5 beds; together 9.5 = 8 + 1.5
    reach = reachable_capacity(_respite(tiny_region), RESPITE_NEED, conversions=TEN_A_BED)
    table = reach.by_type.set_index("kod_obce")
    assert set(table["jednotka"]) == {"lůžka"}
    assert table.loc[A, "kapacita_dosazitelna"] == pytest.approx(6.0)
    assert table.loc[B, "kapacita_dosazitelna"] == pytest.approx(3.5)
    assert table.loc[B, "dostupnost"] == pytest.approx(1.75)
    assert table.loc[C, "kapacita_dosazitelna"] == 0 and np.isnan(table.loc[C, "dostupnost"])
    f = reach.by_service.set_index("sluzba_id").loc["F"]
    assert (f["jednotka_vypoctu"], f["faktor"], f["kapacita_vypoctu"]) == ("lůžka", pytest.approx(0.1), pytest.approx(1.5))


def test_mixed_units_without_a_conversion_are_never_added(tiny_region):
    off = TEN_A_BED.assign(faktor=0.0)
    reach = reachable_capacity(_respite(tiny_region), RESPITE_NEED, conversions=off)
    beds = reach.by_type.query("jednotka == 'lůžka'").set_index("kod_obce")
    clients = reach.by_type.query("jednotka == 'klienti'").set_index("kod_obce")
    assert beds.loc[[A, B], "kapacita_dosazitelna"].tolist() == pytest.approx([6.0, 2.0])
    assert clients.loc[[A, B, C], "kapacita_dosazitelna"].tolist() == pytest.approx([0.0, 15.0, 0.0])
    assert clients["potreba"].isna().all() and clients["dostupnost"].isna().all()
    assert beds.loc[B, "dostupnost"] == pytest.approx(1.0)  # the field clients are not in the beds' ratio


def test_a_service_for_two_groups_shares_its_capacity_in_proportion_to_their_need(tiny_region):
    # S1 (seniors + disabled, field in A, 20 clients): need 30 + 10 -> R1 = 0.5, split 15 : 5 (3 : 1).
    # S2 (seniors only, field in A and B, 12 clients): seniors' need 30 + 10 -> R2 = 0.3.
    # A seniors 30 * (0.5 + 0.3) = 24, A disabled 10 * 0.5 = 5, B seniors 10 * 0.3 = 3, B disabled 0.
    region = tiny_region([
        {"id": "S1", "druh": "40", "forma": "terenni", "cilove_skupiny": ("seniori", "ozp"), "kapacita": 20, "jednotka": "klienti", "kod_obce": A, "pusobnost": (A,)},
        {"id": "S2", "druh": "40", "forma": "terenni", "cilove_skupiny": ("seniori",), "kapacita": 12, "jednotka": "klienti", "kod_obce": A, "pusobnost": (A, B)},
    ])
    need = _need([(A, "seniori", "40", 30.0), (A, "ozp", "40", 10.0), (B, "seniori", "40", 10.0), (B, "ozp", "40", 10.0)])
    reach = reachable_capacity(region, need)
    groups = reach.by_group.set_index(["kod_obce", "cilova_skupina"])["kapacita_dosazitelna"]
    assert groups.loc[[(A, "seniori"), (A, "ozp"), (B, "seniori"), (B, "ozp")]].tolist() == pytest.approx([24.0, 5.0, 3.0, 0.0])
    whole = reach.by_type.set_index("kod_obce")["kapacita_dosazitelna"]
    pd.testing.assert_series_equal(groups.groupby(level="kod_obce").sum().loc[list(region.members)], whole.loc[list(region.members)], check_names=False)
    assert groups.sum() == pytest.approx(32.0)


def test_capacity_counts_only_for_the_groups_it_is_registered_for(tiny_region):
    # a shelter registered for people in crisis gives nothing to the homeless: its capacity is reported unused
    region = tiny_region([
        {"id": "K", "druh": "57", "forma": "pobytova", "cilove_skupiny": ("krize",), "kapacita": 10, "jednotka": "lůžka", "kod_obce": A},
        {"id": "M", "druh": "46", "forma": "ambulantni", "cilove_skupiny": ("mentalni_postizeni",), "kapacita": 4, "jednotka": "místa", "kod_obce": A},
    ])
    need = _need([(A, "bez_pristresi", "57", 5.0), (A, "ozp", "46", 2.0), (A, "seniori", "46", 6.0)])
    reach = reachable_capacity(region, need)
    groups = reach.by_group.set_index(["kod_obce", "cilova_skupina", "druh"])["kapacita_dosazitelna"]
    assert groups.loc[(A, "bez_pristresi", "57")] == 0.0
    assert groups.loc[(A, "ozp", "46")] == pytest.approx(4.0)  # a group belonging to ozp serves the need of ozp
    assert groups.loc[(A, "seniori", "46")] == 0.0
    unused = reach.by_service.set_index("sluzba_id")
    assert unused.loc["K", "kapacita_bez_potreby"] == 10.0 and unused.loc["K", "skupiny_s_potrebou"] == ""
    assert unused.loc["M", "kapacita_bez_potreby"] == 0.0


def test_serves_group_by_code_and_planning_group():
    assert serves_group(("ozp",), "ozp") and serves_group(("telesne_postizeni",), "ozp")
    assert serves_group(("rodiny",), "deti_mladez") and serves_group(("mensiny",), "vylouceni")
    assert not serves_group(("krize",), "bez_pristresi") and not serves_group(("mentalni_postizeni",), "telesne_postizeni")
    assert serves_group(("krize",), "")  # need without target groups


def test_capacity_is_conserved_over_groups_and_units(sample_region):
    from kpwork.need import region_need

    reach = reachable_capacity(sample_region, region_need(sample_region))
    counted = reach.by_service.merge(sample_region.services[["id", "druh"]], left_on="sluzba_id", right_on="id")
    expected = (counted["kapacita_vypoctu"] - counted["kapacita_bez_potreby"]).groupby([counted["druh"], counted["jednotka_vypoctu"]]).sum()
    got = reach.by_group.groupby(["druh", "jednotka"])["kapacita_dosazitelna"].sum()
    pd.testing.assert_series_equal(got.loc[expected.index], expected, check_names=False, rtol=1e-12)
    whole = reach.by_type.groupby(["druh", "jednotka"])["kapacita_dosazitelna"].sum()
    pd.testing.assert_series_equal(whole.loc[expected.index], expected, check_names=False, rtol=1e-12)


def _shared(tiny_region, **settings):
    # S: 12 beds residential at A, reaching A and B (10 km); F: 9 clients field in A and B
    return tiny_region([
        {"id": "S", "druh": "49", "forma": "pobytova", "cilove_skupiny": ("seniori",), "kapacita": 12, "jednotka": "lůžka", "kod_obce": A},
        {"id": "F", "druh": "40", "forma": "terenni", "cilove_skupiny": ("seniori",), "kapacita": 9, "jednotka": "klienti", "kod_obce": A, "pusobnost": (A, B)},
    ], settings=settings)


SHARED_NEED = _need([(A, "seniori", "49", 6.0), (B, "seniori", "49", 2.0), (A, "seniori", "40", 2.0), (B, "seniori", "40", 1.0)])


def test_an_opt_out_keeps_the_service_serving_by_default(tiny_region):
    # R = 12 / (6 + 2) = 1.5: A 9 beds, B 3 beds; field 9 / 3 = 3: A 6, B 3
    reach = reachable_capacity(_shared(tiny_region), SHARED_NEED, opt_outs={"S": [B], "F": [B]})
    kap = reach.by_type.set_index(["druh", "kod_obce"])["kapacita_dosazitelna"]
    assert kap.loc[[("49", A), ("49", B), ("40", A), ("40", B)]].tolist() == pytest.approx([9.0, 3.0, 6.0, 3.0])
    assert sorted(reach.opt_outs.values.tolist()) == [[B, "F", True, False], [B, "S", True, False]]


def test_an_opt_out_removes_the_member_from_the_reach_when_the_region_says_so(tiny_region):
    # without B: R = 12 / 6 = 2: A 12 beds, B 0; field 9 / 2: A 9, B 0
    region = _shared(tiny_region, odhlaseni_vyrazuje_z_dosahu=True)
    reach = reachable_capacity(region, SHARED_NEED, opt_outs={"S": [B], "F": [B]})
    kap = reach.by_type.set_index(["druh", "kod_obce"])["kapacita_dosazitelna"]
    assert kap.loc[[("49", A), ("49", B), ("40", A), ("40", B)]].tolist() == pytest.approx([12.0, 0.0, 9.0, 0.0])
    assert reach.opt_outs["vyrazena_z_dosahu"].tolist() == [True, True]
    # the argument overrides the region's rule; a member out of reach anyway is not "removed"
    kept = reachable_capacity(region, SHARED_NEED, opt_outs={"S": [C]}, remove_opted_out=True)
    assert kept.opt_outs.values.tolist() == [[C, "S", False, False]]


def test_wrapper_rejects_need_in_another_unit_and_unknown_opt_outs(tiny_region):
    region = _shared(tiny_region)
    with pytest.raises(InvalidParameter, match=r"§49 is in klienti, but need must be in the unit the type is planned in \(lůžka\)"):
        reachable_capacity(region, SHARED_NEED.assign(jednotka=["klienti", "klienti", "klienti", "klienti"]))
    with pytest.raises(InvalidParameter, match="opt_outs: unknown service 'X'"):
        reachable_capacity(region, SHARED_NEED, opt_outs={"X": [A]})
    with pytest.raises(InvalidParameter, match=r"opt_outs: S: \['585068'\] are not members"):
        reachable_capacity(region, SHARED_NEED, opt_outs={"S": ["585068"]})
