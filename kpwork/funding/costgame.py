"""Cost sharing of a shared service as a cooperative game.

A *cost game* gives, for any group ``S`` of members (a coalition), the annual
cost ``c(S)`` of running the service for that group alone; ``c(∅) = 0``. It is
any callable ``cost(frozenset_of_codes) -> float``. Two documented sources of
such games live here:

* :class:`QuotedCosts`: a table of coalition costs the coordinator filled in
  from providers' quotes (``coalition_costs.csv``), closed under splitting a
  group into quoted parts and under buying a bigger quoted service;
* :class:`CostModel`: fixed annual cost + cost per client + travel of a field
  service round from its seat through the members' centres.

On a game, :func:`shapley` (exact over bitmasks up to 20 members, a permutation
sampling estimate with its standard error beyond), :func:`scrb` (separable
costs remaining benefits) and :func:`core_violations` (which coalitions would
pay more than their own cost) work on plain codes and return pandas objects.

A game may offer ``over_masks(members) -> numpy.ndarray``: the costs of all
``2**n`` coalitions, coalition ``m`` holding ``members[i]`` when bit ``i`` of
``m`` is set. The functions here use it when present (the classes below do),
and otherwise call the game once per coalition.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from kpwork.errors import InvalidParameter

log = logging.getLogger(__name__)

__all__ = [
    "CORE_CHECK_LIMIT",
    "EXACT_SHAPLEY_LIMIT",
    "CostGame",
    "CostModel",
    "QuotedCosts",
    "ScaledGame",
    "coalition_costs",
    "core_violations",
    "popcounts",
    "scrb",
    "shapley",
    "shapley_from_masks",
]

#: A cost game: the annual cost (CZK) of serving a coalition of member codes alone.
CostGame = Callable[[frozenset[str]], float]

#: Largest number of members for the exact Shapley value (2**20 coalitions).
EXACT_SHAPLEY_LIMIT = 20
#: Largest number of members whose every coalition the core check visits.
CORE_CHECK_LIMIT = 15
#: Largest number of members served by one field round in :class:`CostModel` (exact tour).
TOUR_LIMIT = 16
#: Amounts within this many CZK count as equal in the core check (float noise).
TOLERANCE_CZK = 0.5


# --- coalitions as bitmasks ------------------------------------------------------------------


def popcounts(n: int) -> np.ndarray:
    """Number of members in each of the ``2**n`` coalitions, by bitmask.

    Examples
    --------
    >>> popcounts(2).tolist()
    [0, 1, 1, 2]
    """
    masks = np.arange(1 << n, dtype=np.int64)
    counts = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        counts += (masks >> bit) & 1
    return counts


def _mask_of(coalition: frozenset[str], members: Sequence[str]) -> int:
    index = {m: i for i, m in enumerate(members)}
    return sum(1 << index[m] for m in coalition)


def coalition_costs(members: Sequence[str], cost: CostGame) -> np.ndarray:
    """Costs of all ``2**n`` coalitions of ``members`` as an array indexed by bitmask.

    Uses ``cost.over_masks`` when the game offers it; otherwise calls the game
    once per coalition. ``c(∅)`` is 0.

    Examples
    --------
    >>> coalition_costs(["a", "b"], lambda s: 10.0 * len(s)).tolist()
    [0.0, 10.0, 10.0, 20.0]
    """
    members = list(members)
    over_masks = getattr(cost, "over_masks", None)
    if over_masks is not None:
        table = np.asarray(over_masks(tuple(members)), dtype=float).copy()
    else:
        table = np.zeros(1 << len(members))
        for mask in range(1, 1 << len(members)):
            table[mask] = cost(frozenset(m for i, m in enumerate(members) if mask >> i & 1))
    table[0] = 0.0
    bad = ~np.isfinite(table)
    if bad.any():
        mask = int(np.flatnonzero(bad)[0])
        group = ", ".join(m for i, m in enumerate(members) if mask >> i & 1)
        raise InvalidParameter(f"coalition cost of {{{group}}} is not a finite number")
    return table


# --- Shapley value -------------------------------------------------------------------------


def shapley_from_masks(costs: np.ndarray) -> np.ndarray:
    """Exact Shapley value from the costs of all ``2**n`` coalitions (the fast kernel).

    ``phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! * (c(S+i) - c(S))``,
    vectorised over bitmasks: ``n * 2**(n-1)`` differences.

    Examples
    --------
    >>> shapley_from_masks(np.array([0.0, 4.0, 6.0, 8.0])).tolist()
    [3.0, 5.0]
    """
    n = int(round(math.log2(len(costs))))
    if len(costs) != 1 << n:
        raise InvalidParameter(f"expected the costs of 2**n coalitions, got {len(costs)} values")
    sizes = popcounts(n)
    weights = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    masks = np.arange(1 << n, dtype=np.int64)
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i & 1) == 0]
        phi[i] = np.dot(weights[sizes[without]], costs[without | (1 << i)] - costs[without])
    return phi


def shapley(
    members: Sequence[str],
    cost: CostGame,
    *,
    exact_limit: int = EXACT_SHAPLEY_LIMIT,
    samples: int = 2000,
    seed: int = 0,
) -> pd.Series:
    """Shapley value of a cost game: each member's average marginal cost.

    Parameters
    ----------
    members
        Codes of the players (``kod_obce``), in the order of the result.
    cost
        The game: ``cost(frozenset_of_codes) -> float`` with ``c(∅) = 0``.
    exact_limit
        Up to this many members the value is exact (all ``2**n`` coalitions);
        beyond, it is estimated from ``samples`` random orders of the members.
    samples, seed
        Number of random orders and the seed of the estimate (reproducible).

    Returns
    -------
    pandas.Series
        Index ``kod_obce``, CZK (float). ``attrs["metoda"]`` is ``"presne"`` or
        ``"odhad"``; ``attrs["chyba"]`` maps each member to the standard error
        of its estimate (0 when exact).

    Raises
    ------
    InvalidParameter
        No members, a duplicate member, or a cost that is not a finite number.

    Notes
    -----
    Shapley (1953), "A value for n-person games", in *Contributions to the
    Theory of Games II*, 307-317. Exact:
    ``phi_i = sum_{S ⊆ N \\ {i}} |S|! (n-|S|-1)! / n! [c(S ∪ {i}) - c(S)]``.
    Estimate (Castro, Gómez & Tejada 2009, *Computers & Operations Research*
    36(5)): the mean marginal cost of each member over random orders; every
    order's marginal costs sum to ``c(N)``, so the estimates do too, and the
    standard error of member ``i`` is ``sd_i / sqrt(samples)``.

    Examples
    --------
    >>> shapley(["a", "b"], lambda s: max([0.0] + [{"a": 4.0, "b": 6.0}[m] for m in s])).tolist()
    [2.0, 4.0]
    """
    members = _checked_members(members)
    if len(members) <= exact_limit:
        values = shapley_from_masks(coalition_costs(members, cost))
        result = pd.Series(values, index=_index(members), name="shapley")
        result.attrs.update(metoda="presne", chyba=dict.fromkeys(members, 0.0))
        return result
    return _shapley_sampled(members, cost, samples=samples, seed=seed)


def _shapley_sampled(members: list[str], cost: CostGame, *, samples: int, seed: int) -> pd.Series:
    if samples < 2:
        raise InvalidParameter(f"samples must be at least 2, got {samples}")
    rng = np.random.default_rng(seed)
    n = len(members)
    contributions = np.zeros((samples, n))
    for k in range(samples):
        order = rng.permutation(n)
        coalition: set[str] = set()
        previous = 0.0
        for i in order:
            coalition.add(members[i])
            current = float(cost(frozenset(coalition)))
            contributions[k, i] = current - previous
            previous = current
    result = pd.Series(contributions.mean(axis=0), index=_index(members), name="shapley")
    errors = contributions.std(axis=0, ddof=1) / math.sqrt(samples)
    result.attrs.update(metoda="odhad", chyba=dict(zip(members, errors.tolist(), strict=True)))
    log.info("Shapley value of %d members estimated from %d orders; largest standard error %.0f CZK", n, samples, errors.max())
    return result


# --- SCRB ----------------------------------------------------------------------------------


def scrb(members: Sequence[str], cost: CostGame) -> pd.Series:
    """Separable costs remaining benefits: each member's separable cost plus a share of the rest.

    Parameters
    ----------
    members
        Codes of the players (``kod_obce``).
    cost
        The game (see :func:`shapley`); called ``2n + 1`` times.

    Returns
    -------
    pandas.Series
        Index ``kod_obce``, CZK (float), summing to ``c(N)``.

    Raises
    ------
    InvalidParameter
        When the separable costs exceed ``c(N)`` so much that a member would
        get a negative amount (the game is far from subadditive; use Shapley).

    Notes
    -----
    Separable cost ``SC_i = c(N) - c(N \\ {i})``; remaining benefit
    ``r_i = max(0, c({i}) - SC_i)``; allocation
    ``x_i = SC_i + r_i / sum_j r_j * (c(N) - sum_j SC_j)`` (the rest equally
    when every ``r_i`` is 0). Young, Okada & Hashimoto (1982), "Cost allocation
    in water resources development", *Water Resources Research* 18(3), 463-475.

    Examples
    --------
    >>> scrb(["a", "b"], lambda s: {0: 0.0, 1: 10.0, 2: 14.0}[len(s)]).tolist()
    [7.0, 7.0]
    """
    members = _checked_members(members)
    everyone = frozenset(members)
    grand = float(cost(everyone))
    separable = np.array([grand - float(cost(everyone - {m})) if len(members) > 1 else grand for m in members])
    alone = np.array([float(cost(frozenset([m]))) for m in members])
    remaining = np.maximum(alone - separable, 0.0)
    rest = grand - separable.sum()
    if remaining.sum() > 0:
        values = separable + remaining / remaining.sum() * rest
    else:
        values = separable + rest / len(members)
    negative = np.flatnonzero(values < -TOLERANCE_CZK)
    if len(negative):
        m = members[int(negative[0])]
        raise InvalidParameter(
            f"SCRB gives member {m} a negative amount ({round(values[negative[0]])} CZK): the separable costs "
            f"({round(separable.sum())}) exceed the cost of all members ({round(grand)}); use shapley instead"
        )
    return pd.Series(np.maximum(values, 0.0), index=_index(members), name="scrb")


# --- the core --------------------------------------------------------------------------------


def core_violations(
    members: Sequence[str],
    cost: CostGame,
    allocation: Mapping[str, float],
    *,
    limit: int = CORE_CHECK_LIMIT,
) -> pd.DataFrame:
    """Coalitions that would pay more under ``allocation`` than running the service alone.

    Parameters
    ----------
    members
        Codes of the players.
    cost
        The game (see :func:`shapley`).
    allocation
        What each member pays (CZK).
    limit
        Up to this many members every coalition is checked; beyond, only the
        members alone and all-but-one groups (``attrs["uplna"]`` is False).

    Returns
    -------
    pandas.DataFrame
        One row per violating coalition, largest excess first: ``koalice``
        (tuple of codes), ``platba`` (what it pays), ``naklady_koalice``
        (``c(S)``), ``prebytek`` (the difference). Empty when the allocation is
        in the core (Gillies 1959) with respect to the checked coalitions.

    Notes
    -----
    The core: ``sum_{i in S} x_i <= c(S)`` for every coalition ``S``
    (Gillies 1959, "Solutions to general non-zero-sum games", *Contributions
    to the Theory of Games IV*, 47-85). Amounts within 0.5 CZK count as equal.

    Examples
    --------
    >>> game = lambda s: {0: 0.0, 1: 10.0, 2: 14.0}[len(s)]
    >>> core_violations(["a", "b"], game, {"a": 12, "b": 2})[["koalice", "prebytek"]].values.tolist()
    [[('a',), 2.0]]
    """
    members = _checked_members(members)
    x = np.array([float(allocation[m]) for m in members])
    n = len(members)
    if n <= limit:
        table = coalition_costs(members, cost)
        masks = np.arange(1, 1 << n, dtype=np.int64)
        costs = table[1:]
    else:
        full = (1 << n) - 1
        masks = np.array([1 << i for i in range(n)] + [full ^ (1 << i) for i in range(n)], dtype=np.int64)
        costs = np.array([float(cost(frozenset(m for i, m in enumerate(members) if mask >> i & 1))) for mask in masks])
        log.info("core check of %d members visits only %d coalitions (alone and all but one)", n, len(masks))
    bits = (masks[:, None] >> np.arange(n)[None, :]) & 1
    paid = bits @ x
    excess = paid - costs
    bad = np.flatnonzero(excess > TOLERANCE_CZK)
    bad = bad[np.argsort(-excess[bad], kind="stable")]
    frame = pd.DataFrame(
        {
            "koalice": [tuple(m for i, m in enumerate(members) if masks[k] >> i & 1) for k in bad],
            "platba": paid[bad],
            "naklady_koalice": costs[bad],
            "prebytek": excess[bad],
        }
    )
    frame.attrs["uplna"] = n <= limit
    return frame


# --- games ---------------------------------------------------------------------------------


class _TableGame:
    """A game that holds the costs of all coalitions of its ``players`` in ``table`` by bitmask."""

    players: tuple[str, ...]
    table: np.ndarray

    def over_masks(self, members: Sequence[str]) -> np.ndarray:
        """Costs of all coalitions of ``members`` (players, in any order) by bitmask."""
        if tuple(members) == self.players:
            return self.table
        order = [self.players.index(m) for m in members]
        remap = np.zeros(1 << len(order), dtype=np.int64)
        for new, old in enumerate(order):
            remap |= ((np.arange(1 << len(order)) >> new) & 1) << old
        return self.table[remap]

    def __call__(self, coalition: frozenset[str]) -> float:
        return float(self.table[_mask_of(coalition, self.players)])


@dataclass(frozen=True)
class QuotedCosts(_TableGame):
    """Coalition costs quoted by providers, completed to every coalition.

    Parameters
    ----------
    players
        Codes of the members taking part.
    quotes
        Quoted cost of some coalitions; each player alone and all players
        together must be among them. Quotes naming a non-player are ignored.

    Notes
    -----
    A coalition without a quote costs the cheapest way to serve it with the
    quotes: split into quoted groups (``c(S) = min(q(S), q(T) + c(S \\ T))``),
    or buy a quoted service for a bigger group (``c(S) = min_{T ⊇ S} c(T)``).
    The completed game is therefore subadditive and monotone.

    Examples
    --------
    >>> q = QuotedCosts(("a", "b", "c"), {frozenset("a"): 5, frozenset("b"): 5, frozenset("c"): 5,
    ...                                   frozenset("ab"): 7, frozenset("abc"): 11})
    >>> q(frozenset("ac")), q(frozenset("bc"))
    (10.0, 10.0)
    """

    players: tuple[str, ...]
    quotes: Mapping[frozenset[str], float] = field(hash=False)

    def __post_init__(self) -> None:
        for m in self.players:
            if frozenset([m]) not in self.quotes:
                raise InvalidParameter(f"member {m} has no quoted stand-alone cost (a row with only {m} in koalice)")
        if frozenset(self.players) not in self.quotes:
            raise InvalidParameter(f"no quoted cost for all members together ({', '.join(self.players)})")
        if len(self.players) > EXACT_SHAPLEY_LIMIT:
            raise InvalidParameter(f"a quoted-costs game supports up to {EXACT_SHAPLEY_LIMIT} members, got {len(self.players)}")

    @cached_property
    def table(self) -> np.ndarray:
        """Costs of all coalitions of ``players`` by bitmask."""
        n = len(self.players)
        players = set(self.players)
        quoted = {
            _mask_of(group, self.players): float(value)
            for group, value in self.quotes.items()
            if group and group <= players
        }
        best = np.full(1 << n, np.inf)
        best[0] = 0.0
        for mask, value in quoted.items():
            best[mask] = min(best[mask], value)
        sizes = popcounts(n)
        masks = np.arange(1 << n, dtype=np.int64)
        for k in range(2, n + 1):
            layer = masks[sizes == k]
            for part, value in quoted.items():
                if sizes[part] >= k:
                    continue
                inside = layer[(layer & part) == part]
                best[inside] = np.minimum(best[inside], value + best[inside ^ part])
        for bit in range(n):
            without = masks[(masks >> bit & 1) == 0]
            best[without] = np.minimum(best[without], best[without | (1 << bit)])
        return best


@dataclass(frozen=True)
class CostModel(_TableGame):
    """Cost of running a (field) service for a coalition: fixed + per client + travel.

    ``c(S) = fixni + na_klienta * sum_{i in S} klienti_i + kc_km * okruhu * tour_km(S)``
    for a non-empty ``S``, where ``tour_km(S)`` is the shortest closed round
    from the service's seat through the centres of the members of ``S``
    (straight-line distances in EPSG:5514, exact by Held-Karp for up to 16
    members). A metric round never gets shorter by adding a stop, so the game
    is monotone.

    Parameters
    ----------
    players
        Codes of the members taking part.
    fixni
        Fixed annual cost of running the service at all (CZK).
    na_klienta
        Annual cost per client (CZK); ``klienti`` gives the clients per member.
    kc_km, okruhu
        Travel cost per km (CZK) and rounds per year.
    seat_km
        Distance (km) from the seat to each member's centre.
    between_km
        Distances (km) between members' centres, players x players.

    Examples
    --------
    >>> m = CostModel(("a", "b"), fixni=100.0, na_klienta=10.0, klienti={"a": 1, "b": 2},
    ...               kc_km=1.0, okruhu=1.0, seat_km={"a": 0.0, "b": 3.0},
    ...               between_km=[[0.0, 3.0], [3.0, 0.0]])
    >>> m(frozenset("a")), m(frozenset("b")), m(frozenset("ab"))
    (110.0, 126.0, 136.0)
    """

    players: tuple[str, ...]
    fixni: float
    na_klienta: float = 0.0
    klienti: Mapping[str, float] = field(default_factory=dict, hash=False)
    kc_km: float = 0.0
    okruhu: float = 0.0
    seat_km: Mapping[str, float] = field(default_factory=dict, hash=False)
    between_km: Sequence[Sequence[float]] | np.ndarray = field(default=(), hash=False)

    def __post_init__(self) -> None:
        for name in ("fixni", "na_klienta", "kc_km", "okruhu"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise InvalidParameter(f"cost model: {name} must be a number >= 0, got {value}")
        if self._travels and len(self.players) > TOUR_LIMIT:
            raise InvalidParameter(
                f"cost model: travel rounds are computed for up to {TOUR_LIMIT} members, got "
                f"{len(self.players)}; quote coalition costs in coalition_costs.csv instead"
            )

    @property
    def _travels(self) -> bool:
        return self.kc_km * self.okruhu > 0

    @cached_property
    def table(self) -> np.ndarray:
        """Costs of all coalitions of ``players`` by bitmask."""
        n = len(self.players)
        masks = np.arange(1 << n, dtype=np.int64)
        bits = (masks[:, None] >> np.arange(n)[None, :]) & 1
        clients = np.array([float(self.klienti.get(m, 0.0)) for m in self.players])
        costs = self.fixni + self.na_klienta * (bits @ clients)
        if self._travels:
            costs = costs + self.kc_km * self.okruhu * _tours(self._seat(), self._between())
        costs[0] = 0.0
        return costs

    def _seat(self) -> np.ndarray:
        return np.array([float(self.seat_km[m]) for m in self.players])

    def _between(self) -> np.ndarray:
        return np.asarray(self.between_km, dtype=float).reshape(len(self.players), len(self.players))


@dataclass(frozen=True)
class ScaledGame:
    """A game with every coalition cost multiplied by ``factor`` (e.g. the share members pay).

    Examples
    --------
    >>> ScaledGame(lambda s: 10.0 * len(s), 0.5)(frozenset("ab"))
    10.0
    """

    game: CostGame
    factor: float

    def over_masks(self, members: Sequence[str]) -> np.ndarray:
        """Costs of all coalitions of ``members`` by bitmask, scaled."""
        return self.factor * coalition_costs(members, self.game)

    def __call__(self, coalition: frozenset[str]) -> float:
        return self.factor * float(self.game(coalition))


def _tours(seat: np.ndarray, between: np.ndarray) -> np.ndarray:
    """Shortest closed round seat -> members of S -> seat, for every coalition S (Held-Karp)."""
    n = len(seat)
    masks = np.arange(1 << n, dtype=np.int64)
    sizes = popcounts(n)
    path = np.full((1 << n, n), np.inf)  # path[S, j]: seat -> all of S, ending at j
    for j in range(n):
        path[1 << j, j] = seat[j]
    for k in range(2, n + 1):
        layer = masks[sizes == k]
        for j in range(n):
            ending = layer[(layer >> j & 1) == 1]
            before = ending ^ (1 << j)
            path[ending, j] = (path[before] + between[:, j][None, :]).min(axis=1)
    tours = (path + seat[None, :]).min(axis=1)
    tours[0] = 0.0
    return tours


def _checked_members(members: Sequence[str]) -> list[str]:
    members = [str(m) for m in members]
    if not members:
        raise InvalidParameter("no members to share the cost among")
    seen: set[str] = set()
    for m in members:
        if m in seen:
            raise InvalidParameter(f"member {m} is listed twice")
        seen.add(m)
    return members


def _index(members: list[str]) -> pd.Index:
    return pd.Index(members, name="kod_obce")
