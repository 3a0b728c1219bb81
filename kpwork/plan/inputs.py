"""Reading the community plan (``plan.xlsx`` or ``plan_<sheet>.csv``) into a :class:`Plan`.

The plan is written by the working groups: working groups (``skupiny``),
priorities (``priority``), measures (``opatreni``), yearly activities of the
action plans (``aktivity``), indicators (``indikatory``), SWOT entries
(``swot``), public comments on the draft (``pripominky``) and a few facts about
the plan (``udaje``). ``docs/plan.md`` describes every sheet and column.

:func:`parse_plan` never raises on bad input: it logs every problem with its
file, row and column, and the region loader raises them all at once.
:mod:`kpwork.plan` turns a :class:`Plan` into monitoring tables.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from kpwork import sheets as sh
from kpwork.region.model import Region
from kpwork.taxonomy import DEFAULT_VOCABULARY, Vocabulary, closest, fold

log = logging.getLogger(__name__)

#: Sheets a plan must have, and the optional ones.
REQUIRED_SHEETS = ("skupiny", "priority", "opatreni", "aktivity", "indikatory")
OPTIONAL_SHEETS = ("swot", "pripominky", "udaje")

#: Activity states (``stav``): canonical code -> Czech label.
ACTIVITY_STATES: dict[str, str] = {
    "nezahajeno": "nezahájeno",
    "probiha": "probíhá",
    "splneno": "splněno",
    "odlozeno": "odloženo",
    "zruseno": "zrušeno",
}
#: States in which an activity can no longer be overdue.
CLOSED_STATES = frozenset({"splneno", "zruseno"})
_STATE_ALIASES = {"realizovano": "splneno", "hotovo": "splneno", "dokonceno": "splneno",
                  "v realizaci": "probiha", "probihajici": "probiha", "zahajeno": "probiha"}

#: SWOT quadrants: code -> Czech label.
SWOT_TYPES: dict[str, str] = {"S": "silné stránky", "W": "slabé stránky", "O": "příležitosti", "T": "hrozby"}
_SWOT_ALIASES = {"silna stranka": "S", "slaba stranka": "W", "prilezitost": "O", "hrozba": "T",
                 "strengths": "S", "weaknesses": "W", "opportunities": "O", "threats": "T"}

#: Decisions on a public comment: code -> Czech label; blank means not yet decided.
DECISIONS: dict[str, str] = {
    "prijato": "přijato",
    "castecne_prijato": "částečně přijato",
    "zamitnuto": "zamítnuto",
    "vzato_na_vedomi": "vzato na vědomí",
    "nevyporadano": "nevypořádáno",
}

#: Direction of an indicator: more is better (``rust``) or less is better (``pokles``).
DIRECTIONS = {"rust": ("rust", "+", "vyssi", "zvyseni", "narust"), "pokles": ("pokles", "-", "nizsi", "snizeni")}

SWOT_COLUMNS = ["skupina", "typ", "text", "poradi"]
COMMENT_COLUMNS = ["cislo", "datum", "autor", "opatreni", "text", "rozhodnuti", "zduvodneni"]

_YEAR_COLUMN = re.compile(r"^(plan|skutecnost)_(\d{4})$")


@dataclass(frozen=True)
class Plan:
    """A parsed community plan; every code is text.

    Attributes
    ----------
    skupiny : DataFrame
        ``skupina``, ``nazev``, ``cilove_skupiny`` (tuple of target-group codes), ``vedouci``.
    priority : DataFrame
        ``priorita``, ``nazev``, ``popis``.
    opatreni : DataFrame
        ``opatreni``, ``priorita``, ``nazev``, ``skupina``, ``popis``.
    aktivity : DataFrame
        One row per activity and year: ``aktivita``, ``rok``, ``opatreni``, ``nazev``,
        ``skupina``, ``poskytovatel``, ``rozpocet``, ``cerpano`` (NaN = not reported),
        ``zdroj``, ``z_toho_obce``, ``termin`` (date), ``stav`` (code or ``""``),
        ``sluzba_id``, ``druh``, ``kapacita``, ``obce`` (tuple of ``kod_obce``).
    indikatory : DataFrame
        Long, one row per indicator and year with a planned value: ``indikator``,
        ``nazev``, ``jednotka``, ``opatreni``, ``vychozi``, ``vaha``, ``smer``,
        ``rok``, ``plan``, ``skutecnost`` (NaN = not reported).
    swot : DataFrame
        ``skupina``, ``typ`` (``S``/``W``/``O``/``T``), ``text``, ``poradi``.
    pripominky : DataFrame
        ``cislo``, ``datum``, ``autor``, ``opatreni``, ``text``, ``rozhodnuti``, ``zduvodneni``.
    udaje : dict
        Facts about the plan: ``nazev``, ``zverejneni_navrhu`` and
        ``konec_pripominek`` (dates), ``schvaleni`` (text); absent keys are missing.
    """

    skupiny: pd.DataFrame
    priority: pd.DataFrame
    opatreni: pd.DataFrame
    aktivity: pd.DataFrame
    indikatory: pd.DataFrame
    swot: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SWOT_COLUMNS))
    pripominky: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COMMENT_COLUMNS))
    udaje: Mapping[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Years of the plan: every year with an activity or a planned indicator value."""
        years = set(self.aktivity["rok"].dropna()) | set(self.indikatory["rok"].dropna())
        return sorted(int(y) for y in years)


