"""A region's shared services as funding result tables.

:func:`funding_results` adapts a :class:`~kpwork.region.Region` (population,
usage, seats of services) to the split methods of :mod:`kpwork.funding.methods`
and assembles the ``financovani_*`` tables of a run, one service at a time
(:func:`service_tables`): the co-financing layers first (:func:`layer_amounts`),
then the members' part split by the chosen method and compared with every other
method, the stand-alone costs and the core check on the service's cost game
(:func:`cost_game`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.funding import costgame
from kpwork.funding.crowns import split_cost
from kpwork.funding.inputs import (
    ALL_PARTICIPANTS,
    DEFAULT_ROUNDS,
    FundingPlan,
    Layer,
    SharedService,
    quoted_gaps,
)
from kpwork.funding.methods import COOPERATIVE, METHODS, ServiceInputs, allocate

if TYPE_CHECKING:  # annotations only: the funding package imports no geopandas
    from kpwork.region.model import Region

log = logging.getLogger(__name__)

__all__ = [
    "CORE_ROWS",
    "cost_game",
    "funding_results",
    "layer_amounts",
    "service_inputs",
    "service_tables",
]

#: Violating coalitions kept per service and method in ``financovani_jadro``.
CORE_ROWS = 10

_SHARES_COLUMNS = ["sluzba_id", "nazev_sluzby", "metoda", "kod_obce", "nazev", "obyvatele", "castka", "na_obyvatele", "samostatne", "samostatne_brutto", "plati_vic_nez_samostatne"]
_CORE_COLUMNS = ["sluzba_id", "metoda", "koalice", "koalice_kody", "platba", "naklady_koalice", "prebytek"]


def funding_results(region: Region) -> dict[str, pd.DataFrame]:
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
        ``financovani_vrstvy`` and ``financovani_jadro`` (see ``docs/funding.md``),
        the services in the order of ``funding.csv``; ``{}`` when the region
        has no funding input.

    Raises
    ------
    InvalidParameter
        Naming the service and member, when a split cannot be made.
    """
    plan: FundingPlan | None = region.extras.get("funding")
    if plan is None:
        return {}
    quoted = region.extras.get("coalition_costs") or {}
    parts = [service_tables(region, s, [la for la in plan.layers if la.sluzba_id == s.sluzba_id], quoted.get(s.sluzba_id)) for s in plan.services]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]} if parts else {}


def service_tables(
    region: Region,
    service: SharedService,
    layers: Sequence[Layer],
    quotes: Mapping[frozenset[str], float] | None = None,
) -> dict[str, pd.DataFrame]:
    """All ``financovani_*`` rows of one shared service.

    Parameters
    ----------
    region
        The region the service belongs to.
    service
        The shared service, its method and participants.
    layers
        Its co-financing layers, in order.
    quotes
        Its quoted coalition costs, if any (see :func:`cost_game`).

    Returns
    -------
    dict of str to pandas.DataFrame
        The five tables of :func:`funding_results`, rows of this service only.

    Raises
    ------
    InvalidParameter
        Naming the service: quotes missing a participant alone or all
        together, layers above the cost, or a chosen method that cannot split.
    """
    gaps = quoted_gaps(service, quotes)
    if gaps:
        raise InvalidParameter("; ".join(gaps))
    amounts = layer_amounts(service, layers)
    total = int(amounts.iloc[-1])
    game, source = cost_game(region, service, quotes)
    data = service_inputs(region, service, game=game)
    gross = pd.Series({m: game(frozenset([m])) for m in data.members})
    grand = game(frozenset(data.members))
    net = costgame.ScaledGame(game, total / grand if grand > 0 else 0.0)
    alone = (gross * net.factor).round().astype(np.int64).to_numpy()
    splits = _compare(data, total, service, source)
    title = region.services.set_index("id").loc[service.sluzba_id, "nazev"]
    names = region.member_names()
    members = _member_rows(data, title, names)
    core = _core(service.sluzba_id, data.members, net, splits, names)
    return {
        "financovani_sluzby": _summary(service, title, amounts, source, grand, core),
        "financovani_podily": _shares(members, service, splits[service.metoda], data.population, alone, gross),
        "financovani_srovnani": _comparison(members, service, splits, alone),
        "financovani_vrstvy": _layers_table(service, amounts),
        "financovani_jadro": core,
    }


