"""Offline folium maps: Leaflet inlined, no CDN, polygons and services drawn, Czech numbers."""

from __future__ import annotations

import json
import re

import pytest

from kpwork import load_region
from kpwork.access import reachable_capacity
from kpwork.errors import InvalidParameter
from kpwork.gaps import find_gaps, municipality_gaps, service_load
from kpwork.need import region_need
from kpwork.pages.element import Element
from kpwork.pages.maps import embed, leaflet_assets, map_html, region_map

EXTERNAL = re.compile(r"<(?:script|img)[^>]+src=[\"']?(?:https?:)?//|<link[^>]+href=[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def sample():
    region = load_region("data/otrokovicko")
    need = region_need(region)
    reach = reachable_capacity(region, need)
    gaps = find_gaps(need, reach.by_group)
    return region, gaps, municipality_gaps(gaps), reach.by_type, service_load(region.services, region.usage, region.members)


@pytest.fixture(scope="module")
def page(sample) -> str:
    region, _, per_municipality, access, load = sample
    return map_html(region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", access=access, load=load))


def test_leaflet_is_inlined_with_images():
    js, css = leaflet_assets()
    assert js.startswith("/* @preserve\n * Leaflet 1.")
    assert re.search(r"\.map=function\(\w,\w\)\{return new \w+\(\w,\w\)\}", js), "Leaflet's L.map factory"
    assert "sourceMappingURL" not in js
    assert "images/layers.png" not in css and "data:image/png;base64," in css


def test_region_map_is_offline_and_draws_members_and_services(sample, page):
    region = sample[0]
    assert not EXTERNAL.search(page)
    assert page.count("L.map(") == 1, "one Leaflet map"
    assert page.count('"kod_obce": "585599"') == 3, "one polygon per choropleth layer"
    assert page.count("L.circleMarker(") == len(region.services)
    assert "Potřeba: pečovatelská služba (§40) (klienti)" in page  # the legend, as HTML, with the unit
    assert json.dumps("Služby – terénní")[1:-1] in page  # the layer control, as JSON


def test_numbers_in_tooltips_legends_and_popups_are_czech(page):
    assert "0\u00a0% – 25\u00a0%" in page and "≥ 100\u00a0%" in page, "the coverage legend in percent"
    assert re.search(r'"_pokryti": "\d+\\u00a0%"', page), "coverage in tooltips (GeoJSON), a no-break space before %"
    assert "<td>120\u00a0klientů</td>" in page, "capacity in a popup, with the plural of its unit"
    assert re.search(r'"_potreba": "(&lt;|<)?\d+\\u00a0klient', page), "need in tooltips, with its unit"
    assert "<td>98\u00a0% (v normě; klienti za rok / kapacita klientů)</td>" in page, "load, its state and what it compares in a popup"
    assert "<td>97\u00a0% (v normě; obsazenost lůžek či míst)</td>" in page, "a home's load is its occupancy (bed-days), not clients over beds"


def test_focus_outside_region_is_a_clear_error(sample):
    region, _, per_municipality, *_ = sample
    with pytest.raises(InvalidParameter, match="kod_obce 500011 is not a member of the region"):
        region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", focus="500011")


def test_gaps_of_several_target_groups_are_refused(sample):
    region, gaps, *_ = sample
    with pytest.raises(InvalidParameter, match="one row per municipality, type and unit"):
        region_map(region.municipalities.loc[list(region.members)], region.services, gaps, druh="40")


def test_english_labels(sample):
    region, _, per_municipality, *_ = sample
    page = map_html(region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", lang="en"))
    assert "Need: home care (§40)" in page and json.dumps("Services – field")[1:-1] in page
    assert "≥ 100%" in page


def test_unknown_language_is_refused(sample):
    region, _, per_municipality, *_ = sample
    with pytest.raises(InvalidParameter, match="lang must be one of cs, en, got 'de'"):
        region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", lang="de")


def test_same_inputs_give_byte_identical_map_html(sample):
    region, _, per_municipality, access, load = sample
    munis = region.municipalities.loc[list(region.members)]
    first = map_html(region_map(munis, region.services, per_municipality, druh="40", access=access, load=load, focus="588318"))
    second = map_html(region_map(munis, region.services, per_municipality, druh="40", access=access, load=load, focus="588318"))
    assert first == second


def test_embedded_map_is_an_iframe_element(sample):
    region, _, per_municipality, *_ = sample
    element = embed(region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40"))
    assert isinstance(element, Element)
    assert element.html.startswith('<iframe class="kp-map" title="Mapa" srcdoc="&lt;!DOCTYPE html&gt;')
    assert "L.map(" in element.html
