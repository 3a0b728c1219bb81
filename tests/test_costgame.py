"""Cooperative cost games: Shapley (exact and sampled), SCRB, the core, the games."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpwork.errors import InvalidParameter
from kpwork.funding import costgame

CODES = [f"5{i:05d}" for i in range(12)]
FAST = settings(max_examples=100, deadline=None)


def airport(stand_alone: dict[str, float]):
    """c(S) = the largest stand-alone cost in S (Littlechild & Owen 1973)."""
    return lambda s: max([0.0] + [stand_alone[m] for m in s])


def airport_closed_form(stand_alone: dict[str, float]) -> dict[str, float]:
    order = sorted(stand_alone, key=stand_alone.get)
    n, value, previous, out = len(order), 0.0, 0.0, {}
    for k, m in enumerate(order):
        value += (stand_alone[m] - previous) / (n - k)
        previous = stand_alone[m]
        out[m] = value
    return out


def brute_force_shapley(members, cost):
    n = len(members)
    phi = dict.fromkeys(members, 0.0)
    for order in itertools.permutations(members):
        seen: set[str] = set()
        for m in order:
            before = cost(frozenset(seen))
            seen.add(m)
            phi[m] += (cost(frozenset(seen)) - before) / math.factorial(n)
    return phi


games = st.integers(1, 7).flatmap(
    lambda n: st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2**n, max_size=2**n).map(lambda v: (n, np.array([0.0, *v[1:]])))
)


def test_shapley_hand_computed_three_members():
    # c(a)=6, c(b)=6, c(c)=9, pairs 10, 12, 12, all 15
    c = {"": 0, "a": 6, "b": 6, "c": 9, "ab": 10, "ac": 12, "bc": 12, "abc": 15}
    value = costgame.shapley(["a", "b", "c"], lambda s: c["".join(sorted(s))])
    # phi_a = 1/3 * 6 + 1/6 * ((10 - 6) + (12 - 9)) + 1/3 * (15 - 12) = 25/6
    assert value.to_dict() == pytest.approx({"a": 25 / 6, "b": 25 / 6, "c": 20 / 3})
    assert value.attrs["metoda"] == "presne"


def test_shapley_matches_all_orders():
    rng = np.random.default_rng(3)
    table = {frozenset(s): float(rng.uniform(0, 100)) for k in range(1, 6) for s in itertools.combinations("abcde", k)}
    cost = lambda s: table.get(s, 0.0)  # noqa: E731
    exact = costgame.shapley(list("abcde"), cost)
    assert exact.to_dict() == pytest.approx(brute_force_shapley(list("abcde"), cost))


@FAST
@given(games)
def test_shapley_efficiency(game):
    n, costs = game
    phi = costgame.shapley_from_masks(costs)
    assert phi.sum() == pytest.approx(costs[-1], rel=1e-9, abs=1e-6)


@FAST
@given(st.dictionaries(st.sampled_from(CODES[:9]), st.integers(0, 10**6), min_size=1))
def test_shapley_airport_closed_form(stand_alone):
    value = costgame.shapley(list(stand_alone), airport(stand_alone))
    assert value.to_dict() == pytest.approx(airport_closed_form(stand_alone), abs=1e-6)


@FAST
@given(st.lists(st.integers(0, 100), min_size=2, max_size=7), st.integers(0, 50))
def test_shapley_symmetry_and_null_player(clients, fixed):
    # fixed cost for any non-empty group + per-client cost; member 0 and 1 equal; a null player adds nothing
    members = CODES[: len(clients)] + ["599999"]
    load = dict(zip(CODES, [clients[0], *clients[1:]], strict=False)) | {CODES[1]: clients[0], "599999": 0}
    cost = lambda s: (fixed if s - {"599999"} else 0) + sum(load[m] for m in s)  # noqa: E731
    value = costgame.shapley(members, cost)
    assert value[CODES[0]] == pytest.approx(value[CODES[1]])
    assert value["599999"] == pytest.approx(0.0, abs=1e-9)


def test_shapley_sampling_beyond_the_limit_is_efficient_and_close():
    rng = np.random.default_rng(7)
    stand_alone = {c: float(v) for c, v in zip([f"5{i:05d}" for i in range(24)], rng.uniform(10, 1000, 24), strict=True)}
    value = costgame.shapley(list(stand_alone), airport(stand_alone), samples=3000, seed=1)
    assert value.attrs["metoda"] == "odhad"
    assert value.sum() == pytest.approx(max(stand_alone.values()))
    truth = airport_closed_form(stand_alone)
    errors = value.attrs["chyba"]
    # within 5 standard errors (or 1 CZK) of the closed form for every member
    assert all(abs(value[m] - truth[m]) <= max(5 * errors[m], 1.0) for m in stand_alone)
    again = costgame.shapley(list(stand_alone), airport(stand_alone), samples=3000, seed=1)
    assert value.equals(again)


def test_exact_shapley_of_twenty_members_is_fast():
    import time

    stand_alone = {f"5{i:05d}": float(i * 37 % 101) for i in range(20)}
    members = list(stand_alone)

    class Airport:
        def __call__(self, s):
            return max([0.0] + [stand_alone[m] for m in s])

        def over_masks(self, order):
            masks = np.arange(1 << len(order))
            out = np.zeros(len(masks))
            for i, m in enumerate(order):
                out = np.maximum(out, np.where(masks >> i & 1, stand_alone[m], 0.0))
            return out

    start = time.perf_counter()
    value = costgame.shapley(members, Airport())
    assert time.perf_counter() - start < 20
    assert value.to_dict() == pytest.approx(airport_closed_form(stand_alone))


def test_scrb_hand_computed():
    # c(a)=6, c(b)=6, c(c)=9, c(ab)=10, c(ac)=12, c(bc)=12, c(abc)=15
    c = {"": 0, "a": 6, "b": 6, "c": 9, "ab": 10, "ac": 12, "bc": 12, "abc": 15}
    value = costgame.scrb(["a", "b", "c"], lambda s: c["".join(sorted(s))])
    # SC = (3, 3, 5); r = (3, 3, 4); rest = 15 - 11 = 4 -> x = 3 + 1.2, 3 + 1.2, 5 + 1.6
    assert value.to_dict() == pytest.approx({"a": 4.2, "b": 4.2, "c": 6.6})


def test_scrb_negative_amount_names_the_member():
    # not monotone: SC_b = 2 - 10 = -8, so b would get -8 + 4.5 = -3.5
    c = {"": 0.0, "a": 10.0, "b": 1.0, "ab": 2.0}
    with pytest.raises(InvalidParameter, match="member b"):
        costgame.scrb(["a", "b"], lambda s: c["".join(sorted(s))])


def test_core_violations_lists_overpaying_groups():
    c = {"": 0, "a": 6, "b": 6, "c": 9, "ab": 10, "ac": 12, "bc": 12, "abc": 15}
    game = lambda s: c["".join(sorted(s))]  # noqa: E731
    assert costgame.core_violations(list("abc"), game, {"a": 4.5, "b": 4.5, "c": 6}).empty
    found = costgame.core_violations(list("abc"), game, {"a": 7, "b": 4, "c": 4})
    assert found.iloc[0]["koalice"] == ("a",)
    assert found.iloc[0]["prebytek"] == pytest.approx(1.0)
    assert found.attrs["uplna"]


@FAST
@given(st.dictionaries(st.sampled_from(CODES[:8]), st.integers(1, 10**6), min_size=1))
def test_shapley_of_airport_game_is_in_the_core(stand_alone):
    value = costgame.shapley(list(stand_alone), airport(stand_alone))
    assert costgame.core_violations(list(stand_alone), airport(stand_alone), value.to_dict()).empty


def test_quoted_costs_are_completed_by_splitting_and_bigger_services():
    q = costgame.QuotedCosts(
        ("a", "b", "c", "d"),
        {frozenset("a"): 5, frozenset("b"): 5, frozenset("c"): 5, frozenset("d"): 5, frozenset("ab"): 7, frozenset("abcd"): 12},
    )
    assert q(frozenset("abc")) == 12.0  # 7 + 5 = 12 or buy all four for 12
    assert q(frozenset("cd")) == 10.0
    assert q(frozenset("abd")) == 12.0
    table = q.over_masks(("a", "b", "c", "d"))
    assert table[0] == 0 and table[-1] == 12


def test_quoted_costs_need_stand_alone_and_all():
    with pytest.raises(InvalidParameter, match="member b has no quoted stand-alone cost"):
        costgame.QuotedCosts(("a", "b"), {frozenset("a"): 1, frozenset("ab"): 2})
    with pytest.raises(InvalidParameter, match="all members together"):
        costgame.QuotedCosts(("a", "b"), {frozenset("a"): 1, frozenset("b"): 2})


def test_cost_model_round_trip_and_members_order():
    # seat at 0; a at 3 km east, b at 4 km north: round seat-a-b-seat = 3 + 5 + 4 = 12 km
    model = costgame.CostModel(
        ("a", "b"), fixni=1000.0, na_klienta=100.0, klienti={"a": 2, "b": 1}, kc_km=10.0, okruhu=1.0,
        seat_km={"a": 3.0, "b": 4.0}, between_km=[[0.0, 5.0], [5.0, 0.0]],
    )
    assert model(frozenset("a")) == pytest.approx(1000 + 200 + 60)
    assert model(frozenset("ab")) == pytest.approx(1000 + 300 + 120)
    assert model.over_masks(("b", "a"))[1] == pytest.approx(model(frozenset("b")))


def test_cost_model_rejects_negative_parameters():
    with pytest.raises(InvalidParameter, match="fixni"):
        costgame.CostModel(("a",), fixni=-1.0)


def test_members_must_be_distinct():
    with pytest.raises(InvalidParameter, match="listed twice"):
        costgame.shapley(["a", "a"], lambda s: 1.0)


@pytest.mark.parametrize(
    "game",
    [
        costgame.QuotedCosts(("a", "b", "c"), {frozenset("a"): 5, frozenset("b"): 6, frozenset("c"): 7, frozenset("ab"): 8, frozenset("abc"): 13}),
        costgame.CostModel(
            ("a", "b", "c"), fixni=100.0, na_klienta=10.0, klienti={"a": 1, "b": 2, "c": 3}, kc_km=1.0, okruhu=2.0,
            seat_km={"a": 3.0, "b": 4.0, "c": 0.0}, between_km=[[0.0, 5.0, 3.0], [5.0, 0.0, 4.0], [3.0, 4.0, 0.0]],
        ),
    ],
    ids=["quoted", "model"],
)
@pytest.mark.parametrize("order", [("a", "b", "c"), ("c", "a", "b"), ("b", "c"), ("c",)])
def test_table_games_over_masks_agree_with_calls(game, order):
    # the bitmask table of any order (or subset) of the players holds the same costs as calling the game
    table = game.over_masks(order)
    assert len(table) == 1 << len(order) and table[0] == 0
    for mask in range(1, 1 << len(order)):
        coalition = frozenset(m for i, m in enumerate(order) if mask >> i & 1)
        assert table[mask] == pytest.approx(game(coalition))
