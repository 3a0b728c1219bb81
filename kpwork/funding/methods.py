"""Split methods of a shared service's cost, in one registry of names.

Each method gives every participant a weight; :func:`~kpwork.funding.crowns.split_cost`
turns the weights into whole crowns:

* ``rovnym_dilem``: equal shares;
* ``na_obyvatele``: by population;
* ``na_cilovou_populaci``: by the target population (e.g. people 65+);
* ``podle_vyuziti``: by clients or hours of use by municipality of residence;
* ``kombinace``: a weighted mix of the four above;
* ``shapley`` and ``scrb``: on the service's cost game (:mod:`kpwork.funding.costgame`).

Formulas and citations: ``docs/funding.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from kpwork import sheets as sh
from kpwork.errors import InvalidParameter
from kpwork.funding import costgame
from kpwork.funding.crowns import split_cost
from kpwork.taxonomy import closest

__all__ = [
    "COOPERATIVE",
    "METHODS",
    "METHOD_ALIASES",
    "MIXABLE",
    "ServiceInputs",
    "allocate",
    "normalise_method",
]


@dataclass(frozen=True)
class ServiceInputs:
    """What the methods need to know about one shared service.

    Series are indexed by the ``kod_obce`` of the participants, in the same order.

    Attributes
    ----------
    sluzba_id : str
        The service, for messages.
    population, target, usage : pandas.Series
        Inhabitants, target population and usage (clients or hours) of each participant.
    cost : callable
        The cost game ``c(frozenset_of_codes) -> float`` (see :mod:`kpwork.funding.costgame`).
    weights : mapping
        Weights of ``kombinace`` by method name (fractions summing to 1).
    """

    sluzba_id: str
    population: pd.Series
    target: pd.Series
    usage: pd.Series
    cost: costgame.CostGame
    weights: Mapping[str, float]

    @property
    def members(self) -> list[str]:
        """Codes of the participants, in the order of the series."""
        return list(self.population.index)


def _equal(data: ServiceInputs) -> pd.Series:
    return pd.Series(1.0, index=data.population.index)


def _per_capita(data: ServiceInputs) -> pd.Series:
    return data.population.astype(float)


def _per_target(data: ServiceInputs) -> pd.Series:
    return data.target.astype(float)


def _by_usage(data: ServiceInputs) -> pd.Series:
    return data.usage.astype(float)


def _mix(data: ServiceInputs) -> pd.Series:
    if not data.weights:
        raise InvalidParameter("kombinace needs weights (vaha_* columns)")
    total = pd.Series(0.0, index=data.population.index)
    for name, weight in data.weights.items():
        if weight <= 0:
            continue
        part = METHODS[name](data)
        if part.sum() <= 0:
            raise InvalidParameter(f"the part {name} of kombinace has no data (its values sum to 0)")
        total = total + weight * part / part.sum()
    return total


def _shapley(data: ServiceInputs) -> pd.Series:
    return costgame.shapley(data.members, data.cost)


def _scrb(data: ServiceInputs) -> pd.Series:
    return costgame.scrb(data.members, data.cost)


# METHODS is the one registry of method names: MIXABLE, ``kombinace`` and COOPERATIVE
# partition it, METHOD_ALIASES has a row for each (tests/test_funding.py ties them).

#: Methods by name: each gives every participant's weight; :func:`split_cost` turns weights into CZK.
METHODS: dict[str, Callable[[ServiceInputs], pd.Series]] = {
    "rovnym_dilem": _equal,
    "na_obyvatele": _per_capita,
    "na_cilovou_populaci": _per_target,
    "podle_vyuziti": _by_usage,
    "kombinace": _mix,
    "shapley": _shapley,
    "scrb": _scrb,
}
#: Methods that ``kombinace`` can mix (column ``vaha_<method>`` in %).
MIXABLE: tuple[str, ...] = ("rovnym_dilem", "na_obyvatele", "na_cilovou_populaci", "podle_vyuziti")
#: Methods that need a cost game (quoted coalition costs or the cost model).
COOPERATIVE: tuple[str, ...] = ("shapley", "scrb")
#: Other spellings accepted in ``funding.csv`` (matched after :func:`kpwork.sheets.normalise_header`).
METHOD_ALIASES: dict[str, tuple[str, ...]] = {
    "rovnym_dilem": ("rovny_dil", "rovne", "equal", "equal_share"),
    "na_obyvatele": ("per_capita", "obyvatele", "podle_obyvatel"),
    "na_cilovou_populaci": ("cilova_populace", "na_cilovou_skupinu", "per_target_population"),
    "podle_vyuziti": ("vyuziti", "by_usage", "usage"),
    "kombinace": ("mix", "smiseny"),
    "shapley": ("shapleyho_hodnota", "shapley_value"),
    "scrb": ("separable_costs_remaining_benefits",),
}


def normalise_method(text: str) -> str:
    """The name in :data:`METHODS` of a method as written in ``funding.csv``.

    Parameters
    ----------
    text
        A method name or one of its :data:`METHOD_ALIASES`, in any case,
        with or without diacritics.

    Returns
    -------
    str
        A key of :data:`METHODS`.

    Raises
    ------
    ValueError
        Naming the valid methods and the closest one (the sheet parser turns
        it into a problem of the cell).

    Examples
    --------
    >>> normalise_method("Mix")
    'kombinace'
    """
    key = sh.normalise_header(text)
    for name, aliases in METHOD_ALIASES.items():
        if key == name or key in aliases:
            return name
    hint = closest(text, list(METHODS))
    suggestion = f"; did you mean '{hint}'?" if hint else ""
    raise ValueError(f"unknown method '{text}' (valid: {', '.join(METHODS)}){suggestion}")


def allocate(
    data: ServiceInputs,
    total: int,
    method: str,
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
) -> pd.Series:
    """What each participant of one service pays under one method (whole CZK).

    Parameters
    ----------
    data
        The service's participants, their population, usage and cost game.
    total
        The members' part of the annual cost (after the layers), whole CZK.
    method
        One of :data:`METHODS`:

        - ``rovnym_dilem``: ``x_i = T / n``
        - ``na_obyvatele``: ``x_i = T * pop_i / sum pop``
        - ``na_cilovou_populaci``: ``x_i = T * target_i / sum target``
        - ``podle_vyuziti``: ``x_i = T * use_i / sum use``
        - ``kombinace``: ``x_i = T * sum_k w_k * part_k,i / sum_j part_k,j``
        - ``shapley``, ``scrb``: ``x_i = T * v_i / sum v`` for the value ``v`` of the cost game
    floors, caps
        Least and most each member pays (see :func:`split_cost`).

    Returns
    -------
    pandas.Series
        int64 CZK, index ``kod_obce``, summing to ``total``.

    Raises
    ------
    InvalidParameter
        Naming the service (and the member): an unknown method, or a split
        that cannot be made.

    Examples
    --------
    >>> idx = pd.Index(["585599", "588318"], name="kod_obce")
    >>> data = ServiceInputs("S01", pd.Series([300, 100], idx), pd.Series([60, 20], idx),
    ...                      pd.Series([3, 0], idx), lambda s: 100.0 * len(s), {})
    >>> allocate(data, 1000, "podle_vyuziti").tolist()
    [1000, 0]
    """
    if method not in METHODS:
        raise InvalidParameter(f"service {data.sluzba_id}: unknown method '{method}' (valid: {', '.join(METHODS)})")
    try:
        weights = METHODS[method](data)
        return split_cost(total, weights.to_dict(), floors=floors, caps=caps)
    except InvalidParameter as exc:
        raise InvalidParameter(f"service {data.sluzba_id}, method {method}: {exc}") from exc
