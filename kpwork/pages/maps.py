"""Web maps of a region that work with no internet.

folium loads Leaflet (and jQuery, Bootstrap, ...) from CDNs by default;
village halls and test machines are offline, so :func:`offline_map` drops
those links and inlines Leaflet's JavaScript and CSS (with its images as
data URIs) from the ``xstatic-leaflet`` package installed at set-up. Only
base-map tiles are optional: without a ``tiles`` URL the municipalities are
drawn on a plain background.

Maps are drawn in EPSG:4326 from layers kept in EPSG:5514, with geometry
simplified to keep the HTML light (:mod:`kpwork.mapdata`). The planning map
(:func:`region_map`; :func:`planning_data` and :func:`focus_map`) is written without folium, from
shapes prepared once (the run writes them for the meeting page): building
it needs pandas only; folium and geopandas are imported by the functions
that draw from layers (:func:`offline_map`, :func:`value_map`).

:func:`region_map` answers the meeting's question, where the need of a
service type is not covered: municipalities coloured by the shortfall
(switchable to coverage in percent or need), compared with the whole region
in their tooltips, a headline "Nejvíce chybí: …", the services of the type
on top. Several types can go in one map with a list to pick from. Every text
that comes from data (names of municipalities, services, providers,
contacts) is escaped or set as text, and :func:`embed` puts the map into a
sandboxed ``<iframe>`` (scripts, but no access to the page around it), so
markup in a name can never run.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import branca.element
import numpy as np
import pandas as pd

from kpwork.disclosure import is_small
from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages.classes import (
    NEED_COLOURS,
    NO_DATA_COLOUR,
    SHORTFALL_COLOURS,
    count_classes,
    coverage_classes,
)
from kpwork.pages.element import Element, frame
from kpwork.pages.labels import LOAD_BASES, LOAD_STATES, check_lang, label, unit_name, word
from kpwork.taxonomy import FORMS, form_label, planning_unit, service_type_label

if TYPE_CHECKING:  # folium and geopandas are imported where a map is built from layers
    import folium
    import geopandas as gpd

#: Colours of service markers by form (Okabe–Ito: told apart with any colour vision, visible on the choropleths).
FORM_COLOURS = {"pobytova": "#0072B2", "ambulantni": "#CC79A7", "terenni": "#009E73"}


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS as text, images inlined as data URIs."""
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - installed with kpwork
        raise InvalidParameter("the package xstatic-leaflet is missing; run `make setup` (it serves Leaflet offline)") from exc
    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(name: str) -> str:
        return "data:image/png;base64," + base64.b64encode((base / name).read_bytes()).decode("ascii")

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", lambda match: f"url({data_uri(match.group(1))})", css)
    # a sourceMappingURL would make browsers ask for a file that is not there
    js = re.sub(r"//# sourceMappingURL=.*$", "", js, flags=re.M)
    # the default marker icon: Leaflet would ask for images/marker-icon.png next to the page
    icons = {key: data_uri(f"images/{name}") for key, name in _DEFAULT_ICON.items()}
    js += "\nL.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions(" + json.dumps(icons) + ");\n" + _FIT_ON_RESIZE
    return js, css


#: ``L.kpFitOnResize(map, fit)``: call ``fit`` now and whenever the map's frame
#: gets or changes its size, until the reader moves the map. A frame laid out
#: after the map's script ran (widgets, a panel redrawn, a notebook's output
#: below the fold, which Chromium renders only once scrolled to) gives Leaflet
#: a zero-sized map: its fit lands on zoom 0, the whole region in one pixel.
#: Both kinds of map call it: the planning map (``map.js``) and folium's.
_FIT_ON_RESIZE = """L.kpFitOnResize = function (map, fit) {
  var c = map.getContainer(), moved = false;
  ['mousedown', 'wheel', 'touchstart', 'keydown'].forEach(function (e) { c.addEventListener(e, function () { moved = true; }, true); });
  function refit() { if (!moved && c.clientWidth > 0 && c.clientHeight > 0) { map.invalidateSize(); fit(); } }
  refit();
  if (window.ResizeObserver) { new ResizeObserver(refit).observe(c); } else { window.addEventListener('resize', refit); }
};
"""


