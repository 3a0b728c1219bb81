"""The meeting page: a map to ask "what if" of, municipality profiles, who pays what.

:func:`app` builds the ipywidgets of ``notebooks/meeting.ipynb`` from a run's
results; it selects and renders, nothing region-wide is recomputed. Maps are
drawn on the shapes the run prepared (``mapa_web.json``,
:mod:`kpwork.mapdata`), built once per (target group, service type,
municipality, language) and kept, so a choice already seen shows at once.
The page's kernel imports pandas and ipywidgets, not geopandas, folium or
matplotlib (the funding chart imports matplotlib when first drawn).

Pure helpers (:func:`contributions`, :func:`methods_of`) are tested on their
own; the widgets only wire them up. The page is public (everyone in the room
sees it): need is shown as an estimate, and the funding panel adds up the
members with few clients of a service in one row (:mod:`kpwork.disclosure`).
"""

from __future__ import annotations

import functools
import logging
import weakref

import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.funding import METHODS, split_cost
from kpwork.pages import format as fmt
from kpwork.pages import maps, views
from kpwork.pages.element import CHART_STYLE, Chart, Element, Table, escape, heading, paragraph
from kpwork.pages.funding import pool_rows, public_pools
from kpwork.pages.labels import MEETING, check_lang, method_label, translate, word
from kpwork.results import Results, page_results_dir
from kpwork.taxonomy import planning_unit, service_type_label, target_group_label

log = logging.getLogger(__name__)

ALL = "_all"
#: The apps behind the pages built in this kernel, by their root widget's model id (:func:`language_of`).
_APPS: weakref.WeakValueDictionary[str, MeetingApp] = weakref.WeakValueDictionary()


def _t(key: str, lang: str, **fields: str) -> str:
    return translate(MEETING, key, lang, **fields)


def methods_of(srovnani: pd.DataFrame, sluzba_id: str) -> list[str]:
    """The methods the run computed for a shared service (columns with amounts).

    Examples
    --------
    >>> t = pd.DataFrame({"sluzba_id": ["S1", "S1"], "rovnym_dilem": [5, 5], "shapley": [None, None]})
    >>> methods_of(t, "S1")
    ['rovnym_dilem']
    """
    rows = srovnani.loc[srovnani["sluzba_id"] == sluzba_id]
    if rows.empty:
        raise InvalidParameter(f"no shared service '{sluzba_id}' (services: {', '.join(dict.fromkeys(srovnani['sluzba_id']))})")
    return [m for m in METHODS if m in rows and rows[m].notna().all()]


def contributions(srovnani: pd.DataFrame, sluzba_id: str, method: str, *, mix_with: str | None = None, weight: float = 1.0) -> pd.DataFrame:
    """Each member's contribution to a shared service under a method or a mix of two.

    Parameters
    ----------
    srovnani
        The run's ``financovani_srovnani`` (amounts of every method per member).
    sluzba_id
        The shared service.
    method
        A method of :func:`methods_of`.
    mix_with, weight
        Optional second method; the amounts are ``weight * method + (1 - weight) * mix_with``,
        rounded to whole crowns that still sum to the members' total.

    Returns
    -------
    pandas.DataFrame
        ``kod_obce``, ``nazev``, ``obyvatele``, ``castka``, ``na_obyvatele``,
        ``samostatne``, ``planovano`` (the run's chosen method), ``rozdil``.

    Notes
    -----
    Every method splits the same total, and a mix of two splits that honour
    the floors and caps honours them too (they are convex); the whole crowns
    come from :func:`kpwork.funding.split_cost` (largest remainder).

    Examples
    --------
    >>> t = pd.DataFrame({"sluzba_id": "S1", "zvolena_metoda": "rovnym_dilem", "kod_obce": ["1", "2"], "nazev": ["A", "B"],
    ...                   "obyvatele": [300, 100], "samostatne": [90, 60], "rovnym_dilem": [50, 50], "na_obyvatele": [75, 25]})
    >>> contributions(t, "S1", "na_obyvatele", mix_with="rovnym_dilem", weight=0.5)["castka"].tolist()
    [63, 37]
    """
    available = methods_of(srovnani, sluzba_id)
    for name in (method, *([mix_with] if mix_with else [])):
        if name not in available:
            raise InvalidParameter(f"service {sluzba_id}: method '{name}' not computed by the run (available: {', '.join(available)})")
    if not 0.0 <= weight <= 1.0:
        raise InvalidParameter(f"weight must be between 0 and 1, got {weight}")
    rows = srovnani.loc[srovnani["sluzba_id"] == sluzba_id].reset_index(drop=True)
    first = rows[method].astype(float)
    total = int(round(first.sum()))
    if mix_with and mix_with != method and weight < 1.0:
        mixed = weight * first + (1.0 - weight) * rows[mix_with].astype(float)
        amounts = split_cost(total, dict(zip(rows["kod_obce"], mixed, strict=True))).to_numpy() if total else mixed.round().to_numpy()
    else:
        amounts = first.round().astype("int64").to_numpy()
    planned = rows[rows["zvolena_metoda"].iloc[0]].astype("int64")
    out = rows[["kod_obce", "nazev", "obyvatele", "samostatne"]].copy()
    out["castka"] = amounts.astype("int64")
    out["na_obyvatele"] = (out["castka"] / out["obyvatele"]).round(2)
    out["planovano"] = planned.to_numpy()
    out["rozdil"] = out["castka"] - out["planovano"]
    return out[["kod_obce", "nazev", "obyvatele", "castka", "na_obyvatele", "samostatne", "planovano", "rozdil"]]


