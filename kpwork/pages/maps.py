"""Web maps of a region that work with no internet.

folium loads Leaflet (and jQuery, Bootstrap, ...) from CDNs by default;
village halls and test machines are offline, so :func:`offline_map` drops
those links and inlines Leaflet's JavaScript and CSS (with its images as
data URIs) from the ``xstatic-leaflet`` package installed at set-up. Only
base-map tiles are optional: without a ``tiles`` URL the municipalities are
drawn on a plain background.

Maps are drawn in EPSG:4326 from layers kept in EPSG:5514, with geometry
simplified to keep the HTML light.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from kpwork.config import WEB_CRS
from kpwork.disclosure import is_small
from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages.element import Element, frame
from kpwork.pages.labels import LOAD_BASES, LOAD_STATES, check_lang, label, unit_name, word
from kpwork.taxonomy import FORMS, form_label, planning_unit, service_type_label

#: Colours of service markers by form.
FORM_COLOURS = {"pobytova": "#6a3d9a", "ambulantni": "#1f78b4", "terenni": "#33a02c"}
NEED_COLOURS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
COVERAGE_COLOURS = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]
COVERAGE_BINS = [0.0, 0.25, 0.5, 0.75, 1.0]
ACCESS_COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA_COLOUR = "#d9d9d9"
#: Tolerance (m) of the geometry simplification for web maps.
SIMPLIFY_M = 40.0


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
    js += "\nL.Icon.Default.imagePath = '';\nL.Icon.Default.mergeOptions(" + json.dumps(icons) + ");\n"
    return js, css


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
    lon0, lat0, lon1, lat1 = bounds
    m = folium.Map(location=[(lat0 + lat1) / 2, (lon0 + lon1) / 2], tiles=None, control_scale=True, zoom_start=11)
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    root = m.get_root()
    root.header.add_child(branca.element.Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    root.header.add_child(branca.element.Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    root.header.add_child(branca.element.Element(_PAGE_CSS), name="kpwork_map_css")
    root.header.add_child(branca.element.Element(_JQUERY_SHIM), name="kpwork_dollar_shim")
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or "tiles", name="podklad", overlay=False, control=False).add_to(m)
    m.fit_bounds([[lat0, lon0], [lat1, lon1]])
    return m


_PAGE_CSS = """<style>
.leaflet-container { background: #f4f1ea; font-family: "DejaVu Sans", Arial, sans-serif; }
.kp-legend { position: absolute; bottom: 56px; left: 10px; z-index: 1000; background: rgba(255,255,255,.92);
  padding: 6px 10px; border-radius: 4px; font: 13px/1.35 "DejaVu Sans", Arial, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.kp-legend b { display: block; margin-bottom: 3px; }
.kp-legend i { display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px; border: 1px solid #999; }
.kp-legend .kp-dot { border-radius: 50%; }
.kp-name { font: bold 12px "DejaVu Sans", Arial, sans-serif; color: #222; text-align: center; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; pointer-events: none; }
</style>"""


#: folium's popups build their content with jQuery's ``$(html)[0]``; this shim
#: does just that without loading jQuery from a CDN.
_JQUERY_SHIM = """<script>
if (typeof window.$ === "undefined") {
  window.$ = function (markup) {
    var t = document.createElement("template"); t.innerHTML = String(markup).trim();
    return [t.content.firstElementChild];
  };
}
</script>"""


def _classes(values: pd.Series, colours: list[str], bins: list[float] | None, shown: Callable[[float], str]) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Colour of each value and legend rows (label, colour); ``shown`` writes a class bound."""
    finite = values[np.isfinite(values.astype(float))]
    if bins is None:
        top = float(finite.max()) if len(finite) else 0.0
        if top <= 0:
            bins = [0.0] * len(colours)
        else:
            bins = list(np.linspace(0, top, len(colours) + 1)[:-1])
    def colour(v: float) -> str:
        if v is None or not np.isfinite(v):
            return NO_DATA_COLOUR
        idx = max(i for i, b in enumerate(bins) if v >= b) if v >= bins[0] else 0
        return colours[idx]
    legend = []
    for i, b in enumerate(bins):
        upper = bins[i + 1] if i + 1 < len(bins) else None
        legend.append((f"{shown(b)} – {shown(upper)}" if upper is not None else f"≥ {shown(b)}", colours[i]))
    return values.astype(float).map(colour), legend


def _amount(v: float, lang: str) -> str:
    """A class bound or capacity: whole from 10 up, else two decimals."""
    return fmt.number(v, lang, 0 if fmt.missing(v) or abs(v) >= 10 or float(v).is_integer() else 2)


def _legend(title: str, rows: list[tuple[str, str]], *, dots: bool = False) -> str:
    cls = "kp-dot" if dots else ""
    items = "".join(f'<div><i class="{cls}" style="background:{c}"></i>{html.escape(label)}</div>' for label, c in rows)
    return f'<div class="kp-legend"><b>{html.escape(title)}</b>{items}</div>'


def _web(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    out = out.to_crs(WEB_CRS)
    out["geometry"] = out.geometry.set_precision(1e-5)
    return out


def region_map(
    municipalities: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    gaps: pd.DataFrame,
    *,
    druh: str,
    access: pd.DataFrame | None = None,
    load: pd.DataFrame | None = None,
    focus: str | None = None,
    lang: str = "cs",
    tiles: str | None = None,
) -> folium.Map:
    """The planning map: need, coverage and accessibility of one service type.

    Parameters
    ----------
    municipalities
        Polygons with ``kod_obce``, ``nazev`` (EPSG:5514 or any CRS); members only.
    services
        Points with ``id``, ``nazev``, ``poskytovatel``, ``druh``, ``forma``,
        ``kapacita``, ``jednotka`` and optional contact columns.
    gaps
        Need and coverage per municipality and type: ``kod_obce``, ``druh``,
        ``potreba``, ``kapacita_dosazitelna``, ``pokryti`` (the run's
        ``mezery_obce``, or one target group's rows of ``mezery``).
    druh
        Service type (paragraph code) whose need and coverage are drawn.
    access
        Optional accessibility table (``kod_obce``, ``druh``, ``dostupnost``).
    load
        Optional service load (``sluzba_id``, ``klienti``, ``vytizeni``, ``stav``).
    focus
        ``kod_obce`` to zoom to and outline.
    lang
        ``"cs"`` (default) or ``"en"``.

    Returns
    -------
    folium.Map
        Choropleths as exclusive base layers, services by form as overlays,
        a Czech (or English) legend and tooltips; no external resources.
    """
    check_lang(lang)
    polys = _web(municipalities.reset_index() if "kod_obce" not in municipalities.columns else municipalities)
    unit = planning_unit(druh)
    per_muni = _in_unit(gaps, druh, unit)[["kod_obce", "potreba", "kapacita_dosazitelna", "pokryti"]]
    if per_muni["kod_obce"].duplicated().any():
        raise InvalidParameter("gaps must have one row per municipality, type and unit (mezery_obce, or the rows of one target group)")
    polys = polys.merge(per_muni, on="kod_obce", how="left")
    if access is not None and len(access):
        acc = _in_unit(access, druh, unit).set_index("kod_obce")
        polys = polys.merge(acc[[c for c in ("dostupnost", "vzdalenost_nejblizsi_m") if c in acc]], left_on="kod_obce", right_index=True, how="left")
    for column in ("dostupnost", "vzdalenost_nejblizsi_m"):
        if column not in polys:
            polys[column] = np.nan
    lon0, lat0, lon1, lat1 = polys.total_bounds
    m = offline_map((lon0, lat0, lon1, lat1), tiles=tiles)
    type_name = service_type_label(druh, lang)
    polys["_potreba"] = polys["potreba"].map(lambda v: fmt.estimate_count(v, lang, unit))
    polys["_kapacita"] = polys["kapacita_dosazitelna"].map(lambda v: _amount(v, lang) if fmt.missing(v) else f"{_amount(v, lang)}\u00a0{unit_name(unit, lang)}")
    polys["_pokryti"] = polys["pokryti"].map(lambda v: fmt.percent(v, lang))
    polys["_dostupnost"] = polys["dostupnost"].map(lambda v: fmt.number(v, lang, 3))
    polys["_nejblizsi"] = polys["vzdalenost_nejblizsi_m"].map(lambda v: fmt.number(v / 1000, lang, 1))
    amount, share = (lambda v: _amount(v, lang)), (lambda v: fmt.percent(v, lang))
    layers = [
        (word("map_need", lang, druh=f"{type_name} ({unit_name(unit, lang)})"), "potreba", NEED_COLOURS, None, amount),
        (word("map_coverage", lang, druh=type_name), "pokryti", COVERAGE_COLOURS, COVERAGE_BINS, share),
        (word("map_access", lang, druh=type_name), "dostupnost", ACCESS_COLOURS, None, amount),
    ]
    legends = []
    for i, (title, column, colours, bins, shown) in enumerate(layers):
        colour, legend_rows = _classes(polys[column], colours, bins, shown)
        polys["_barva"] = colour
        group = folium.FeatureGroup(name=title, overlay=False, show=(i == 0))
        _choropleth(polys, lang, focus).add_to(group)
        group.add_to(m)
        legends.append((group, _legend(title, legend_rows)))
    _add_names(m, polys)
    _add_services(m, services, load, lang)
    folium.LayerControl(collapsed=False).add_to(m)
    _stable_ids(m)
    _switch_legends(m, legends)
    if focus is not None:
        shape = polys.loc[polys["kod_obce"] == focus]
        if shape.empty:
            raise InvalidParameter(f"kod_obce {focus} is not a member of the region")
        b = shape.total_bounds
        m.fit_bounds([[b[1], b[0]], [b[3], b[2]]], padding=(30, 30))
    return m


def _in_unit(rows: pd.DataFrame, druh: str, unit: str) -> pd.DataFrame:
    """The rows of one type in its planning unit (capacity in other units is not mapped against need)."""
    chosen = rows["druh"] == druh
    if "jednotka" in rows:
        chosen &= rows["jednotka"] == unit
    return rows.loc[chosen]


def _choropleth(polys: gpd.GeoDataFrame, lang: str, focus: str | None) -> folium.GeoJson:
    fields = ["nazev", "_potreba", "_kapacita", "_pokryti", "_dostupnost", "_nejblizsi"]
    aliases = [word(k, lang) for k in ("nazev", "potreba", "kapacita_dosazitelna", "pokryti", "dostupnost", "vzdalenost_nejblizsi_m")]
    data = polys[["kod_obce", "_barva", *fields, "geometry"]]

    def style(feature: dict) -> dict:
        focused = focus is not None and feature["properties"]["kod_obce"] == focus
        return {"fillColor": feature["properties"]["_barva"], "color": "#000" if focused else "#555", "weight": 3 if focused else 1, "fillOpacity": 0.75}

    return folium.GeoJson(
        data.to_json(),
        style_function=style,
        highlight_function=lambda _: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, localize=False, sticky=True),
    )


def _add_names(m: folium.Map, polys: gpd.GeoDataFrame) -> None:
    """Municipality names on the map: a meeting room reads the map, not tooltips."""
    for _, p in polys.iterrows():
        point = p.geometry.representative_point()
        label = f'<div class="kp-name">{html.escape(str(p["nazev"]))}</div>'
        folium.Marker([point.y, point.x], icon=folium.DivIcon(html=label, icon_size=(120, 18), icon_anchor=(60, 9)), interactive=False).add_to(m)


def _add_services(m: folium.Map, services: gpd.GeoDataFrame, load: pd.DataFrame | None, lang: str) -> None:
    points = services.to_crs(WEB_CRS)
    if load is not None and len(load):
        points = points.merge(load[[c for c in ("sluzba_id", "klienti", "vytizeni", "vytizeni_zaklad", "stav") if c in load]], left_on="id", right_on="sluzba_id", how="left")
    groups = {}
    for forma in FORMS:
        groups[forma] = folium.FeatureGroup(name=word("services_of_form", lang, forma=form_label(forma, lang)), overlay=True, show=True)
    for _, s in points.iterrows():
        folium.CircleMarker(
            location=[s.geometry.y, s.geometry.x],
            radius=7,
            color="#ffffff",
            weight=1.5,
            fill=True,
            fill_color=FORM_COLOURS[s["forma"]],
            fill_opacity=0.95,
            tooltip=html.escape(str(s["nazev"])),
            popup=folium.Popup(_popup(s, lang), max_width=320),
        ).add_to(groups[s["forma"]])
    for group in groups.values():
        group.add_to(m)
    rows = [(form_label(f, lang), FORM_COLOURS[f]) for f in FORMS]
    title = word("sluzba", lang)
    m.get_root().html.add_child(branca.element.Element(_legend(title, rows, dots=True).replace('class="kp-legend"', 'class="kp-legend" style="left:auto;right:10px"')))


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
    body = "".join(f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(str(s['nazev']))}</b><table>{body}</table>"


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


def _switch_legends(m: folium.Map, legends: list[tuple[folium.FeatureGroup, str]]) -> None:
    """One legend per choropleth, shown while its layer is the active base layer."""
    root = m.get_root()
    for i, (_, legend_html) in enumerate(legends):
        hidden = "" if i == 0 else ' style="display:none"'
        root.html.add_child(branca.element.Element(legend_html.replace('class="kp-legend"', f'class="kp-legend kp-choro" data-layer="{i}"{hidden}', 1)))
    names = [g.get_name() for g, _ in legends]
    script = (
        "document.addEventListener('DOMContentLoaded', function () {"
        f" var map = {m.get_name()}; var layers = [{', '.join(names)}];"
        " map.on('baselayerchange', function (e) {"
        "  var k = layers.indexOf(e.layer);"
        "  document.querySelectorAll('.kp-choro').forEach(function (el) {"
        "   el.style.display = (parseInt(el.dataset.layer) === k) ? 'block' : 'none'; }); }); });"
    )
    root.script.add_child(branca.element.Element(script))


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML document (no external resources)."""
    return m.get_root().render()


def embed(m: folium.Map, *, lang: str = "cs") -> Element:
    """The map as a page element: its document in an ``<iframe class="kp-map">``."""
    return frame(map_html(m), title=word("map", lang), css_class="kp-map")
