"""QGIS-ready layers: the gaps layer of ``vysledky.gpkg`` and QGIS styles stored in the GeoPackage.

:func:`write_layers` adds to a run's GeoPackage

- the layer ``mezery``: one polygon per member x service type with need,
  reachable capacity, shortfall, coverage and state in readable columns (the
  rows of the result table ``mezery_obce``, nothing recomputed);
- the table ``layer_styles`` that QGIS reads when the GeoPackage is opened
  (QML for QGIS, SLD for other programs): ``obce`` coloured by the coverage of
  the region's main service type, ``mezery`` by coverage with one group of
  rules per service type (only the main type ticked), ``sluzby`` by form. The
  classes and colours are those of the pages' maps
  (:mod:`kpwork.pages.classes`, :data:`kpwork.pages.maps.FORM_COLOURS`),
  the classes assigned by mapclassify.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd

from kpwork.pages import format as fmt
from kpwork.pages.classes import COVERAGE_BOUNDS, NO_DATA_COLOUR
from kpwork.pages.classes import coverage_classes as page_coverage_classes
from kpwork.pages.labels import GAP_STATES, label, unit_name
from kpwork.pages.maps import FORM_COLOURS
from kpwork.taxonomy import FORMS, form_label, service_type_label

#: Name of the gaps layer in ``vysledky.gpkg``.
GAPS_LAYER = "mezery"
#: Name of the table of QGIS styles (QGIS's own name: it finds the styles there).
STYLES_TABLE = "layer_styles"
#: Columns of the gaps layer, in order.
GAP_FIELDS = ("kod_obce", "obec", "druh", "druh_sluzby", "jednotka", "potreba", "kapacita", "chybi", "pokryti", "pokryti_text", "stav")


def coverage_classes(values: pd.Series) -> np.ndarray:
    """Class of each coverage value (0 to 4) by the pages' rule (:func:`kpwork.pages.classes.coverage_classes`); -1 for no data.

    A share is read in whole percent as the tables show it (``0,996`` is
    ``100 %``: fully covered), then placed by :data:`~kpwork.pages.classes.COVERAGE_BOUNDS`.

    Examples
    --------
    >>> coverage_classes(pd.Series([0.1, 0.3, 0.99, 1.5, None])).tolist()
    [0, 1, 3, 4, -1]
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(float)
    out = np.full(len(x), -1)
    ok = np.isfinite(x)
    percent = np.floor(100 * x[ok] + 0.5)
    out[ok] = sum((percent >= bound).astype(int) for bound in COVERAGE_BOUNDS)
    return out


def coverage_legend(lang: str = "cs") -> list[tuple[float, float | None, str, str]]:
    """The coverage classes as (lower share, upper share or None, label, colour), the pages' legend and colours.

    The bounds are shares that round to the classes' whole percent
    (``25 %`` starts at ``0.245``), so a QGIS rule places a value where the
    pages do.
    """
    lows = [0.0, *((bound - 0.5) / 100 for bound in COVERAGE_BOUNDS)]
    legend = page_coverage_classes(pd.Series([], dtype=float), lang=lang).legend
    return [(lows[i], lows[i + 1] if i + 1 < len(lows) else None, text, colour) for i, (text, colour) in enumerate(legend)]


def gaps_layer(mezery_obce: pd.DataFrame, municipalities: gpd.GeoDataFrame, *, lang: str = "cs") -> gpd.GeoDataFrame:
    """The gaps layer: ``mezery_obce`` rows on their municipality's polygon, with readable columns.

    Parameters
    ----------
    mezery_obce
        The result table (member x type).
    municipalities
        The ``obce`` layer of the run (``kod_obce``, geometry).
    lang
        Language of the words (type names, units, states).

    Returns
    -------
    GeoDataFrame
        :data:`GAP_FIELDS` and geometry, in the CRS of ``municipalities``;
        ``chybi`` is 0 where capacity exceeds need.
    """
    rows = mezery_obce.merge(municipalities[["kod_obce", "geometry"]], on="kod_obce", how="inner", validate="many_to_one")
    out = pd.DataFrame({
        "kod_obce": rows["kod_obce"].astype(str),
        "obec": rows["nazev"],
        "druh": rows["druh"].astype(str),
        "druh_sluzby": rows["druh"].map(lambda d: service_type_label(str(d), lang)),
        "jednotka": rows["jednotka"].map(lambda u: unit_name(u, lang)),
        "potreba": rows["potreba"].astype(float),
        "kapacita": rows["kapacita_dosazitelna"].astype(float),
        "chybi": rows["mezera"].astype(float).clip(lower=0),
        "pokryti": rows["pokryti"].astype(float),
        "pokryti_text": rows["pokryti"].map(lambda v: fmt.percent(v, lang)),
        "stav": rows["stav"].map(lambda s: label(GAP_STATES, s, lang, default=s)),
    })
    return gpd.GeoDataFrame(out, geometry=rows["geometry"].to_numpy(), crs=municipalities.crs)


