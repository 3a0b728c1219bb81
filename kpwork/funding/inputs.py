"""Reading the funding inputs: ``funding.csv`` (+ sheets) and ``coalition_costs.csv``.

``funding`` is a workbook (``funding.xlsx`` with sheets ``sluzby``, ``vrstvy``,
``clenove``, or ``funding.csv`` + ``funding_vrstvy.csv`` +
``funding_clenove.csv``); the format is documented in ``docs/funding.md``.
The parsers here are called by :func:`kpwork.region.load_region`; they never
raise on bad input but add every problem to the log, naming file, row and column.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kpwork import sheets as sh
from kpwork.funding.methods import MIXABLE, normalise_method
from kpwork.taxonomy import closest, fold

if TYPE_CHECKING:  # the loader imports this module: no import of kpwork.region (nor geopandas) here
    from kpwork.region.model import Region

log = logging.getLogger(__name__)

__all__ = [
    "ALL_PARTICIPANTS",
    "DEFAULT_ROUNDS",
    "FundingPlan",
    "Layer",
    "QuotedTable",
    "SharedService",
    "parse_coalition_costs",
    "parse_funding",
    "percent",
    "quoted_gaps",
]

#: What "usage" counts (``jednotka_vyuziti``): columns of ``usage.csv``.
USAGE_UNITS = ("klienti", "hodiny")
#: Short names of target populations by age band.
TARGET_ALIASES = {
    "65+": ("vek_65_79", "vek_80_plus"),
    "80+": ("vek_80_plus",),
    "65-79": ("vek_65_79",),
    "0-14": ("vek_0_14",),
    "15-64": ("vek_15_64",),
    "vse": ("vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"),
}
DEFAULT_TARGET = TARGET_ALIASES["65+"]
#: Columns of ``funding.csv`` describing the cost model of a service (:class:`~kpwork.funding.costgame.CostModel`).
MODEL_COLUMNS = ("model_fixni", "model_na_klienta", "model_kc_km", "model_okruhu_rocne")
#: Rounds per year of a field service when only ``model_kc_km`` is given (working days).
DEFAULT_ROUNDS = 250.0
#: ``koalice`` standing for all participants of the service in ``coalition_costs.csv``.
ALL_PARTICIPANTS = "*"


@dataclass(frozen=True)
class SharedService:
    """One shared service of ``funding.csv`` and its method (parsed, checked).

    Attributes
    ----------
    sluzba_id, metoda, naklady
        The service, its method (a key of :data:`~kpwork.funding.methods.METHODS`)
        and its annual cost in whole CZK.
    ucastnici
        Codes of the participating members, in the order of the region's members.
    jednotka_vyuziti, cilova_populace
        What usage counts (``klienti`` or ``hodiny``) and the age bands of the target population.
    vahy
        Weights of ``kombinace`` by method (fractions summing to 1).
    model
        The cost model (``model_*`` columns that are filled in).
    minima, maxima
        Floors and caps (whole CZK) by participant.
    neucastni
        Members that opted out (``ucast = ne``).
    """

    sluzba_id: str
    metoda: str
    naklady: int
    ucastnici: tuple[str, ...]
    jednotka_vyuziti: str = "klienti"
    cilova_populace: tuple[str, ...] = DEFAULT_TARGET
    vahy: Mapping[str, float] = field(default_factory=dict)
    model: Mapping[str, float] = field(default_factory=dict)
    minima: Mapping[str, int] = field(default_factory=dict)
    maxima: Mapping[str, int] = field(default_factory=dict)
    neucastni: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layer:
    """A grant or own income covering part of a service's cost before the members pay.

    Exactly one of ``castka`` (CZK) and ``podil`` (share of the annual cost, 0-1) is set.
    """

    sluzba_id: str
    zdroj: str
    castka: int | None = None
    podil: float | None = None


@dataclass(frozen=True)
class FundingPlan:
    """The parsed funding input of a region (``region.extras["funding"]``)."""

    services: tuple[SharedService, ...]
    layers: tuple[Layer, ...] = ()

    def service(self, sluzba_id: str) -> SharedService:
        """The shared service ``sluzba_id`` (KeyError when it is not one)."""
        for s in self.services:
            if s.sluzba_id == sluzba_id:
                return s
        raise KeyError(sluzba_id)


#: Parsed ``coalition_costs``: service id -> coalition -> quoted annual cost (CZK).
#: The coalition ``frozenset({"*"})`` stands for all participants of the service.
QuotedTable = dict[str, dict[frozenset[str], float]]


def percent(text: str) -> float:
    """A share written in per cent (``85``, ``85 %``, ``12,5%``) as a fraction.

    Examples
    --------
    >>> percent("12,5 %")
    0.125
    """
    value = sh.parse_number(text.replace("%", "").strip())
    if not 0 <= value <= 100:
        raise ValueError(f"must be a per cent between 0 and 100, got {text}")
    return value / 100


def _optional(sheet: sh.Sheet, column: str, parse: Callable[[str], object], problems: sh.ProblemLog, *, default: object = None) -> list:
    """Parsed cells of an optional column: ``default`` where a cell is empty or the column absent."""
    if column not in sheet.frame.columns:
        return [default] * len(sheet.frame)
    return sh.parse_column(sheet, column, parse, problems, required=False, default=default)


def _whole_czk(text: str) -> int:
    value = sh.non_negative(text.replace("Kč", "").replace("CZK", "").strip())
    return int(round(value))


def _yes_no(text: str) -> bool:
    key = fold(text)
    if key in ("ano", "a", "yes", "y", "1", "true", "pravda"):
        return True
    if key in ("ne", "n", "no", "0", "false", "nepravda"):
        return False
    raise ValueError(f"expected ano or ne, got '{text}'")


def _target(text: str) -> tuple[str, ...]:
    key = fold(text).replace(" ", "")
    if key in TARGET_ALIASES:
        return TARGET_ALIASES[key]
    return tuple(sh.normalise_header(item) for item in sh.split_list(text))


# --- funding ---------------------------------------------------------------------------------


def parse_funding(sheets: Mapping[str, sh.Sheet], region: Region, problems: sh.ProblemLog) -> FundingPlan:
    """Parse the ``funding`` workbook: shared services, layers, member rules.

    Parameters
    ----------
    sheets
        Tables by name: the services table (``funding``/``sluzby`` or the
        first), ``vrstvy`` (layers) and ``clenove`` (floors, caps, opt-outs).
    region
        The loaded :class:`~kpwork.region.Region`, with the inputs parsed
        before this one in ``extras`` (``coalition_costs``, whose quotes must
        cover each participant alone and all together).
    problems
        Where every problem goes, as ``file:row: column: message``.

    Returns
    -------
    FundingPlan
        Only the rows without problems (the loader raises when there are any).
    """
    main = sheets.get("funding") or sheets.get("sluzby") or next(iter(sheets.values()))
    services = _parse_services(main, region, problems)
    members_sheet = sheets.get("clenove")
    rules = _parse_member_rules(members_sheet, region, services, problems) if members_sheet is not None else {}
    layers_sheet = sheets.get("vrstvy")
    layers = _parse_layers(layers_sheet, services, problems) if layers_sheet is not None else []
    finished = tuple(_with_rules(region, s, rules.get(s["sluzba_id"], {}), main.file, problems) for s in services)
    plan = FundingPlan(services=tuple(s for s in finished if s is not None), layers=tuple(layers))
    _check_quoted_services(plan, region, problems)
    return plan


def _parse_services(sheet: sh.Sheet, region: Region, problems: sh.ProblemLog) -> list[dict]:
    if not sh.require_columns(sheet, ("sluzba_id", "metoda"), problems):
        return []
    frame = sheet.frame
    methods = sh.parse_column(sheet, "metoda", normalise_method, problems, expected="a method")
    costs = _optional(sheet, "naklady", _whole_czk, problems)
    units = _optional(sheet, "jednotka_vyuziti", _usage_unit, problems, default="klienti")
    targets = _optional(sheet, "cilova_populace", _target, problems, default=DEFAULT_TARGET)
    weights = {m: _optional(sheet, f"vaha_{m}", percent, problems) for m in MIXABLE}
    model = {c: _optional(sheet, c, sh.non_negative, problems) for c in MODEL_COLUMNS}
    known = dict(zip(region.services["id"], range(len(region.services)), strict=True))
    seen: dict[str, int] = {}
    rows = []
    for i, sid in enumerate(frame["sluzba_id"].tolist()):
        row = sheet.row(i)
        if sid == "":
            problems.add(sheet.file, row, "sluzba_id", "missing service id")
            continue
        if sid not in known:
            hint = closest(sid, list(known))
            problems.add(sheet.file, row, "sluzba_id", f"unknown service '{sid}' (not in services)" + (f"; did you mean '{hint}'?" if hint else ""))
            continue
        if sid in seen:
            problems.add(sheet.file, row, "sluzba_id", f"service {sid} listed twice (also row {seen[sid]})")
            continue
        seen[sid] = row
        service = region.services.iloc[known[sid]]
        cost = costs[i] if costs[i] is not None else service["naklady"]
        if cost is None or (isinstance(cost, float) and np.isnan(cost)):
            problems.add(sheet.file, row, "naklady", f"service {sid}: no annual cost here nor in services (naklady)")
            continue
        mix = {m: weights[m][i] for m in MIXABLE if weights[m][i]}
        _check_method_row(sheet, row, sid, methods[i], mix, targets[i], region, problems)
        rows.append(
            {
                "sluzba_id": sid, "metoda": methods[i], "naklady": int(round(float(cost))),
                "catchment": tuple(service["pusobnost"]), "jednotka_vyuziti": units[i],
                "cilova_populace": targets[i], "vahy": mix, "row": row,
                "model": {c: model[c][i] for c in MODEL_COLUMNS if model[c][i] is not None},
            }
        )
    return [r for r in rows if r["metoda"] is not None]


def _usage_unit(text: str) -> str:
    key = sh.normalise_header(text)
    if key not in USAGE_UNITS:
        raise ValueError(f"jednotka_vyuziti must be one of {', '.join(USAGE_UNITS)}, got '{text}'")
    return key


def _check_method_row(sheet: sh.Sheet, row: int, sid: str, method: str, mix: Mapping[str, float], target: tuple[str, ...], region: Region, problems: sh.ProblemLog) -> None:
    if method == "kombinace":
        if not mix:
            problems.add(sheet.file, row, "metoda", f"service {sid}: kombinace needs weights in columns {', '.join('vaha_' + m for m in MIXABLE)}")
        elif abs(sum(mix.values()) - 1) > 1e-6:
            problems.add(sheet.file, row, "vaha_na_obyvatele", f"service {sid}: the weights of kombinace must add up to 100 %, got {sum(mix.values()) * 100:g} %")
    elif mix and method is not None:
        problems.add(sheet.file, row, "metoda", f"service {sid}: weights (vaha_*) are given but the method is {method}; use kombinace to mix methods")
    for band in target:
        if band not in region.age_bands:
            hint = closest(band, list(region.age_bands))
            problems.add(sheet.file, row, "cilova_populace", f"service {sid}: unknown age band '{band}' (valid: {', '.join(TARGET_ALIASES)} or {', '.join(region.age_bands)})" + (f"; did you mean '{hint}'?" if hint else ""))


def _parse_member_rules(sheet: sh.Sheet, region: Region, services: list[dict], problems: sh.ProblemLog) -> dict[str, dict[str, dict]]:
    if not sh.require_columns(sheet, ("sluzba_id", "kod_obce"), problems):
        return {}
    frame = sheet.frame
    codes = sh.parse_column(sheet, "kod_obce", sh.kod_obce, problems, expected="a 6-digit code")
    floors = _optional(sheet, "minimum", _whole_czk, problems)
    caps = _optional(sheet, "maximum", _whole_czk, problems)
    takes_part = _optional(sheet, "ucast", _yes_no, problems)
    shared = {s["sluzba_id"] for s in services}
    rules: dict[str, dict[str, dict]] = {}
    for i, sid in enumerate(frame["sluzba_id"].tolist()):
        row, code = sheet.row(i), codes[i]
        if sid not in shared:
            problems.add(sheet.file, row, "sluzba_id", f"service '{sid}' is not a shared service in funding.csv")
            continue
        if code is None:
            continue
        if code not in region.members:
            problems.add(sheet.file, row, "kod_obce", f"service {sid}: {code} is not a member of the region")
            continue
        if code in rules.setdefault(sid, {}):
            problems.add(sheet.file, row, "kod_obce", f"service {sid}: member {code} listed twice")
            continue
        if floors[i] is not None and caps[i] is not None and caps[i] < floors[i]:
            problems.add(sheet.file, row, "maximum", f"service {sid}, member {code}: the cap {caps[i]} is below the floor {floors[i]}")
        rules[sid][code] = {"minimum": floors[i], "maximum": caps[i], "ucast": takes_part[i], "row": row}
    return rules


def _with_rules(region: Region, s: dict, rules: dict[str, dict], file: str, problems: sh.ProblemLog) -> SharedService | None:
    catchment = set(s["catchment"])
    joins = {c for c, r in rules.items() if r["ucast"] is True}
    leaves = {c for c, r in rules.items() if r["ucast"] is False}
    participants = tuple(m for m in region.members if (m in catchment or m in joins) and m not in leaves)
    if not participants:
        problems.add(file, s["row"], "sluzba_id", f"service {s['sluzba_id']}: no member takes part (its catchment minus the members that opted out is empty)")
        return None
    floors = {c: r["minimum"] for c, r in rules.items() if r["minimum"] is not None and c in participants}
    caps = {c: r["maximum"] for c, r in rules.items() if r["maximum"] is not None and c in participants}
    if sum(floors.values()) > s["naklady"]:
        problems.add(file, s["row"], "naklady", f"service {s['sluzba_id']}: the floors of the members ({sum(floors.values())}) exceed the annual cost ({s['naklady']})")
    return SharedService(
        sluzba_id=s["sluzba_id"], metoda=s["metoda"], naklady=s["naklady"], ucastnici=participants,
        jednotka_vyuziti=s["jednotka_vyuziti"], cilova_populace=s["cilova_populace"], vahy=s["vahy"],
        model=s["model"], minima=floors, maxima=caps, neucastni=tuple(sorted(leaves)),
    )


def _parse_layers(sheet: sh.Sheet, services: list[dict], problems: sh.ProblemLog) -> list[Layer]:
    if not sh.require_columns(sheet, ("sluzba_id", "zdroj"), problems):
        return []
    frame = sheet.frame
    amounts = _optional(sheet, "castka", _whole_czk, problems)
    shares = _optional(sheet, "podil", percent, problems)
    costs = {s["sluzba_id"]: s["naklady"] for s in services}
    covered: dict[str, float] = {}
    layers = []
    for i, (sid, source) in enumerate(zip(frame["sluzba_id"], frame["zdroj"], strict=True)):
        row = sheet.row(i)
        if sid not in costs:
            problems.add(sheet.file, row, "sluzba_id", f"service '{sid}' is not a shared service in funding.csv")
            continue
        if (amounts[i] is None) == (shares[i] is None):
            problems.add(sheet.file, row, "castka", f"service {sid}, layer '{source}': give either castka (CZK) or podil (% of the annual cost), not both or neither")
            continue
        layers.append(Layer(sid, source or f"vrstva {i + 1}", amounts[i], shares[i]))
        covered[sid] = covered.get(sid, 0.0) + (amounts[i] if amounts[i] is not None else shares[i] * costs[sid])
        if covered[sid] > costs[sid] + 0.5:
            problems.add(sheet.file, row, "castka", f"service {sid}: the layers ({round(covered[sid])} CZK) exceed the annual cost ({costs[sid]} CZK)")
    return layers


# --- coalition costs -------------------------------------------------------------------------


def parse_coalition_costs(sheets: Mapping[str, sh.Sheet], region: Region, problems: sh.ProblemLog) -> QuotedTable:
    """Parse ``coalition_costs``: quoted annual cost of groups of members per service.

    Columns ``sluzba_id``, ``koalice`` (member codes separated by ``,``/``;``,
    or ``*`` for all participants) and ``naklady`` (CZK per year).

    Returns
    -------
    dict
        Service id -> frozenset of codes -> cost.
    """
    sheet = next(iter(sheets.values()))
    if not sh.require_columns(sheet, ("sluzba_id", "koalice", "naklady"), problems):
        return {}
    costs = sh.parse_column(sheet, "naklady", sh.non_negative, problems, expected="an annual cost in CZK >= 0")
    groups = sh.parse_column(sheet, "koalice", _coalition, problems, expected="member codes separated by commas, or *")
    known = set(region.services["id"])
    table: QuotedTable = {}
    rows: dict[tuple, int] = {}
    for i, sid in enumerate(sheet.frame["sluzba_id"].tolist()):
        row, group = sheet.row(i), groups[i]
        if sid not in known:
            problems.add(sheet.file, row, "sluzba_id", f"unknown service '{sid}' (not in services)")
            continue
        if group is None or costs[i] is None:
            continue
        strangers = sorted(c for c in group if c != ALL_PARTICIPANTS and c not in region.members)
        if strangers:
            problems.add(sheet.file, row, "koalice", f"service {sid}: {', '.join(strangers)} not a member of the region")
            continue
        if (sid, group) in rows:
            problems.add(sheet.file, row, "koalice", f"service {sid}: the same coalition is quoted twice (also row {rows[sid, group]})")
            continue
        rows[sid, group] = row
        table.setdefault(sid, {})[group] = float(costs[i])
    return table


def quoted_gaps(service: SharedService, quotes: Mapping[frozenset[str], float] | None) -> list[str]:
    """What is missing in the quoted costs of a service: each participant alone and all together.

    Parameters
    ----------
    service
        The shared service and its participants.
    quotes
        Its quoted coalition costs (from :func:`parse_coalition_costs`), or None.

    Returns
    -------
    list of str
        One message per missing quote, naming the service and the member;
        empty when nothing is missing or nothing is quoted.

    Examples
    --------
    >>> s = SharedService("S08", "shapley", 1000, ("585599", "588318"))
    >>> quoted_gaps(s, {frozenset(["585599"]): 600.0, frozenset("*"): 900.0})
    ['service S08: member 588318 has no quoted stand-alone cost (a row with only 588318)']
    """
    if not quotes:
        return []
    sid = service.sluzba_id
    gaps = [f"service {sid}: member {m} has no quoted stand-alone cost (a row with only {m})" for m in service.ucastnici if frozenset([m]) not in quotes]
    everyone = frozenset(service.ucastnici)
    if everyone not in quotes and frozenset([ALL_PARTICIPANTS]) not in quotes:
        gaps.append(f"service {sid}: no quoted cost for all participants together ({', '.join(service.ucastnici)}, or *)")
    return gaps


def _coalition(text: str) -> frozenset[str]:
    items = sh.split_list(text)
    if items == [ALL_PARTICIPANTS]:
        return frozenset(items)
    return frozenset(sh.kod_obce(item) for item in items)


def _check_quoted_services(plan: FundingPlan, region: Region, problems: sh.ProblemLog) -> None:
    """With quoted coalition costs at hand, each participant alone and all together must be quoted."""
    quoted = region.extras.get("coalition_costs")
    if quoted is None:
        return
    for s in plan.services:
        for message in quoted_gaps(s, quoted.get(s.sluzba_id)):
            problems.add("coalition_costs.csv", None, "koalice", message)