def contribution_table(table: pd.DataFrame, *, lang: str = "cs") -> Table:
    """The contributions of :func:`contributions` with a total row, as a page table."""
    sums = table[["obyvatele", "castka", "samostatne", "planovano", "rozdil"]].sum()
    total = {"nazev": word("total", lang), **sums, "na_obyvatele": round(sums["castka"] / sums["obyvatele"], 2) if sums["obyvatele"] else 0.0}
    rows = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    columns = ["nazev", "obyvatele", "castka", "na_obyvatele", "samostatne", "planovano", "rozdil"]
    headers = {"nazev": word("nazev", lang), "obyvatele": word("obyvatele", lang), **{c: _t(c, lang) for c in columns[2:]}}
    return Table(rows[columns], lang=lang, headers=headers, css_class="kp-table kp-contrib", cells={
        "na_obyvatele": lambda v: fmt.number(v, lang, 2),
        "rozdil": lambda v: fmt.number(v, lang, sign=True),
    })


def contribution_chart(table: pd.DataFrame, *, title: str, lang: str = "cs") -> Chart:
    """Horizontal bars of the contributions, the plan's amounts as ticks."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = table.iloc[::-1]
    style = {**CHART_STYLE, "font.size": 13}
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(7.5, 0.5 * len(rows) + 1.4), dpi=100)
        ax = fig.add_subplot()
        y = range(len(rows))
        ax.barh(y, rows["castka"], color="#3182bd", label=_t("castka", lang))
        ax.scatter(rows["planovano"], y, marker="|", s=400, color="#000", label=_t("planovano", lang), zorder=3)
        ax.set_yticks(list(y), [n if len(n) <= 40 else n[:39] + "…" for n in rows["nazev"].astype(str)])
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(fmt.ticks(fmt.number, lang))
        ax.set_title(title)
        ax.legend(loc="lower right", frameon=False, fontsize=11)
        fig.tight_layout()
    return Chart(fig, alt=title, style=style)


# --- map and profile ------------------------------------------------------------------------------


class _MeetingData:
    """Tables of a run read once per kernel; maps kept once built."""

    def __init__(self, r: Results) -> None:
        self.r = r
        self.gaps = r["mezery"]
        self.access = r["dostupnost"] if "dostupnost" in r else None
        self.load = r["vytizenost"] if "vytizenost" in r else None
        self.base = r.map_base() or _map_base(r)
        self.funding = r["financovani_srovnani"] if "financovani_srovnani" in r else None
        self.funding_services = r["financovani_sluzby"] if "financovani_sluzby" in r else None
        self.pools = public_pools(r) if self.funding is not None else {}
        self.per_municipality = r["mezery_obce"]
        self.reference = r["mezery_region"]
        self._maps: dict[tuple, Element] = {}

    def groups(self) -> list[str]:
        return sorted(set(self.gaps["cilova_skupina"]))

    def types(self, group: str) -> list[str]:
        rows = self.gaps if group == ALL else self.gaps.loc[self.gaps["cilova_skupina"] == group]
        present = set(rows["druh"])
        return [t for t in self.r.meta["types"] if t in present]

    def gap_rows(self, group: str, druh: str) -> pd.DataFrame:
        """Need and coverage of one type per municipality: all target groups (``mezery_obce``) or one (``mezery``)."""
        if group == ALL:
            rows = self.per_municipality.loc[self.per_municipality["druh"] == druh]
        else:
            rows = self.gaps.loc[(self.gaps["druh"] == druh) & (self.gaps["cilova_skupina"] == group)]
        rows = rows.loc[rows["jednotka"] == planning_unit(druh)]  # need is in the type's unit; other units are not mapped
        return rows.sort_values("mezera", ascending=False, kind="stable")

    def planned_method(self, sluzba_id: str) -> str:
        """The method the run's funding input plans for a shared service."""
        return str(self.funding_services.set_index("sluzba_id").loc[sluzba_id, "metoda"])

    def region(self, group: str, druh: str) -> dict[str, float]:
        """The whole region of one type (all groups: the run's ``mezery_region``; one group: its rows added up)."""
        if group == ALL:
            reference = self.reference
            return maps.region_totals(reference.loc[(reference["druh"].astype(str) == druh) & (reference["jednotka"] == planning_unit(druh))])
        return maps.region_totals(self.gap_rows(group, druh))

    def map(self, group: str, druh: str, focus: str | None, lang: str) -> Element:
        key = (group, druh, focus, lang)
        if key not in self._maps:
            self._maps[key] = maps.embed(maps.focus_map(self.base, self._map_data(group, druh, lang), focus=focus), lang=lang)
        return self._maps[key]

    @functools.cache  # noqa: B019 - one per page's kernel, kept as long as the page
    def _map_data(self, group: str, druh: str, lang: str) -> dict:
        """Colours, legends and tooltips of one choice: the same whichever member the map zooms to."""
        return maps.planning_data(self.base, self.gap_rows(group, druh), druh=druh, access=self.access, load=self.load,
                                  reference=self.reference if group == ALL else None, headline=False, lang=lang)

    @functools.cache  # noqa: B019 - one per page's kernel, kept as long as the page
    def panel(self, group: str, druh: str, lang: str) -> tuple[str, str]:
        """The headline and the table of municipalities (the whole region last) of one choice, as HTML."""
        rows = self.gap_rows(group, druh)
        region = self.region(group, druh)
        headline = f'<p class="kp-headline">{escape(maps.headline(rows, planning_unit(druh), lang=lang, region=region))}</p>'
        group_name = _t("all_groups", lang) if group == ALL else target_group_label(group, lang)
        caption = heading(service_type_label(druh, lang)) + Element(f"<p>{escape(_t('group', lang))}: <b>{escape(group_name)}</b></p>")
        return headline, (caption + gap_table(rows, lang=lang, region=region)).html


