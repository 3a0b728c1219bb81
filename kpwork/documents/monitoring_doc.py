"""``monitoring.docx``: the yearly monitoring report of the community plan as a Word document.

It reads only the run's ``plan_*`` tables (:func:`kpwork.plan.plan_results`)
and the charts of the monitoring page (:mod:`kpwork.pages.monitoring`), for
the year the run's monitoring page shows (:func:`kpwork.runs.monitoring_year`).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from kpwork.documents import word as w
from kpwork.pages import format as fmt
from kpwork.pages import labels as lb
from kpwork.pages import monitoring as pm
from kpwork.pages.element import Chart
from kpwork.taxonomy import target_group_label


def _m(key: str, lang: str, **fields: object) -> str:
    return lb.translate(lb.MONITORING, key, lang, **fields)


def _year(frame: pd.DataFrame, rok: int) -> pd.DataFrame:
    return frame.loc[frame["rok"].astype("Int64") == int(rok)]


def write_monitoring_doc(results: Any, path: str | Path, *, rok: int, today: dt.date, plan_name: str | None = None,
                         template: Path = w.TEMPLATE, lang: str = "cs") -> Path:
    """Write ``monitoring.docx`` of a run for one year of the plan.

    Parameters
    ----------
    results
        The run's results (with the ``plan_*`` tables).
    path
        The ``.docx`` to write.
    rok
        The year reported.
    today
        The run's reference date (on the title page).
    plan_name
        The plan's name (``udaje`` of the plan), if it has one.
    template, lang
        As for :func:`kpwork.documents.plan_doc.write_plan_doc`.

    Returns
    -------
    Path
    """
    meta = results.meta
    doc = w.new_document(template)
    title = lb.translate(lb.DOCUMENTS, "monitoring_title", lang)
    lines = [meta["region_name"], *([plan_name] if plan_name else []), f"{_m('rok', lang)} {rok}",
             lb.translate(lb.DOCUMENTS, "prepared", lang, date=fmt.date(today, lang))]
    contents = w.title_page(doc, title, lines, lang=lang)
    share = partial(fmt.percent, lang=lang)
    state = partial(lb.label, lb.PLAN_STATES, lang=lang)
    w.heading(doc, _m("fulfilment_in", lang, rok=rok), 1)
    total = _year(results["plan_celkem"], rok)
    if len(total):
        t = total.iloc[0]
        w.paragraph(doc, lb.translate(lb.DOCUMENTS, "overall", lang, rok=rok, plneni=share(t["plneni"]), stav=state(t["stav"]),
                                   n=fmt.number(t["n_aktivit"], lang), late=fmt.number(t["n_po_terminu"], lang)))
    w.paragraph(doc, _m("rule", lang, share=share(pm.RULES.on_track)))
    _chart(doc, pm.fulfilment_chart(results, rok, lang=lang))
    levels = {"plan_priority": ("priorita", "nazev"), "plan_opatreni": ("opatreni", "nazev"), "plan_skupiny": ("skupina", "nazev")}
    for name, key in levels.items():
        rows = _year(results[name], rok)
        w.heading(doc, lb.translate(lb.DOCUMENTS, name, lang), 2)
        w.table(doc, rows, {**{c: _m(c, lang) for c in key}, "plneni": _m("plneni", lang), "stav": _m("stav", lang),
                            "vykazano": _m("vykazano", lang), "n": _m("n", lang)},
                {"plneni": share, "vykazano": share, "stav": state, "n": partial(fmt.number, lang=lang)},
                numeric=["plneni", "vykazano", "n"])
    _indicators(doc, results, rok, lang)
    _money(doc, results, rok, lang)
    _activities(doc, results, rok, lang)
    _gaps(doc, results, lang)
    w.heading(doc, _m("priorities_by_year", lang), 1)
    _chart(doc, pm.trend_chart(results, lang=lang))
    w.fill_contents(doc, contents)
    w.footer(doc, lang=lang, title=f"{meta['region_name']}: {title} {rok}")
    return w.save(doc, path, today)


def _chart(doc: Any, element: Any) -> None:
    if isinstance(element, Chart):
        w.picture(doc, element.png(), element.figure.axes[0].get_title(loc="left"))


def _indicators(doc: Any, results: Any, rok: int, lang: str) -> None:
    w.heading(doc, _m("indicators", lang), 1)
    number = partial(fmt.number, lang=lang, digits=1)
    rows = _year(results["plan_indikatory"], rok)
    rows = rows.assign(nazev=rows["nazev"] + " (" + rows["jednotka"].astype(str) + ")")
    columns = ["indikator", "nazev", "vychozi", "plan", "skutecnost", "plneni", "stav"]
    w.table(doc, rows, {c: _m(c, lang) for c in columns},
            {"vychozi": number, "plan": number, "skutecnost": number,
             "plneni": partial(fmt.percent, lang=lang), "stav": partial(lb.label, lb.PLAN_STATES, lang=lang)},
            numeric=["vychozi", "plan", "skutecnost", "plneni"])


def _money(doc: Any, results: Any, rok: int, lang: str) -> None:
    w.heading(doc, lb.translate(lb.DOCUMENTS, "budget", lang), 1)
    money = partial(fmt.money, lang=lang)
    rows = _year(results["plan_rozpocet"], rok)
    w.table(doc, rows, {c: _m(c, lang) for c in ("priorita", "opatreni", "rozpocet", "cerpano", "cerpani", "z_toho_obce", "zdroje")},
            {"rozpocet": money, "cerpano": money, "z_toho_obce": money, "cerpani": partial(fmt.percent, lang=lang)},
            numeric=["rozpocet", "cerpano", "cerpani", "z_toho_obce"])
    _chart(doc, pm.budget_chart(results, rok, lang=lang))


def _activities(doc: Any, results: Any, rok: int, lang: str) -> None:
    w.heading(doc, lb.translate(lb.DOCUMENTS, "activities", lang), 1)
    rows = _year(results["plan_akcni_plan"], rok)
    money = partial(fmt.money, lang=lang)
    yes_no = {True: lb.word("yes", lang), False: lb.word("no", lang)}
    w.table(doc, rows, {c: _m(c, lang) for c in ("aktivita", "nazev", "poskytovatel", "termin", "stav", "po_terminu", "rozpocet", "cerpano")},
            {"termin": lambda v: fmt.date(v, lang) if isinstance(v, str) else fmt.MISSING,
             "stav": lambda s: lb.label(lb.ACTIVITY_STATES, s, lang), "po_terminu": lambda v: yes_no.get(bool(v), fmt.MISSING),
             "rozpocet": money, "cerpano": money},
            numeric=["rozpocet", "cerpano"])


def _gaps(doc: Any, results: Any, lang: str) -> None:
    rows = results["plan_mezery_opatreni"] if "plan_mezery_opatreni" in results else pd.DataFrame()
    if not len(rows):
        return
    w.heading(doc, lb.translate(lb.DOCUMENTS, "gap_effects", lang), 1)
    estimate = partial(fmt.estimate, lang=lang)
    gap = partial(lb.label, lb.GAP_STATES, lang=lang)
    w.table(doc, rows.assign(druh=rows["druh"].map(lambda d: lb.type_name(str(d), lang)),
                             cilova_skupina=rows["cilova_skupina"].map(lambda g: target_group_label(g, lang))),
            {"opatreni": _m("opatreni", lang), "druh": _m("druh", lang), "nazev": _m("obec", lang), "cilova_skupina": _m("cilova_skupina", lang),
             "mezera_pred": _m("mezera_pred", lang), "pridana_kapacita": _m("pridana_kapacita", lang), "mezera_po": _m("mezera_po", lang),
             "stav_pred": _m("stav_pred", lang), "stav_po": _m("stav_po", lang)},
            {"mezera_pred": estimate, "mezera_po": estimate, "pridana_kapacita": lambda v: fmt.number(v, lang, 1),
             "stav_pred": gap, "stav_po": gap},
            numeric=["mezera_pred", "pridana_kapacita", "mezera_po"])
