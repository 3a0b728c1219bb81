"""Web maps of a region that work with no internet.

folium loads Leaflet (and jQuery, Bootstrap, ...) from CDNs by default;
village halls and test machines are offline, so :func:`offline_map` drops
those links and inlines Leaflet's JavaScript and CSS (with its images as
data URIs) from the ``xstatic-leaflet`` package installed at set-up. Only
base-map tiles are optional: without a ``tiles`` URL the municipalities are
drawn on a plain background.

Maps are drawn in EPSG:4326 from layers kept in EPSG:5514, with geometry
simplified to keep the HTML light.

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
import html
import json
import re
from collections.abc import Sequence
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

#: Colours of service markers by form (Okabe–Ito: told apart with any colour vision, visible on the choropleths).
FORM_COLOURS = {"pobytova": "#0072B2", "ambulantni": "#CC79A7", "terenni": "#009E73"}
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
    m = folium.Map(location=[(lat0 + lat1) / 2, (lon0 + lon1) / 2], tiles=None, control_scale=False, zoom_start=11, zoom_snap=0.25)
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    root = m.get_root()
    root.header.add_child(branca.element.Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    root.header.add_child(branca.element.Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    root.header.add_child(branca.element.Element(_PAGE_CSS), name="kpwork_map_css")
    if tiles:
        folium.TileLayer(tiles=tiles, attr=attribution or "tiles", name="podklad", overlay=False, control=False).add_to(m)
    m.fit_bounds([[lat0, lon0], [lat1, lon1]])
    return m


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
) -> folium.Map:
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

    Returns
    -------
    folium.Map
        One layer of municipalities coloured by shortfall (first), coverage
        in percent or need, switched in the map; services by form above it
        in every view; legends, tooltips and popups in Czech (or English),
        every text from data escaped; no external resources.
    """
    check_lang(lang)
    types = list(dict.fromkeys([*(types or []), druh])) if druh not in (types or []) else list(dict.fromkeys(types))
    polys = _web(municipalities.reset_index() if "kod_obce" not in municipalities.columns else municipalities)
    if focus is not None and focus not in set(polys["kod_obce"]):
        raise InvalidParameter(f"kod_obce {focus} is not a member of the region")
    lon0, lat0, lon1, lat1 = polys.total_bounds
    m = offline_map((lon0, lat0, lon1, lat1), tiles=tiles)
    points = _service_points(services, load)
    data = {
        "types": [{"code": t, "label": service_type_label(t, lang)} for t in types],
        "measures": [{"key": k, "label": word(f"layer_{_LAYER_WORDS[k]}", lang)} for k in MEASURES],
        "forms": [{"key": f, "label": form_label(f, lang), "colour": FORM_COLOURS[f]} for f in FORMS],
        "text": {"type": word("druh", lang), "layer": word("map_layer", lang), "services": word("map_services", lang)},
        "areas": json.loads(polys[["kod_obce", "geometry"]].to_json(drop_id=True)),
        "names": [[round(p.y, 5), round(p.x, 5), str(n)] for p, n in zip(polys.geometry.representative_point(), polys["nazev"], strict=True)],
        "info": _types_info(polys, gaps, access, reference, points, types, lang),
        "initial": druh,
        "focus": focus,
        "fit": _fit_bounds(polys, focus),
        "headline": headline,
        "noData": NO_DATA_COLOUR,
    }
    m.add_child(_MapScript(_script_json(data)))
    _stable_ids(m)
    return m


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
    check_lang(lang)
    polys = _web(municipalities.reset_index() if "kod_obce" not in municipalities.columns else municipalities)
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
        label_html = f'<div class="kp-name">{html.escape(str(name))}</div>'
        folium.Marker([point.y, point.x], icon=folium.DivIcon(html=label_html, icon_size=(120, 18), icon_anchor=(60, 9)), interactive=False).add_to(m)
    for _, s in _service_points(services, None).iterrows():  # added after the polygons: drawn above them
        folium.CircleMarker([s.geometry.y, s.geometry.x], radius=7, color="#ffffff", weight=1.5, fill=True, fill_color=FORM_COLOURS[s["forma"]],
                            fill_opacity=0.95, tooltip=html.escape(str(s["nazev"])), popup=folium.Popup(_popup(s, lang), max_width=320)).add_to(m)
    m.get_root().html.add_child(branca.element.Element(f'<div class="kp-legend" style="position:absolute;left:10px;bottom:24px;z-index:1000">{_legend(title, list(legend))}</div>'))
    _stable_ids(m)
    return m