#: Images of Leaflet's default marker icon, by option of ``L.Icon.Default``.
_DEFAULT_ICON = {"iconUrl": "marker-icon.png", "iconRetinaUrl": "marker-icon-2x.png", "shadowUrl": "marker-shadow.png"}


def offline_map(bounds: tuple[float, float, float, float], *, tiles: str | None = None, attribution: str | None = None) -> folium.Map:
    """An empty folium map with Leaflet inlined and no CDN links.

    Parameters
    ----------
    bounds
        (lon_min, lat_min, lon_max, lat_max) to fit the view to.
    tiles
        Optional XYZ tile URL (e.g. a local tile server); none by default.
    """
    import folium

    lon0, lat0, lon1, lat1 = bounds
    m = folium.Map(location=[(lat0 + lat1) / 2, (lon0 + lon1) / 2], tiles=None, control_scale=False, zoom_start=11, zoom_snap=0.25)
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    root = m.get_root()
    root.header.add_child(_Verbatim(f"<style>{css}</style>"), name="leaflet_css_inline")
    root.header.add_child(_Verbatim(f"<script>{js}</script>"), name="leaflet_js_inline")
    root.header.add_child(_Verbatim(_PAGE_CSS), name="kpwork_map_css")
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or "tiles", name="podklad", overlay=False, control=False).add_to(m)
    m.fit_bounds([[lat0, lon0], [lat1, lon1]])
    m.add_child(_FitOnResize([[lat0, lon0], [lat1, lon1]]))
    return m


