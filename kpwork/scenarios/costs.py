"""The yearly cost of a scenario and who pays it.

Each change that adds capacity costs a yearly amount: entered with the change
(``naklady``), or the region's cost per unit of capacity (:func:`unit_cost`,
from ``naklady`` and ``kapacita`` of the region's services of the same type
and unit) times the capacity added. A co-financing layer (a grant's share)
comes off first (:func:`kpwork.funding.layer_amounts`); the members' part is
split among the members that gain by the scenario's method through
:func:`kpwork.funding.allocate` (the registry :data:`kpwork.funding.METHODS`,
whole crowns summing exactly, :func:`kpwork.funding.split_cost`). Closing a
service or lowering a capacity saves its share of the service's cost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.funding import Layer, ServiceInputs, SharedService, allocate, layer_amounts
from kpwork.funding.costgame import CostModel
from kpwork.funding.inputs import DEFAULT_TARGET
from kpwork.funding.methods import METHODS
from kpwork.region.model import Region
from kpwork.scenarios.changes import Change
from kpwork.scenarios.model import Baseline, ScenarioResult
from kpwork.taxonomy import planning_unit

log = logging.getLogger(__name__)

#: Columns of :attr:`ScenarioCosts.changes`.
CHANGE_COLUMNS = ("poradi", "zmena", "sluzba_id", "nazev_sluzby", "druh", "jednotka", "kapacita_zmena", "naklady", "naklady_zdroj", "spolufinancovani", "zdroj", "obce")
#: Columns of :attr:`ScenarioCosts.split`.
SPLIT_COLUMNS = ("poradi", "sluzba_id", "metoda", "kod_obce", "nazev", "obyvatele", "pokryto", "castka", "samostatne", "plati_vic_nez_samostatne")
#: Where a change's cost comes from: entered, the region's cost per unit, a closed service's own cost.
COST_SOURCES = ("zadano", "model", "sluzba")


@dataclass(frozen=True)
class ScenarioCosts:
    """Costs of a scenario's changes and their split among members.

    Attributes
    ----------
    changes
        One row per change (:data:`CHANGE_COLUMNS`): the capacity added
        (negative: removed), the yearly cost in whole CZK (negative: a
        saving), where it comes from (:data:`COST_SOURCES`), the co-financed
        share and source, and ``obce``: what the members pay together.
    split
        What each member that gains pays for each change that costs (:data:`SPLIT_COLUMNS`).
    """

    changes: pd.DataFrame
    split: pd.DataFrame

    @property
    def total(self) -> int:
        """Yearly cost of the scenario (CZK; savings subtracted)."""
        return int(self.changes["naklady"].sum())

    @property
    def members_total(self) -> int:
        """What the members pay together a year (CZK)."""
        return int(self.changes["obce"].sum())


def unit_cost(region: Region, druh: str, jednotka: str) -> float:
    """The region's yearly cost per unit of capacity of a service type (CZK).

    The median of ``naklady / kapacita`` over the region's services of type
    ``druh`` with capacity in ``jednotka`` and both figures given.

    Raises
    ------
    InvalidParameter
        When no such service gives its cost: then the cost must be entered.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> round(unit_cost(load_region("data/otrokovicko"), "49", "lůžka"))
    433732
    """
    s = region.services
    chosen = s.loc[(s["druh"] == druh) & (s["jednotka"] == jednotka) & (s["kapacita"] > 0) & (s["naklady"] > 0)] if len(s) else s
    if not len(chosen):
        raise InvalidParameter(f"§{druh} in {jednotka}: no service of the region gives its cost (naklady), so the cost per unit is unknown; enter the yearly cost of the change")
    return float(np.median(chosen["naklady"].to_numpy(float) / chosen["kapacita"].to_numpy(float)))


def scenario_costs(base: Baseline, result: ScenarioResult) -> ScenarioCosts:
    """The yearly cost of each change of a scenario and its split among the members that gain.

    Parameters
    ----------
    base
        The baseline (the region's services before, population).
    result
        The evaluated scenario (:func:`kpwork.scenarios.evaluate`): who gains.

    Returns
    -------
    ScenarioCosts

    Raises
    ------
    InvalidParameter
        Naming the change: an unknown method, a cost that cannot be known, a
        co-financed share outside 0-100 %, a split that cannot be made.

    Notes
    -----
    The participants of a change are the members whose missing capacity of
    the change's type falls (``zmena < 0``); when nobody gains, every member.
    Usage for ``podle_vyuziti`` is what each participant gains (clients,
    beds, ... covered); the target population is people 65+. The cost game
    is the whole members' part for any group (``celkove_naklady`` of the run),
    so the stand-alone check (``samostatne``) compares a member's payment with
    running the change alone.
    """
    method = result.scenario.metoda
    if method not in METHODS:
        raise InvalidParameter(f"scenario {result.scenario.nazev}: unknown method {method!r} (valid: {', '.join(METHODS)})")
    region = base.region
    rows, splits = [], []
    for k, change in enumerate(result.scenario.changes, start=1):
        row = _change_row(region, result, change, k)
        rows.append(row)
        if row["obce"] > 0:
            splits.append(_split(region, result, row, method))
    changes = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    split = pd.concat(splits, ignore_index=True) if splits else pd.DataFrame(columns=list(SPLIT_COLUMNS))
    return ScenarioCosts(changes, split)


def _change_row(region: Region, result: ScenarioResult, change: Change, k: int) -> dict:
    where = f"change {k}"
    old = region.services.set_index("id") if len(region.services) else pd.DataFrame()
    added = [sid for sid in result.services["id"] if sid not in old.index]
    if change.zmena == "pridat":
        sid = change.sluzba_id or added[sum(c.zmena == "pridat" for c in result.scenario.changes[:k]) - 1]
        druh, unit, delta, own = change.druh, change.jednotka or planning_unit(change.druh), float(change.kapacita or 0.0), np.nan
        title = result.services.set_index("id").loc[sid, "nazev"]
    else:
        sid, service = change.sluzba_id, old.loc[change.sluzba_id]
        druh, unit, title = service["druh"], service["jednotka"], service["nazev"]
        delta = (0.0 if change.zmena == "zrusit" else float(change.kapacita)) - float(service["kapacita"])
        own = float(service["naklady"]) / float(service["kapacita"]) if service["kapacita"] > 0 and service["naklady"] > 0 else np.nan
    if change.naklady is not None and delta >= 0:
        cost, source = float(change.naklady), "zadano"
    elif not np.isnan(own):
        cost, source = delta * own, "sluzba"
    else:
        cost, source = delta * unit_cost(region, druh, unit), "model"
    cost = int(round(cost))
    if not 0.0 <= change.spolufinancovani <= 1.0:
        raise InvalidParameter(f"{where}: spolufinancovani must be 0-100 %, got {change.spolufinancovani * 100:g} %")
    members_part = 0
    if cost > 0:
        shared = SharedService(sid, "rovnym_dilem", cost, tuple(region.members))
        layers = [Layer(sid, change.zdroj or "spolufinancování", podil=change.spolufinancovani)] if change.spolufinancovani > 0 else []
        members_part = int(layer_amounts(shared, layers).iloc[-1])
    return {
        "poradi": k, "zmena": change.zmena, "sluzba_id": sid, "nazev_sluzby": title, "druh": druh, "jednotka": unit,
        "kapacita_zmena": delta, "naklady": cost, "naklady_zdroj": source,
        "spolufinancovani": change.spolufinancovani, "zdroj": change.zdroj, "obce": members_part,
    }


def _split(region: Region, result: ScenarioResult, row: dict, method: str) -> pd.DataFrame:
    members = result.members
    planned = members.loc[(members["druh"] == row["druh"]) & (members["jednotka"] == planning_unit(row["druh"]))]
    gain = (planned["chybi_pred"] - planned["chybi_po"]).to_numpy()
    codes = planned["kod_obce"].to_numpy()[gain > 1e-9].tolist() or list(region.members)
    gains = pd.Series(dict(zip(planned["kod_obce"], gain, strict=True))).reindex(codes).fillna(0.0).clip(lower=0)
    population = region.latest_population().loc[codes]
    total = int(row["obce"])
    data = ServiceInputs(
        sluzba_id=row["sluzba_id"], population=population["obyvatele"].astype(float),
        target=population[list(DEFAULT_TARGET)].sum(axis=1).astype(float),
        usage=gains.rename_axis("kod_obce"), cost=CostModel(tuple(codes), fixni=float(total)), weights={},
    )
    amounts = allocate(data, total, method)
    return pd.DataFrame({
        "poradi": row["poradi"], "sluzba_id": row["sluzba_id"], "metoda": method, "kod_obce": codes,
        "nazev": region.member_names().loc[codes].to_numpy(), "obyvatele": population["obyvatele"].astype(np.int64).to_numpy(),
        "pokryto": gains.to_numpy(), "castka": amounts.to_numpy(), "samostatne": total,
        "plati_vic_nez_samostatne": amounts.to_numpy() > total,
    })[list(SPLIT_COLUMNS)]
