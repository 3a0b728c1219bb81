"""``plan.docx``: the community plan as the Word document a council approves.

Built from the run's result tables (need, gaps, services, funding, the plan's
``plan_*`` tables) and the region's plan (:class:`kpwork.plan.Plan`: the
working groups and their leaders, the texts of priorities and measures, the
plan's facts). Nothing is recomputed: tables are selected and written with
:mod:`kpwork.pages.format`, words come from :mod:`kpwork.pages.labels`.

Chapters: title page and contents; the planning process; the analysis per
target group (population, need and reachable capacity per member in the
type's unit, the states of the group's service types, a map, the services);
SWOT per working group; priorities, measures and activities with budgets and
sources; the funding of shared services (as the public pages show it, small
counts pooled); indicators with baseline and targets; public comments and
their settlement.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from kpwork.documents import word as w
from kpwork.documents.static_maps import coverage_png
from kpwork.pages import format as fmt
from kpwork.pages.labels import (
    COLUMNS,
    DECISIONS,
    DOCUMENTS,
    GAP_STATES,
    MONITORING,
    SWOT,
    WORDS,
    label,
    method_label,
    translate,
    unit_name,
)
from kpwork.taxonomy import SERVICE_TYPES, TARGET_GROUPS, service_type_label, target_group_label


def _d(key: str, lang: str, **fields: object) -> str:
    return translate(DOCUMENTS, key, lang, **fields)


def _h(columns: list[str], lang: str, words: Any = COLUMNS) -> dict[str, str]:
    return {c: translate(words, c, lang) for c in columns}


#: Rows a per-member or per-service table of the plan keeps; a bigger region's tables keep the rows that
#: matter most and say so (a country's 6,258 members would be 150 pages per table; the workbook has them all).
TABLE_ROWS = 60


def _most(doc: Any, frame: pd.DataFrame, by: str, note: str, unit: str, lang: str) -> pd.DataFrame:
    """The ``TABLE_ROWS`` rows of ``frame`` with the largest ``by`` (in their own order), with a note saying so; all rows when they fit."""
    if len(frame) <= TABLE_ROWS:
        return frame
    kept = frame.loc[frame[by].fillna(float("-inf")).sort_values(ascending=False, kind="stable").index[:TABLE_ROWS]]
    kept = kept.sort_values(by, ascending=False, kind="stable")
    w.paragraph(doc, _d(note, lang, shown=fmt.count(TABLE_ROWS, lang, unit), total=fmt.count(len(frame), lang, unit)))
    return kept


def plan_years(results: Any) -> list[int]:
    """The years of the plan as its action plans and indicators give them (none without a plan)."""
    years: set[int] = set()
    for name in ("plan_akcni_plan", "plan_indikatory"):
        if name in results:
            years |= {int(y) for y in results[name]["rok"].dropna()}
    return sorted(years)


def write_plan_doc(results: Any, path: str | Path, *, plan: Any | None, today: dt.date, template: Path = w.TEMPLATE, lang: str = "cs") -> Path:
    """Write ``plan.docx`` of a run.

    Parameters
    ----------
    results
        The run's results (:class:`kpwork.results.Results`).
    path
        The ``.docx`` to write.
    plan
        The region's :class:`kpwork.plan.Plan` (``region.extras["plan"]``), or None:
        then the document holds the analysis only.
    today
        The run's reference date (on the title page).
    template
        The Word template (:func:`kpwork.documents.word.template_path`).
    lang
        ``"cs"`` or ``"en"``.

    Returns
    -------
    Path
    """
    meta = results.meta
    doc = w.new_document(template)
    title = _d("plan_title", lang)
    years = plan_years(results)
    lines = [meta["region_name"]]
    if plan is not None and plan.udaje.get("nazev"):
        lines.append(plan.udaje["nazev"])
    if years:
        lines.append(_d("period", lang, years=f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])))
    lines.append(f"{_d('members', lang)}: {', '.join(meta['names'][c] for c in meta['members'])}")
    if plan is not None and plan.udaje.get("schvaleni"):
        lines.append(_d("approval", lang, text=plan.udaje["schvaleni"]))
    lines.append(_d("prepared", lang, date=fmt.date(today, lang)))
    contents = w.title_page(doc, title, lines, lang=lang)
    if plan is None:
        w.paragraph(doc, _d("no_plan", lang))
    else:
        _process(doc, results, plan, lang)
    _analysis(doc, results, plan, lang)
    if plan is not None:
        _swot(doc, results, plan, lang)
        _strategy(doc, results, plan, lang)
    if meta.get("has_funding"):
        _funding(doc, results, lang)
    if plan is not None:
        _indicators(doc, results, lang)
        _comments(doc, results, lang)
    w.fill_contents(doc, contents)
    w.footer(doc, lang=lang, title=f"{meta['region_name']}: {title}")
    return w.save(doc, path, today)


def _process(doc: Any, results: Any, plan: Any, lang: str) -> None:
    w.heading(doc, _d("process", lang), 1)
    w.paragraph(doc, _d("process_text", lang, region=results.meta["region_name"], n=fmt.number(len(plan.skupiny), lang)))
    groups = plan.skupiny.assign(cilove=plan.skupiny["cilove_skupiny"].map(lambda gs: ", ".join(target_group_label(g, lang) for g in gs)))
    w.table(doc, groups, {"skupina": _d("group", lang), "nazev": translate(MONITORING, "nazev", lang),
                          "vedouci": _d("leader", lang), "cilove": _d("target_groups", lang)})
    udaje = plan.udaje
    if udaje.get("zverejneni_navrhu") and udaje.get("konec_pripominek"):
        w.paragraph(doc, translate(MONITORING, "comment_period", lang, start=fmt.date(udaje["zverejneni_navrhu"], lang),
                                   end=fmt.date(udaje["konec_pripominek"], lang)))


def _analysis(doc: Any, results: Any, plan: Any | None, lang: str) -> None:
    w.heading(doc, _d("analysis", lang), 1)
    w.paragraph(doc, _d("analysis_text", lang))
    w.heading(doc, _d("population", lang), 2)
    people = partial(fmt.number, lang=lang)
    bands = ["obyvatele", "vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"]
    w.table(doc, _most(doc, results["obce"], "obyvatele", "rows_most_people", "obec", lang), {"nazev": translate(WORDS, "nazev", lang), **_h(bands, lang, WORDS)},
            dict.fromkeys(bands, people), numeric=bands)
    gaps = results["mezery"]
    if not len(gaps):
        return
    obce, sluzby = results.layer("obce"), results.layer("sluzby")
    if not len(sluzby):
        w.paragraph(doc, translate(WORDS, "no_services", lang))
    for group in _group_order(gaps["cilova_skupina"], plan):
        _target_group(doc, group, gaps[gaps["cilova_skupina"] == group], obce, sluzby, lang)


def _group_order(groups: pd.Series, plan: Any | None) -> list[str]:
    """Target groups in the order of the plan's working groups, then the others in the order of the Act's list.

    Examples
    --------
    >>> _group_order(pd.Series(["rodiny", "seniori", "krize"]), None)
    ['seniori', 'rodiny', 'krize']
    """
    present = set(groups)
    planned = [g for gs in (plan.skupiny["cilove_skupiny"] if plan is not None else []) for g in gs]
    ordered = [g for g in [*planned, *TARGET_GROUPS] if g in present]
    return list(dict.fromkeys([*ordered, *sorted(present)]))


def _main_type(rows: pd.DataFrame) -> str:
    """The type with the largest shortfall of a group (the first type when none falls short)."""
    short = rows.assign(chybi=rows["mezera"].clip(lower=0)).groupby("druh", sort=False)["chybi"].sum()
    return str(short.idxmax()) if short.max() > 0 else str(rows["druh"].iloc[0])


def _target_group(doc: Any, group: str, rows: pd.DataFrame, obce: Any, sluzby: Any, lang: str) -> None:
    name = target_group_label(group, lang)
    w.heading(doc, _d("group_section", lang, group=name), 2)
    types = list(dict.fromkeys(rows["druh"].astype(str)))
    w.paragraph(doc, _d("group_types", lang, types=", ".join(service_type_label(t, lang) for t in types)))
    main = _main_type(rows)
    main_rows = rows[rows["druh"].astype(str) == main]
    unit = unit_name(main_rows["jednotka"].iloc[0], lang)
    w.heading(doc, _d("group_gap", lang, type=service_type_label(main, lang), unit=unit), 3)
    estimate = partial(fmt.estimate, lang=lang)
    w.table(doc, _most(doc, main_rows, "mezera", "rows_most_missing", "obec", lang), {"nazev": translate(WORDS, "nazev", lang), "potreba": translate(WORDS, "potreba", lang),
                             "kapacita_dosazitelna": translate(WORDS, "kapacita_dosazitelna", lang),
                             "mezera": translate(WORDS, "mezera", lang), "pokryti": translate(WORDS, "pokryti", lang),
                             "stav": translate(WORDS, "stav", lang)},
            {"potreba": estimate, "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 1),
             "mezera": lambda v: estimate(max(v, 0.0)) if not fmt.missing(v) else fmt.MISSING,
             "pokryti": lambda v: fmt.percent(v, lang), "stav": lambda s: label(GAP_STATES, s, lang)},
            numeric=["potreba", "kapacita_dosazitelna", "mezera", "pokryti"])
    serving = _serving(sluzby, group)
    of_type = serving[serving["druh"].astype(str) == main] if len(serving) else None
    coverage = main_rows.set_index(main_rows["kod_obce"].astype(str))["pokryti"]
    w.picture(doc, coverage_png(obce, coverage, of_type, lang=lang), _d("map_caption", lang, type=service_type_label(main, lang)))
    _group_states(doc, rows, lang)
    w.heading(doc, _d("services", lang), 3)
    if not len(serving):
        w.paragraph(doc, _d("no_services_group", lang))
        return
    if len(serving) > TABLE_ROWS:
        _services_by_type(doc, serving, lang)
        return
    listed = serving.assign(druh_text=serving["druh"].map(lambda d: service_type_label(str(d), lang)),
                            kapacita_text=[fmt.count(k, lang, u, digits=1 if k % 1 else 0) for k, u in zip(serving["kapacita"], serving["jednotka"], strict=True)])
    w.table(doc, listed, {"nazev": translate(WORDS, "sluzba", lang), "poskytovatel": translate(WORDS, "poskytovatel", lang),
                          "druh_text": translate(WORDS, "druh", lang), "forma_nazev": translate(WORDS, "forma", lang),
                          "kapacita_text": translate(WORDS, "kapacita", lang)}, numeric=["kapacita_text"])


def _services_by_type(doc: Any, serving: Any, lang: str) -> None:
    """A big region's services of a group counted per type and unit (capacity summed only within one unit)."""
    w.paragraph(doc, _d("services_by_type", lang, total=fmt.count(len(serving), lang, "služba")))
    rows = (pd.DataFrame({"druh": serving["druh"].astype(str), "jednotka": serving["jednotka"].astype(str), "kapacita": serving["kapacita"]})
            .groupby(["druh", "jednotka"], sort=False).agg(sluzby=("kapacita", "size"), kapacita=("kapacita", "sum")).reset_index())
    rows = rows.sort_values(["druh", "jednotka"], key=lambda c: c.map(_act_order) if c.name == "druh" else c, kind="stable")
    rows["druh_text"] = rows["druh"].map(lambda d: service_type_label(d, lang))
    rows["kapacita_text"] = [fmt.count(k, lang, u, digits=1 if k % 1 else 0) for k, u in zip(rows["kapacita"], rows["jednotka"], strict=True)]
    w.table(doc, rows, {"druh_text": translate(WORDS, "druh", lang), "sluzby": _d("services_count", lang),
                        "kapacita_text": translate(WORDS, "kapacita", lang)},
            {"sluzby": partial(fmt.number, lang=lang)}, numeric=["sluzby", "kapacita_text"])