class _FitOnResize(branca.element.MacroElement):
    """Fit a folium map to its bounds now and whenever its frame gets or changes its size (``L.kpFitOnResize``)."""

    _template = branca.element.Template(
        "{% macro script(this, kwargs) %}L.kpFitOnResize({{ this._parent.get_name() }},"
        " function () { {{ this._parent.get_name() }}.fitBounds({{ this.bounds }}); });{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "KpworkFit"
        self.bounds = _script_json(bounds)


class _Verbatim(branca.element.Element):
    """Text that goes into the map's document as it is.

    branca compiles the text of an ``Element`` as a Jinja template, and
    folium's elements wrap their rendered scripts in one more: data in them
    would be template code (a name ``{{ ... }}`` runs Python in the run), and
    a big region's data or Leaflet itself would be compiled on every map.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


def _text(value: object) -> str:
    """Text from data as HTML for folium's own elements: escaped, and braces as entities.

    folium renders its scripts and popups and then compiles them once more as
    Jinja templates (:class:`_Verbatim`), so ``{{``, ``{%`` and ``{#`` must
    not survive: the reader still sees the braces.

    Examples
    --------
    >>> _text("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;'
    """
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


_PAGE_CSS = """<style>
.leaflet-container { background: #f4f1ea; font: 14px/1.35 "DejaVu Sans", Arial, sans-serif; }
.kp-legend, .kp-ctrl, .kp-headline { background: rgba(255,255,255,.94); padding: 6px 10px; border-radius: 4px;
  font: 13px/1.35 "DejaVu Sans", Arial, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.kp-legend b, .kp-ctrl b { display: block; margin: 2px 0 3px; max-width: 240px; }
.kp-legend i, .kp-ctrl i { display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px; border: 1px solid #777; }
.kp-legend .kp-dot, .kp-ctrl .kp-dot { border-radius: 50%; border-color: #fff; }
.kp-ctrl label { display: block; cursor: pointer; white-space: nowrap; }
.kp-ctrl input { margin: 0 6px 0 0; vertical-align: -1px; }
.kp-ctrl select { display: block; max-width: 250px; font-size: 13px; margin-bottom: 4px; }
.kp-headline { font-weight: bold; font-size: 14px; max-width: 460px; }
.kp-name { font: bold 12px "DejaVu Sans", Arial, sans-serif; color: #222; text-align: center; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; background: none; border: 0; }
.kp-tip th { text-align: left; padding-right: 8px; font-weight: normal; color: #444; }
.kp-tip td { text-align: right; }
</style>"""



#: What a choropleth can show, in the order of the map's switch; the first is shown first.
MEASURES = ("mezera", "pokryti", "potreba")


def region_map(
    municipalities: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    gaps: pd.DataFrame,
    *,
    druh: str,
    types: Sequence[str] | None = None,
    access: pd.DataFrame | None = None,
    load: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    focus: str | None = None,
    headline: bool = True,
    lang: str = "cs",
    tiles: str | None = None,
) -> MapDocument:
    """The planning map: where the need of a service type is not covered.

    Parameters
    ----------
    municipalities
        Polygons with ``kod_obce``, ``nazev`` (EPSG:5514 or any CRS): the
        members, or any subset of them (a municipality and its neighbours).
    services
        Points with ``id``, ``nazev``, ``poskytovatel``, ``druh``, ``forma``,
        ``kapacita``, ``jednotka`` and optional contact columns; each type's
        map shows the services of that type.
    gaps
        Need and coverage per municipality and type: ``kod_obce``, ``druh``,
        ``potreba``, ``kapacita_dosazitelna``, ``mezera``, ``pokryti`` (the
        run's ``mezery_obce``, or one target group's rows of ``mezery``).
    druh
        The service type (paragraph code) drawn first.
    types
        Service types the reader can pick from a list in the map (``druh``
        among them; in this order); by default only ``druh``, and no list.
    access
        Optional accessibility table (``kod_obce``, ``druh``, ``vzdalenost_nejblizsi_m``):
        the distance to the nearest service in tooltips.
    load
        Optional service load (``sluzba_id``, ``klienti``, ``vytizeni``, ``stav``).
    reference
        The whole region per type (``druh``, ``jednotka``, ``potreba``,
        ``kapacita_dosazitelna``, ``mezera``, ``pokryti``; the run's
        ``mezery_region``), that each municipality is compared with; by
        default the sum of ``gaps`` over the municipalities drawn.
    focus
        ``kod_obce`` to zoom to (with its neighbours' names in view) and outline.
    headline
        Show "Nejvíce chybí: …" in the map (pages that show it above the map leave it out).
    lang
        ``"cs"`` (default) or ``"en"``.
    tiles
        Optional XYZ tile URL (e.g. a local tile server); none by default.

    Returns
    -------
    MapDocument
        One layer of municipalities coloured by shortfall (first), coverage
        in percent or need, switched in the map; services by form above it
        in every view; legends, tooltips and popups in Czech (or English),
        every text from data escaped; no external resources.

    See Also
    --------
    planning_data, focus_map : the same map from :func:`kpwork.mapdata.map_base` (the run's ``mapa_web.json``).
    """
    from kpwork.mapdata import map_base

    check_lang(lang)
    codes = municipalities["kod_obce"] if "kod_obce" in municipalities.columns else municipalities.index
    if focus is not None and focus not in set(codes.astype(str)):
        raise InvalidParameter(f"kod_obce {focus} is not a member of the region")
    base = map_base(municipalities, services, fits=[focus] if focus is not None else None)
    data = planning_data(base, gaps, druh=druh, lang=lang, types=types, reference=reference, access=access, load=load, headline=headline)
    return focus_map(base, data, focus=focus, tiles=tiles)


def planning_data(
    base: Mapping[str, Any],
    gaps: pd.DataFrame,
    *,
    druh: str,
    lang: str = "cs",
    types: Sequence[str] | None = None,
    reference: pd.DataFrame | None = None,
    access: pd.DataFrame | None = None,
    load: pd.DataFrame | None = None,
    headline: bool = True,
) -> dict[str, Any]:
    """The data of :func:`region_map` but its view, on shapes prepared before (:func:`kpwork.mapdata.map_base`).

    Colours, legends, tooltips and services of each type: pandas only, no
    geometry work. The same for every municipality zoomed to: a page that
    zooms keeps it and gives it to :func:`focus_map` (a region of 200 members
    formats a thousand numbers for its tooltips). A page served in a meeting
    reads ``base`` from the run's results (:func:`kpwork.mapdata.read_map_base`).
    """
    check_lang(lang)
    types = list(dict.fromkeys([*(types or []), druh])) if druh not in (types or []) else list(dict.fromkeys(types))
    names = pd.DataFrame(base["municipalities"])
    points = _with_load(_service_frame(base), load)
    data = {
        "types": [{"code": t, "label": service_type_label(t, lang)} for t in types],
        "measures": [{"key": k, "label": word(f"layer_{_LAYER_WORDS[k]}", lang)} for k in MEASURES],
        "forms": [{"key": f, "label": form_label(f, lang), "colour": FORM_COLOURS[f]} for f in FORMS],
        "text": {"type": word("druh", lang), "layer": word("map_layer", lang), "services": word("map_services", lang), "tip": [word(c, lang) for c in _TIP_ROWS]},
        "areas": base["areas"],
        "names": base["names"],
        "info": {t: _type_info(names, gaps, access, reference, points, t, lang) for t in types},
        "initial": druh,
        "headline": headline,
        "noData": NO_DATA_COLOUR,
    }
    return data


def focus_map(base: Mapping[str, Any], data: Mapping[str, Any], *, focus: str | None = None, tiles: str | None = None) -> MapDocument:
    """The map of :func:`planning_data`, zoomed to the whole region or to ``focus`` (a view of the base) with its neighbours."""
    if focus is not None and focus not in base["focus"]:
        raise InvalidParameter(f"kod_obce {focus} is not a member of the region")
    shown = {**data, "focus": focus, "fit": base["fit"] if focus is None else base["focus"][focus]}
    return MapDocument(tuple(base["bounds"]), _script().replace("__MAP__", MapDocument.NAME).replace("__DATA__", _packed(shown)), tiles=tiles)


class MapDocument:
    """A planning map as one standalone HTML document: Leaflet inlined, the map's script and data.

    The same page folium would write for :func:`offline_map` plus the
    map's script, written without folium (a meeting's kernel builds maps
    often and imports little). :func:`map_html` gives the text,
    :func:`embed` the sandboxed frame.
    """

    #: The map's element id and its variable in the script.
    NAME = "kp_map"

    def __init__(self, bounds: tuple[float, float, float, float], script: str, *, tiles: str | None = None) -> None:
        self.bounds, self.script, self.tiles = bounds, script, tiles

    def render(self) -> str:
        """The whole document."""
        js, css = leaflet_assets()
        lon0, lat0, lon1, lat1 = self.bounds
        centre = json.dumps([(lat0 + lat1) / 2, (lon0 + lon1) / 2])
        tiles = f"L.tileLayer({json.dumps(self.tiles)}, {{attribution: 'tiles'}}).addTo({self.NAME});\n" if self.tiles else ""
        return _DOCUMENT.format(css=css, js=js, page_css=_PAGE_CSS, name=self.NAME, centre=centre, tiles=tiles,
                                bounds=json.dumps([[lat0, lon0], [lat1, lon1]]), script=self.script)


#: The frame of :class:`MapDocument` (folium's page for an empty map, without its CDN links).
_DOCUMENT = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="content-type" content="text/html; charset=UTF-8" />
<style>{css}</style>
<script>{js}</script>
{page_css}
<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />
<style>html, body {{ width: 100%; height: 100%; margin: 0; padding: 0; }}
#{name} {{ position: relative; width: 100%; height: 100%; left: 0; top: 0; }}
.leaflet-container {{ font-size: 1rem; }}</style>
<script>L_NO_TOUCH = false; L_DISABLE_3D = false;</script>
</head>
<body>
<div class="folium-map" id="{name}"></div>
</body>
<script>
var {name} = L.map("{name}", {{center: {centre}, crs: L.CRS.EPSG3857, zoom: 11, zoomControl: true, preferCanvas: false, zoomSnap: 0.25}});
{tiles}{name}.fitBounds({bounds}, {{}});
{script}
</script>
</html>
"""


def value_map(
    municipalities: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    colours: pd.Series,
    tips: pd.Series,
    *,
    title: str,
    legend: Sequence[tuple[str, str]],
    tip_label: str,
    lang: str = "cs",
) -> folium.Map:
    """A map of one value per municipality computed elsewhere (a scenario's gains): colours, names, services.

    Parameters
    ----------
    municipalities
        Polygons with ``kod_obce`` and ``nazev`` (any CRS).
    services
        Points as for :func:`region_map`, drawn above the municipalities.
    colours, tips
        Fill colour and tooltip text of each municipality, indexed by ``kod_obce``
        (no value: :data:`NO_DATA_COLOUR` and an empty text).
    title, legend, tip_label
        The legend's title and rows ``(text, colour)``; the tooltip's label of the value.

    Every text is escaped before it reaches the map: names and values are
    shown as text, never run as markup.
    """
    import folium

    from kpwork.mapdata import service_table, web_shapes

    check_lang(lang)
    polys = web_shapes(municipalities.reset_index() if "kod_obce" not in municipalities.columns else municipalities)
    codes = polys["kod_obce"].astype(str)
    polys = polys.assign(
        _barva=codes.map(colours).fillna(NO_DATA_COLOUR).to_numpy(),
        _tip=[_rows_html([(word("nazev", lang), n), (tip_label, v)]) for n, v in zip(polys["nazev"], codes.map(tips).fillna(""), strict=True)],
    )
    lon0, lat0, lon1, lat1 = polys.total_bounds
    m = offline_map((lon0, lat0, lon1, lat1))
    folium.GeoJson(
        polys[["kod_obce", "_barva", "_tip", "geometry"]].to_json(drop_id=True),
        name=title,
        style_function=lambda f: {"fillColor": f["properties"]["_barva"], "color": "#555", "weight": 1, "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, localize=False, sticky=True),
    ).add_to(m)
    for point, name in zip(polys.geometry.representative_point(), polys["nazev"], strict=True):
        label_html = f'<div class="kp-name">{_text(name)}</div>'
        folium.Marker([point.y, point.x], icon=folium.DivIcon(html=label_html, icon_size=(120, 18), icon_anchor=(60, 9)), interactive=False).add_to(m)
    for _, s in service_table(services).iterrows():  # added after the polygons: drawn above them
        folium.CircleMarker([s["lat"], s["lon"]], radius=7, color="#ffffff", weight=1.5, fill=True, fill_color=FORM_COLOURS[s["forma"]],
                            fill_opacity=0.95, tooltip=_text(s["nazev"])).add_child(_Popup(_popup(s, lang))).add_to(m)
    m.get_root().html.add_child(_Verbatim(f'<div class="kp-legend" style="position:absolute;left:10px;bottom:24px;z-index:1000">{_legend(title, list(legend))}</div>'))
    _stable_ids(m)
    return m


#: Map data above this many bytes of JSON go into the page gzipped (a country's: 14 MB -> 2 MB).
PACK_BYTES = 1_000_000


def _packed(data: object) -> str:
    """The map's data for its script: JSON, or above :data:`PACK_BYTES` a base64 string of the gzipped JSON.

    ``map.js`` unpacks the string with the browser's own ``DecompressionStream``.
    gzip without a time stamp keeps the page byte-identical across runs.
    """
    text = _script_json(data)
    if len(text) <= PACK_BYTES:
        return text
    return '"' + base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii") + '"'


class _Popup(branca.element.MacroElement):
    """A popup of escaped HTML bound to its parent marker by Leaflet alone (folium's ``Popup`` needs jQuery, which offline maps leave out)."""

    _template = branca.element.Template("{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.bindPopup({{ this.text }}, {maxWidth: 320});{% endmacro %}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self._name = "KpworkPopup"
        self.text = _script_json(content)


class _SeatScript(branca.element.MacroElement):
    """A click on the map tells the page around it where: ``{kind: 'kp-seat', lat, lon}`` to the parent window."""

    _template = branca.element.Template(
        "{% macro script(this, kwargs) %}(function () { var map = {{ this._parent.get_name() }};"
        " map.getContainer().style.cursor = 'crosshair';"
        " map.on('click', function (e) { window.parent.postMessage({kind: 'kp-seat', lat: e.latlng.lat, lon: e.latlng.lng}, '*'); });"
        " })();{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "KpworkSeat"


def pick_seat(m: folium.Map, seat: tuple[float, float] | None, *, tip: str) -> folium.Map:
    """Let a click on ``m`` choose a seat, and mark ``seat`` (lat, lon in EPSG:4326) when there is one.

    The map, sandboxed in its frame (:func:`embed`), can only post the clicked
    point to the page around it; the page checks where the message came from
    and what it holds (:func:`kpwork.pages.scenarios.seat_listener`).
    """
    import folium

    m.add_child(_SeatScript())
    if seat is not None:
        pin = ('<div class="kp-seat" style="width:18px;height:18px;border-radius:50% 50% 50% 0;background:#d7191c;border:3px solid #fff;'
               'box-shadow:0 0 3px #000;transform:rotate(-45deg)"></div>')
        folium.Marker(list(seat), tooltip=_text(tip), z_index_offset=1000, icon=folium.DivIcon(html=pin, icon_size=(24, 24), icon_anchor=(12, 26))).add_to(m)
    _stable_ids(m)
    return m


_LAYER_WORDS = {"mezera": "shortfall", "pokryti": "coverage", "potreba": "need"}


def _script_json(data: object) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>`` or comment can close it, whatever the data says."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _in_unit(rows: pd.DataFrame, druh: str, unit: str) -> pd.DataFrame:
    """The rows of one type in its planning unit (capacity in other units is not mapped against need)."""
    chosen = rows["druh"].astype(str) == druh
    if "jednotka" in rows:
        chosen &= rows["jednotka"] == unit
    return rows.loc[chosen]


def _type_info(polys: pd.DataFrame, gaps: pd.DataFrame, access: pd.DataFrame | None, reference: pd.DataFrame | None,
               points: pd.DataFrame, druh: str, lang: str) -> dict:
    """Colours, legends, tooltips, headline and services of one type, every text escaped."""
    unit = planning_unit(druh)
    rows = _in_unit(gaps, druh, unit)
    if rows["kod_obce"].duplicated().any():
        raise InvalidParameter("gaps must have one row per municipality, type and unit (mezery_obce, or the rows of one target group)")
    table = polys[["kod_obce", "nazev"]].merge(rows[["kod_obce", "potreba", "kapacita_dosazitelna", "mezera", "pokryti"]], on="kod_obce", how="left")
    if access is not None and len(access) and "vzdalenost_nejblizsi_m" in access:
        nearest = _in_unit(access, druh, unit)
        if nearest["kod_obce"].duplicated().any():  # a member twice would shift every colour and tooltip after it
            raise InvalidParameter("access must have one row per municipality, type and unit (dostupnost)")
        table = table.merge(nearest[["kod_obce", "vzdalenost_nejblizsi_m"]], on="kod_obce", how="left")
    else:
        table["vzdalenost_nejblizsi_m"] = np.nan
    region = region_totals(table if reference is None else _in_unit(reference, druh, unit))
    type_name = service_type_label(druh, lang)
    units = unit_name(unit, lang)
    layers = {
        "mezera": (word("map_shortfall", lang, druh=type_name, unit=units), count_classes(table["mezera"], SHORTFALL_COLOURS, zero=word("nothing_missing", lang), lang=lang)),
        "pokryti": (word("map_coverage", lang, druh=type_name), coverage_classes(table["pokryti"], lang=lang)),
        "potreba": (word("map_need_unit", lang, druh=type_name, unit=units), count_classes(table["potreba"], NEED_COLOURS, zero=word("no_need", lang), lang=lang)),
    }
    palette = list(dict.fromkeys(c for _, classes in layers.values() for c in classes.colours))
    colour_index = {c: i for i, c in enumerate(palette)}
    return {
        # in the order of the map's municipalities: a palette and one small number per municipality and layer
        "palette": palette,
        "colours": {k: [colour_index[c] for c in classes.colours] for k, (_, classes) in layers.items()},
        "legends": {k: _legend(title, classes.legend) for k, (title, classes) in layers.items()},
        # the values of the tooltip's rows (the map's text.tip), set as text by map.js
        "tips": [_tooltip(row, unit, lang) for row in table.itertuples()],
        "coverage": word("vs_region", lang, value="{v}", region=fmt.percent(region["pokryti"], lang)),
        "headline": _text(headline(table, unit, lang=lang, region=region)),
        "services": [_service(s, lang) for _, s in points.loc[points["druh"].astype(str) == druh].iterrows()],
    }



def region_totals(rows: pd.DataFrame) -> dict[str, float]:
    """Need, reachable capacity, shortfall and coverage of the rows taken together (one type, one unit).

    The row of a whole region (one row of ``mezery_region``, no ``kod_obce``)
    is taken as the run computed it; rows of municipalities (a target group's
    rows of ``mezery``) are added up.

    Examples
    --------
    >>> region_totals(pd.DataFrame({"potreba": [30.0, 10.0], "kapacita_dosazitelna": [20.0, 10.0]}))
    {'potreba': 40.0, 'kapacita_dosazitelna': 30.0, 'mezera': 10.0, 'pokryti': 0.75}
    """
    columns = ("potreba", "kapacita_dosazitelna", "mezera", "pokryti")
    if len(rows) == 1 and set(columns) <= set(rows.columns) and "kod_obce" not in rows:
        return {c: float(rows[c].iloc[0]) for c in columns}
    need = float(rows["potreba"].sum())
    capacity = float(rows["kapacita_dosazitelna"].sum())
    return {"potreba": need, "kapacita_dosazitelna": capacity, "mezera": need - capacity, "pokryti": capacity / need if need > 0 else float("nan")}


def headline(rows: pd.DataFrame, unit: str, *, lang: str = "cs", region: dict[str, float] | None = None, n: int = 3) -> str:
    """"V celém regionu chybí …; Nejvíce chybí: Otrokovice (372 klientů), …" for rows of one type (``nazev``, ``mezera``).

    Examples
    --------
    >>> t = pd.DataFrame({"nazev": ["A", "B", "C"], "mezera": [12.0, -3.0, 0.4]})
    >>> headline(t, "klienti").replace("\\xa0", " ")
    'Nejvíce chybí: A (12 klientů), C (0,4 klienta)'
    """
    short = rows.loc[rows["mezera"] > 0].sort_values("mezera", ascending=False, kind="stable").head(n)
    parts = []
    if region is not None and not fmt.missing(region["pokryti"]):
        share = fmt.percent(region["pokryti"], lang)
        parts.append(word("region_missing", lang, amount=fmt.estimate_count(region["mezera"], lang, unit), share=share) if region["mezera"] > 0
                     else word("region_covered", lang, share=share))
    places = ", ".join(f"{name} ({fmt.estimate_count(v, lang, unit)})" for name, v in zip(short["nazev"], short["mezera"], strict=True))
    parts.append(word("most_missing", lang, places=places) if places else word("nothing_missing_anywhere", lang))
    return " ".join(parts)


#: The rows of a municipality's tooltip, by their word in :mod:`kpwork.pages.labels`.
_TIP_ROWS = ("mezera", "pokryti", "potreba", "kapacita_dosazitelna", "vzdalenost_nejblizsi_m")


def _tooltip(row, unit: str, lang: str) -> list[str]:
    """The values of a municipality's tooltip rows (:data:`_TIP_ROWS`); coverage goes into the type's ``coverage`` text."""
    shortfall = row.mezera if fmt.missing(row.mezera) else max(row.mezera, 0.0)
    return [
        fmt.estimate_count(shortfall, lang, unit),
        fmt.percent(row.pokryti, lang),
        fmt.estimate_count(row.potreba, lang, unit),
        fmt.count(row.kapacita_dosazitelna, lang, unit, digits=0 if fmt.missing(row.kapacita_dosazitelna) or abs(row.kapacita_dosazitelna) >= 10 else 1),
        fmt.number(row.vzdalenost_nejblizsi_m / 1000, lang, 1),
    ]


def _rows_html(rows: list[tuple[str, object]]) -> str:
    body = "".join(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows)
    return f'<table class="kp-tip">{body}</table>'


def _legend(title: str, rows: list[tuple[str, str]], *, dots: bool = False) -> str:
    cls = ' class="kp-dot"' if dots else ""
    items = "".join(f'<div><i{cls} style="background:{_text(c)}"></i>{_text(text)}</div>' for text, c in rows)
    return f"<b>{_text(title)}</b>{items}"


def _service_frame(base: Mapping[str, Any]) -> pd.DataFrame:
    """The services of a map's base as a table, codes as text."""
    from kpwork.mapdata import service_points

    return service_points(base)


def _with_load(points: pd.DataFrame, load: pd.DataFrame | None) -> pd.DataFrame:
    if load is not None and len(load):
        points = points.merge(load[[c for c in ("sluzba_id", "klienti", "vytizeni", "vytizeni_zaklad", "stav") if c in load]], left_on="id", right_on="sluzba_id", how="left")
    return points


def _service(s: pd.Series, lang: str) -> dict:
    return {"lat": round(float(s["lat"]), 6), "lon": round(float(s["lon"]), 6), "forma": s["forma"], "tip": _text(s["nazev"]), "popup": _popup(s, lang)}


def _popup(s: pd.Series, lang: str) -> str:
    rows = [
        (word("poskytovatel", lang), s.get("poskytovatel", "")),
        (word("druh", lang), service_type_label(s["druh"], lang)),
        (word("forma", lang), form_label(s["forma"], lang)),
        (word("kapacita", lang), fmt.count(s["kapacita"], lang, s.get("jednotka"))),
    ]
    if is_small(s.get("klienti")):  # with the capacity shown, a percentage or a state would give the clients back
        rows.append((word("vytizeni", lang), fmt.real_count(s["klienti"], lang, "klient")))
    elif "vytizeni" in s and not fmt.missing(s.get("vytizeni")):
        basis = f"; {label(LOAD_BASES, s.get('vytizeni_zaklad'), lang)}" if isinstance(s.get("vytizeni_zaklad"), str) else ""
        rows.append((word("vytizeni", lang), f"{fmt.percent(s['vytizeni'], lang)} ({label(LOAD_STATES, s.get('stav'), lang)}{basis})"))
    contact = ", ".join(str(s[c]) for c in ("adresa", "telefon", "email", "web", "kontakt") if c in s and isinstance(s[c], str) and s[c])
    if contact:
        rows.append((word("kontakt", lang), contact))
    return f"<b>{_text(s['nazev'])}</b>" + _rows_html(rows)


@functools.cache
def _script() -> str:
    """The map's behaviour (``map.js`` beside this module): one layer of municipalities restyled."""
    return (Path(__file__).with_name("map.js")).read_text(encoding="utf-8")


def _stable_ids(m: folium.Map) -> None:
    """Number the map's elements in order instead of branca's random ids.

    The same inputs then give byte-identical HTML, which an evaluator can
    compare across runs. Called once every element is added and before any
    script refers to an element by name.
    """
    counter = 0

    def visit(element) -> None:
        nonlocal counter
        counter += 1
        element._id = f"{counter:032x}"
        # templates name children by their key in _children: rename the keys that were names
        renamed = {}
        for key, child in list(element._children.items()):
            old = child.get_name()
            visit(child)
            renamed[child.get_name() if key == old else key] = child
        element._children.clear()
        element._children.update(renamed)
        # a figure's and a popup's header/html/script hold elements outside _children
        for part in (getattr(element, a, None) for a in ("header", "html", "script")):
            if isinstance(part, branca.element.Element):
                visit(part)

    visit(m.get_root())


def map_html(m: MapDocument | folium.Map) -> str:
    """The map as one standalone HTML document (no external resources)."""
    return m.render() if isinstance(m, MapDocument) else m.get_root().render()


#: What a map's ``<iframe>`` may do: run its own scripts, nothing else (no same origin:
#: no access to the page, its widgets, the server's cookies or the kernel).
SANDBOX = "allow-scripts"


def embed(m: MapDocument | folium.Map, *, lang: str = "cs", height: str | None = None) -> Element:
    """The map as a page element: its document in a sandboxed ``<iframe class="kp-map">``.

    ``height`` (CSS, e.g. ``"600px"``) for pages without a style of their own for ``.kp-map``.
    """
    return frame(map_html(m), title=word("map", lang), css_class="kp-map", sandbox=SANDBOX,
                 style=f"width:100%;height:{height};border:1px solid #bbb" if height else None)