# --- cell parsers ----------------------------------------------------------------------------


def parse_date(text: str) -> date:
    """A date written as ``2025-06-30``, ``30. 6. 2025`` or ``30.6.2025``.

    Examples
    --------
    >>> parse_date("30. 6. 2025")
    datetime.date(2025, 6, 30)
    >>> parse_date("2025-06-30T00:00:00")
    datetime.date(2025, 6, 30)
    """
    value = text.strip()
    match = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", value)
    try:
        if match:
            day, month, year = map(int, match.groups())
            return date(year, month, day)
        return datetime.fromisoformat(value).date()
    except ValueError:
        raise ValueError(f"expected a date such as 30. 6. 2025 or 2025-06-30, got '{text}'") from None


def _plan_year(text: str) -> int:
    return sh.year(text, first=2000)


def _code(text: str) -> str:
    code = text.strip()
    return code[:-2] if re.fullmatch(r"\d+\.0", code) else code


def _choice(index: Mapping[str, str], what: str, labels: Iterable[str]) -> Callable[[str], str]:
    labels = list(labels)

    def parse(text: str) -> str:
        key = fold(text)
        if key in index:
            return index[key]
        hint = closest(text, labels)
        suggestion = f"; did you mean '{hint}'?" if hint else f"; allowed: {', '.join(labels)}"
        raise ValueError(f"unknown {what} '{text}'{suggestion}")

    return parse


_state = _choice(
    {**{fold(k): k for k in ACTIVITY_STATES}, **{fold(v): k for k, v in ACTIVITY_STATES.items()}, **_STATE_ALIASES},
    "state (stav)", ACTIVITY_STATES.values(),
)
_swot_type = _choice(
    {**{fold(k): k for k in SWOT_TYPES}, **{fold(v): k for k, v in SWOT_TYPES.items()}, **_SWOT_ALIASES},
    "SWOT type (typ)", SWOT_TYPES.values(),
)
_decision = _choice(
    {**{fold(k.replace("_", " ")): k for k in DECISIONS}, **{fold(v): k for k, v in DECISIONS.items()}},
    "decision (rozhodnuti)", DECISIONS.values(),
)
_direction = _choice({fold(a): k for k, aliases in DIRECTIONS.items() for a in aliases}, "direction (smer)", ("růst", "pokles"))


def _weight(text: str) -> float:
    value = sh.non_negative(text)
    if value == 0:
        raise ValueError("must be > 0 (leave the cell empty for weight 1)")
    return value


# --- the parser ------------------------------------------------------------------------------


