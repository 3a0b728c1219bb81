"""Funding: whole-crown splits, the registry of methods, methods by hand, input parsing.

The result tables of :mod:`kpwork.funding.tables` are tested in ``test_funding_tables.py``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpwork.errors import InvalidParameter, InvalidRegion
from kpwork.funding import ServiceInputs, allocate, funding_results, methods, split_cost
from kpwork.funding.methods import COOPERATIVE, METHOD_ALIASES, METHODS, MIXABLE, normalise_method
from kpwork.region import load_region

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "otrokovicko"
#: The methods of docs/funding.md, in the order of the comparison table's columns.
DOCUMENTED_METHODS = ("rovnym_dilem", "na_obyvatele", "na_cilovou_populaci", "podle_vyuziti", "kombinace", "shapley", "scrb")
CORE_FILES = ("region.toml", "municipalities.geojson", "population.csv", "services.csv", "usage.csv")
FUNDING_FILES = ("funding.csv", "funding_vrstvy.csv", "funding_clenove.csv", "coalition_costs.csv")
FAST = settings(max_examples=100, deadline=None)
CODES = [f"5{i:05d}" for i in range(30)]

shares_st = st.dictionaries(st.sampled_from(CODES), st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12).filter(lambda d: sum(d.values()) > 0)


def _inputs(population, target, usage, cost=None, weights=None, sid="S99"):
    idx = pd.Index(list(population), name="kod_obce")
    return ServiceInputs(
        sid,
        pd.Series(list(population.values()), idx, dtype=float),
        pd.Series([target[k] for k in idx], idx, dtype=float),
        pd.Series([usage[k] for k in idx], idx, dtype=float),
        cost or (lambda s: 100.0 * len(s)),
        weights or {},
    )


# --- split_cost ------------------------------------------------------------------------------


def test_split_cost_largest_remainder_ties_by_code():
    assert split_cost(100, {"500038": 1, "500011": 1, "500020": 1}).to_dict() == {"500038": 33, "500011": 34, "500020": 33}
    assert split_cost(10, {"b": 1, "a": 2}).tolist() == [3, 7]  # 3.33 / 6.67
    assert split_cost(0, {"a": 0, "b": 0}).tolist() == [0, 0]


def test_split_cost_floors_and_caps_redistribute_the_excess():
    # per capita 600/300/100 of 1000; a is capped at 500: its 100 go to b and c by 3:1
    out = split_cost(1000, {"a": 600, "b": 300, "c": 100}, caps={"a": 500})
    assert out.to_dict() == {"a": 500, "b": 375, "c": 125}
    # c must pay at least 200: the 100 more come from a and b by 2:1
    out = split_cost(1000, {"a": 600, "b": 300, "c": 100}, floors={"c": 200})
    assert out.to_dict() == {"a": 533, "b": 267, "c": 200}


@pytest.mark.parametrize(
    ("total", "shares", "kwargs", "message"),
    [
        (100, {"585599": -1, "588318": 2}, {}, "member 585599"),
        (100, {"585599": 0, "588318": 0}, {}, "sum to 0"),
        (100, {"585599": 1, "588318": 1}, {"floors": {"588318": 50}, "caps": {"588318": 40}}, "member 588318: the cap 40 is below the floor 50"),
        (100, {"585599": 1, "588318": 1}, {"caps": {"585599": 30, "588318": 40}}, "caps of 585599, 588318 cannot cover"),
        (100, {"585599": 1}, {"floors": {"585599": 150}}, "floors"),
        (-5, {"585599": 1}, {}, "whole CZK >= 0"),
        (100, {"585599": float("nan")}, {}, "member 585599"),
    ],
)
def test_split_cost_bad_input_names_the_member(total, shares, kwargs, message):
    with pytest.raises(InvalidParameter, match=message):
        split_cost(total, shares, **kwargs)


@FAST
@given(st.integers(0, 10**9), shares_st)
def test_split_cost_exact_non_negative_and_within_a_crown(total, shares):
    out = split_cost(total, shares)
    assert int(out.sum()) == total
    assert (out >= 0).all()
    weight = sum(shares.values())
    for k, v in shares.items():
        assert abs(out[k] - total * v / weight) < 1 + 1e-6
        if v == 0:
            assert out[k] == 0


@FAST
@given(st.integers(0, 10**8), st.integers(1, 15))
def test_split_cost_equal_members_pay_equal_up_to_a_crown(total, n):
    out = split_cost(total, dict.fromkeys(CODES[:n], 1.0))
    assert out.max() - out.min() <= 1
    assert int(out.sum()) == total
    if total % n == 0:
        assert out.nunique() == 1


@FAST
@given(
    shares_st,
    st.integers(0, 10**7),
    st.data(),
)
def test_split_cost_honours_floors_and_caps(shares, total, data):
    keys = list(shares)
    floors = {k: data.draw(st.integers(0, total // (2 * len(keys)) + 1)) for k in keys if data.draw(st.booleans())}
    caps = {k: floors.get(k, 0) + data.draw(st.integers(0, total)) for k in keys if data.draw(st.booleans())}
    try:
        out = split_cost(total, shares, floors=floors, caps=caps)
    except InvalidParameter:
        lo = sum(floors.values())
        reachable = sum(caps.get(k, float("inf")) if shares[k] > 0 else floors.get(k, 0) for k in keys)
        assert lo > total or reachable < total
        return
    assert int(out.sum()) == total
    for k in keys:
        assert floors.get(k, 0) <= out[k] <= caps.get(k, total)


# --- one registry of method names ------------------------------------------------------------
# Deleting a method name from any one place in kpwork/funding/ fails one of these.


def test_registry_holds_the_documented_methods():
    assert tuple(METHODS) == DOCUMENTED_METHODS
    assert all(callable(f) for f in METHODS.values())


def test_mixable_kombinace_and_cooperative_partition_the_registry():
    groups = [*MIXABLE, "kombinace", *COOPERATIVE]
    assert sorted(groups) == sorted(METHODS)  # every method in exactly one group


def test_every_method_has_its_aliases_and_each_spelling_means_one_method():
    assert list(METHOD_ALIASES) == list(METHODS)
    spellings = [name for name in METHODS] + [a for aliases in METHOD_ALIASES.values() for a in aliases]
    assert len(spellings) == len(set(spellings))
    for name, aliases in METHOD_ALIASES.items():
        assert {normalise_method(text) for text in (name, name.upper(), *aliases)} == {name}


def test_unknown_method_lists_the_registry():
    with pytest.raises(ValueError, match="unknown method 'rovne_dily'.*" + ", ".join(METHODS) + ".*did you mean 'rovnym_dilem'"):
        normalise_method("rovne_dily")


def test_every_method_is_documented():
    for doc in (methods.__doc__, allocate.__doc__):
        assert [m for m in METHODS if f"``{m}``" not in doc] == []
    text = (ROOT / "docs" / "funding.md").read_text(encoding="utf-8")
    section = text.split("## Methods", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE) == list(METHODS)
    assert [m for m in MIXABLE if f"`vaha_{m}`" not in text] == []


def test_every_mixable_method_has_a_weight_column(tmp_path):
    weights = ";".join(f"vaha_{m}" for m in MIXABLE)
    folder = _region_with(
        tmp_path,
        funding=f"sluzba_id;metoda;{weights}\nS01;kombinace;" + ";".join(["25"] * len(MIXABLE)) + "\n",
        funding_clenove="sluzba_id;kod_obce\n",
        funding_vrstvy="sluzba_id;zdroj;castka\n",
    )
    service = load_region(folder).extras["funding"].service("S01")
    assert service.vahy == dict.fromkeys(MIXABLE, 0.25)


def test_comparison_has_a_column_per_method(sample_region):
    comparison = funding_results(sample_region)["financovani_srovnani"]
    assert list(comparison.columns[-len(METHODS):]) == list(METHODS)


# --- methods by hand -------------------------------------------------------------------------


POP = {"585599": 600, "588318": 300, "588814": 100}
SENIORS = {"585599": 100, "588318": 100, "588814": 50}
USE = {"585599": 6, "588318": 0, "588814": 2}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("rovnym_dilem", [334, 333, 333]),
        ("na_obyvatele", [600, 300, 100]),
        ("na_cilovou_populaci", [400, 400, 200]),
        ("podle_vyuziti", [750, 0, 250]),
    ],
)
def test_simple_methods_by_hand(method, expected):
    assert allocate(_inputs(POP, SENIORS, USE), 1000, method).tolist() == expected


def test_mix_30_per_capita_70_usage_by_hand():
    data = _inputs(POP, SENIORS, USE, weights={"na_obyvatele": 0.3, "podle_vyuziti": 0.7})
    # 0.3 * (600, 300, 100) + 0.7 * (750, 0, 250) = (705, 90, 205)
    assert allocate(data, 1000, "kombinace").tolist() == [705, 90, 205]


def test_cooperative_methods_by_hand():
    c = {"": 0, "585599": 6, "588318": 6, "588814": 9, "585599+588318": 10, "585599+588814": 12, "588318+588814": 12, "585599+588318+588814": 15}
    game = lambda s: c["+".join(m for m in POP if m in s)]  # noqa: E731
    data = _inputs(POP, SENIORS, USE, cost=game)
    # Shapley (25/6, 25/6, 20/3) of 15 scaled to 1500; SCRB (4.2, 4.2, 6.6) likewise
    assert allocate(data, 1500, "shapley").tolist() == [417, 417, 666]
    assert allocate(data, 1500, "scrb").tolist() == [420, 420, 660]


def test_pure_usage_member_without_usage_pays_nothing_even_with_caps():
    out = allocate(_inputs(POP, SENIORS, USE), 1000, "podle_vyuziti", caps={"585599": 600})
    assert out.tolist() == [600, 0, 400]


def test_method_errors_name_service_and_member():
    with pytest.raises(InvalidParameter, match="service S99, method podle_vyuziti: .*sum to 0"):
        allocate(_inputs(POP, SENIORS, dict.fromkeys(POP, 0)), 1000, "podle_vyuziti")
    with pytest.raises(InvalidParameter, match="service S99, method na_obyvatele: member 588814: the cap"):
        allocate(_inputs(POP, SENIORS, USE), 1000, "na_obyvatele", floors={"588814": 10}, caps={"588814": 5})
    with pytest.raises(InvalidParameter, match="unknown method 'per_head'.*rovnym_dilem"):
        allocate(_inputs(POP, SENIORS, USE), 1000, "per_head")


@FAST
@given(st.integers(0, 10**8), st.sampled_from(DOCUMENTED_METHODS))
def test_every_method_sums_exactly(total, method):
    data = _inputs(POP, SENIORS, USE, weights={"rovnym_dilem": 0.2, "podle_vyuziti": 0.8})
    out = allocate(data, total, method)
    assert int(out.sum()) == total and (out >= 0).all()


# --- input parsing ---------------------------------------------------------------------------


def _region_with(tmp_path: Path, **files: str) -> Path:
    for name in CORE_FILES + FUNDING_FILES:
        shutil.copy(SAMPLE / name, tmp_path / name)
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="cp1250")
    return tmp_path


def test_bad_funding_input_lists_every_problem(tmp_path):
    folder = _region_with(
        tmp_path,
        funding="sluzba_id;metoda;naklady;vaha_na_obyvatele;vaha_podle_vyuziti\n"
        "S01;kombinace;1 000 000;30;60\n"
        "S99;na_obyvatele;;;\n"
        "S17;na_obyvatelstvo;-5;;\n",
        funding_clenove="sluzba_id;kod_obce;minimum;maximum;ucast\nS01;588318;50 000;40 000;\nS01;585068;;;ne\n",
        funding_vrstvy="sluzba_id;zdroj;castka;podil\nS01;Dotace kraje;2 000 000;\n",
    )
    with pytest.raises(InvalidRegion) as info:
        load_region(folder)
    text = str(info.value)
    assert "funding.csv:2: vaha_na_obyvatele: service S01: the weights of kombinace must add up to 100 %, got 90 %" in text
    assert "funding.csv:3: sluzba_id: unknown service 'S99'" in text
    assert "funding.csv:4: metoda: unknown method 'na_obyvatelstvo'" in text and "did you mean 'na_obyvatele'" in text
    assert "funding.csv:4: naklady: must be >= 0" in text
    assert "funding_clenove.csv:2: maximum: service S01, member 588318: the cap 40000 is below the floor 50000" in text
    assert "funding_clenove.csv:3: kod_obce: service S01: 585068 is not a member" in text
    assert "funding_vrstvy.csv:2: castka: service S01: the layers (2000000 CZK) exceed the annual cost (1000000 CZK)" in text


def test_bad_coalition_costs_are_reported(tmp_path):
    folder = _region_with(tmp_path, coalition_costs="sluzba_id;koalice;naklady\nS08;585599, 123;10\nS08;585599;-1\nS77;*;5\n")
    with pytest.raises(InvalidRegion) as info:
        load_region(folder)
    text = str(info.value)
    assert "coalition_costs.csv:2: koalice" in text
    assert "coalition_costs.csv:3: naklady: must be >= 0" in text
    assert "coalition_costs.csv:4: sluzba_id: unknown service 'S77'" in text


def test_missing_quotes_name_service_and_member(tmp_path):
    folder = _region_with(tmp_path, coalition_costs="sluzba_id;koalice;naklady\nS08;585599;3 900 000\nS08;*;5 200 000\n")
    # the loader hands funding the parsed quotes, so `kpwork validate` reports the gap
    with pytest.raises(InvalidRegion, match=r"coalition_costs.csv:-: koalice: service S08: member 585513 has no quoted stand-alone cost"):
        load_region(folder)
