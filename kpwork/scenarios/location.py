"""Where a new service would help most: location-allocation with PySAL spopt.

For one service type, form and target groups, the demand of each member is
what it still misses after the existing services (its shortfall in the run's
gaps, :class:`~kpwork.scenarios.model.Baseline`): the existing services stay
as they are. Candidate sites are the members' centres. Two models of
``spopt.locate``, solved by PuLP's bundled CBC:

- ``pokryti``: maximal covering (MCLP, Church & ReVelle 1974): choose ``p``
  sites so that the shortfall within the form's radius of a site is largest;
- ``p_median``: p-median (Hakimi 1964) with the existing seats of the type as
  fixed facilities: choose ``p`` sites so that the shortfall-weighted distance
  to the nearest seat is smallest.

Each suggestion is then evaluated with the run's model
(:func:`kpwork.scenarios.model.evaluate`): what a service of the given
capacity there would really cover, capacity and target groups included.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import shapely

from kpwork import access
from kpwork.config import THRESHOLDS
from kpwork.errors import InvalidParameter
from kpwork.scenarios.changes import Change, Scenario
from kpwork.scenarios.model import Baseline, evaluate

log = logging.getLogger(__name__)

#: Location models by name.
MODELS = ("pokryti", "p_median")
#: Columns of :func:`suggest_locations`.
SUGGESTION_COLUMNS = ("poradi", "kod_obce", "nazev", "pokryti_modelu", "pokryto", "chybi_po", "nejvice_nazev")


def shortfall(base: Baseline, druh: str, cilove_skupiny: Sequence[str]) -> pd.Series:
    """What each member still misses of a type for the need groups a service of ``cilove_skupiny`` serves.

    The sum over those need groups of :math:`\\max(0, potreba - kapacita)` in
    the type's planning unit, index ``kod_obce`` in member order.
    """
    rows = base.gaps.loc[(base.gaps["druh"] == druh) & base.gaps["potreba"].notna()]
    served = rows["cilova_skupina"].map(lambda g: access.serves_group(tuple(cilove_skupiny), g))
    missing = rows.loc[served].assign(chybi=lambda t: t["mezera"].clip(lower=0)).groupby("kod_obce")["chybi"].sum()
    return missing.reindex(list(base.region.members), fill_value=0.0).rename_axis("kod_obce")


def covering(distances: np.ndarray, weights: np.ndarray, radius: float, p: int) -> tuple[list[int], float]:
    """Maximal covering location (spopt MCLP): the ``p`` sites covering most weight within ``radius``.

    Parameters
    ----------
    distances
        Demand points x candidate sites, metres.
    weights
        Demand of each point (>= 0).
    radius
        Coverage distance, metres.
    p
        Sites to choose.

    Returns
    -------
    tuple
        Chosen site indices (ascending) and the weight covered.

    Examples
    --------
    >>> d = np.array([[0.0, 9.0], [9.0, 0.0], [9.0, 1.0]])
    >>> covering(d, np.array([5.0, 1.0, 1.0]), 2.0, 1)
    ([0], 5.0)
    """
    import pulp
    from spopt.locate import MCLP

    if not weights.sum() > 0:
        return [], 0.0
    with _quiet():
        model = MCLP.from_cost_matrix(distances, weights, service_radius=radius, p_facilities=p)
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    chosen = sorted(j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5)
    covered = float(weights[(distances[:, chosen] <= radius).any(axis=1)].sum()) if chosen else 0.0
    return chosen, covered


def median(distances: np.ndarray, weights: np.ndarray, p: int, fixed: Sequence[int] = ()) -> tuple[list[int], float]:
    """p-median (spopt PMedian) with ``fixed`` sites kept: the ``p`` new sites of least weighted distance.

    Parameters
    ----------
    distances
        Demand points x sites (the fixed ones included), metres.
    weights
        Demand of each point (>= 0).
    p
        New sites to choose besides ``fixed``.
    fixed
        Indices of sites that stay open (existing services).

    Returns
    -------
    tuple
        The new site indices (ascending) and the total weighted distance to the nearest open site.

    Examples
    --------
    >>> d = np.array([[0.0, 5.0, 9.0], [9.0, 5.0, 0.0]])
    >>> median(d, np.array([1.0, 3.0]), 1, fixed=[0])
    ([2], 0.0)
    """
    import pulp
    from spopt.locate import PMedian

    fixed = list(fixed)
    keep = np.asarray(weights, float) > 0  # points without demand change no choice
    distances, weights = distances[keep], np.asarray(weights, float)[keep]
    if not len(weights):
        return [], 0.0
    predefined = np.array(fixed) if fixed else None
    with _quiet():
        model = PMedian.from_cost_matrix(distances, weights, p_facilities=p + len(fixed), predefined_facilities_arr=predefined)
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    opened = sorted(j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5)
    new = [j for j in opened if j not in set(fixed)]
    open_sites = sorted(set(new) | set(fixed))
    cost = float((weights * distances[:, open_sites].min(axis=1)).sum()) if open_sites else float("inf")
    return new, cost


def suggest_locations(
    base: Baseline,
    *,
    druh: str,
    forma: str,
    cilove_skupiny: Sequence[str],
    kapacita: float,
    jednotka: str = "",
    model: str = "pokryti",
    pocet: int = 1,
    rozpocet: float | None = None,
    naklady: float | None = None,
    navrhu: int = 3,
) -> pd.DataFrame:
    """The best municipalities for a new service, evaluated with the run's model.

    Parameters
    ----------
    base
        The baseline of the region (existing services stay).
    druh, forma, cilove_skupiny, kapacita, jednotka
        The new service (``jednotka`` empty: the type's planning unit).
    model
        One of :data:`MODELS`.
    pocet
        New services to place together (``p``).
    rozpocet, naklady
        With both: ``p`` = how many services of yearly cost ``naklady`` fit
        into the yearly budget ``rozpocet`` (at least 1).
    navrhu
        With ``p = 1``, how many alternatives to list: each next one is the
        model's best when the earlier ones are left out.

    Returns
    -------
    DataFrame
        :data:`SUGGESTION_COLUMNS`: rank, member, the model's objective share
        (shortfall covered within the radius for ``pokryti``), then what a
        service of ``kapacita`` there covers by the run's model, the region's
        shortfall after and who gains most. With ``p > 1`` the rows are the
        ``p`` sites chosen together, each evaluated alone.

    Raises
    ------
    InvalidParameter
        An unknown model, ``p`` < 1 or a budget that fits no service.
    """
    if model not in MODELS:
        raise InvalidParameter(f"model: unknown {model!r}; expected one of {', '.join(MODELS)}")
    p = _count(pocet, rozpocet, naklady)
    demand = shortfall(base, druh, cilove_skupiny)
    xy = shapely.get_coordinates(access.demand_points(base.region).values)
    distances = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    radius = THRESHOLDS.radius_by_form[forma]
    chosen = _choose(base, druh, demand.to_numpy(), distances, xy, radius, p, navrhu, model)
    total = float(demand.sum())
    rows = []
    for k, j in enumerate(chosen, start=1):
        code = base.region.members[j]
        change = Change("pridat", druh=druh, forma=forma, cilove_skupiny=tuple(cilove_skupiny), kapacita=kapacita, jednotka=jednotka, kod_obce=code)
        head = evaluate(base, Scenario(f"navrh {k}", (change,))).headline.iloc[0]
        within = float(demand.to_numpy()[distances[:, j] <= radius].sum())
        rows.append({
            "poradi": k, "kod_obce": code, "nazev": base.region.member_names().loc[code],
            "pokryti_modelu": within / total if total > 0 else 0.0, "pokryto": head["pokryto"],
            "chybi_po": head["chybi_po"], "nejvice_nazev": head["nejvice_nazev"],
        })
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))


def _count(pocet: int, rozpocet: float | None, naklady: float | None) -> int:
    if rozpocet is not None and naklady:
        p = int(rozpocet // naklady)
        if p < 1:
            raise InvalidParameter(f"rozpocet: {rozpocet:.0f} CZK a year does not pay for one service of {naklady:.0f} CZK")
        return p
    if int(pocet) < 1:
        raise InvalidParameter(f"pocet: expected 1 or more new services, got {pocet}")
    return int(pocet)


def _choose(base: Baseline, druh: str, demand: np.ndarray, distances: np.ndarray, xy: np.ndarray, radius: float, p: int, alternatives: int, model: str) -> list[int]:
    """Member indices: the ``p`` chosen together, or for ``p = 1`` the best and the next alternatives."""
    left = list(range(len(demand)))
    picks: list[int] = []
    rounds = alternatives if p == 1 else 1
    seats = _seats(base, druh)
    for _ in range(rounds):
        if not left or not demand.sum() > 0:
            break
        if model == "pokryti":
            sites, _ = covering(distances[:, left], demand, radius, p)
            found = [left[j] for j in sites]
        else:
            cost = np.hstack([_to(xy, seats), distances[:, left]])
            sites, _ = median(cost, demand, p, fixed=range(len(seats)))
            found = [left[j - len(seats)] for j in sites]
        picks.extend(found)
        left = [j for j in left if j not in set(found)]
    return picks


def _seats(base: Baseline, druh: str) -> np.ndarray:
    s = base.region.services
    return shapely.get_coordinates(s.loc[s["druh"] == druh].geometry.values) if len(s) else np.zeros((0, 2))


def _to(xy: np.ndarray, seats: np.ndarray) -> np.ndarray:
    return np.hypot(xy[:, None, 0] - seats[None, :, 0], xy[:, None, 1] - seats[None, :, 1])



@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """spopt 0.7 builds PuLP variables the way PuLP 3 deprecates; that is no news for a planner."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pulp")
        yield