def parse_plan(sheets: Mapping[str, sh.Sheet], region: Region | None, problems: sh.ProblemLog, *, today: date | None = None) -> Plan:
    """Parse the sheets of a plan; log every problem instead of raising.

    Parameters
    ----------
    sheets
        Normalised sheet name -> :class:`~kpwork.sheets.Sheet` (see
        :func:`kpwork.sheets.read_workbook`).
    region
        The :class:`~kpwork.region.Region` being loaded (members and services
        are checked against it).
    problems
        Collects ``file:row: column: message`` problems.
    today
        Reference date; actual values for a year after ``today.year`` are an
        error. Defaults to the current date.

    Returns
    -------
    Plan
        Complete when ``problems`` stayed empty; otherwise partial.

    Examples
    --------
    >>> log = sh.ProblemLog()
    >>> plan = parse_plan({}, None, log)
    >>> str(log.problems[0])
    'plan.xlsx[skupiny]:-: -: missing sheet skupiny (sheets found: none)'
    """
    today = today or date.today()
    ctx = _Context(sheets, region, problems, today)
    for name in REQUIRED_SHEETS:
        if name not in sheets:
            found = ", ".join(sorted(sheets)) or "none"
            problems.add(ctx.label(name), None, None, f"missing sheet {name} (sheets found: {found})")
    skupiny = _parse_groups(ctx)
    priority = _parse_priorities(ctx)
    opatreni = _parse_measures(ctx, priority, skupiny)
    aktivity = _parse_activities(ctx, opatreni, skupiny)
    indikatory = _parse_indicators(ctx, opatreni)
    swot = _parse_swot(ctx, skupiny)
    pripominky = _parse_comments(ctx, opatreni)
    udaje = _parse_facts(ctx)
    return Plan(skupiny, priority, opatreni, aktivity, indikatory, swot, pripominky, udaje)


@dataclass
class _Context:
    sheets: Mapping[str, sh.Sheet]
    region: Region | None
    problems: sh.ProblemLog
    today: date

    @property
    def vocabulary(self) -> Vocabulary:
        """The region's spellings of types and groups (kpwork's without a region)."""
        return self.region.vocabulary if self.region is not None else DEFAULT_VOCABULARY

    def label(self, name: str) -> str:
        files = [s.file for s in self.sheets.values()]
        if any("[" in f for f in files) or not files:
            return f"plan.xlsx[{name}]"
        return f"plan_{name}.csv"

    def open(self, name: str, required: Iterable[str], optional: Iterable[str] = ()) -> sh.Sheet | None:
        sheet = self.sheets.get(name)
        if sheet is None or not sh.require_columns(sheet, required, self.problems):
            return None
        frame = sheet.frame.copy()
        for column in optional:
            if column not in frame.columns:
                frame[column] = ""
        return sh.Sheet(sheet.file, frame, sheet.numeric_cells)


def _unique(ctx: _Context, sheet: sh.Sheet, keys: list[tuple], column: str, what: str) -> None:
    seen: dict[tuple, int] = {}
    for i, key in enumerate(keys):
        if any(k in (None, "") for k in key):
            continue
        if key in seen:
            shown = " in ".join(map(str, key))
            ctx.problems.add(sheet.file, sheet.row(i), column, f"duplicate {what} '{shown}' (also row {seen[key]})")
        else:
            seen[key] = sheet.row(i)


def _references(ctx: _Context, sheet: sh.Sheet, values: list[str], column: str, known: Iterable[str], what: str, *, required: bool = True) -> None:
    known = list(known)
    for i, value in enumerate(values):
        if value == "":
            if required:
                ctx.problems.add(sheet.file, sheet.row(i), column, f"missing {what} code")
        elif value not in known:
            hint = closest(value, known)
            suggestion = f"; did you mean '{hint}'?" if hint else ""
            ctx.problems.add(sheet.file, sheet.row(i), column, f"unknown {what} '{value}' (not in sheet {column}){suggestion}")


def _codes(ctx: _Context, sheet: sh.Sheet, column: str, what: str) -> list[str]:
    return sh.parse_column(sheet, column, _code, ctx.problems, expected=f"a {what} code", default="")