def _map_base(r: Results) -> dict:
    """The map's shapes from the run's layers, for results written before the run wrote them (geopandas needed)."""
    from kpwork.mapdata import map_base

    return map_base(r.layer("obce"), r.layer("sluzby"), fits=r.meta["members"])


def gap_table(rows: pd.DataFrame, *, lang: str = "cs", region: dict[str, float] | None = None) -> Table:
    """Need, reachable capacity, shortfall and coverage per municipality (need and shortfall as estimates, in the type's unit).

    ``region`` (:func:`kpwork.pages.maps.region_totals`) adds a last row, the whole region, to compare each municipality with.
    """
    unit = rows["jednotka"].iloc[0] if len(rows) else None
    shown = rows[["nazev", "potreba", "kapacita_dosazitelna", "mezera", "pokryti"]]
    if region is not None:
        shown = pd.concat([shown, pd.DataFrame([{"nazev": word("whole_region", lang), **region}])], ignore_index=True)
    table = Table(shown, lang=lang, css_class="kp-table kp-gaps", cells={
        "potreba": lambda v: fmt.estimate_count(v, lang, unit),
        "kapacita_dosazitelna": lambda v: fmt.number(v, lang, 0 if abs(v) >= 10 else 1),
        "mezera": lambda v: fmt.estimate_count(v, lang, unit) if v > 0 else fmt.number(0, lang),
        "pokryti": lambda v: fmt.percent(v, lang),
    })
    if region is not None:  # the region's row is marked, as the total row of other tables
        last = table.html.rfind("<tr>")
        table.html = table.html[:last] + '<tr class="kp-region">' + table.html[last + 4:]
    return table


