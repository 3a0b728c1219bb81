"""Who pays what for a shared service: split methods, whole-crown rounding, run tables.

Members of a microregion pay together for services no single village can run.
For each shared service of ``funding.csv`` the annual cost is first covered by
the co-financing layers (grants, the provider's own income), and the rest is
split among the participating members by the chosen method:

* ``rovnym_dilem``: equal shares;
* ``na_obyvatele``: by population;
* ``na_cilovou_populaci``: by the target population (e.g. people 65+);
* ``podle_vyuziti``: by clients or hours of use by municipality of residence;
* ``kombinace``: a weighted mix of the four above;
* ``shapley`` and ``scrb``: on the service's cost game (:mod:`kpwork.costgame`).

Floors and caps per member are honoured with the excess redistributed, and
every amount is a whole crown, the amounts summing exactly to the total
(:func:`split_cost`). Formulas and citations: ``docs/funding.md``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from kpwork import costgame
from kpwork.errors import InvalidParameter
from kpwork.funding_input import (
    DEFAULT_ROUNDS,
    FundingPlan,
    Layer,
    SharedService,
    parse_coalition_costs,
    parse_funding,
)

log = logging.getLogger(__name__)

__all__ = [
    "METHODS",
    "FundingPlan",
    "ServiceInputs",
    "SharedService",
    "allocate",
    "funding_results",
    "parse_coalition_costs",
    "parse_funding",
    "split_cost",
]


# --- whole crowns ----------------------------------------------------------------------------


def split_cost(
    total: int,
    shares: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
) -> pd.Series:
    """Split ``total`` CZK in proportion to ``shares`` into whole crowns summing exactly to it.

    Parameters
    ----------
    total
        Whole CZK to split, >= 0.
    shares
        Weight of each member (``kod_obce`` -> number >= 0); only ratios matter.
    floors, caps
        Optional least and most a member pays (whole CZK). A member held at a
        bound is taken out and the rest is split among the others by their
        shares: ``x_i = clamp(t * share_i, floor_i, cap_i)`` with ``t`` such
        that the amounts sum to ``total``.

    Returns
    -------
    pandas.Series
        int64 CZK, index ``kod_obce`` in the order of ``shares``, summing to ``total``.

    Raises
    ------
    InvalidParameter
        Naming the member: a negative or non-finite share, shares summing to
        0, a cap below the floor, floors above the total, caps that cannot
        cover the total.

    Notes
    -----
    Largest-remainder (Hamilton) rounding on exact fractions: each member gets
    the whole part of its quota, and the crowns left go one each to the
    largest remainders (compared to a millionth of a crown), ties to the lower ``kod_obce``. A member with share 0
    never gets a crown it does not owe, and bounds in whole crowns stay honoured.

    Examples
    --------
    >>> split_cost(100, {"500011": 1, "500020": 1, "500038": 1}).tolist()
    [34, 33, 33]
    >>> split_cost(1000, {"a": 1, "b": 1, "c": 2}, caps={"c": 300}).tolist()
    [350, 350, 300]
    """
    keys, weights = _checked_shares(shares)
    total = _checked_total(total)
    if floors or caps:
        quotas = _bounded_quotas(total, keys, weights, floors or {}, caps or {})
    else:
        weight_sum = sum(weights)
        if weight_sum == 0:
            if total == 0:
                return pd.Series(np.zeros(len(keys), dtype=np.int64), index=_index(keys), name="castka")
            raise InvalidParameter(f"the shares of {', '.join(keys)} sum to 0; nothing to split {total} CZK by")
        quotas = [total * w / weight_sum for w in weights]
    return _largest_remainder(total, keys, quotas)


def _checked_shares(shares: Mapping[str, float]) -> tuple[list[str], list[Fraction]]:
    keys = [str(k) for k in shares.keys()]
    if not keys:
        raise InvalidParameter("no members to split the cost among")
    weights = []
    for key, value in zip(keys, shares.values(), strict=True):
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise InvalidParameter(f"share of member {key} must be a number >= 0, got {value}")
        weights.append(Fraction(number))
    return keys, weights


def _checked_total(total: int) -> int:
    number = float(total)
    if not math.isfinite(number) or number < 0 or not number.is_integer():
        raise InvalidParameter(f"the total must be whole CZK >= 0, got {total}")
    return int(total)


def _bounded_quotas(total: int, keys: list[str], weights: list[Fraction], floors: Mapping[str, int], caps: Mapping[str, int]) -> list[Fraction]:
    lo = [Fraction(int(floors.get(k, 0))) for k in keys]
    hi = [Fraction(int(caps[k])) if k in caps else None for k in keys]
    for key, low, high in zip(keys, lo, hi, strict=True):
        if low < 0 or (high is not None and high < 0):
            raise InvalidParameter(f"member {key}: floor and cap must be >= 0")
        if high is not None and high < low:
            raise InvalidParameter(f"member {key}: the cap {high} is below the floor {low}")
    if sum(lo) > total:
        raise InvalidParameter(f"the floors ({sum(lo)} CZK) exceed the total {total} CZK")
    reachable = [h if w > 0 else low for w, low, h in zip(weights, lo, hi, strict=True)]
    if all(r is not None for r in reachable) and sum(reachable) < total:
        capped = ", ".join(k for k, h in zip(keys, hi, strict=True) if h is not None)
        raise InvalidParameter(f"the caps of {capped} cannot cover the total: the members can pay at most {sum(reachable)} of {total} CZK")

    def amounts(t: Fraction) -> list[Fraction]:
        return [min(max(t * w, low), h) if h is not None else max(t * w, low) for w, low, h in zip(weights, lo, hi, strict=True)]

    breaks = sorted({b for w, low, h in zip(weights, lo, hi, strict=True) if w > 0 for b in (low / w, *(() if h is None else (h / w,)))})
    left, right = Fraction(0), None
    for b in breaks:  # f(t) = sum(amounts(t)) is piecewise linear and non-decreasing
        if sum(amounts(b)) >= total:
            right = b
            break
        left = b
    paid_left = sum(amounts(left))
    if paid_left == total:
        return amounts(left)
    if right is None:  # beyond the last break point only uncapped members grow
        slope = sum(w for w, h in zip(weights, hi, strict=True) if h is None and w > 0)
        return amounts(left + (total - paid_left) / slope)
    slope = (sum(amounts(right)) - paid_left) / (right - left)
    return amounts(left + (total - paid_left) / slope)


def _largest_remainder(total: int, keys: list[str], quotas: list[Fraction]) -> pd.Series:
    whole = [q.numerator // q.denominator for q in quotas]
    left = total - sum(whole)
    # remainders compared to a micro-crown, so that float noise in the shares cannot beat the code order
    order = sorted(range(len(keys)), key=lambda i: (-round((quotas[i] - whole[i]) * 10**6), quotas[i] == whole[i], keys[i]))
    for i in order[:left]:
        whole[i] += 1
    return pd.Series(np.array(whole, dtype=np.int64), index=_index(keys), name="castka")


def _index(keys: list[str]) -> pd.Index:
    return pd.Index(keys, name="kod_obce")


# --- methods ---------------------------------------------------------------------------------


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
        The cost game ``c(frozenset_of_codes) -> float`` (see :mod:`kpwork.costgame`).
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
        part = METHODS[name](data)
        if weight > 0 and part.sum() <= 0:
            raise InvalidParameter(f"the part {name} of kombinace has no data (its values sum to 0)")
        if weight > 0:
            total = total + weight * part / part.sum()
    return total


def _shapley(data: ServiceInputs) -> pd.Series:
    return costgame.shapley(data.members, data.cost)


def _scrb(data: ServiceInputs) -> pd.Series:
    return costgame.scrb(data.members, data.cost)


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


# --- a region's shared services --------------------------------------------------------------


def service_inputs(
    region,
    service: SharedService,
    quotes: Mapping[frozenset[str], float] | None = None,
    *,
    game: costgame.CostGame | None = None,
) -> ServiceInputs:
    """Participants' population, usage and the cost game of one shared service of a region.

    ``game`` defaults to :func:`cost_game` of the service.
    """
    members = list(service.ucastnici)
    population = region.latest_population().loc[members]
    usage = _usage(region, service)
    return ServiceInputs(
        sluzba_id=service.sluzba_id,
        population=population["obyvatele"].astype(float),
        target=population[list(service.cilova_populace)].sum(axis=1).astype(float),
        usage=usage,
        cost=game if game is not None else cost_game(region, service, quotes)[0],
        weights=dict(service.vahy),
    )


def _usage(region, service: SharedService) -> pd.Series:
    rows = region.usage[region.usage["sluzba_id"] == service.sluzba_id]
    if rows["rok"].notna().any():
        rows = rows[rows["rok"] == rows["rok"].max()]
    column = service.jednotka_vyuziti
    if column == "hodiny" and rows["hodiny"].isna().all() and len(rows):
        raise InvalidParameter(f"service {service.sluzba_id}: usage by hours is asked for, but usage.csv gives no hodiny for it")
    outside = sorted(set(rows["kod_obce"]) & set(region.members) - set(service.ucastnici))
    if outside:
        log.info("service %s: usage of non-participants %s is not counted", service.sluzba_id, ", ".join(outside))
    by_member = rows.groupby("kod_obce")[column].sum()
    return by_member.reindex(list(service.ucastnici), fill_value=0.0).fillna(0.0).astype(float)


def cost_game(region, service: SharedService, quotes: Mapping[frozenset[str], float] | None = None) -> tuple[costgame.CostGame, str]:
    """The cost game of a service and where it comes from (``tabulka``, ``model`` or ``celkove_naklady``).

    Quoted coalition costs win; else the cost model of ``funding.csv``
    (``model_*`` columns); else every group would pay the whole annual cost.
    """
    players = tuple(service.ucastnici)
    try:
        if quotes:
            everyone = frozenset(players)
            resolved = {(everyone if g == frozenset("*") else g): v for g, v in quotes.items()}
            return costgame.QuotedCosts(players, resolved), "tabulka"
        if service.model:
            return _model(region, service), "model"
        return costgame.CostModel(players, fixni=float(service.naklady)), "celkove_naklady"
    except InvalidParameter as exc:
        raise InvalidParameter(f"service {service.sluzba_id}: {exc}") from exc


def _model(region, service: SharedService) -> costgame.CostModel:
    players = list(service.ucastnici)
    centres = region.municipalities.geometry.centroid
    seat_code = region.services.set_index("id").loc[service.sluzba_id, "kod_obce"]
    xy = np.array([[centres.loc[m].x, centres.loc[m].y] for m in players])
    seat = np.array([centres.loc[seat_code].x, centres.loc[seat_code].y])
    clients = _usage(region, SharedService(**{**service.__dict__, "jednotka_vyuziti": "klienti"}))
    per_km = service.model.get("model_kc_km", 0.0)
    return costgame.CostModel(
        tuple(players),
        fixni=service.model.get("model_fixni", 0.0),
        na_klienta=service.model.get("model_na_klienta", 0.0),
        klienti=clients.to_dict(),
        kc_km=per_km,
        okruhu=service.model.get("model_okruhu_rocne", DEFAULT_ROUNDS if per_km else 0.0),
        seat_km=dict(zip(players, np.hypot(*(xy - seat).T) / 1000, strict=True)),
        between_km=np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / 1000,
    )


def layer_amounts(service: SharedService, layers: list[Layer]) -> pd.Series:
    """Whole CZK of each layer and of the members' part (``obce``), summing to the annual cost.

    Examples
    --------
    >>> s = SharedService("S01", "na_obyvatele", 1000, ("585599",))
    >>> layer_amounts(s, [Layer("S01", "EU", podil=0.85), Layer("S01", "stat", podil=0.1)]).tolist()
    [850, 100, 50]
    """
    shares = {f"{i:03d}": (layer.castka if layer.castka is not None else layer.podil * service.naklady) for i, layer in enumerate(layers)}
    rest = service.naklady - sum(shares.values())
    if rest < -0.5:
        raise InvalidParameter(f"service {service.sluzba_id}: the layers ({sum(shares.values()):,.0f} CZK) exceed the annual cost ({service.naklady:,} CZK)")
    shares["obce"] = max(rest, 0.0)
    amounts = split_cost(service.naklady, shares) if service.naklady else pd.Series(0, index=list(shares), dtype=np.int64)
    amounts.index = [layer.zdroj for layer in layers] + ["obce"]
    return amounts


def funding_results(region) -> dict[str, pd.DataFrame]:
    """The funding tables of a run: splits, the comparison of methods, layers and the core check.

    Parameters
    ----------
    region
        A loaded :class:`~kpwork.region.Region`; its ``extras["funding"]``
        (and ``extras["coalition_costs"]`` when given) drive the result.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``financovani_sluzby``, ``financovani_podily``, ``financovani_srovnani``,
        ``financovani_vrstvy`` and ``financovani_jadro`` (see ``docs/funding.md``);
        ``{}`` when the region has no funding input.

    Raises
    ------
    InvalidParameter
        Naming the service and member, when a split cannot be made.
    """
    plan: FundingPlan | None = region.extras.get("funding")
    if plan is None:
        return {}
    from kpwork.funding_tables import service_tables

    quoted = region.extras.get("coalition_costs") or {}
    parts = [service_tables(region, s, [la for la in plan.layers if la.sluzba_id == s.sluzba_id], quoted.get(s.sluzba_id)) for s in plan.services]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]} if parts else {}