def _parse_groups(ctx: _Context) -> pd.DataFrame:
    sheet = ctx.open("skupiny", ("skupina", "nazev"), ("cilove_skupiny", "vedouci"))
    if sheet is None:
        return pd.DataFrame(columns=["skupina", "nazev", "cilove_skupiny", "vedouci"])
    out = pd.DataFrame({"skupina": _codes(ctx, sheet, "skupina", "working group")})
    out["nazev"] = sh.parse_column(sheet, "nazev", str, ctx.problems, expected="the working group's name")
    out["cilove_skupiny"] = sh.parse_column(sheet, "cilove_skupiny", ctx.vocabulary.target_groups, ctx.problems, required=False, default=())
    out["vedouci"] = sheet.frame["vedouci"].tolist()
    _unique(ctx, sheet, [(c,) for c in out["skupina"]], "skupina", "working group")
    return out


def _parse_priorities(ctx: _Context) -> pd.DataFrame:
    sheet = ctx.open("priority", ("priorita", "nazev"), ("popis",))
    if sheet is None:
        return pd.DataFrame(columns=["priorita", "nazev", "popis"])
    out = pd.DataFrame({"priorita": _codes(ctx, sheet, "priorita", "priority")})
    out["nazev"] = sh.parse_column(sheet, "nazev", str, ctx.problems, expected="the priority's name")
    out["popis"] = sheet.frame["popis"].tolist()
    _unique(ctx, sheet, [(c,) for c in out["priorita"]], "priorita", "priority")
    return out


def _parse_measures(ctx: _Context, priority: pd.DataFrame, skupiny: pd.DataFrame) -> pd.DataFrame:
    columns = ["opatreni", "priorita", "nazev", "skupina", "popis"]
    sheet = ctx.open("opatreni", ("opatreni", "priorita", "nazev", "skupina"), ("popis",))
    if sheet is None:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({"opatreni": _codes(ctx, sheet, "opatreni", "measure")})
    out["priorita"] = [_code(v) for v in sheet.frame["priorita"]]
    out["nazev"] = sh.parse_column(sheet, "nazev", str, ctx.problems, expected="the measure's name")
    out["skupina"] = [_code(v) for v in sheet.frame["skupina"]]
    out["popis"] = sheet.frame["popis"].tolist()
    _unique(ctx, sheet, [(c,) for c in out["opatreni"]], "opatreni", "measure")
    _references(ctx, sheet, out["priorita"].tolist(), "priorita", priority["priorita"], "priority")
    _references(ctx, sheet, out["skupina"].tolist(), "skupina", skupiny["skupina"], "working group")
    return out[columns]


ACTIVITY_REQUIRED = ("aktivita", "opatreni", "nazev", "rok", "rozpocet")
ACTIVITY_OPTIONAL = ("skupina", "poskytovatel", "zdroj", "z_toho_obce", "cerpano", "termin", "stav", "sluzba_id", "druh", "kapacita", "obce")


