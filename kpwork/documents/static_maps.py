"""Maps as PNG images for the Word documents, drawn with geopandas and matplotlib (no browser).

The classes and colours are those of the pages' maps
(:func:`kpwork.documents.layers.coverage_classes`, :data:`kpwork.pages.classes.COVERAGE_COLOURS`).
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from kpwork.documents.layers import coverage_classes, coverage_legend
from kpwork.pages.classes import NO_DATA_COLOUR
from kpwork.pages.labels import GAP_STATES, label
from kpwork.pages.maps import FORM_COLOURS
from kpwork.pages.views import simplified_for_extent
from kpwork.taxonomy import FORMS, form_label

#: Size of a document map in inches and its resolution.
MAP_SIZE = (6.4, 4.6)
MAP_DPI = 150
#: Members a map names; above this the names would cover the map (a country's 6,258) and the reader
#: finds a member in the tables instead.
NAMED_MEMBERS = 60


def coverage_png(municipalities: gpd.GeoDataFrame, coverage: pd.Series, services: gpd.GeoDataFrame | None = None, *, lang: str = "cs") -> bytes:
    """A map of the members coloured by need covered, with names, services by form and a legend.

    Parameters
    ----------
    municipalities
        The ``obce`` layer of the run (``kod_obce``, ``nazev``, geometry).
    coverage
        Coverage (share of need) per member, index ``kod_obce``; a member
        without a value is drawn grey ("nedostupné" when it has need).
    services
        Services to mark (the ``sluzby`` layer, already selected), or None.
    lang
        Language of the legend.

    Returns
    -------
    bytes
        A PNG image.
    """
    polys = municipalities.copy()
    polys["kod_obce"] = polys["kod_obce"].astype(str)
    many = len(polys) > NAMED_MEMBERS
    if many:  # what the image's pixels can show: boundaries simplified to half a pixel (as the region page's map), thin edges
        polys = simplified_for_extent(polys, pixels=MAP_SIZE[0] * 0.72 * MAP_DPI)  # the axes are 0.72 of the figure
    values = polys["kod_obce"].map(coverage)
    legend = coverage_legend(lang)
    classes = coverage_classes(values)
    polys["_colour"] = [legend[c][3] if c >= 0 else NO_DATA_COLOUR for c in classes]
    fig = Figure(figsize=MAP_SIZE)
    ax = fig.add_axes((0, 0, 0.72, 1))
    polys.plot(ax=ax, color=polys["_colour"], edgecolor="#555555", linewidth=0.1 if many else 0.6)
    for _, row in polys.iloc[0:0 if many else len(polys)].iterrows():
        point = row.geometry.representative_point()
        ax.annotate(row["nazev"], (point.x, point.y), ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
    handles = [Patch(facecolor=colour, edgecolor="#555555", label=text) for _, _, text, colour in legend]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#555555", label=label(GAP_STATES, "nedostupne", lang)))
    if services is not None and len(services):
        for form in FORMS:
            points = services[services["forma"] == form]
            if len(points):
                points.plot(ax=ax, color=FORM_COLOURS[form], markersize=4 if many else 28, edgecolor="white", linewidth=0.2 if many else 0.8, zorder=3)
                handles.append(Patch(facecolor=FORM_COLOURS[form], label=form_label(form, lang)))
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.legend(handles=handles, loc="center right", fontsize=7, frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=MAP_DPI, metadata={"Software": None})
    return buffer.getvalue()