def write_layers(gpkg: str | Path, mezery_obce: pd.DataFrame, *, main_type: str | None, today: dt.date, lang: str = "cs") -> list[str]:
    """Add the gaps layer and the QGIS styles of every layer to a run's GeoPackage.

    Parameters
    ----------
    gpkg
        The run's ``vysledky.gpkg`` (layers ``obce`` and ``sluzby``).
    mezery_obce
        The result table the gaps layer shows.
    main_type
        The service type shown when the GeoPackage opens (the run's ``main_type``);
        the first type of the table when None.
    today
        The run's reference date, written as the styles' ``update_time`` (so a
        reproduction writes the same table).
    lang
        Language of the layer's words and legends.

    Returns
    -------
    list of str
        The layers styled.
    """
    gpkg = Path(gpkg)
    obce = gpd.read_file(gpkg, layer="obce")
    obce["kod_obce"] = obce["kod_obce"].astype(str)
    layer = gaps_layer(mezery_obce, obce, lang=lang)
    layer.to_file(gpkg, layer=GAPS_LAYER, driver="GPKG")
    types = list(dict.fromkeys(layer["druh"]))
    main = str(main_type) if main_type and str(main_type) in types else (types[0] if types else None)
    styles = {GAPS_LAYER: (_gaps_qml(types, main, lang), _coverage_sld(GAPS_LAYER, "pokryti", main, lang))}
    if main is not None and f"pokryti_{main}" in obce.columns:
        styles["obce"] = (_graduated_qml(f"pokryti_{main}", lang), _coverage_sld("obce", f"pokryti_{main}", None, lang))
    styles["sluzby"] = (_forms_qml(lang), _forms_sld(lang))
    _write_styles(gpkg, styles, today=today, main=main, lang=lang)
    return list(styles)


# --- QML (QGIS) -----------------------------------------------------------------------------

