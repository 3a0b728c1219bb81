"""The funding result tables of one shared service (assembled by :func:`kpwork.funding.funding_results`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpwork import costgame
from kpwork.errors import InvalidParameter
from kpwork.funding import (
    METHODS,
    ServiceInputs,
    allocate,
    cost_game,
    layer_amounts,
    service_inputs,
)
from kpwork.funding_input import COOPERATIVE, Layer, SharedService, quoted_gaps

log = logging.getLogger(__name__)

#: Violating coalitions kept per service and method in ``financovani_jadro``.
CORE_ROWS = 10


def service_tables(region, service: SharedService, layers: list[Layer], quotes: Mapping[frozenset[str], float] | None) -> dict[str, pd.DataFrame]:
    """All ``financovani_*`` rows of one service."""
    sid = service.sluzba_id
    gaps = quoted_gaps(service, quotes)
    if gaps:
        raise InvalidParameter("; ".join(gaps))
    amounts = layer_amounts(service, layers)
    total = int(amounts.iloc[-1])
    game, source = cost_game(region, service, quotes)
    data = service_inputs(region, service, quotes, game=game)
    gross = pd.Series({m: game(frozenset([m])) for m in data.members})
    grand = game(frozenset(data.members))
    net = costgame.ScaledGame(game, total / grand if grand > 0 else 0.0)
    alone = (gross * net.factor).round().astype(np.int64)
    splits = _compare(data, total, service, source)
    chosen = splits[service.metoda]
    names = region.member_names()
    title = region.services.set_index("id").loc[sid, "nazev"]
    members = data.members
    base = pd.DataFrame(
        {
            "sluzba_id": sid,
            "nazev_sluzby": title,
            "kod_obce": members,
            "nazev": names.loc[members].to_numpy(),
            "obyvatele": data.population.astype(np.int64).to_numpy(),
        }
    )
    shares = base.assign(
        metoda=service.metoda,
        castka=chosen.to_numpy(),
        na_obyvatele=(chosen / data.population).round(2).to_numpy(),
        samostatne=alone.loc[members].to_numpy(),
        samostatne_brutto=gross.loc[members].round().astype(np.int64).to_numpy(),
    )
    shares["plati_vic_nez_samostatne"] = shares["castka"] > shares["samostatne"]
    comparison = base.assign(zvolena_metoda=service.metoda, samostatne=alone.loc[members].to_numpy())
    for method in METHODS:
        column = splits.get(method)
        comparison[method] = pd.array(column.to_numpy() if column is not None else [pd.NA] * len(members), dtype="Int64")
    core = _core(sid, members, net, splits, names)
    summary = pd.DataFrame(
        [
            {
                "sluzba_id": sid,
                "nazev_sluzby": title,
                "metoda": service.metoda,
                "naklady": service.naklady,
                "vrstvy": int(amounts.iloc[:-1].sum()),
                "obce": total,
                "ucastnici": len(members),
                "neucastni": ", ".join(service.neucastni),
                "naklady_koalic": source,
                "naklady_vsech": int(round(grand)),
                "v_jadru": not (core["metoda"] == service.metoda).any(),
                "jadro_uplne": len(members) <= costgame.CORE_CHECK_LIMIT,
            }
        ]
    )
    return {
        "financovani_sluzby": summary,
        "financovani_podily": shares[["sluzba_id", "nazev_sluzby", "metoda", "kod_obce", "nazev", "obyvatele", "castka", "na_obyvatele", "samostatne", "samostatne_brutto", "plati_vic_nez_samostatne"]],
        "financovani_srovnani": comparison[["sluzba_id", "nazev_sluzby", "zvolena_metoda", "kod_obce", "nazev", "obyvatele", "samostatne", *METHODS]],
        "financovani_vrstvy": _layers_table(sid, service, amounts),
        "financovani_jadro": core,
    }


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


def _core(sid: str, members: list[str], game, splits: dict[str, pd.Series], names: pd.Series) -> pd.DataFrame:
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
    columns = ["sluzba_id", "metoda", "koalice", "koalice_kody", "platba", "naklady_koalice", "prebytek"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _layers_table(sid: str, service: SharedService, amounts: pd.Series) -> pd.DataFrame:
    n = len(amounts)
    return pd.DataFrame(
        {
            "sluzba_id": sid,
            "poradi": np.arange(1, n + 1),
            "zdroj": list(amounts.index[:-1]) + ["členské obce"],
            "typ": ["vrstva"] * (n - 1) + ["obce"],
            "podil_pct": (amounts.to_numpy() / service.naklady * 100).round(2) if service.naklady else 0.0,
            "castka": amounts.to_numpy(),
        }
    )