_CSS = """<style>
:root { --jp-widgets-font-size: 17px; --jp-widgets-inline-height: 34px; --jp-widgets-inline-label-width: 150px;
        --jp-ui-font-size1: 17px; --jp-content-font-size1: 17px; }
.kp-app { font: 17px/1.4 "DejaVu Sans", Arial, sans-serif; max-width: 1900px; }
.kp-app h1 { font-size: 26px; margin: 2px 0; } .kp-app h2 { font-size: 22px; margin: 10px 0 4px; } .kp-app h3 { font-size: 19px; margin: 8px 0 4px; }
.kp-app .widget-label, .kp-app select, .kp-app .widget-readout, .kp-app button { font-size: 17px !important; }
.kp-top { align-items: center; justify-content: space-between; }
.kp-side { padding-right: 12px; }
.kp-app .kp-headline { font-weight: bold; font-size: 18px; line-height: 1.35; margin: 10px 0 6px; }
.kp-map { width: 100%; height: calc(100vh - 100px); min-height: 420px; max-height: 900px; border: 1px solid #bbb; }
.kp-table { border-collapse: collapse; font-size: 16px; margin: 6px 0; }
.kp-table th, .kp-table td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.kp-table th:first-child, .kp-table td:first-child { text-align: left; }
.kp-table thead th { background: #f0f0f0; vertical-align: bottom; }
.kp-gaps tbody tr.kp-region td, .kp-contrib tbody tr:last-child td { border-top: 2px solid #333; font-weight: bold; }
.kp-contrib th { white-space: normal; max-width: 8.5em; }
.kp-gaps td:first-child { white-space: nowrap; } .kp-contrib td:first-child { min-width: 12em; max-width: 20em; }
.kp-app .kp-note { color: #555; font-size: 15px; line-height: 1.35; }
.kp-notice { background: #fff4d6; border-left: 6px solid #e0a800; padding: 8px 12px; }
</style>"""