class _MapScript(branca.element.MacroElement):
    """The map's behaviour (``map.js``) with its data, after the map in the page's script."""

    _template = branca.element.Template("{% macro script(this, kwargs) %}{{ this.code() }}{% endmacro %}")

    def __init__(self, data: str) -> None:
        super().__init__()
        self._name = "KpworkMap"
        self._data = data

    def code(self) -> str:
        return _script().replace("__MAP__", self._parent.get_name()).replace("__DATA__", self._data)


_LAYER_WORDS = {"mezera": "shortfall", "pokryti": "coverage", "potreba": "need"}


def _script_json(data: object) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>`` or comment can close it, whatever the data says."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _ByType:
    """The rows of a table per type and unit, split once for every type of a map.

    Each type is mapped in its planning unit only: capacity in other units is
    not mapped against need.
    """

    def __init__(self, rows: pd.DataFrame) -> None:
        self.rows = rows
        keys = [rows["druh"].astype(str), rows["jednotka"]] if "jednotka" in rows else [rows["druh"].astype(str)]
        self._positions = rows.groupby(keys, sort=False).indices if len(rows) else {}

    def get(self, druh: str, unit: str) -> pd.DataFrame:
        """The rows of type ``druh`` (paragraph code) in ``unit`` (all of the type when the table has no units), in their order."""
        positions = self._positions.get((druh, unit) if "jednotka" in self.rows else druh)
        return self.rows.iloc[positions] if positions is not None else self.rows.iloc[:0]


def _types_info(polys: gpd.GeoDataFrame, gaps: pd.DataFrame, access: pd.DataFrame | None, reference: pd.DataFrame | None,
                points: gpd.GeoDataFrame, types: Sequence[str], lang: str) -> dict[str, dict]:
    """:func:`_type_info` of every type, the tables split by type once (a page's map offers every type of the run)."""
    has_access = access is not None and len(access) > 0 and "vzdalenost_nejblizsi_m" in access
    split = {
        "gaps": _ByType(gaps),
        "access": _ByType(access) if has_access else None,
        "reference": _ByType(reference) if reference is not None else None,
        "points": points.groupby(points["druh"].astype(str), sort=False).indices if len(points) else {},
    }
    return {t: _type_info(polys, split, points, t, lang) for t in types}


def _joined(table: pd.DataFrame, rows: pd.DataFrame, columns: list[str], what: str) -> pd.DataFrame:
    """``table`` with ``columns`` of ``rows`` by ``kod_obce``: a left merge, without its cost for a few rows."""
    if rows["kod_obce"].duplicated().any():
        raise InvalidParameter(f"{what} must have one row per municipality, type and unit (mezery_obce, or the rows of one target group)")
    found = rows.set_index("kod_obce")[columns].reindex(table["kod_obce"])
    return table.assign(**{c: found[c].to_numpy() for c in columns})


