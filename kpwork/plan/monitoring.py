"""Monitoring of the community plan: how far it is fulfilled and what it changed.

Pure functions over a :class:`~kpwork.plan.inputs.Plan` (parsed from
``plan.xlsx`` by :func:`~kpwork.plan.inputs.parse_plan`, found in ``region.extras["plan"]``):

- fulfilment of each indicator per year (actual vs planned) and its state
  (on track / behind / not reported / not yet due);
- the roll-up to measures, priorities, working groups and the whole plan;
- spending vs budget, the action plan of each year with overdue activities;
- for measures that add capacity, the gap before and after, per municipality.

:func:`plan_results` assembles all of it into ``plan_*`` result tables. The
rules and formulas are in ``docs/plan.md``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kpwork.config import THRESHOLDS
from kpwork.errors import InvalidParameter, KpworkWarning
from kpwork.plan.inputs import CLOSED_STATES, Plan

log = logging.getLogger(__name__)

__all__ = [
    "RULES",
    "MonitoringRules",
    "Plan",
    "action_plan",
    "budget",
    "gap_effects",
    "indicator_fulfilment",
    "plan_results",
    "roll_up",
]

#: States of an indicator, a measure, a priority: code -> (Czech, English).
STATES: dict[str, tuple[str, str]] = {
    "v_planu": ("v plánu", "on track"),
    "pozadu": ("pozadu", "behind"),
    "nevykazano": ("nevykázáno", "not reported"),
    "ceka": ("čeká na vykázání", "not yet due"),
}


@dataclass(frozen=True)
class MonitoringRules:
    """Thresholds of the monitoring (``docs/plan.md``).

    Attributes
    ----------
    on_track : float
        Fulfilment from which a value is "on track" (``v_planu``); below it is "behind".
    cap : float
        Fulfilment of one indicator counts at most this much in a roll-up, so
        that overshooting one target does not hide another missed one.
    """

    on_track: float = 0.9
    cap: float = 1.0


RULES = MonitoringRules()

GAP_COLUMNS = ("kod_obce", "nazev", "cilova_skupina", "druh", "potreba", "kapacita_dosazitelna", "mezera", "pokryti", "stav")


# --- indicators ------------------------------------------------------------------------------


def indicator_fulfilment(indicators: pd.DataFrame, *, today: date, rules: MonitoringRules = RULES) -> pd.DataFrame:
    """Fulfilment and state of each indicator in each year.

    Parameters
    ----------
    indicators
        Long table as in :attr:`Plan.indikatory`: ``rok``, ``plan``,
        ``skutecnost`` (NaN = not reported), ``smer``, ``vychozi``.
    today
        Reference date: a year is due once it has ended (``rok < today.year``).
    rules
        Thresholds.

    Returns
    -------
    DataFrame
        The input with ``plneni`` (fulfilment, 1.0 = 100 %), ``zmena``
        (actual minus baseline) and ``stav`` (a key of :data:`STATES`).

    Notes
    -----
    For ``smer == "rust"`` (more is better) ``plneni = skutecnost / plan``
    (1.0 when the plan is 0). For ``"pokles"`` (less is better)
    ``plneni = max(0, 1 + (plan - skutecnost) / plan)``, and for a plan of 0,
    1.0 when the actual is 0 and 0.0 otherwise.

    Examples
    --------
    >>> t = pd.DataFrame({"rok": [2024, 2024, 2025], "plan": [20.0, 10.0, 4.0],
    ...                   "skutecnost": [15.0, 12.0, np.nan], "smer": ["rust", "pokles", "rust"],
    ...                   "vychozi": [0.0, 14.0, 0.0]})
    >>> out = indicator_fulfilment(t, today=date(2025, 6, 1))
    >>> out["plneni"].round(2).tolist(), out["stav"].tolist()
    ([0.75, 0.8, nan], ['pozadu', 'pozadu', 'ceka'])
    """
    out = indicators.copy()
    plan = out["plan"].astype(float).to_numpy()
    actual = out["skutecnost"].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(plan > 0, actual / plan, 1.0)
        decline = np.where(plan > 0, np.maximum(0.0, 1 + (plan - actual) / plan), np.where(actual == 0, 1.0, 0.0))
    value = np.where(out["smer"].eq("pokles").to_numpy(), decline, growth)
    out["plneni"] = np.where(np.isnan(actual), np.nan, value)
    out["zmena"] = actual - out["vychozi"].astype(float).to_numpy()
    due = out["rok"].astype(int).to_numpy() < today.year
    out["stav"] = _states(out["plneni"].to_numpy(), np.where(due, "nevykazano", "ceka"), rules)
    return out


def _states(plneni: np.ndarray, missing: np.ndarray, rules: MonitoringRules) -> np.ndarray:
    reported = np.where(plneni >= rules.on_track, "v_planu", "pozadu")
    return np.where(np.isnan(plneni), missing, reported)


def roll_up(rows: pd.DataFrame, by: list[str], *, weight: str | None = None, rules: MonitoringRules = RULES) -> pd.DataFrame:
    """Weighted fulfilment of groups of rows (indicators into measures, measures into priorities).

    Parameters
    ----------
    rows
        One row per item with ``plneni`` (NaN = not reported), ``stav`` and the ``by`` columns.
    by
        Grouping columns, e.g. ``["opatreni", "rok"]``.
    weight
        Column of weights; each row weighs 1 when None.
    rules
        ``cap`` limits each item's fulfilment; ``on_track`` sets the state.

    Returns
    -------
    DataFrame
        ``by`` columns, ``plneni`` = sum(w * min(plneni, cap)) / sum(w) over
        reported items, ``vykazano`` = reported weight / all weight, ``n`` items
        and ``n_<state>`` counts. ``stav`` is on track / behind by ``plneni``;
        with nothing reported, ``nevykazano`` if any item is overdue, else ``ceka``.

    Examples
    --------
    >>> rows = pd.DataFrame({"o": ["1.1", "1.1", "1.1"], "plneni": [0.5, 1.5, np.nan],
    ...                      "stav": ["pozadu", "v_planu", "nevykazano"], "w": [1.0, 3.0, 1.0]})
    >>> r = roll_up(rows, ["o"], weight="w")
    >>> r[["plneni", "vykazano", "n", "stav"]].values.tolist()
    [[0.875, 0.8, 3, 'pozadu']]
    """
    if missing := [c for c in (*by, "plneni", "stav") if c not in rows.columns]:
        raise InvalidParameter(f"roll_up: rows lack columns {missing}; they have {list(rows.columns)}")
    w = rows[weight].astype(float) if weight else pd.Series(1.0, index=rows.index)
    capped = rows["plneni"].astype(float).clip(upper=rules.cap)
    reported = capped.notna()
    parts = rows[by].copy()
    parts["_wp"] = (w * capped).where(reported, 0.0)
    parts["_w"] = w.where(reported, 0.0)
    parts["_wall"] = w
    parts["n"] = 1
    for state in STATES:
        parts[f"n_{state}"] = (rows["stav"] == state).astype(int)
    out = parts.groupby(by, as_index=False, sort=True).sum()
    out["plneni"] = (out["_wp"] / out["_w"]).where(out["_w"] > 0)
    out["vykazano"] = out["_w"] / out["_wall"]
    missing_state = np.where(out["n_nevykazano"] > 0, "nevykazano", "ceka")
    out["stav"] = _states(out["plneni"].to_numpy(), missing_state, rules)
    return out[[*by, "plneni", "vykazano", "stav", "n", *(f"n_{s}" for s in STATES)]]


# --- activities and money --------------------------------------------------------------------


def action_plan(plan: Plan, *, today: date) -> pd.DataFrame:
    """The activities of every year's action plan, with their priority and whether overdue.

    An activity is overdue (``po_terminu``) when its deadline (``termin``,
    31 December of its year when not given) is before ``today`` and its state
    is neither done (``splneno``) nor cancelled (``zruseno``).

    Examples
    --------
    >>> p = _tiny_plan()
    >>> action_plan(p, today=date(2025, 3, 1))[["aktivita", "rok", "po_terminu"]].values.tolist()
    [['1.1.1', 2024, True], ['1.1.1', 2025, False]]
    """
    out = plan.aktivity.merge(plan.opatreni[["opatreni", "priorita"]], on="opatreni", how="left")
    out["rok"] = out["rok"].astype(int)
    out["po_terminu"] = (out["termin"] < today) & ~out["stav"].isin(CLOSED_STATES)
    out["cerpani"] = out["cerpano"] / out["rozpocet"].where(out["rozpocet"] > 0)
    return out.sort_values(["rok", "priorita", "opatreni", "aktivita"], kind="stable").reset_index(drop=True)


def budget(activities: pd.DataFrame) -> pd.DataFrame:
    """Budget and spending per year and measure.

    Parameters
    ----------
    activities
        As returned by :func:`action_plan`.

    Returns
    -------
    DataFrame
        ``rok``, ``priorita``, ``opatreni``, ``rozpocet``, ``cerpano`` (NaN when
        no activity reported spending), ``cerpani`` = cerpano / rozpocet,
        ``z_toho_obce`` (the members' budgets' share), ``zdroje`` (sources),
        ``n_aktivit``.

    Examples
    --------
    >>> a = pd.DataFrame({"rok": [2024, 2024], "priorita": ["1", "1"], "opatreni": ["1.1", "1.1"],
    ...                   "rozpocet": [100.0, 300.0], "cerpano": [50.0, np.nan],
    ...                   "z_toho_obce": [10.0, np.nan], "zdroj": ["obce", "MPSV"]})
    >>> budget(a)[["rozpocet", "cerpano", "cerpani", "zdroje"]].values.tolist()
    [[400.0, 50.0, 0.125, 'MPSV, obce']]
    """
    keys = ["rok", "priorita", "opatreni"]
    g = activities.groupby(keys, sort=True)
    out = g[["rozpocet"]].sum()
    out["cerpano"] = g["cerpano"].sum(min_count=1)
    out["cerpani"] = out["cerpano"] / out["rozpocet"].where(out["rozpocet"] > 0)
    out["z_toho_obce"] = g["z_toho_obce"].sum(min_count=1)
    out["zdroje"] = g["zdroj"].agg(lambda s: ", ".join(sorted({x for x in s if x})))
    out["n_aktivit"] = g.size()
    return out.reset_index()


# --- gaps ------------------------------------------------------------------------------------


def gap_effects(plan: Plan, gaps: pd.DataFrame | None, *, enough_share: float = THRESHOLDS.enough_share) -> pd.DataFrame:
    """Gap before and after each measure that adds capacity, per municipality and target group.

    Parameters
    ----------
    plan
        The plan; activities with ``kapacita`` add capacity of type ``druh``
        in the municipalities ``obce``.
    gaps
        The gap table (``kod_obce``, ``nazev``, ``cilova_skupina``, ``druh``,
        ``potreba``, ``kapacita_dosazitelna``, ``mezera``, ``pokryti``,
        ``stav``), or None: then capacity is split equally and the gap columns are NaN.
    enough_share
        Coverage from which a municipality has "dostatek" after the measure.

    Returns
    -------
    DataFrame
        Per ``opatreni``, ``druh``, ``kod_obce``, ``cilova_skupina``:
        ``aktivity``, ``potreba``, ``mezera_pred``, ``pridana_kapacita``,
        ``mezera_po``, ``pokryti_pred``, ``pokryti_po``, ``stav_pred``, ``stav_po``.

    Notes
    -----
    Attribution: an activity's added capacity (in the unit its type is
    planned in) is split among the gap rows of its type in that unit in its
    municipalities, in proportion to ``potreba`` (equally when
    the need there is 0). Only the target groups of the responsible working
    group count when the gaps table has any of them for that type; otherwise
    all. ``mezera_po = mezera_pred - pridana_kapacita``. Each measure is shown
    on its own: two measures in one place are not added together.

    Examples
    --------
    >>> gaps = pd.DataFrame({"kod_obce": ["588318", "586013"], "nazev": ["Bělov", "Žlutava"],
    ...     "cilova_skupina": ["seniori", "seniori"], "druh": ["40", "40"], "potreba": [6.0, 18.0],
    ...     "kapacita_dosazitelna": [2.0, 6.0], "mezera": [4.0, 12.0], "pokryti": [1/3, 1/3],
    ...     "stav": ["nedostatek", "nedostatek"]})
    >>> gap_effects(_tiny_plan(), gaps)[["kod_obce", "pridana_kapacita", "mezera_po"]].values.tolist()
    [['586013', 6.0, 6.0], ['588318', 2.0, 2.0]]
    """
    columns = ["opatreni", "druh", "kod_obce", "nazev", "cilova_skupina", "aktivity", "potreba", "kapacita_pred",
               "mezera_pred", "pridana_kapacita", "mezera_po", "pokryti_pred", "pokryti_po", "stav_pred", "stav_po"]
    if gaps is not None and (missing := [c for c in GAP_COLUMNS if c not in gaps.columns]):
        raise InvalidParameter(f"gap_effects: gaps lack columns {missing}; expected {list(GAP_COLUMNS)}")
    if gaps is not None:
        gaps = gaps.loc[gaps["potreba"].notna()]  # added capacity is in the type's planning unit; rows of other units have no need
    adds = plan.aktivity.loc[plan.aktivity["kapacita"].fillna(0) > 0]
    groups = dict(zip(plan.skupiny["skupina"], plan.skupiny["cilove_skupiny"], strict=True))
    parts = [_attribute(row, gaps, groups.get(row["skupina"], ())) for row in adds.to_dict("records")]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    shares = pd.concat(parts, ignore_index=True)
    keys = ["opatreni", "druh", "kod_obce", "cilova_skupina"]
    g = shares.groupby(keys, sort=True, dropna=False)
    out = g[["pridana_kapacita"]].sum()
    out["aktivity"] = g["aktivita"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    out = out.reset_index()
    before = _gap_before(gaps)
    out = out.merge(before, on=["druh", "kod_obce", "cilova_skupina"], how="left")
    out["mezera_po"] = out["mezera_pred"] - out["pridana_kapacita"]
    after = out["kapacita_pred"] + out["pridana_kapacita"]
    out["pokryti_po"] = after / out["potreba"].where(out["potreba"] > 0)
    out["stav_po"] = np.select(
        [out["potreba"].isna(), (out["potreba"] <= 0) | (out["pokryti_po"] >= enough_share), after <= 0],
        [None, "dostatek", "nedostupne"], "nedostatek")
    return out[columns]


def _gap_before(gaps: pd.DataFrame | None) -> pd.DataFrame:
    names = ["druh", "kod_obce", "cilova_skupina", "nazev", "potreba", "kapacita_pred", "mezera_pred", "pokryti_pred", "stav_pred"]
    if gaps is None:
        return pd.DataFrame(columns=names).astype({"potreba": float, "kapacita_pred": float, "mezera_pred": float, "pokryti_pred": float})
    renamed = gaps.rename(columns={"kapacita_dosazitelna": "kapacita_pred", "mezera": "mezera_pred", "pokryti": "pokryti_pred", "stav": "stav_pred"})
    return renamed[names].astype({"kod_obce": str, "druh": str})


def _attribute(activity: dict, gaps: pd.DataFrame | None, target_groups: tuple[str, ...]) -> pd.DataFrame:
    where = list(activity["obce"])
    rows = pd.DataFrame(columns=["kod_obce", "cilova_skupina", "potreba"])
    if gaps is not None:
        rows = gaps.loc[(gaps["druh"].astype(str) == activity["druh"]) & gaps["kod_obce"].astype(str).isin(where)]
        own = rows.loc[rows["cilova_skupina"].isin(target_groups)]
        rows = own if len(own) else rows
        if rows.empty:
            warnings.warn(f"activity {activity['aktivita']} adds §{activity['druh']} in {', '.join(where)}, "
                          "but the gaps table has no row there; its capacity is split equally", KpworkWarning, stacklevel=3)
    if rows.empty:
        rows = pd.DataFrame({"kod_obce": where, "cilova_skupina": None, "potreba": 0.0})
    need = rows["potreba"].astype(float).clip(lower=0).fillna(0).to_numpy()
    share = need / need.sum() if need.sum() > 0 else np.full(len(rows), 1 / len(rows))
    return pd.DataFrame({
        "opatreni": activity["opatreni"], "aktivita": activity["aktivita"], "druh": activity["druh"],
        "kod_obce": rows["kod_obce"].astype(str).to_numpy(), "cilova_skupina": rows["cilova_skupina"].to_numpy(),
        "pridana_kapacita": activity["kapacita"] * share,
    })


# --- the run's tables ------------------------------------------------------------------------


def plan_results(plan: Plan, gaps: pd.DataFrame | None, *, names: pd.Series | None = None, today: date | None = None, rules: MonitoringRules = RULES) -> dict[str, pd.DataFrame]:
    """All monitoring tables of a region's plan, named ``plan_*``.

    Parameters
    ----------
    plan
        The region's plan (``region.extras["plan"]``, see :func:`~kpwork.plan.inputs.parse_plan`).
    gaps
        The gap table of the run, or None (see :func:`gap_effects`).
    names
        ``nazev`` of each member (index ``kod_obce``), for municipalities the gap table does not name.
    today
        Reference date for due years and overdue activities; defaults to the current date.
    rules
        Thresholds of the monitoring.

    Returns
    -------
    dict of DataFrame
        ``plan_indikatory``, ``plan_opatreni``, ``plan_priority``,
        ``plan_skupiny``, ``plan_celkem``, ``plan_rozpocet``,
        ``plan_akcni_plan``, ``plan_swot``, ``plan_pripominky``,
        ``plan_mezery_opatreni`` (columns in ``docs/plan.md``).

    Examples
    --------
    >>> tables = plan_results(_tiny_plan(), None, today=date(2025, 3, 1))
    >>> tables["plan_priority"][["priorita", "rok", "plneni"]].values.tolist()
    [['1', 2024, 0.5]]
    """
    today = today or date.today()
    indicators = _with_hierarchy(indicator_fulfilment(plan.indikatory, today=today, rules=rules), plan)
    measures = _measures(plan, indicators, rules)
    activities = action_plan(plan, today=today)
    priorities = _named(roll_up(measures.dropna(subset=["rok"]), ["priorita", "rok"], rules=rules), plan.priority, "priorita")
    effects = gap_effects(plan, gaps)
    if names is not None:
        effects["nazev"] = effects["nazev"].fillna(effects["kod_obce"].map(names))
    return {
        "plan_indikatory": indicators.sort_values(["opatreni", "indikator", "rok"], kind="stable").reset_index(drop=True),
        "plan_opatreni": measures,
        "plan_priority": priorities,
        "plan_skupiny": _groups(plan, measures, activities, rules),
        "plan_celkem": _overall(priorities, indicators, activities, rules),
        "plan_rozpocet": budget(activities),
        "plan_akcni_plan": activities,
        "plan_swot": plan.swot.merge(plan.skupiny[["skupina", "nazev"]], on="skupina", how="left"),
        "plan_pripominky": _comments(plan),
        "plan_mezery_opatreni": effects,
    }


def _with_hierarchy(indicators: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    links = plan.opatreni[["opatreni", "priorita", "skupina"]]
    return indicators.merge(links, on="opatreni", how="left")


def _named(frame: pd.DataFrame, names: pd.DataFrame, key: str) -> pd.DataFrame:
    out = frame.merge(names[[key, "nazev"]], on=key, how="left")
    return out[[key, "nazev", *[c for c in out.columns if c not in (key, "nazev")]]]


def _measures(plan: Plan, indicators: pd.DataFrame, rules: MonitoringRules) -> pd.DataFrame:
    rolled = roll_up(indicators, ["opatreni", "rok"], weight="vaha", rules=rules)
    out = plan.opatreni[["opatreni", "priorita", "skupina", "nazev"]].merge(rolled, on="opatreni", how="left")
    out["rok"] = out["rok"].astype("Int64")
    return out


def _groups(plan: Plan, measures: pd.DataFrame, activities: pd.DataFrame, rules: MonitoringRules) -> pd.DataFrame:
    rolled = roll_up(measures.dropna(subset=["rok"]), ["skupina", "rok"], rules=rules)
    g = activities.groupby(["skupina", "rok"])
    money = pd.DataFrame({"n_aktivit": g.size(), "rozpocet": g["rozpocet"].sum(), "cerpano": g["cerpano"].sum(min_count=1),
                          "n_po_terminu": g["po_terminu"].sum()}).reset_index()
    out = rolled.merge(money, on=["skupina", "rok"], how="outer")
    out = _named(out, plan.skupiny, "skupina")
    return out.sort_values(["skupina", "rok"], kind="stable").reset_index(drop=True)


def _overall(priorities: pd.DataFrame, indicators: pd.DataFrame, activities: pd.DataFrame, rules: MonitoringRules) -> pd.DataFrame:
    out = roll_up(priorities, ["rok"], rules=rules).rename(columns={"n": "n_priorit"})
    out = out.drop(columns=[f"n_{s}" for s in STATES])
    counts = indicators.groupby("rok")["stav"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=list(STATES), fill_value=0).add_prefix("n_indikatoru_")
    g = activities.groupby("rok")
    money = pd.DataFrame({"n_aktivit": g.size(), "n_po_terminu": g["po_terminu"].sum(),
                          "rozpocet": g["rozpocet"].sum(), "cerpano": g["cerpano"].sum(min_count=1),
                          "z_toho_obce": g["z_toho_obce"].sum(min_count=1)})
    out = out.merge(counts.reset_index(), on="rok", how="outer").merge(money.reset_index(), on="rok", how="outer")
    return out.sort_values("rok", kind="stable").reset_index(drop=True)


def _comments(plan: Plan) -> pd.DataFrame:
    out = plan.pripominky.copy()
    start, end = plan.udaje.get("zverejneni_navrhu"), plan.udaje.get("konec_pripominek")
    out["zverejneni_navrhu"] = start
    out["konec_pripominek"] = end
    out["v_terminu"] = [None if start is None else bool(start <= d <= end) for d in out["datum"]]
    return out


def _tiny_plan() -> Plan:
    """A one-measure plan for the examples."""
    tg = pd.DataFrame({"skupina": ["S"], "nazev": ["PS Senioři"], "cilove_skupiny": [("seniori",)], "vedouci": [""]})
    pr = pd.DataFrame({"priorita": ["1"], "nazev": ["Péče doma"], "popis": [""]})
    op = pd.DataFrame({"opatreni": ["1.1"], "priorita": ["1"], "nazev": ["Pečovatelská služba do obcí"], "skupina": ["S"], "popis": [""]})
    ak = pd.DataFrame({"aktivita": ["1.1.1", "1.1.1"], "rok": [2024, 2025], "opatreni": ["1.1", "1.1"], "nazev": ["Rozšíření PS"] * 2,
                       "skupina": ["S", "S"], "poskytovatel": ["", ""], "rozpocet": [100.0, 200.0], "cerpano": [80.0, np.nan],
                       "zdroj": ["obce", "obce"], "z_toho_obce": [100.0, 200.0], "termin": [date(2024, 12, 31), date(2025, 12, 31)],
                       "stav": ["probiha", "probiha"], "sluzba_id": ["", ""], "druh": ["40", ""], "kapacita": [8.0, np.nan],
                       "obce": [("588318", "586013"), ()]})
    ind = pd.DataFrame({"indikator": ["I1"], "nazev": ["Klienti v obcích"], "jednotka": ["osoby"], "opatreni": ["1.1"], "vychozi": [0.0],
                        "vaha": [1.0], "smer": ["rust"], "rok": [2024], "plan": [10.0], "skutecnost": [5.0]})
    return Plan(tg, pr, op, ak, ind)