def _parse_activities(ctx: _Context, opatreni: pd.DataFrame, skupiny: pd.DataFrame) -> pd.DataFrame:
    columns = ["aktivita", "rok", *ACTIVITY_REQUIRED[1:3], *ACTIVITY_OPTIONAL[:2], "rozpocet", *ACTIVITY_OPTIONAL[2:]]
    sheet = ctx.open("aktivity", ACTIVITY_REQUIRED, ACTIVITY_OPTIONAL)
    if sheet is None:
        return pd.DataFrame(columns=columns)
    f, log = sheet.frame, ctx.problems
    out = pd.DataFrame({"aktivita": _codes(ctx, sheet, "aktivita", "activity")})
    out["opatreni"] = [_code(v) for v in f["opatreni"]]
    out["nazev"] = sh.parse_column(sheet, "nazev", str, log, expected="the activity's name")
    out["rok"] = sh.parse_column(sheet, "rok", _plan_year, log, expected="a year such as 2025")
    measure_group = dict(zip(opatreni["opatreni"], opatreni["skupina"], strict=True))
    out["skupina"] = [_code(g) or measure_group.get(m, "") for g, m in zip(f["skupina"], out["opatreni"], strict=True)]
    out["poskytovatel"] = f["poskytovatel"].tolist()
    money = {"expected": "an amount in Kč >= 0", "default": np.nan}
    out["rozpocet"] = sh.parse_column(sheet, "rozpocet", sh.non_negative, log, **money)
    out["cerpano"] = sh.parse_column(sheet, "cerpano", sh.non_negative, log, required=False, **money)
    out["zdroj"] = f["zdroj"].tolist()
    out["z_toho_obce"] = sh.parse_column(sheet, "z_toho_obce", sh.non_negative, log, required=False, **money)
    out["termin"] = sh.parse_column(sheet, "termin", parse_date, log, required=False)
    out["stav"] = sh.parse_column(sheet, "stav", _state, log, required=False, default="")
    out["sluzba_id"] = f["sluzba_id"].tolist()
    out["druh"] = sh.parse_column(sheet, "druh", ctx.vocabulary.service_type, log, required=False, default="")
    out["kapacita"] = sh.parse_column(sheet, "kapacita", sh.non_negative, log, required=False, default=np.nan)
    out["obce"] = sh.parse_column(sheet, "obce", _municipalities(ctx.region), log, required=False, default=())
    _unique(ctx, sheet, list(zip(out["aktivita"], out["rok"], strict=True)), "aktivita", "activity and year")
    _references(ctx, sheet, out["opatreni"].tolist(), "opatreni", opatreni["opatreni"], "measure")
    given = [_code(g) for g in f["skupina"]]  # the measure's group was checked with the measure
    _references(ctx, sheet, given, "skupina", skupiny["skupina"], "working group", required=False)
    _check_activities(ctx, sheet, out)
    out["termin"] = [t or (date(int(y), 12, 31) if y else None) for t, y in zip(out["termin"], out["rok"], strict=True)]
    return out[columns]


def _municipalities(region: Region | None) -> Callable[[str], tuple[str, ...]]:
    members = list(region.members) if region is not None else []
    names = {fold(n): k for k, n in region.member_names().items()} if region is not None else {}

    def parse(text: str) -> tuple[str, ...]:
        items = sh.split_list(text)
        if items == ["*"]:
            return tuple(members)
        codes = []
        for item in items:
            code = names.get(fold(item)) or sh.kod_obce(item)
            if members and code not in members:
                raise ValueError(f"{item} is not a member of the region; list members (code or name), or * for all")
            codes.append(code)
        return tuple(dict.fromkeys(codes))

    return parse


def _check_activities(ctx: _Context, sheet: sh.Sheet, out: pd.DataFrame) -> None:
    services = ctx.region.services.set_index("id") if ctx.region is not None else None
    first_measure: dict[str, tuple[str, int]] = {}
    kinds, areas = out["druh"].tolist(), out["obce"].tolist()
    for i, row in enumerate(out.to_dict("records")):
        r, add = sheet.row(i), ctx.problems.add
        if row["rok"] and row["rok"] > ctx.today.year and not np.isnan(row["cerpano"]):
            add(sheet.file, r, "cerpano", f"spending reported for {row['rok']}, a future year (today is {ctx.today.isoformat()})")
        if row["z_toho_obce"] > row["rozpocet"]:
            add(sheet.file, r, "z_toho_obce", f"the municipalities' share {row['z_toho_obce']:g} exceeds the budget {row['rozpocet']:g}")
        previous = first_measure.setdefault(row["aktivita"], (row["opatreni"], r))
        if previous[0] != row["opatreni"]:
            add(sheet.file, r, "opatreni", f"activity {row['aktivita']} belongs to measure {previous[0]} in row {previous[1]}; one code, one measure")
        if row["sluzba_id"] and services is not None:
            if row["sluzba_id"] not in services.index:
                add(sheet.file, r, "sluzba_id", f"unknown service '{row['sluzba_id']}' (not in services)")
            else:
                service = services.loc[row["sluzba_id"]]
                if row["druh"] and row["druh"] != service["druh"]:
                    add(sheet.file, r, "druh", f"service {row['sluzba_id']} is §{service['druh']}, not §{row['druh']}")
                kinds[i] = row["druh"] or service["druh"]
                areas[i] = row["obce"] or tuple(service["pusobnost"])
        given = sheet.frame.iloc[i]  # a bad cell was reported already; do not report it twice
        if not np.isnan(row["kapacita"]) and not kinds[i] and given["druh"] == "":
            add(sheet.file, r, "druh", "added capacity (kapacita) needs the service type (druh) or a service (sluzba_id)")
        if not np.isnan(row["kapacita"]) and not areas[i] and given["obce"] == "":
            add(sheet.file, r, "obce", "added capacity (kapacita) needs the municipalities it serves (obce), or * for all")
    out["druh"] = kinds
    out["obce"] = pd.Series(areas, index=out.index, dtype=object)