def _act_order(druh: str) -> int:
    return list(SERVICE_TYPES).index(druh) if druh in SERVICE_TYPES else len(SERVICE_TYPES)


def _serving(sluzby: Any, group: str) -> Any:
    """The services of the ``sluzby`` layer that serve a target group (none when the region has no services)."""
    if not len(sluzby) or "cilove_skupiny" not in sluzby.columns:
        return sluzby.iloc[0:0]
    return sluzby[sluzby["cilove_skupiny"].fillna("").map(lambda gs: group in [g.strip() for g in gs.split(",")])]


def _group_states(doc: Any, rows: pd.DataFrame, lang: str) -> None:
    """Per service type of a group: in how many members it is enough, short, out of reach."""
    w.heading(doc, _d("group_summary", lang), 3)
    counts = rows.pivot_table(index="druh", columns="stav", values="kod_obce", aggfunc="count", fill_value=0, sort=False)
    states = [s for s in GAP_STATES if s in counts.columns]
    frame = counts[states].reset_index()
    frame["druh"] = frame["druh"].map(lambda d: service_type_label(str(d), lang))
    frame["jednotka"] = frame["druh"].map(dict(zip(rows["druh"].map(lambda d: service_type_label(str(d), lang)), rows["jednotka"].map(lambda u: unit_name(u, lang)), strict=True)))
    headers = {"druh": translate(WORDS, "druh", lang), "jednotka": translate(WORDS, "jednotka", lang)}
    headers |= {s: _d("municipalities_n", lang, state=label(GAP_STATES, s, lang)) for s in states}
    w.table(doc, frame, headers, dict.fromkeys(states, partial(fmt.number, lang=lang)), numeric=states)