class MeetingApp:
    """The widgets of the meeting page (``app(...).root`` is displayed).

    The page is built of parts, each a method returning its widgets:
    :meth:`_header` (title, language), :meth:`_map_panel` (choices, headline,
    the chosen municipality's profile, map), :meth:`_table_panel`, :meth:`_funding_widgets`; a further
    panel goes in :attr:`panels` (widgets shown after the funding panel).
    """

    def __init__(self, r: Results, *, lang: str = "cs") -> None:
        import ipywidgets as w

        self.w = w
        self.data = _MeetingData(r)
        self.lang = check_lang(lang)
        self.state = {"group": ALL, "druh": views.default_type(r), "muni": ""}
        if self.data.funding_services is not None and len(self.data.funding_services):
            first = str(self.data.funding_services.iloc[0]["sluzba_id"])
            self.state.update(service=first, method=self.data.planned_method(first), mix="", weight=0.5)
        self.panels: list = []
        self.root = w.VBox(layout=w.Layout(width="100%"))
        self.root.add_class("kp-app")
        # one toggle for the page's life, observed once: another panel of the page follows it (language_of)
        self.language = w.ToggleButtons(options=[("Čeština", "cs"), ("English", "en")], value=self.lang)
        self.language.observe(self._on_lang, names="value")
        _APPS[self.root.model_id] = self
        self._build()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.root.children = [*self._header(), *self._map_panel(), *self._table_panel(), *self._funding_widgets(), *self.panels]
        self._render_map()
        self._render_funding()

    def _header(self) -> list:
        w, lang, r = self.w, self.lang, self.data.r
        title = w.HTML(_CSS + heading(_t("heading", lang, region=r.meta["region_name"]), 1).html)
        top = w.HBox([title, self.language])
        top.add_class("kp-top")
        return [top, w.HTML(views.no_services_note(r, lang=lang).html)]

    def _map_panel(self) -> list:
        w, lang, r = self.w, self.lang, self.data.r
        wide = w.Layout(width="100%")
        self.group = w.Dropdown(description=_t("group", lang), options=self._group_options(), value=self.state["group"], layout=wide)
        self.druh = w.Dropdown(description=_t("type", lang), layout=w.Layout(width="100%"))
        self._fill_types()
        self.muni = w.Dropdown(description=_t("muni", lang), options=[(word("whole_region", lang), "")] + [(r.meta["names"][k], k) for k in r.meta["members"]],
                               value=self.state["muni"], layout=w.Layout(width="100%"))
        self.headline = w.HTML()
        self.map = w.HTML(layout=w.Layout(width="64%"))
        self.table = w.HTML()
        self.group.observe(self._on_group, names="value")
        for widget in (self.druh, self.muni):
            widget.observe(self._on_map, names="value")
        self.profile = w.HTML()
        side = w.VBox([self.group, self.druh, self.muni, self.headline, w.HTML(paragraph(_t("map_hint", lang), css_class="kp-note").html), self.profile],
                      layout=w.Layout(width="36%"))
        side.add_class("kp-side")
        return [w.HBox([side, self.map], layout=w.Layout(width="100%", align_items="flex-start"))]

    def _table_panel(self) -> list:
        """The table of municipalities, the whole region last (the chosen municipality's profile is beside the map)."""
        return [self.table]

    def _group_options(self) -> list[tuple[str, str]]:
        return [(_t("all_groups", self.lang), ALL)] + [(target_group_label(g, self.lang), g) for g in self.data.groups()]

    def _fill_types(self) -> None:
        types = self.data.types(self.state["group"])
        self.druh.options = [(service_type_label(t, self.lang), t) for t in types]
        self.druh.value = self.state["druh"] if self.state["druh"] in types else types[0]
        self.state["druh"] = self.druh.value

    def _funding_widgets(self) -> list:
        w, lang = self.w, self.lang
        title = w.HTML(heading(_t("funding", lang)).html)
        fs = self.data.funding_services
        if fs is None or not len(fs):
            return [title, w.HTML(paragraph(_t("no_funding", lang)).html)]
        self.service = w.Dropdown(description=_t("service", lang), options=[(f"{s.nazev_sluzby} ({s.sluzba_id})", s.sluzba_id) for s in fs.itertuples()],
                                  value=self.state["service"], layout=w.Layout(width="640px"))
        self.method = w.Dropdown(description=_t("method", lang), layout=w.Layout(width="500px"))
        self.mix = w.Dropdown(description=_t("mix_with", lang), layout=w.Layout(width="500px"))
        self.weight = w.FloatSlider(description=_t("weight", lang), min=0.0, max=1.0, step=0.05, value=self.state["weight"], readout_format=".0%",
                                    continuous_update=False, layout=w.Layout(width="500px"), style={"description_width": "initial"})
        self._fill_methods()
        self.plan_note = w.HTML()
        self.contrib = w.HTML()
        self.chart = w.HTML()
        self.service.observe(self._on_service, names="value")
        for widget in (self.method, self.mix, self.weight):
            widget.observe(self._on_funding, names="value")
        results = w.Box([w.VBox([self.contrib], layout=w.Layout(flex="0 1 auto", max_width="100%")), w.VBox([self.chart], layout=w.Layout(flex="1 1 380px"))],
                        layout=w.Layout(display="flex", flex_flow="row wrap", width="100%"))
        return [title, w.HBox([self.service, self.plan_note]), w.HBox([self.method, self.mix]), self.weight, results]

    def _fill_methods(self) -> None:
        """The methods of the current service; its state's method kept when the service has it, else the planned one."""
        methods = methods_of(self.data.funding, self.state["service"])
        options = [(method_label(m, self.lang), m) for m in methods]
        planned = self.data.planned_method(self.state["service"])
        method = self.state["method"] if self.state["method"] in methods else planned if planned in methods else methods[0]
        mix = self.state["mix"] if self.state["mix"] in methods else ""
        self._quiet = True
        try:
            self.method.options = options
            self.method.value = method
            self.mix.options = [(_t("none", self.lang), "")] + options
            self.mix.value = mix
        finally:
            self._quiet = False
        self.state.update(method=method, mix=mix)
        self.weight.disabled = not mix

    # -- callbacks -------------------------------------------------------------------------------

    def _on_lang(self, change) -> None:
        self.lang = change["new"]
        self._build()

    def _on_group(self, change) -> None:
        self.state["group"] = change["new"]
        self._quiet = True
        try:
            self._fill_types()
        finally:
            self._quiet = False
        self._render_map()

    def _on_map(self, change) -> None:
        if getattr(self, "_quiet", False):
            return
        self.state["druh"], self.state["muni"] = self.druh.value, self.muni.value
        self._render_map()

    def _on_service(self, change) -> None:
        """Another shared service: its planned method, no mix, everything redrawn at once."""
        self.state.update(service=change["new"], method=self.data.planned_method(change["new"]), mix="")
        self._fill_methods()
        self._render_funding()

    def _on_funding(self, change) -> None:
        if getattr(self, "_quiet", False):
            return
        self.state.update(method=self.method.value, mix=self.mix.value, weight=self.weight.value)
        self.weight.disabled = not self.mix.value
        self._render_funding()

    # -- rendering -------------------------------------------------------------------------------

    def _render_map(self) -> None:
        group, druh, muni, lang = self.state["group"], self.druh.value, self.muni.value, self.lang
        self.state.update(druh=druh, muni=muni)
        self.map.value = self.data.map(group, druh, muni or None, lang).html
        self.headline.value, self.table.value = self.data.panel(group, druh, lang)
        self.profile.value = self._profile(muni).html

    def _profile(self, muni: str) -> Element:
        lang, r = self.lang, self.data.r
        if not muni:
            return Element()
        gaps = self.data.gaps.loc[(self.data.gaps["kod_obce"] == muni) & (self.data.gaps["mezera"] > 0)]
        if self.state["group"] != ALL:
            gaps = gaps.loc[gaps["cilova_skupina"] == self.state["group"]]
        top = gaps.sort_values("mezera", ascending=False).head(5)
        if top.empty:
            shortages = paragraph(_t("no_shortage", lang))
        else:
            items = "".join(f"<li>{escape(service_type_label(g.druh, lang))} – {escape(target_group_label(g.cilova_skupina, lang))}: "
                            f"<b>{escape(fmt.estimate_count(g.mezera, lang, g.jednotka))}</b></li>" for g in top.itertuples())
            shortages = Element(f"<ul>{items}</ul>")
        return (heading(f"{_t('profile', lang)}: {r.meta['names'][muni]}") + heading(_t("inhabitants", lang), 3)
                + views.population_card(r, muni, lang=lang) + heading(_t("shortages", lang), 3) + shortages)

    def _render_funding(self) -> None:
        """Table, chart and plan of the current choice; a failing choice shows a message, never the previous numbers."""
        if self.data.funding_services is None or not len(self.data.funding_services):
            return
        lang, s = self.lang, self.state
        try:
            table = contributions(self.data.funding, s["service"], s["method"], mix_with=s["mix"], weight=s["weight"])
            pool = self.data.pools.get(s["service"], [])
            table = pool_rows(table, pool, lang=lang)
            planned = method_label(self.data.planned_method(s["service"]), lang)
            note = paragraph(_t("pool_note", lang), css_class="kp-note") if pool else Element()
            contrib = (contribution_table(table, lang=lang) + note).html
            chart = contribution_chart(table, title=_t("chart", lang), lang=lang).html
        except Exception:  # the room sees a message; the log keeps the traceback
            log.exception("funding panel: service %s, method %s, mix %s", s["service"], s["method"], s["mix"])
            self.plan_note.value, self.chart.value = "", ""
            self.contrib.value = f'<p class="kp-notice">{escape(_t("funding_failed", lang))}</p>'
            return
        self.plan_note.value = f'<p class="kp-note" style="margin-left:24px">{escape(_t("planned_method", lang, method=planned))}</p>'
        self.contrib.value = contrib
        self.chart.value = chart


def app(results_dir: str, *, lang: str = "cs"):
    """The meeting page's widgets for the run whose results are in ``results_dir``.

    When served by ``kpwork serve`` the results come from the server
    (:func:`kpwork.results.page_results_dir`), whatever ``results_dir`` says.

    Returns
    -------
    ipywidgets.VBox
        Display it (the last expression of a notebook cell).
    """
    r = views.open_results(str(page_results_dir(results_dir)))
    return MeetingApp(r, lang=lang).root


def language_of(page) -> object:
    """The language toggle of a meeting page built by :func:`app` (its ``value`` is ``"cs"`` or ``"en"``).

    Another panel of the page observes it to speak the language the room chose
    (:func:`kpwork.pages.scenarios.app`).

    Raises
    ------
    InvalidParameter
        When ``page`` is not a page :func:`app` built in this kernel.
    """
    app_ = _APPS.get(getattr(page, "model_id", ""))
    if app_ is None:
        raise InvalidParameter("not a meeting page built by kpwork.pages.meeting.app")
    return app_.language