def service_inputs(
    region: Region,
    service: SharedService,
    quotes: Mapping[frozenset[str], float] | None = None,
    *,
    game: costgame.CostGame | None = None,
) -> ServiceInputs:
    """Participants' population, target population, usage and the cost game of one shared service.

    Parameters
    ----------
    region
        The region the service belongs to.
    service
        The shared service; its ``ucastnici`` are the participants.
    quotes
        Its quoted coalition costs, if any.
    game
        The cost game; defaults to :func:`cost_game` of the service and ``quotes``.

    Returns
    -------
    ServiceInputs
        Series indexed by the participants' ``kod_obce``. Population and the
        target population (the sum of ``cilova_populace`` bands) are of the
        latest year; usage is ``jednotka_vyuziti`` (clients or hours) of the
        latest year of ``usage.csv`` by municipality of residence, 0 for a
        participant without usage. Usage of non-participants is not counted.

    Raises
    ------
    InvalidParameter
        Naming the service: usage by hours is asked for but ``usage.csv``
        gives no hours for it, or its cost game cannot be built.
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


def cost_game(region: Region, service: SharedService, quotes: Mapping[frozenset[str], float] | None = None) -> tuple[costgame.CostGame, str]:
    """The cost game of a service and where it comes from.

    Parameters
    ----------
    region
        The region the service belongs to (usage and municipality centres for the model).
    service
        The shared service.
    quotes
        Its quoted coalition costs (``*`` standing for all participants), if any.

    Returns
    -------
    tuple
        The game and its source: ``tabulka`` (the quotes win), ``model`` (the
        ``model_*`` columns of ``funding.csv``) or ``celkove_naklady`` (every
        group would pay the whole annual cost).

    Raises
    ------
    InvalidParameter
        Naming the service, when the quotes or the model do not make a game.
    """
    players = tuple(service.ucastnici)
    try:
        if quotes:
            everyone = frozenset(players)
            resolved = {(everyone if g == frozenset([ALL_PARTICIPANTS]) else g): v for g, v in quotes.items()}
            return costgame.QuotedCosts(players, resolved), "tabulka"
        if service.model:
            return _model(region, service), "model"
        return costgame.CostModel(players, fixni=float(service.naklady)), "celkove_naklady"
    except InvalidParameter as exc:
        raise InvalidParameter(f"service {service.sluzba_id}: {exc}") from exc


def layer_amounts(service: SharedService, layers: Sequence[Layer]) -> pd.Series:
    """Whole CZK of each layer and of the members' part (``obce``), summing to the annual cost.

    Parameters
    ----------
    service
        The shared service (its ``naklady``).
    layers
        Its co-financing layers, in order: fixed sums or shares of the annual cost.

    Returns
    -------
    pandas.Series
        int64 CZK indexed by ``zdroj`` of each layer, then ``obce`` (what the
        members pay), summing exactly to ``naklady``; shares are rounded with
        :func:`~kpwork.funding.crowns.split_cost`.

    Raises
    ------
    InvalidParameter
        Naming the service, when the layers exceed its annual cost.

    Examples
    --------
    >>> s = SharedService("S01", "na_obyvatele", 1000, ("585599",))
    >>> layer_amounts(s, [Layer("S01", "EU", podil=0.85), Layer("S01", "stat", podil=0.1)]).tolist()
    [850, 100, 50]
    """
    shares = {f"{i:03d}": (layer.castka if layer.castka is not None else layer.podil * service.naklady) for i, layer in enumerate(layers)}
    rest = service.naklady - sum(shares.values())
    if rest < -0.5:
        raise InvalidParameter(f"service {service.sluzba_id}: the layers ({round(sum(shares.values()))} CZK) exceed the annual cost ({service.naklady} CZK)")
    shares["obce"] = max(rest, 0.0)
    amounts = split_cost(service.naklady, shares) if service.naklady else pd.Series(0, index=list(shares), dtype=np.int64)
    amounts.index = [layer.zdroj for layer in layers] + ["obce"]
    return amounts


# --- steps of service_tables -----------------------------------------------------------------


def _compare(data: ServiceInputs, total: int, service: SharedService, source: str) -> dict[str, pd.Series]:
    """The split under every applicable method; the chosen one must work, others may not apply."""
    splits = {service.metoda: allocate(data, total, service.metoda, floors=service.minima, caps=service.maxima)}
    for method in METHODS:
        if method in splits or (method == "kombinace" and not data.weights):
            continue
        if method in COOPERATIVE and source == "celkove_naklady":
            continue  # with no cost game every group costs the same: nothing to learn
        try:
            splits[method] = allocate(data, total, method, floors=service.minima, caps=service.maxima)
        except InvalidParameter as exc:
            log.info("comparison leaves out %s: %s", method, exc)
    return splits


def _member_rows(data: ServiceInputs, title: str, names: pd.Series) -> pd.DataFrame:
    """The columns that open every per-member table: service, member, population."""
    members = data.members
    return pd.DataFrame(
        {
            "sluzba_id": data.sluzba_id,
            "nazev_sluzby": title,
            "kod_obce": members,
            "nazev": names.loc[members].to_numpy(),
            "obyvatele": data.population.astype(np.int64).to_numpy(),
        }
    )


def _shares(members: pd.DataFrame, service: SharedService, chosen: pd.Series, population: pd.Series, alone: np.ndarray, gross: pd.Series) -> pd.DataFrame:
    """``financovani_podily``: what each member pays under the chosen method, and alone."""
    shares = members.assign(
        metoda=service.metoda,
        castka=chosen.to_numpy(),
        na_obyvatele=(chosen / population).round(2).to_numpy(),
        samostatne=alone,
        samostatne_brutto=gross.round().astype(np.int64).to_numpy(),
    )
    shares["plati_vic_nez_samostatne"] = shares["castka"] > shares["samostatne"]
    return shares[_SHARES_COLUMNS]


def _comparison(members: pd.DataFrame, service: SharedService, splits: Mapping[str, pd.Series], alone: np.ndarray) -> pd.DataFrame:
    """``financovani_srovnani``: one column per method of :data:`METHODS`, empty where it does not apply."""
    comparison = members.assign(zvolena_metoda=service.metoda, samostatne=alone)
    for method in METHODS:
        column = splits.get(method)
        comparison[method] = pd.array(column.to_numpy() if column is not None else [pd.NA] * len(members), dtype="Int64")
    return comparison[["sluzba_id", "nazev_sluzby", "zvolena_metoda", "kod_obce", "nazev", "obyvatele", "samostatne", *METHODS]]


def _core(sid: str, members: list[str], game: costgame.CostGame, splits: Mapping[str, pd.Series], names: pd.Series) -> pd.DataFrame:
    """``financovani_jadro``: the groups that pay more than their own service, per method."""
    frames = []
    for method, split in splits.items():
        found = costgame.core_violations(members, game, split.to_dict()).head(CORE_ROWS)
        if len(found):
            frames.append(
                pd.DataFrame(
                    {
                        "sluzba_id": sid,
                        "metoda": method,
                        "koalice": [" + ".join(names.loc[list(c)]) for c in found["koalice"]],
                        "koalice_kody": [" ".join(c) for c in found["koalice"]],
                        "platba": found["platba"].round().astype(np.int64),
                        "naklady_koalice": found["naklady_koalice"].round().astype(np.int64),
                        "prebytek": found["prebytek"].round().astype(np.int64),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)[_CORE_COLUMNS] if frames else pd.DataFrame(columns=_CORE_COLUMNS)


def _summary(service: SharedService, title: str, amounts: pd.Series, source: str, grand: float, core: pd.DataFrame) -> pd.DataFrame:
    """``financovani_sluzby``: one row of the service."""
    row = {
        "sluzba_id": service.sluzba_id,
        "nazev_sluzby": title,
        "metoda": service.metoda,
        "naklady": service.naklady,
        "vrstvy": int(amounts.iloc[:-1].sum()),
        "obce": int(amounts.iloc[-1]),
        "ucastnici": len(service.ucastnici),
        "neucastni": ", ".join(service.neucastni),
        "naklady_koalic": source,
        "naklady_vsech": int(round(grand)),
        "v_jadru": not (core["metoda"] == service.metoda).any(),
        "jadro_uplne": len(service.ucastnici) <= costgame.CORE_CHECK_LIMIT,
    }
    return pd.DataFrame([row])


def _layers_table(service: SharedService, amounts: pd.Series) -> pd.DataFrame:
    """``financovani_vrstvy``: the layers in order, then the members' part."""
    n = len(amounts)
    return pd.DataFrame(
        {
            "sluzba_id": service.sluzba_id,
            "poradi": np.arange(1, n + 1),
            "zdroj": list(amounts.index[:-1]) + ["členské obce"],
            "typ": ["vrstva"] * (n - 1) + ["obce"],
            "podil_pct": (amounts.to_numpy() / service.naklady * 100).round(2) if service.naklady else 0.0,
            "castka": amounts.to_numpy(),
        }
    )


# --- a region's data for the methods ---------------------------------------------------------


def _usage(region: Region, service: SharedService) -> pd.Series:
    """Usage (``jednotka_vyuziti``) of the latest year by participant; others' usage is not counted."""
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


def _model(region: Region, service: SharedService) -> costgame.CostModel:
    """The cost model of ``funding.csv`` on the region's map: clients from usage, rounds from the seat."""
    players = list(service.ucastnici)
    centres = region.municipalities.geometry.centroid
    seat_code = region.services.set_index("id").loc[service.sluzba_id, "kod_obce"]
    xy = np.array([[centres.loc[m].x, centres.loc[m].y] for m in players])
    seat = np.array([centres.loc[seat_code].x, centres.loc[seat_code].y])
    clients = _usage(region, dataclasses.replace(service, jednotka_vyuziti="klienti"))
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