def _swot(doc: Any, results: Any, plan: Any, lang: str) -> None:
    swot = results["plan_swot"] if "plan_swot" in results else pd.DataFrame()
    if not len(swot):
        return
    w.heading(doc, _d("swot", lang), 1)
    for code, rows in swot.groupby("skupina", sort=False):
        names = plan.skupiny.set_index("skupina")["nazev"]
        w.heading(doc, names.get(code, code), 2)
        quadrants = {t: "\n".join(f"• {x}" for x in rows.loc[rows["typ"] == t].sort_values("poradi")["text"]) for t in SWOT}
        frame = pd.DataFrame([{"a": quadrants["S"], "b": quadrants["W"]}, {"a": quadrants["O"], "b": quadrants["T"]}])
        heads = pd.DataFrame([{"a": label(SWOT, "S", lang), "b": label(SWOT, "W", lang)}])
        table = w.table(doc, frame, {"a": heads["a"][0], "b": heads["b"][0]})
        for k, t in enumerate(("O", "T")):
            table.rows[2].cells[k].paragraphs[0].insert_paragraph_before(label(SWOT, t, lang)).runs[0].bold = True


def _strategy(doc: Any, results: Any, plan: Any, lang: str) -> None:
    w.heading(doc, _d("strategy", lang), 1)
    activities = results["plan_akcni_plan"]
    money = partial(fmt.money, lang=lang)
    for _, priority in plan.priority.iterrows():
        w.heading(doc, _d("priority", lang, code=priority["priorita"], name=priority["nazev"]), 2)
        if isinstance(priority.get("popis"), str) and priority["popis"]:
            w.paragraph(doc, priority["popis"])
        for _, measure in plan.opatreni[plan.opatreni["priorita"] == priority["priorita"]].iterrows():
            w.heading(doc, _d("measure", lang, code=measure["opatreni"], name=measure["nazev"]), 3)
            if isinstance(measure.get("popis"), str) and measure["popis"]:
                w.paragraph(doc, measure["popis"])
            rows = activities[activities["opatreni"].astype(str) == str(measure["opatreni"])].sort_values(["aktivita", "rok"], kind="stable")
            if len(rows):
                w.table(doc, rows, {"aktivita": translate(MONITORING, "aktivita", lang), "rok": translate(MONITORING, "rok", lang),
                                    "nazev": translate(MONITORING, "nazev", lang), "poskytovatel": translate(MONITORING, "poskytovatel", lang),
                                    "rozpocet": translate(MONITORING, "rozpocet", lang), "zdroj": translate(MONITORING, "zdroj", lang),
                                    "z_toho_obce": translate(MONITORING, "z_toho_obce", lang)},
                        {"rozpocet": money, "z_toho_obce": money, "zdroj": lambda v: v if isinstance(v, str) else translate(MONITORING, "not_given", lang)},
                        numeric=["rozpocet", "z_toho_obce"])
    if "plan_rozpocet" in results:
        w.heading(doc, translate(MONITORING, "budget_spent", lang), 2)
        budget = results["plan_rozpocet"]
        w.table(doc, budget, {"rok": translate(MONITORING, "rok", lang), "opatreni": translate(MONITORING, "opatreni", lang),
                              "rozpocet": translate(MONITORING, "rozpocet", lang), "z_toho_obce": translate(MONITORING, "z_toho_obce", lang),
                              "zdroje": translate(MONITORING, "zdroje", lang)},
                {"rozpocet": money, "z_toho_obce": money}, numeric=["rozpocet", "z_toho_obce"])