def _parse_indicators(ctx: _Context, opatreni: pd.DataFrame) -> pd.DataFrame:
    columns = ["indikator", "nazev", "jednotka", "opatreni", "vychozi", "vaha", "smer", "rok", "plan", "skutecnost"]
    sheet = ctx.open("indikatory", ("kod", "nazev", "jednotka", "opatreni"), ("vychozi", "vaha", "smer"))
    if sheet is None:
        return pd.DataFrame(columns=columns)
    f, log = sheet.frame, ctx.problems
    base = pd.DataFrame({"indikator": _codes(ctx, sheet, "kod", "indicator")})
    base["nazev"] = sh.parse_column(sheet, "nazev", str, log, expected="the indicator's name")
    base["jednotka"] = sh.parse_column(sheet, "jednotka", str, log, expected="a unit such as osoby, dokumenty, lůžka")
    base["opatreni"] = [_code(v) for v in f["opatreni"]]
    base["vychozi"] = sh.parse_column(sheet, "vychozi", sh.non_negative, log, required=False, default=np.nan)
    base["vaha"] = sh.parse_column(sheet, "vaha", _weight, log, required=False, default=1.0)
    base["smer"] = sh.parse_column(sheet, "smer", _direction, log, required=False, default="rust")
    _unique(ctx, sheet, [(c,) for c in base["indikator"]], "kod", "indicator code")
    _references(ctx, sheet, base["opatreni"].tolist(), "opatreni", opatreni["opatreni"], "measure")
    years = _indicator_years(ctx, sheet)
    frames = []
    for year in years:
        plan = _year_values(ctx, sheet, f"plan_{year}")
        actual = _year_values(ctx, sheet, f"skutecnost_{year}")
        for i in range(len(base)):
            if year > ctx.today.year and not np.isnan(actual[i]):
                log.add(sheet.file, sheet.row(i), f"skutecnost_{year}", f"actual value for {year}, a future year (today is {ctx.today.isoformat()})")
            elif np.isnan(plan[i]) and not np.isnan(actual[i]):
                log.add(sheet.file, sheet.row(i), f"plan_{year}", f"actual value for {year} but no planned value; give plan_{year}")
        frames.append(base.assign(rok=year, plan=plan, skutecnost=actual))
    if not frames:
        return pd.DataFrame(columns=columns)
    long = pd.concat(frames, ignore_index=True)
    long = long.loc[long["plan"].notna()].sort_values(["indikator", "rok"], kind="stable")
    return long[columns].reset_index(drop=True)


def _indicator_years(ctx: _Context, sheet: sh.Sheet) -> list[int]:
    years = set()
    for column in sheet.frame.columns:
        match = _YEAR_COLUMN.match(column)
        if match:
            year = int(match.group(2))
            if not 2000 <= year <= 2100:
                ctx.problems.add(sheet.file, 1, column, f"expected a year such as 2025 in the column name, got {year}")
            else:
                years.add(year)
    if not any(c.startswith("plan_") for c in sheet.frame.columns):
        ctx.problems.add(sheet.file, 1, "plan_<rok>", "no planned values; add columns plan_2024, skutecnost_2024, ...")
    return sorted(years)


