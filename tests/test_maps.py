"""Offline folium maps: Leaflet inlined, no CDN, polygons and services drawn."""

from __future__ import annotations

import json
import re

import pytest

from kpwork import load_region
from kpwork.access import accessibility
from kpwork.gaps import find_gaps, service_load
from kpwork.need import region_need
from kpwork.pages.maps import leaflet_assets, map_html, region_map

EXTERNAL = re.compile(r"<(?:script|img)[^>]+src=[\"']?(?:https?:)?//|<link[^>]+href=[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def sample():
    region = load_region("data/otrokovicko")
    need = region_need(region)
    access = accessibility(region, need)
    return region, find_gaps(need, access), access, service_load(region.services, region.usage, region.members)


def test_leaflet_is_inlined_with_images():
    js, css = leaflet_assets()
    assert "L.Map" in js or "Map" in js
    assert "images/layers.png" not in css and "data:image/png;base64," in css


def test_region_map_is_offline_and_draws_members_and_services(sample):
    region, gaps, access, load = sample
    m = region_map(region.municipalities.loc[list(region.members)], region.services, gaps, druh="40", access=access, load=load)
    page = map_html(m)
    assert not EXTERNAL.search(page)
    assert page.count('"kod_obce": "585599"') == 3, "one polygon per choropleth layer"
    assert page.count("L.circleMarker(") == len(region.services)
    assert "Potřeba: pečovatelská služba (§40)" in page  # the legend, as HTML
    assert json.dumps("Služby – terénní")[1:-1] in page  # the layer control, as JSON


def test_focus_outside_region_is_a_clear_error(sample):
    region, gaps, access, load = sample
    with pytest.raises(Exception, match="500011 is not a member"):
        region_map(region.municipalities.loc[list(region.members)], region.services, gaps, druh="40", focus="500011")


def test_english_labels(sample):
    region, gaps, access, load = sample
    page = map_html(region_map(region.municipalities.loc[list(region.members)], region.services, gaps, druh="40", lang="en"))
    assert "Need: home care (§40)" in page and json.dumps("Services – field")[1:-1] in page


def test_same_inputs_give_byte_identical_map_html(sample):
    region, gaps, access, load = sample
    munis = region.municipalities.loc[list(region.members)]
    first = map_html(region_map(munis, region.services, gaps, druh="40", access=access, load=load, focus="588318"))
    second = map_html(region_map(munis, region.services, gaps, druh="40", access=access, load=load, focus="588318"))
    assert first == second
