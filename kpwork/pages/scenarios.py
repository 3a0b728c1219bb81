"""The scenario panel of the meeting page: try changes of services and see who gains and what it costs.

Partners add a service (type, form, target groups, municipality, capacity
and unit, reach or named municipalities for a field service, yearly cost and
co-financing), change a capacity or close a service; several changes make one
scenario. After each change the panel recomputes need against reachable
capacity with the run's model (:func:`kpwork.scenarios.model.evaluate`),
draws who gains and who loses (:func:`kpwork.pages.scenario_report.delta_map`),
lists missing before and after per member, the cost and its split
(:func:`kpwork.scenarios.costs.scenario_costs`), compares up to three kept
scenarios, suggests places (:func:`kpwork.scenarios.location.suggest_locations`)
and offers the scenario as a CSV file to download (a ``data:`` link: the
page writes nothing on the server).

The region is the one the run read (``parameters.region_dir`` of its
manifest); the baseline is computed once per region and kept.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import logging
import math
import re
from pathlib import Path

import pandas as pd
import shapely
from pyproj import Transformer

from kpwork import sheets as sh
from kpwork.config import ANALYSIS_CRS, WEB_CRS
from kpwork.czech import fold
from kpwork.errors import InvalidParameter, KpworkError
from kpwork.funding import METHODS
from kpwork.manifest import read_manifest
from kpwork.pages import format as fmt
from kpwork.pages import maps
from kpwork.pages import scenario_report as report
from kpwork.pages.element import Element, Table, escape, heading, paragraph
from kpwork.pages.labels import SCENARIO, check_lang, method_label, translate, type_name, unit_name
from kpwork.pages.meeting import language_of
from kpwork.region import load_region
from kpwork.results import page_results_dir
from kpwork.scenarios.changes import Change, Scenario
from kpwork.scenarios.costs import ScenarioCosts, scenario_costs
from kpwork.scenarios.inputs import TITLE_CHARS, scenario_sheet
from kpwork.scenarios.location import suggest_locations
from kpwork.scenarios.model import Baseline, ScenarioResult, evaluate, prepare
from kpwork.taxonomy import (
    CAPACITY_UNITS,
    SERVICE_TYPES,
    form_label,
    paragraph_order,
    planning_unit,
    target_group_label,
)

log = logging.getLogger(__name__)

#: Scenarios kept side by side.
KEEP = 3
#: The form's fields kept when the panel changes language (in this order: the type sets the choices of form, groups and unit).
_FORM = ("kind", "druh", "forma", "groups", "jednotka", "obec", "seat_by", "bod", "kapacita", "dosah", "pusobnost", "naklady", "podil", "sluzba", "nova", "metoda",
         "titulek")
#: Split methods offered (``kombinace`` needs the weights of funding.csv).
PANEL_METHODS = tuple(m for m in METHODS if m != "kombinace")


_TO_KROVAK = Transformer.from_crs(WEB_CRS, ANALYSIS_CRS, always_xy=True)


def _w(key: str, lang: str, **fields: object) -> str:
    return translate(SCENARIO, key, lang, **fields)


@functools.cache
def _baseline(region_dir: str) -> Baseline:
    return prepare(load_region(region_dir))


def baseline_for(results_dir: str | Path) -> Baseline:
    """The baseline of the region a run read (its manifest's ``region_dir``), computed once per region.

    Raises
    ------
    KpworkError
        When the run has no manifest or its region cannot be read.
    """
    manifest = read_manifest(Path(results_dir).resolve().parent)
    return _baseline(str(Path(manifest["parameters"]["region_dir"]).resolve()))


def change_text(change: Change, base: Baseline, lang: str = "cs") -> str:
    """One line of the list of changes.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> base = prepare(load_region("data/otrokovicko"))
    >>> change_text(Change("zrusit", "S13"), base)
    'zrušit: Terénní programy Otrokovicko'
    """
    names = base.region.services.set_index("id")["nazev"] if len(base.region.services) else pd.Series(dtype=object)
    if change.zmena == "pridat":
        unit = change.jednotka or planning_unit(change.druh)
        return _w("change_add", lang, druh=type_name(change.druh, lang), obec=base.region.member_names()[change.kod_obce], kapacita=fmt.count(change.kapacita, lang, unit))
    title = names.get(change.sluzba_id, change.sluzba_id)
    if change.zmena == "kapacita":
        unit = base.region.services.set_index("id").loc[change.sluzba_id, "jednotka"] if change.sluzba_id in names.index else ""
        return _w("change_capacity", lang, sluzba=title, kapacita=fmt.count(change.kapacita, lang, unit))
    return _w("change_close", lang, sluzba=title)


def region_bounds(base: Baseline) -> tuple[float, float, float, float]:
    """The members' extent in EPSG:4326: ``(lon_min, lat_min, lon_max, lat_max)``."""
    shapes = base.region.municipalities.loc[list(base.region.members)]
    return tuple(float(v) for v in shapes.to_crs(WEB_CRS).total_bounds)


def parse_point(text: str) -> tuple[float, float] | None:
    """``"lat, lon"`` in degrees (dots for decimals, as the map writes it); None when it is not two finite numbers.

    Examples
    --------
    >>> parse_point("49.2118, 17.5352")
    (49.2118, 17.5352)
    >>> parse_point("49.2118") is None, parse_point("nan, 1") is None
    (True, True)
    """
    parts = text.replace(";", ",").split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        return None
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def seat_of(base: Baseline, lat: float, lon: float) -> tuple[str, tuple[float, float], bool] | None:
    """The member a seat at (lat, lon) counts for, the seat in EPSG:5514, and whether the point lies in that member.

    The member whose polygon holds the point; a point in the region's extent
    but in no member's polygon counts for the nearest member (``False``).
    None when the point lies outside the members' extent.

    Examples
    --------
    >>> from kpwork.region import load_region
    >>> base = prepare(load_region("data/otrokovicko"))
    >>> code, _, inside = seat_of(base, 49.1717, 17.5116)
    >>> base.region.member_names()[code], inside
    ('Napajedla', True)
    """
    lon0, lat0, lon1, lat1 = region_bounds(base)
    if not (lat0 <= lat <= lat1 and lon0 <= lon <= lon1):
        return None
    x, y = _TO_KROVAK.transform(lon, lat)
    point = shapely.Point(x, y)
    shapes = base.region.municipalities.loc[list(base.region.members)].geometry
    inside = shapes.index[shapes.contains(point)]
    if len(inside):
        return str(inside[0]), (float(x), float(y)), True
    return str(shapes.distance(point).idxmin()), (float(x), float(y)), False


def seat_listener(bounds: tuple[float, float, float, float]) -> str:
    """The page's side of a seat clicked on a map: a script that puts the point into the panel's point field.

    It takes a ``{kind: 'kp-seat', lat, lon}`` message only from a map frame
    of the panel (``event.source``), with two finite numbers inside
    ``bounds`` (lon_min, lat_min, lon_max, lat_max), writes them into the
    field and tells the widget (an ``input`` event), which sends them to the
    kernel; the kernel checks the point again (:func:`seat_of`).
    """
    return f"""<script>
(function () {{
  if (window.kpSeatListener) return;
  window.kpSeatListener = true;
  var B = {json.dumps(list(bounds))};
  window.addEventListener('message', function (event) {{
    var d = event.data;
    if (!d || d.kind !== 'kp-seat') return;
    var panel = document.querySelector('.kp-scenarios');
    if (!panel) return;
    var frames = panel.querySelectorAll('iframe.kp-map'), known = false;
    for (var i = 0; i < frames.length; i++) if (frames[i].contentWindow === event.source) known = true;
    var lat = d.lat, lon = d.lon;
    if (!known || typeof lat !== 'number' || typeof lon !== 'number' || !isFinite(lat) || !isFinite(lon)) return;
    if (lon < B[0] || lat < B[1] || lon > B[2] || lat > B[3]) return;
    var input = panel.querySelector('.kp-seat-point input');
    if (!input) return;
    input.value = lat.toFixed(5) + ', ' + lon.toFixed(5);
    input.dispatchEvent(new Event('input', {{bubbles: true}}));
    input.dispatchEvent(new Event('change', {{bubbles: true}}));
  }});
}})();
</script>"""


def comparison_row(name: str, result: ScenarioResult, costs: ScenarioCosts | None) -> dict:
    """A kept scenario in the comparison: its main type, covered, still missing, yearly cost, cost per one covered."""
    if result.headline.empty:
        return {"scenar": name, "druh": "", "jednotka": "", "pokryto": None, "chybi_po": None, "naklady": costs.total if costs else None, "na_pokryteho": None}
    head = result.headline.set_index("druh").loc[report.main_type(result.headline)]
    total = costs.total if costs is not None else None
    per = total / head["pokryto"] if total is not None and head["pokryto"] > 0 else None
    return {"scenar": name, "druh": head.name, "jednotka": head["jednotka"], "pokryto": head["pokryto"], "chybi_po": head["chybi_po"], "naklady": total, "na_pokryteho": per}


def comparison_table(rows: list[dict], *, lang: str = "cs") -> Element:
    """Up to :data:`KEEP` scenarios side by side."""
    if not rows:
        return paragraph(_w("compare_empty", lang))
    shown = pd.DataFrame({
        "scenar": [r["scenar"] for r in rows], "druh": [type_name(r["druh"], lang) if r["druh"] else "–" for r in rows],
        "pokryto": [fmt.count(r["pokryto"], lang, r["jednotka"]) for r in rows],
        "chybi_po": [fmt.count(r["chybi_po"], lang, r["jednotka"]) for r in rows],
        "naklady": [fmt.money(r["naklady"], lang) for r in rows], "na_pokryteho": [fmt.money(r["na_pokryteho"], lang) for r in rows],
    })
    headers = {"scenar": _w("scenar", lang), "druh": _w("druh", lang), "pokryto": _w("covered", lang), "chybi_po": _w("still_missing", lang),
               "naklady": _w("cost_year", lang), "na_pokryteho": _w("cost_per_covered", lang)}
    return Table(shown, lang=lang, headers=headers, numeric=["pokryto", "chybi_po", "naklady", "na_pokryteho"])


def download_link(scenario: Scenario, *, lang: str = "cs") -> Element:
    """A link that downloads the scenario as its CSV file (UTF-8 with BOM, ``;``: what Czech Excel opens), from the page itself."""
    text = scenario_sheet(scenario).to_csv(sep=";", index=False, lineterminator="\r\n")
    data = base64.b64encode(("\ufeff" + text).encode("utf-8")).decode("ascii")
    name = f"{file_stem(scenario.titulek) or scenario.nazev}.csv"
    style = "display:inline-block;padding:6px 14px;border:1px solid #1976d2;border-radius:3px;font-weight:bold;text-decoration:none;margin:8px 0"
    return Element(f'<a class="kp-download" style="{style}" download="{escape(name)}" href="data:text/csv;charset=utf-8;base64,{data}">{escape(_w("download", lang))}</a>'
                   f' <span class="kp-note">{escape(_w("download_hint", lang))}</span>')


def file_stem(title: str) -> str:
    """A file name for a scenario's title: ASCII letters, digits and ``_`` (what any office's file system takes).

    Examples
    --------
    >>> file_stem("Pobočka v Napajedlech / 2026")
    'pobocka_v_napajedlech_2026'
    >>> file_stem("")
    ''
    """
    return "_".join(re.findall(r"[a-z0-9]+", fold(title)))[:60].strip("_")


class ScenarioPanel:
    """The widgets of the scenario panel (``.root`` is displayed)."""

    def __init__(self, base: Baseline, *, lang: str = "cs") -> None:
        import ipywidgets as w

        self.w, self.base, self.lang = w, base, check_lang(lang)
        self.changes: list[Change] = []
        self.kept: list[dict] = []
        self.kept_numbers: list[int] = []
        self.kept_titles: list[str] = []
        self.result: ScenarioResult | None = None
        self.point: tuple[float, float] | None = None  # the seat clicked (lat, lon)
        self.seat: tuple[str, tuple[float, float], bool] | None = None  # its member, EPSG:5514 point, inside
        self.costs: ScenarioCosts | None = None
        self.root = w.VBox(layout=w.Layout(width="100%"))
        self.root.add_class("kp-scenarios")
        self._build()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        w, lang, region = self.w, self.lang, self.base.region

        def wide() -> object:  # one Layout per widget: hiding one must not hide the others
            return w.Layout(width="560px")

        self.kind = w.ToggleButtons(options=[(_w("kind_add", lang), "pridat"), (_w("kind_capacity", lang), "kapacita"), (_w("kind_close", lang), "zrusit")], value="pridat")
        types = sorted(set(self.base.need["druh"]) | set(region.services["druh"]), key=paragraph_order)
        self.druh = w.Dropdown(description=_w("type", lang), options=[(type_name(t, lang), t) for t in types], layout=wide())
        self.forma = w.Dropdown(description=_w("form", lang), layout=wide())
        self.groups = w.SelectMultiple(description=_w("groups", lang), layout=w.Layout(width="560px", height="110px"))
        members = [(name, code) for code, name in region.member_names().items()]
        self.obec = w.Dropdown(description=_w("where", lang), options=members, layout=wide())
        self.seat_by = w.ToggleButtons(description=_w("seat", lang), options=[(_w("seat_member", lang), "obec"), (_w("seat_point", lang), "bod")], value="obec")
        self.bod = w.Text(description=_w("point", lang), placeholder="49.2118, 17.5352", layout=w.Layout(width="360px"))
        self.bod.add_class("kp-seat-point")
        self.seat_note = w.HTML()
        self.point_box = w.VBox([w.HTML(paragraph(_w("point_hint", lang), css_class="kp-note").html), self.bod, self.seat_note])
        self.kapacita = w.BoundedFloatText(description=_w("capacity", lang), value=10.0, min=0.0, max=100_000.0, layout=w.Layout(width="300px"))
        self.jednotka = w.Dropdown(description=_w("unit", lang), layout=w.Layout(width="300px"))
        self.dosah = w.FloatSlider(description=_w("radius", lang), min=1.0, max=60.0, step=1.0, value=20.0, readout_format=".0f", layout=wide())
        self.pusobnost = w.SelectMultiple(description=_w("catchment", lang), options=members, layout=w.Layout(width="560px", height="110px"))
        self.naklady = w.BoundedIntText(description=_w("cost", lang), value=0, min=0, max=10**10, layout=w.Layout(width="360px"))
        self.podil = w.IntSlider(description=_w("cofinanced", lang), min=0, max=100, value=0, layout=wide())
        self.sluzba = w.Dropdown(description=_w("service_pick", lang), options=[(f"{s.nazev} ({s.id})", s.id) for s in region.services.itertuples()], layout=w.Layout(width="700px"))
        self.nova = w.BoundedFloatText(description=_w("new_capacity", lang), value=0.0, min=0.0, max=100_000.0, layout=w.Layout(width="300px"))
        self.apply = w.Button(description=_w("apply", lang), button_style="primary", layout=w.Layout(width="300px"))
        self.reset = w.Button(description=_w("reset", lang), layout=w.Layout(width="200px"))
        self.metoda = w.Dropdown(description=_w("split_method", lang), options=[(method_label(m, lang), m) for m in PANEL_METHODS], value="na_obyvatele", layout=wide())
        self.keep = w.Button(description=_w("keep", lang), layout=w.Layout(width="260px"))
        self.titulek = w.Text(description=_w("title", lang), placeholder=_w("title_hint", lang), layout=wide())
        self.suggest = w.Button(description=_w("suggest", lang), layout=w.Layout(width="260px"))
        self.message, self.listing, self.headline, self.map, self.members = (w.HTML() for _ in range(5))
        self.cost, self.split, self.download, self.compare = (w.HTML() for _ in range(4))
        self.suggestions = w.VBox()
        from IPython.display import HTML

        self.listener = w.Output(layout=w.Layout(height="0px"))  # the page's side of a clicked seat (seat_listener)
        self.listener.append_display_data(HTML(seat_listener(region_bounds(self.base))))
        self.add_form = w.VBox([self.druh, self.forma, self.groups, self.seat_by, self.obec, self.point_box, w.HBox([self.kapacita, self.jednotka]), self.dosah, self.pusobnost,
                                w.HTML(paragraph(_w("catchment_hint", lang), css_class="kp-note").html),
                                w.HBox([self.naklady, w.HTML(paragraph(_w("cost_hint", lang), css_class="kp-note").html)]), self.podil,
                                w.HBox([self.suggest]), self.suggestions])
        self.service_form = w.VBox([self.sluzba, self.nova])
        self.root.children = [
            w.HTML(heading(_w("panel", lang)).html + paragraph(_w("panel_hint", lang)).html), self.kind, self.add_form, self.service_form,
            # keep sits beside apply, above everything a change redraws: a click on it never lands while the map and tables push it down
            self.titulek, w.HBox([self.apply, self.reset, self.keep]), self.message, w.HTML(heading(_w("changes", lang), 3).html), self.listing, self.headline, self.map,
            self.members, self.metoda, self.cost, self.split, self.download, w.HTML(heading(_w("compare", lang), 3).html), self.compare, self.listener,
        ]
        self.kind.observe(self._on_kind, names="value")
        self.druh.observe(self._on_type, names="value")
        self.forma.observe(self._on_form, names="value")
        self.seat_by.observe(self._on_seat_by, names="value")
        self.bod.observe(self._on_point, names="value")
        self.sluzba.observe(self._on_service, names="value")
        self.metoda.observe(lambda _: self._render(), names="value")
        self.titulek.observe(self._on_title, names="value")
        self.apply.on_click(lambda _: self._add_change())
        self.reset.on_click(lambda _: self._reset())
        self.keep.on_click(lambda _: self._keep())
        self.suggest.on_click(lambda _: self._suggest())
        self._on_type(None)
        self._on_service(None)
        self._on_kind(None)
        self._on_seat_by(None)
        self._render()

    def set_lang(self, lang: str) -> None:
        """Speak ``lang`` ("cs" or "en"): the panel is built again, keeping its changes, kept scenarios and the form's choices."""
        lang = check_lang(lang)
        if lang == self.lang:
            return
        form = {name: getattr(self, name).value for name in _FORM}
        self.lang = lang
        self._build()
        for name, value in form.items():  # the type first: it sets the choices of the fields after it
            widget = getattr(self, name)
            if name not in ("forma", "groups", "jednotka") or all(v in dict(widget.options).values() for v in (value if isinstance(value, tuple) else (value,))):
                widget.value = value
        self.kept = [{**row, "scenar": self._kept_name(number, title)} for number, title, row in zip(self.kept_numbers, self.kept_titles, self.kept, strict=True)]
        self.compare.value = comparison_table(self.kept, lang=lang).html if self.kept else ""

    # -- callbacks -------------------------------------------------------------------------------

    def _on_kind(self, _change) -> None:
        adding = self.kind.value == "pridat"
        self.add_form.layout.display = None if adding else "none"
        self.service_form.layout.display = "none" if adding else None
        self.nova.layout.display = "none" if self.kind.value == "zrusit" else None
        self._show_map()

    def _on_seat_by(self, _change) -> None:
        picking = self.seat_by.value == "bod"
        self.obec.layout.display = "none" if picking else None
        self.point_box.layout.display = None if picking else "none"
        self._show_map()

    def _on_point(self, _change) -> None:
        lang, text = self.lang, self.bod.value.strip()
        point = parse_point(text) if text else None
        seat = seat_of(self.base, *point) if point is not None else None
        self.point, self.seat = (point, seat) if seat is not None else (None, None)
        if not text:
            self.seat_note.value = ""
        elif point is None:
            self.seat_note.value = paragraph(_w("point_bad", lang), css_class="kp-notice").html
        else:
            shown = f"{fmt.number(point[0], lang, 5)}, {fmt.number(point[1], lang, 5)}"
            if seat is None:
                self.seat_note.value = paragraph(_w("point_outside", lang, bod=shown), css_class="kp-notice").html
            else:
                name = self.base.region.member_names()[seat[0]]
                self.seat_note.value = paragraph(_w("point_in" if seat[2] else "point_near", lang, bod=shown, obec=name), css_class="kp-seat-note").html
                self.obec.value = seat[0]
        self._show_map()

    def _on_type(self, _change) -> None:
        druh, lang = self.druh.value, self.lang
        kind = SERVICE_TYPES[druh]
        self.forma.options = [(form_label(f, lang), f) for f in kind.forms]
        self.forma.value = kind.forms[0]
        groups = list(dict.fromkeys(self.base.need.loc[self.base.need["druh"] == druh, "cilova_skupina"]))
        self.groups.options = [(target_group_label(g, lang), g) for g in groups]
        self.groups.value = tuple(groups)
        units = [kind.unit] + [u for u in CAPACITY_UNITS if u != kind.unit]
        self.jednotka.options = [(unit_name(u, lang), u) for u in units]
        self.jednotka.value = kind.unit
        self._on_form(None)

    def _on_form(self, _change) -> None:
        field = self.forma.value == "terenni"
        self.dosah.layout.display = None if field else "none"
        self.pusobnost.layout.display = None if field else "none"

    def _on_service(self, _change) -> None:
        if self.sluzba.value is not None:
            self.nova.value = float(self.base.region.services.set_index("id").loc[self.sluzba.value, "kapacita"])

    def _current_change(self) -> Change:
        if self.kind.value == "pridat":
            field = self.forma.value == "terenni"
            return Change(
                "pridat", druh=self.druh.value, forma=self.forma.value, cilove_skupiny=tuple(self.groups.value), kapacita=float(self.kapacita.value),
                jednotka=self.jednotka.value, kod_obce=self._seat()[0], bod=self._seat()[1], pusobnost=tuple(self.pusobnost.value) if field else (),
                dosah_m=self.dosah.value * 1000 if field else None, naklady=float(self.naklady.value) or None, spolufinancovani=self.podil.value / 100,
            )
        return Change(self.kind.value, self.sluzba.value, kapacita=float(self.nova.value) if self.kind.value == "kapacita" else None)

    def _seat(self) -> tuple[str, tuple[float, float] | None]:
        """The new service's member and its point (None: the member's centre)."""
        if self.seat_by.value != "bod":
            return self.obec.value, None
        if self.seat is None:
            raise InvalidParameter(_w("point_missing", self.lang))
        return self.seat[0], self.seat[1]

    def _add_change(self, change: Change | None = None) -> None:
        before = self.changes
        try:
            self.changes = [*before, change or self._current_change()]
            self._render()
        except InvalidParameter as exc:
            self.changes = before
            self.keep.disabled = self.result is None  # the previous scenario stands, drawn as it was
            self.message.value = Element(f'<p class="kp-notice">{escape(_w("error", self.lang, why=str(exc)))}</p>').html
            return
        self.message.value = ""

    def _reset(self) -> None:
        self.changes = []
        self.message.value = ""
        self._render()

    def _keep(self) -> None:
        if self.result is None:
            return
        number = (self.kept_numbers[-1] if self.kept_numbers else 0) + 1
        title = self._title()
        self.kept = [*self.kept, comparison_row(self._kept_name(number, title), self.result, self.costs)][-KEEP:]
        self.kept_numbers = [*self.kept_numbers, number][-KEEP:]
        self.kept_titles = [*self.kept_titles, title][-KEEP:]
        self.compare.value = comparison_table(self.kept, lang=self.lang).html

    def _kept_name(self, number: int, title: str) -> str:
        return title or f"{_w('scenar', self.lang)} {number}"

    def _title(self) -> str:
        """The title typed, as plain text ('' and a message when it holds markup)."""
        title = " ".join(self.titulek.value.split())[:TITLE_CHARS]
        notice = paragraph(_w("title_markup", self.lang), css_class="kp-notice").html
        try:
            sh.plain_name(title)
        except ValueError:
            self.message.value = notice
            return ""
        if self.message.value == notice:  # the title was put right
            self.message.value = ""
        return title

    def _on_title(self, _change) -> None:
        if self.result is not None:  # the file to download carries the title and is named after it
            self.download.value = download_link(self._scenario(), lang=self.lang).html

    def _scenario(self) -> Scenario:
        return Scenario("scenar", tuple(self.changes), metoda=self.metoda.value, titulek=self._title())

    def _suggest(self) -> None:
        w, lang = self.w, self.lang
        change = self._current_change()
        found = suggest_locations(self.base, druh=change.druh, forma=change.forma, cilove_skupiny=change.cilove_skupiny, kapacita=change.kapacita, jednotka=change.jednotka)
        rows = [w.HTML(heading(_w("suggest_title", lang), 3).html)]
        if found.empty:
            rows.append(w.HTML(paragraph(_w("suggest_none", lang)).html))
        unit = change.jednotka or planning_unit(change.druh)
        for s in found.itertuples():
            button = w.Button(description=_w("suggest_add", lang), layout=w.Layout(width="120px"))
            button.on_click(lambda _, code=s.kod_obce: self._add_change(dataclasses.replace(change, kod_obce=code)))
            text = _w("suggest_row", lang, obec=s.nazev, pokryto=fmt.count(s.pokryto, lang, unit, digits=1))
            rows.append(w.HBox([w.HTML(f"<span>{escape(text)}</span>", layout=w.Layout(width="440px")), button]))
        self.suggestions.children = rows

    # -- rendering -------------------------------------------------------------------------------

    def _render(self) -> None:
        lang = self.lang
        self.keep.disabled = True  # until the scenario is evaluated and drawn (enabled last, after every output)
        if not self.changes:
            self.result = self.costs = None
            self.listing.value = paragraph(_w("no_changes", lang)).html
            for out in (self.headline, self.map, self.members, self.cost, self.split, self.download):
                out.value = ""
            self._show_map()
            return
        scenario = self._scenario()
        self.result = evaluate(self.base, scenario)  # raises before anything is shown
        items = "".join(f"<li>{escape(change_text(c, self.base, lang))}</li>" for c in self.changes)
        self.listing.value = f"<ol>{items}</ol>"
        if self.result.headline.empty:  # a type without estimated need: nothing to compare capacity with
            self.headline.value = paragraph(_w("no_need", lang), css_class="kp-notice").html
            self.members.value = ""
            self._show_map()
        else:
            self._draw(lang)
        self._costs(lang)
        self.download.value = download_link(scenario, lang=lang).html
        self.keep.disabled = False

    def _draw(self, lang: str) -> None:
        self.headline.value = report.headline_of(self.result.headline, lang=lang).html
        self._show_map()
        self.members.value = report.members_of(self.result.members, lang=lang).html

    def _show_map(self) -> None:
        """The delta map of the scenario; while a seat is picked on the map, a map to click on and the seat marked."""
        if not hasattr(self, "map"):  # observers fire while the panel is being built
            return
        lang, region = self.lang, self.base.region
        picking = self.kind.value == "pridat" and self.seat_by.value == "bod"
        shapes = region.municipalities.loc[list(region.members)].reset_index()
        if self.result is not None and not self.result.headline.empty:
            druh = report.main_type(self.result.headline)
            services = self.result.services.loc[self.result.services["druh"] == druh]  # the type drawn: a map of 200 members stays light
            m = report.delta_map(shapes, services, self.result.members, druh=druh, lang=lang)
        elif picking:
            services = region.services.loc[region.services["druh"] == self.druh.value]
            plain = pd.Series(maps.NO_DATA_COLOUR, index=shapes["kod_obce"].astype(str))
            m = maps.value_map(shapes, services, plain, plain.map(lambda _: ""), title=_w("pick_title", lang), legend=[], tip_label=_w("where", lang), lang=lang)
        else:
            self.map.value = ""
            return
        if picking:
            maps.pick_seat(m, self.point, tip=_w("seat_marker", lang))
        self.map.value = maps.embed(m, lang=lang).html

    def _costs(self, lang: str) -> None:
        try:
            self.costs = scenario_costs(self.base, self.result)
        except KpworkError:
            self.costs = None
            self.cost.value, self.split.value = paragraph(_w("cost_unknown", lang), css_class="kp-notice").html, ""
        else:
            self.cost.value = report.costs_of(self.costs.changes, lang=lang).html
            self.split.value = report.split_of(self.costs.split, self.costs.changes, lang=lang).html


def app(results_dir: str, *, lang: str = "cs", page=None):
    """The scenario panel for the run whose results are in ``results_dir`` (as :func:`kpwork.pages.meeting.app`).

    Parameters
    ----------
    results_dir
        The run's results (the server's, when served).
    lang
        The language the panel starts in.
    page
        The meeting page (:func:`kpwork.pages.meeting.app`) whose language toggle the panel follows.

    Returns
    -------
    ipywidgets.Widget
        The panel, or a note when the run's region cannot be read.
    """
    import ipywidgets as w

    try:
        base = baseline_for(page_results_dir(results_dir))
    except KpworkError as exc:  # a run without a manifest (or its region moved): the rest of the page still works
        log.info("no scenario panel: %s", exc)
        return w.HTML(paragraph(_w("unavailable", lang), css_class="kp-note").html)
    panel = ScenarioPanel(base, lang=lang)
    if page is not None:
        toggle = language_of(page)
        panel.set_lang(toggle.value)
        toggle.observe(lambda change: panel.set_lang(change["new"]), names="value")
    return panel.root