def _rgba(colour: str) -> str:
    h = colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _symbol(kind: str, name: str, layer: str, props: dict[str, str]) -> str:
    """A QGIS symbol of one layer (``SimpleFill``, ``SimpleMarker``) with its properties."""
    prop = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
    return (f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{layer}" enabled="1" locked="0" pass="0">{prop}</layer></symbol>')


def _fill_symbol(name: str, colour: str) -> str:
    return _symbol("fill", name, "SimpleFill", {"color": _rgba(colour), "outline_color": "90,90,90,255", "outline_style": "solid",
                                                 "outline_width": "0.26", "style": "solid"})


def _marker_symbol(name: str, colour: str) -> str:
    return _symbol("marker", name, "SimpleMarker", {"color": _rgba(colour), "name": "circle", "size": "3",
                                                     "outline_color": "255,255,255,255", "outline_width": "0.4"})


def _qml(renderer: str) -> str:
    return ('<!DOCTYPE qgis PUBLIC \'http://mrcc.com/qgis.dtd\' \'SYSTEM\'>\n'
            f'<qgis version="3.28.0" styleCategories="Symbology">{renderer}<blendMode>0</blendMode></qgis>\n')


def _class_filter(field: str, low: float, high: float | None) -> str:
    upper = f' AND "{field}" < {high}' if high is not None else ""
    return f'"{field}" >= {low}{upper}'


def _gaps_qml(types: Sequence[str], main: str | None, lang: str) -> str:
    """Rule-based: one group of coverage classes per service type, only the main type ticked."""
    rules, symbols, n = [], [], 0
    for druh in types:
        children = []
        for low, high, text, colour in coverage_legend(lang):
            children.append(f'<rule key="r{n}" symbol="{n}" label={quoteattr(text)} filter={quoteattr(_class_filter("pokryti", low, high))}/>')
            symbols.append(_fill_symbol(str(n), colour))
            n += 1
        children.append(f'<rule key="r{n}" symbol="{n}" label={quoteattr(label(GAP_STATES, "nedostupne", lang))} filter={quoteattr(chr(34) + "pokryti" + chr(34) + " IS NULL")}/>')
        symbols.append(_fill_symbol(str(n), NO_DATA_COLOUR))
        n += 1
        state = "" if druh == main else ' checkstate="0"'
        rules.append(f'<rule key="t{druh}" label={quoteattr(service_type_label(druh, lang))} filter={quoteattr(f"{chr(34)}druh{chr(34)} = {chr(39)}{druh}{chr(39)}")}{state}>'
                     + "".join(children) + "</rule>")
    renderer = (f'<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
                f'<rules key="root">{"".join(rules)}</rules><symbols>{"".join(symbols)}</symbols></renderer-v2>')
    return _qml(renderer)


def _graduated_qml(field: str, lang: str) -> str:
    ranges, symbols = [], []
    legend = coverage_legend(lang)
    for i, (low, high, text, colour) in enumerate(legend):
        upper = high if high is not None else 1000.0
        ranges.append(f'<range lower="{low}" upper="{upper}" symbol="{i}" label={quoteattr(text)} render="true"/>')
        symbols.append(_fill_symbol(str(i), colour))
    renderer = (f'<renderer-v2 type="graduatedSymbol" attr="{field}" graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0">'
                f'<ranges>{"".join(ranges)}</ranges><symbols>{"".join(symbols)}</symbols>'
                '<mode name="manual"/></renderer-v2>')
    return _qml(renderer)


def _forms_qml(lang: str) -> str:
    categories = "".join(f'<category value="{f}" symbol="{i}" label={quoteattr(form_label(f, lang))} render="true"/>' for i, f in enumerate(FORMS))
    symbols = "".join(_marker_symbol(str(i), FORM_COLOURS[f]) for i, f in enumerate(FORMS))
    renderer = (f'<renderer-v2 type="categorizedSymbol" attr="forma" symbollevels="0" forceraster="0">'
                f"<categories>{categories}</categories><symbols>{symbols}</symbols></renderer-v2>")
    return _qml(renderer)


# --- SLD (OGC) ------------------------------------------------------------------------------

def _sld(layer: str, rules: Sequence[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<NamedLayer><se:Name>{escape(layer)}</se:Name><UserStyle><se:Name>{escape(layer)}</se:Name><se:FeatureTypeStyle>"
            + "".join(rules) + "</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n")


def _comparison(op: str, field: str, value: str) -> str:
    return f"<ogc:{op}><ogc:PropertyName>{field}</ogc:PropertyName><ogc:Literal>{escape(value)}</ogc:Literal></ogc:{op}>"


def _coverage_sld(layer: str, field: str, druh: str | None, lang: str) -> str:
    rules = []
    for low, high, text, colour in coverage_legend(lang):
        parts = [_comparison("PropertyIsGreaterThanOrEqualTo", field, str(low))]
        if high is not None:
            parts.append(_comparison("PropertyIsLessThan", field, str(high)))
        if druh is not None:
            parts.append(_comparison("PropertyIsEqualTo", "druh", druh))
        rules.append(f"<se:Rule><se:Name>{escape(text)}</se:Name><ogc:Filter><ogc:And>{''.join(parts)}</ogc:And></ogc:Filter>"
                     f'<se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">{colour}</se:SvgParameter></se:Fill>'
                     '<se:Stroke><se:SvgParameter name="stroke">#5a5a5a</se:SvgParameter></se:Stroke></se:PolygonSymbolizer></se:Rule>')
    return _sld(layer, rules)


def _forms_sld(lang: str) -> str:
    rules = [f"<se:Rule><se:Name>{escape(form_label(f, lang))}</se:Name><ogc:Filter>{_comparison('PropertyIsEqualTo', 'forma', f)}</ogc:Filter>"
             '<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle</se:WellKnownName>'
             f'<se:Fill><se:SvgParameter name="fill">{FORM_COLOURS[f]}</se:SvgParameter></se:Fill></se:Mark>'
             "<se:Size>9</se:Size></se:Graphic></se:PointSymbolizer></se:Rule>" for f in FORMS]
    return _sld("sluzby", rules)


# --- the layer_styles table -----------------------------------------------------------------

_CREATE = f"""CREATE TABLE IF NOT EXISTS {STYLES_TABLE} (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT,
  owner TEXT(30), ui TEXT(30), update_time DATETIME)"""


def _write_styles(gpkg: Path, styles: dict[str, tuple[str, str]], *, today: dt.date, main: str | None, lang: str) -> None:
    """Replace the styles of ``styles``'s layers in ``layer_styles``, registered as an attributes table as QGIS does."""
    stamp = f"{today.isoformat()}T00:00:00Z"
    main_name = service_type_label(main, lang) if main else ""
    with sqlite3.connect(gpkg) as db:
        db.execute(_CREATE)
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                   "VALUES (?, 'attributes', ?, '', ?)", (STYLES_TABLE, STYLES_TABLE, stamp))
        for layer, (qml, sld) in styles.items():
            geometry = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
            db.execute(f"DELETE FROM {STYLES_TABLE} WHERE f_table_name = ?", (layer,))
            db.execute(f"INSERT INTO {STYLES_TABLE} (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                       "styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '', ?)",
                       (layer, geometry[0] if geometry else "geom", "kpwork", qml, sld, main_name, stamp))
    db.close()