def _funding(doc: Any, results: Any, lang: str) -> None:
    from kpwork.pages.funding import public_comparison

    w.heading(doc, _d("funding", lang), 1)
    services = results["financovani_sluzby"]
    table = public_comparison(results, lang=lang)
    layers = results["financovani_vrstvy"]
    money = partial(fmt.money, lang=lang)
    for _, service in services.iterrows():
        sid = str(service["sluzba_id"])
        w.heading(doc, f"{sid} {service['nazev_sluzby']}", 2)
        method = service["metoda"]
        w.paragraph(doc, _d("funding_text", lang, method=method_label(method, lang)))
        w.paragraph(doc, _d("service_cost", lang, cost=money(service["naklady"])))
        sources = layers[layers["sluzba_id"].astype(str) == sid]
        if len(sources):
            w.table(doc, sources, {"zdroj": translate(MONITORING, "zdroj", lang), "podil_pct": translate(COLUMNS, "podil_pct", lang),
                                   "castka": translate(COLUMNS, "castka", lang)},
                    {"podil_pct": lambda v: fmt.percent(v / 100, lang, 1), "castka": money}, numeric=["podil_pct", "castka"])
        rows = table[table["sluzba_id"].astype(str) == sid].assign(castka=lambda t, m=method: t[m])
        w.table(doc, rows, {"nazev": translate(WORDS, "nazev", lang), "obyvatele": translate(WORDS, "obyvatele", lang),
                            "castka": translate(COLUMNS, "castka", lang)},
                {"obyvatele": partial(fmt.number, lang=lang), "castka": money}, numeric=["obyvatele", "castka"])


