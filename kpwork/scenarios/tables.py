"""A region's scenarios as result tables of a run (``scenare_*``).

Computed by :func:`kpwork.analysis.analyse_region` from the baseline it has
already computed, so ``kpwork reproduce`` compares these tables like every
other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer

from kpwork.config import ANALYSIS_CRS, WEB_CRS
from kpwork.scenarios.changes import Scenario
from kpwork.scenarios.costs import scenario_costs
from kpwork.scenarios.model import Baseline, evaluate

_TO_WGS = Transformer.from_crs(ANALYSIS_CRS, WEB_CRS, always_xy=True)
_SERVICE_COLUMNS = ["scenar", "id", "nazev", "druh", "forma", "kapacita", "jednotka", "kod_obce", "lat", "lon", "zmena"]


def scenario_results(base: Baseline, scenarios: tuple[Scenario, ...]) -> dict[str, pd.DataFrame]:
    """The ``scenare_*`` tables of a run, scenarios in file order.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``scenare_souhrn`` (per scenario x touched type: missing before and after,
        covered, who gains most, yearly cost, members' part, cost per unit
        covered), ``scenare_obce`` (per scenario x member x type x unit, the
        columns of :data:`kpwork.scenarios.model.MEMBER_COLUMNS`),
        ``scenare_sluzby`` (the services a scenario adds, changes or closes,
        with their seat in WGS84), ``scenare_naklady`` (per change) and
        ``scenare_podily`` (what each member pays); each with ``scenar`` first.
    """
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in ("scenare_souhrn", "scenare_obce", "scenare_sluzby", "scenare_naklady", "scenare_podily")}
    for scenario in scenarios:
        result = evaluate(base, scenario)
        costs = scenario_costs(base, result)
        head = result.headline.assign(metoda=scenario.metoda)
        per_type = costs.changes.groupby("druh")[["naklady", "obce"]].sum()
        head["naklady"] = head["druh"].map(per_type["naklady"]).fillna(0).astype(np.int64)
        head["obce"] = head["druh"].map(per_type["obce"]).fillna(0).astype(np.int64)
        head["naklady_na_pokryteho"] = np.where(head["pokryto"] > 0, head["naklady"] / head["pokryto"].where(head["pokryto"] > 0), np.nan).round(0)
        tagged = {
            "scenare_souhrn": head, "scenare_obce": result.members, "scenare_sluzby": _changed_services(base, result),
            "scenare_naklady": costs.changes, "scenare_podily": costs.split,
        }
        for name, table in tagged.items():
            parts[name].append(table.assign(scenar=scenario.nazev)[["scenar", *[c for c in table.columns if c != "scenar"]]])
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items() if frames}


def _changed_services(base: Baseline, result) -> pd.DataFrame:
    before = base.region.services
    after = result.services
    old = set(before["id"]) if len(before) else set()
    new_ids = [sid for sid in after["id"] if sid not in old]
    touched = {c.sluzba_id for c in result.scenario.changes if c.zmena != "pridat"}
    rows = pd.concat([after.loc[after["id"].isin(new_ids + sorted(touched))], before.loc[before["id"].isin(touched) & ~before["id"].isin(after["id"])]])
    x, y = rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()
    lon, lat = _TO_WGS.transform(x, y)
    closed = ~rows["id"].isin(after["id"])
    kind = np.where(rows["id"].isin(new_ids), "pridat", np.where(closed, "zrusit", "kapacita"))
    table = pd.DataFrame({
        "id": rows["id"].to_numpy(), "nazev": rows["nazev"].to_numpy(), "druh": rows["druh"].to_numpy(), "forma": rows["forma"].to_numpy(),
        "kapacita": np.where(closed, 0.0, rows["kapacita"].to_numpy(float)), "jednotka": rows["jednotka"].to_numpy(),
        "kod_obce": rows["kod_obce"].to_numpy(), "lat": np.round(lat, 6), "lon": np.round(lon, 6), "zmena": kind,
    })
    return table.assign(scenar="")[_SERVICE_COLUMNS].drop(columns="scenar")