def _type_info(polys: gpd.GeoDataFrame, split: dict, points: gpd.GeoDataFrame, druh: str, lang: str) -> dict:
    """Colours, legends, tooltips, headline and services of one type, every text escaped."""
    unit = planning_unit(druh)
    table = _joined(polys[["kod_obce", "nazev"]].reset_index(drop=True), split["gaps"].get(druh, unit),
                    ["potreba", "kapacita_dosazitelna", "mezera", "pokryti"], "gaps")
    if split["access"] is not None:
        table = _joined(table, split["access"].get(druh, unit), ["vzdalenost_nejblizsi_m"], "access")
    else:
        table["vzdalenost_nejblizsi_m"] = np.nan
    region = region_totals(table if split["reference"] is None else split["reference"].get(druh, unit))
    type_name = service_type_label(druh, lang)
    units = unit_name(unit, lang)
    layers = {
        "mezera": (word("map_shortfall", lang, druh=type_name, unit=units), count_classes(table["mezera"], SHORTFALL_COLOURS, zero=word("nothing_missing", lang), lang=lang)),
        "pokryti": (word("map_coverage", lang, druh=type_name), coverage_classes(table["pokryti"], lang=lang)),
        "potreba": (word("map_need_unit", lang, druh=type_name, unit=units), count_classes(table["potreba"], NEED_COLOURS, zero=word("no_need", lang), lang=lang)),
    }
    codes = table["kod_obce"].tolist()
    served = split["points"].get(druh)
    return {
        "colours": {k: dict(zip(codes, classes.colours, strict=True)) for k, (_, classes) in layers.items()},
        "legends": {k: _legend(title, classes.legend) for k, (title, classes) in layers.items()},
        "tips": {row.kod_obce: _tooltip(row, region, unit, lang) for row in table.itertuples()},
        "headline": html.escape(headline(table, unit, lang=lang, region=region)),
        "services": [] if served is None else [_service(s, lang) for _, s in points.iloc[served].iterrows()],
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
    # largest first, ties in the rows' order (a stable sort; pandas sorts the same, at a hundred times the cost)
    short = sorted(((name, float(v)) for name, v in zip(rows["nazev"], rows["mezera"], strict=True) if v > 0), key=lambda item: -item[1])[:n]
    parts = []
    if region is not None and not fmt.missing(region["pokryti"]):
        share = fmt.percent(region["pokryti"], lang)
        parts.append(word("region_missing", lang, amount=fmt.estimate_count(region["mezera"], lang, unit), share=share) if region["mezera"] > 0
                     else word("region_covered", lang, share=share))
    places = ", ".join(f"{name} ({fmt.estimate_count(v, lang, unit)})" for name, v in short)
    parts.append(word("most_missing", lang, places=places) if places else word("nothing_missing_anywhere", lang))
    return " ".join(parts)


def _tooltip(row, region: dict[str, float], unit: str, lang: str) -> str:
    shortfall = row.mezera if fmt.missing(row.mezera) else max(row.mezera, 0.0)
    rows = [
        (word("mezera", lang), fmt.estimate_count(shortfall, lang, unit)),
        (word("pokryti", lang), word("vs_region", lang, value=fmt.percent(row.pokryti, lang), region=fmt.percent(region["pokryti"], lang))),
        (word("potreba", lang), fmt.estimate_count(row.potreba, lang, unit)),
        (word("kapacita_dosazitelna", lang), fmt.count(row.kapacita_dosazitelna, lang, unit, digits=0 if fmt.missing(row.kapacita_dosazitelna) or abs(row.kapacita_dosazitelna) >= 10 else 1)),
        (word("vzdalenost_nejblizsi_m", lang), fmt.number(row.vzdalenost_nejblizsi_m / 1000, lang, 1)),
    ]
    return f"<b>{html.escape(str(row.nazev))}</b>" + _rows_html(rows)


def _rows_html(rows: list[tuple[str, object]]) -> str:
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="kp-tip">{body}</table>'


def _legend(title: str, rows: list[tuple[str, str]], *, dots: bool = False) -> str:
    cls = ' class="kp-dot"' if dots else ""
    items = "".join(f'<div><i{cls} style="background:{html.escape(c)}"></i>{html.escape(text)}</div>' for text, c in rows)
    return f"<b>{html.escape(title)}</b>{items}"


def _web(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    out = out.to_crs(WEB_CRS)
    out["geometry"] = out.geometry.set_precision(1e-5)
    return out


def _fit_bounds(polys: gpd.GeoDataFrame, focus: str | None) -> list[list[float]]:
    """[[south, west], [north, east]]: the whole map, or a member with its neighbours' names."""
    if focus is None:
        x0, y0, x1, y1 = polys.total_bounds
    else:
        shape = polys.loc[polys["kod_obce"] == focus].geometry.union_all()
        neighbours = polys.loc[polys.geometry.intersects(shape.buffer(1e-4)) & (polys["kod_obce"] != focus)]
        points = neighbours.geometry.representative_point()
        x0, y0, x1, y1 = shape.bounds
        if len(points):
            x0, y0 = min(x0, points.x.min()), min(y0, points.y.min())
            x1, y1 = max(x1, points.x.max()), max(y1, points.y.max())
    return [[round(y0, 5), round(x0, 5)], [round(y1, 5), round(x1, 5)]]


def _service_points(services: gpd.GeoDataFrame, load: pd.DataFrame | None) -> gpd.GeoDataFrame:
    points = services.to_crs(WEB_CRS)
    if load is not None and len(load):
        points = points.merge(load[[c for c in ("sluzba_id", "klienti", "vytizeni", "vytizeni_zaklad", "stav") if c in load]], left_on="id", right_on="sluzba_id", how="left")
    return points


def _service(s: pd.Series, lang: str) -> dict:
    return {"lat": round(s.geometry.y, 6), "lon": round(s.geometry.x, 6), "forma": s["forma"], "tip": html.escape(str(s["nazev"])), "popup": _popup(s, lang)}


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
    return f"<b>{html.escape(str(s['nazev']))}</b>" + _rows_html(rows)


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


def map_html(m: folium.Map) -> str:
    """The map as one standalone HTML document (no external resources)."""
    return m.get_root().render()


#: What a map's ``<iframe>`` may do: run its own scripts, nothing else (no same origin:
#: no access to the page, its widgets, the server's cookies or the kernel).
SANDBOX = "allow-scripts"


def embed(m: folium.Map, *, lang: str = "cs", height: str | None = None) -> Element:
    """The map as a page element: its document in a sandboxed ``<iframe class="kp-map">``.

    ``height`` (CSS, e.g. ``"600px"``) for pages without a style of their own for ``.kp-map``.
    """
    return frame(map_html(m), title=word("map", lang), css_class="kp-map", sandbox=SANDBOX,
                 style=f"width:100%;height:{height};border:1px solid #bbb" if height else None)