def _indicators(doc: Any, results: Any, lang: str) -> None:
    indicators = results["plan_indikatory"]
    if not len(indicators):
        return
    w.heading(doc, _d("indicators", lang), 1)
    targets = indicators.pivot_table(index="indikator", columns="rok", values="plan", aggfunc="first", sort=False)
    first = indicators.drop_duplicates("indikator").set_index("indikator")[["nazev", "jednotka", "opatreni", "vychozi"]]
    frame = first.join(targets.rename(columns=lambda y: f"plan_{y}")).reset_index()
    year_columns = [c for c in frame.columns if str(c).startswith("plan_")]
    number = partial(fmt.number, lang=lang, digits=1)
    headers = {"indikator": translate(MONITORING, "indikator", lang), "nazev": translate(MONITORING, "nazev", lang),
               "jednotka": translate(MONITORING, "jednotka", lang), "opatreni": translate(MONITORING, "opatreni", lang),
               "vychozi": translate(MONITORING, "vychozi", lang)}
    headers |= {c: f"{translate(MONITORING, 'plan', lang)} {c.removeprefix('plan_')}" for c in year_columns}
    w.table(doc, frame, headers, {c: number for c in ["vychozi", *year_columns]}, numeric=["vychozi", *year_columns])


def _comments(doc: Any, results: Any, lang: str) -> None:
    comments = results["plan_pripominky"] if "plan_pripominky" in results else pd.DataFrame()
    w.heading(doc, _d("comments", lang), 1)
    if not len(comments):
        w.paragraph(doc, translate(MONITORING, "no_comments", lang))
        return
    w.table(doc, comments, {c: translate(MONITORING, c, lang) for c in ("cislo", "datum", "autor", "text", "rozhodnuti", "zduvodneni")},
            {"datum": lambda v: fmt.date(v, lang), "rozhodnuti": lambda v: label(DECISIONS, v, lang), "cislo": lambda v: str(v)})