def _year_values(ctx: _Context, sheet: sh.Sheet, column: str) -> np.ndarray:
    if column not in sheet.frame.columns:
        return np.full(len(sheet.frame), np.nan)
    values = sh.parse_column(sheet, column, sh.non_negative, ctx.problems, required=False, default=np.nan)
    return np.asarray(values, dtype=float)


def _parse_swot(ctx: _Context, skupiny: pd.DataFrame) -> pd.DataFrame:
    columns = SWOT_COLUMNS
    sheet = ctx.open("swot", ("skupina", "typ", "text")) if "swot" in ctx.sheets else None
    if sheet is None:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({"skupina": [_code(v) for v in sheet.frame["skupina"]]})
    out["typ"] = sh.parse_column(sheet, "typ", _swot_type, ctx.problems, expected="S, W, O or T (silné stránky, ...)", default="")
    out["text"] = sh.parse_column(sheet, "text", str, ctx.problems, expected="the SWOT entry")
    out["poradi"] = range(1, len(out) + 1)
    _references(ctx, sheet, out["skupina"].tolist(), "skupina", skupiny["skupina"], "working group")
    return out[columns]


def _parse_comments(ctx: _Context, opatreni: pd.DataFrame) -> pd.DataFrame:
    columns = COMMENT_COLUMNS
    if "pripominky" not in ctx.sheets:
        return pd.DataFrame(columns=columns)
    sheet = ctx.open("pripominky", ("datum", "text"), ("autor", "opatreni", "rozhodnuti", "zduvodneni"))
    if sheet is None:
        return pd.DataFrame(columns=columns)
    f = sheet.frame
    out = pd.DataFrame({"cislo": range(1, len(f) + 1)})
    out["datum"] = sh.parse_column(sheet, "datum", parse_date, ctx.problems, expected="the date the comment arrived")
    out["autor"] = f["autor"].tolist()
    out["opatreni"] = [_code(v) for v in f["opatreni"]]
    out["text"] = sh.parse_column(sheet, "text", str, ctx.problems, expected="the comment")
    out["rozhodnuti"] = sh.parse_column(sheet, "rozhodnuti", _decision, ctx.problems, required=False, default="nevyporadano")
    out["zduvodneni"] = f["zduvodneni"].tolist()
    _references(ctx, sheet, out["opatreni"].tolist(), "opatreni", opatreni["opatreni"], "measure", required=False)
    for i, day in enumerate(out["datum"]):
        if day is not None and day > ctx.today:
            ctx.problems.add(sheet.file, sheet.row(i), "datum", f"{day.isoformat()} is in the future (today is {ctx.today.isoformat()})")
    return out[columns]


_FACTS = {"nazev": str, "zverejneni_navrhu": parse_date, "konec_pripominek": parse_date, "schvaleni": str}


def _parse_facts(ctx: _Context) -> dict[str, Any]:
    if "udaje" not in ctx.sheets:
        return {}
    sheet = ctx.open("udaje", ("udaj", "hodnota"))
    if sheet is None:
        return {}
    facts: dict[str, Any] = {}
    for i, (key, value) in enumerate(zip(sheet.frame["udaj"], sheet.frame["hodnota"], strict=True)):
        name = sh.normalise_header(key)
        if name not in _FACTS:
            ctx.problems.add(sheet.file, sheet.row(i), "udaj", f"unknown fact '{key}'; allowed: {', '.join(_FACTS)}")
            continue
        try:
            facts[name] = _FACTS[name](value)
        except ValueError as exc:
            ctx.problems.add(sheet.file, sheet.row(i), "hodnota", str(exc))
    if "zverejneni_navrhu" in facts and "konec_pripominek" not in facts:
        facts["konec_pripominek"] = _add_month(facts["zverejneni_navrhu"])
    return facts


def _add_month(day: date) -> date:
    """The same day a month later (the last day of a shorter month).

    Examples
    --------
    >>> _add_month(date(2023, 1, 31))
    datetime.date(2023, 2, 28)
    """
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
