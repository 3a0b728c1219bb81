"""Offline folium maps: Leaflet inlined, no CDN, polygons and services drawn, Czech numbers."""

from __future__ import annotations

import base64
import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest

from kpwork import load_region
from kpwork.access import reachable_capacity
from kpwork.errors import InvalidParameter
from kpwork.gaps import find_gaps, municipality_gaps, service_load
from kpwork.need import region_need
from kpwork.pages.classes import (
    COVERAGE_COLOURS,
    NO_DATA_COLOUR,
    SHORTFALL_COLOURS,
    count_bounds,
    count_classes,
    coverage_classes,
    fisher_jenks,
    nice_ceiling,
)
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


def _data(page: str) -> dict:
    """The map's data, as its script reads it (unpacked when gzipped)."""
    packed = json.loads(re.search(r"packed = (.*?);\n", page).group(1))
    return json.loads(gzip.decompress(base64.b64decode(packed))) if isinstance(packed, str) else packed


def _tip(data: dict, druh: str, code: str) -> str:
    """A municipality's tooltip as the reader sees it: name, then a row per line ("label\tvalue")."""
    i = [f["properties"]["kod_obce"] for f in data["areas"]["features"]].index(code)
    info = data["info"][druh]
    values = [info["coverage"].replace("{v}", v) if j == 1 else v for j, v in enumerate(info["tips"][i])]
    return "\n".join([data["names"][i][2], *(f"{label}\t{v}" for label, v in zip(data["text"]["tip"], values, strict=True))])


def test_region_map_is_offline_and_draws_members_and_services(sample, page):
    region = sample[0]
    data = _data(page)
    assert not EXTERNAL.search(page)
    assert page.count("L.map(") == 1, "one Leaflet map"
    assert sorted(f["properties"]["kod_obce"] for f in data["areas"]["features"]) == sorted(region.members), "each member drawn once"
    assert len(data["info"]["40"]["services"]) == (region.services["druh"] == "40").sum(), "the services of the type shown"
    assert [m["key"] for m in data["measures"]] == ["mezera", "pokryti", "potreba"], "shortfall first"
    assert "Kolik chybí (odhad): pečovatelská služba (§40), klienti" in data["info"]["40"]["legends"]["mezera"]
    assert "imperial:false" in page.replace(" ", ""), "a metric scale only"


def test_numbers_in_tooltips_legends_and_popups_are_czech(page):
    info = _data(page)["info"]["40"]
    assert "méně než 25\u00a0%" in info["legends"]["pokryti"] and "100\u00a0% a více" in info["legends"]["pokryti"], "coverage legend in percent"
    tip = _tip(_data(page), "40", "588318")
    assert re.search(r"\nPokrytí potřeby\t\d+\u00a0% \(celý region 79\u00a0%\)\n", tip), "each municipality compared with the region"
    assert re.search(r"\nPotřeba \(odhad\)\t\d+,\d\u00a0klient", tip), "need in tooltips, with its unit"
    popups = " ".join(s["popup"] for s in info["services"])
    assert "<td>120\u00a0klientů</td>" in popups, "capacity in a popup, with the plural of its unit"
    assert "<td>98\u00a0% (v normě; klienti za rok / kapacita klientů)</td>" in popups, "load, its state and what it compares in a popup"
    assert info["headline"].startswith("V celém regionu chybí 66\u00a0klientů (pokrytí potřeby 79\u00a0%). Nejvíce chybí: ")


def test_class_bounds_are_whole_and_round(sample):
    region, _, per_municipality, *_ = sample
    page = map_html(region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="37"))
    legend = _data(page)["info"]["37"]["legends"]["mezera"]
    labels = re.findall(r"</i>([^<]+)</div>", legend)
    assert labels[0] == "nic nechybí"
    assert all(re.fullmatch(r"(méně než 1|\d+(\u00a0\d+)?(–\d+(\u00a0\d+)?)?|\d+ a více)", t) for t in labels[1:]), labels
    assert "," not in "".join(labels), "no decimals in class bounds"


def _spread(values: np.ndarray, bounds: list[float]) -> float:
    """The within-class sum of squared deviations of a grouping by upper bounds."""
    classes = np.searchsorted(np.asarray(bounds), values, side="left")
    return float(sum(((values[classes == c] - values[classes == c].mean()) ** 2).sum() for c in set(classes)))


def test_fisher_jenks_groups_as_tightly_as_mapclassify():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mapclassify

        rng = np.random.default_rng(7)
        checked = 0
        for _ in range(120):
            values = np.floor(rng.lognormal(2, 1.2, int(rng.integers(6, 60))) + 0.5)
            k = int(rng.integers(2, 6))
            if len(set(values)) <= k:
                continue
            ours, theirs = fisher_jenks(values, k), list(mapclassify.FisherJenks(values, k=k).bins)
            assert ours[-1] == values.max() and len(ours) == k
            assert _spread(values, ours) == pytest.approx(_spread(values, theirs)), (values.tolist(), k)
            checked += 1
    assert checked > 80


def test_round_class_bounds():
    assert nice_ceiling(13) == 20 and nice_ceiling(372) == 500 and nice_ceiling(7.2) == 8
    assert count_bounds(pd.Series([0.2, 1, 2, 3])) == [1, 2, 3]
    bounds = count_bounds(pd.Series([1, 2, 3, 9, 14, 18, 60, 70, 400, 382.4]))
    assert bounds[-1] == 400 and all(b in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 25, 50, 100, 200, 250, 500) for b in bounds[:-1])
    classes = count_classes(pd.Series([-1.0, 0.0, 0.4, 1.2, 382.0, float("nan")]), SHORTFALL_COLOURS, zero="nic nechybí")
    assert classes.colours.iloc[0] == classes.colours.iloc[1] == SHORTFALL_COLOURS[0]
    assert classes.colours.iloc[-1] == NO_DATA_COLOUR and classes.colours.iloc[4] == SHORTFALL_COLOURS[-1]
    assert [c for _, c in coverage_classes(pd.Series([0.2])).legend] == list(COVERAGE_COLOURS)


HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def _named(sample, name: str):
    """The sample's map inputs with Bělov and every §40 service (and its provider) called ``name``."""
    region, _, per_municipality, access, load = sample
    munis = region.municipalities.loc[list(region.members)].copy()
    munis["nazev"] = munis["nazev"].astype(str)
    munis.loc["588318", "nazev"] = name
    services = region.services.copy()
    services.loc[services["druh"] == "40", ["nazev", "poskytovatel"]] = name
    gaps = per_municipality.copy()
    gaps.loc[gaps["kod_obce"] == "588318", "nazev"] = name
    return munis, services, gaps, access, load


def test_names_from_data_are_never_markup(sample):
    munis, services, gaps, access, load = _named(sample, HOSTILE)
    page = map_html(region_map(munis, services, gaps, druh="40", access=access, load=load))
    assert "<img" not in page and "<script>alert" not in page and "alert(1)" in page
    data = _data(page)
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    assert _tip(data, "40", "588318").startswith(HOSTILE + "\n"), "a tooltip's name is set as text by the script"
    assert all(escaped in s["tip"] and s["popup"].count(escaped) == 2 for s in data["info"]["40"]["services"])
    assert HOSTILE in [n[2] for n in data["names"]], "a name is set as text by the script, not as HTML"
    assert "textContent = text" in page and "innerHTML = n" not in page
    frame = embed(region_map(munis, services, gaps, druh="40")).html
    assert ' sandbox="allow-scripts" ' in frame and "allow-same-origin" not in frame


def test_several_types_to_pick_from(sample):
    region, _, per_municipality, *_ = sample
    page = map_html(region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", types=["37", "40", "41"]))
    data = _data(page)
    assert [t["code"] for t in data["types"]] == ["37", "40", "41"] and data["initial"] == "40"
    assert data["info"]["41"]["services"] == [] and "nic nechybí" not in data["info"]["41"]["headline"]


def test_a_subset_of_municipalities_keeps_the_region_to_compare_with(sample):
    region, _, per_municipality, access, load = sample
    subset = region.municipalities.loc[["588318", "585599", "588814"]]
    reference = pd.DataFrame([{"druh": "40", "jednotka": "klienti", "potreba": 400.0, "kapacita_dosazitelna": 100.0, "mezera": 300.0, "pokryti": 0.25}])
    data = _data(map_html(region_map(subset, region.services, per_municipality, druh="40", reference=reference, focus="588318")))
    assert sorted(f["properties"]["kod_obce"] for f in data["areas"]["features"]) == ["585599", "588318", "588814"]
    assert len(data["info"]["40"]["tips"]) == len(data["info"]["40"]["colours"]["mezera"]) == 3
    assert "(celý region 25\u00a0%)" in _tip(data, "40", "588318")
    lat0, lon0 = data["fit"][0]
    lat1, lon1 = data["fit"][1]
    names = {n[2]: (n[0], n[1]) for n in data["names"]}
    assert all(lat0 <= lat <= lat1 and lon0 <= lon <= lon1 for lat, lon in names.values()), "the neighbours' names are in view"


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
    data = _data(page)
    assert "Shortfall (estimate): home care (§40), clients" in data["info"]["40"]["legends"]["mezera"]
    assert "100% or more" in data["info"]["40"]["legends"]["pokryti"] and data["forms"][-1]["label"] == "field"


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
    assert element.html.startswith('<iframe class="kp-map" title="Mapa" sandbox="allow-scripts" srcdoc="&lt;!DOCTYPE html&gt;')
    assert "L.map(" in element.html


TEMPLATE = "Q{{ 7*7 }}{% if true %}X{% endif %}{# c #}Q"
#: What folium's Jinja would make of it: the sign of a template run.
RAN = ("Q49", "XQ", "}}Q")


def test_names_are_never_template_code(sample):
    # folium compiles rendered scripts as Jinja templates: a name "{{ ... }}" would run Python in the run
    from kpwork.pages.maps import value_map

    munis, services, gaps, access, load = _named(sample, TEMPLATE)
    page = map_html(region_map(munis, services, gaps, druh="40", access=access, load=load))
    assert "Q49" not in page
    assert TEMPLATE in [n[2] for n in _data(page)["names"]], "the name reaches the map as it is written"
    entities = "Q&#123;&#123; 7*7 &#125;&#125;&#123;% if true %&#125;X&#123;% endif %&#125;&#123;# c #&#125;Q"
    assert _data(page)["info"]["40"]["services"][0]["tip"] == entities, "shown with its braces"
    colours = pd.Series("#ffffff", index=munis.index)
    page = map_html(value_map(munis, services, colours, colours.map(lambda _: TEMPLATE), title=TEMPLATE, legend=[(TEMPLATE, "#fff")], tip_label=TEMPLATE))
    assert "Q49" not in page and "{{ 7*7 }}" not in page
    assert page.count(entities) >= 4, "names, tooltips, popups and the legend show the text"


def test_a_big_map_s_data_are_packed_the_same_and_byte_identical(sample, monkeypatch):
    import kpwork.pages.maps as maps

    region, _, per_municipality, access, load = sample
    munis = region.municipalities.loc[list(region.members)]
    plain = map_html(region_map(munis, region.services, per_municipality, druh="40", types=["37", "40"], access=access, load=load))
    monkeypatch.setattr(maps, "PACK_BYTES", 0)
    packed = map_html(region_map(munis, region.services, per_municipality, druh="40", types=["37", "40"], access=access, load=load))
    assert '"kod_obce"' in plain and '"kod_obce"' not in packed and len(packed) < len(plain)
    assert _data(packed) == _data(plain)
    assert packed == map_html(region_map(munis, region.services, per_municipality, druh="40", types=["37", "40"], access=access, load=load))
def test_access_with_two_rows_for_a_member_and_type_is_refused(sample):
    """The distance in a tooltip comes from one row per member, type and unit; two rows would be a silent pick."""
    region, _, per_municipality, access, _ = sample
    twice = pd.concat([access, access.loc[(access["druh"].astype(str) == "40")].head(1)], ignore_index=True)
    with pytest.raises(InvalidParameter, match="access must have one row per municipality"):
        region_map(region.municipalities.loc[list(region.members)], region.services, per_municipality, druh="40", access=twice)


def test_each_type_in_the_map_as_drawn_alone(sample):
    """A map of every type gives each type what a map of that type alone gives: the tables split once per map change nothing."""
    region, _, per_municipality, access, load = sample
    polygons = region.municipalities.loc[list(region.members)]
    types = sorted(set(per_municipality["druh"].astype(str)))
    together = _data(map_html(region_map(polygons, region.services, per_municipality, druh=types[0], types=types, access=access, load=load)))["info"]
    for druh in types:
        alone = _data(map_html(region_map(polygons, region.services, per_municipality, druh=druh, access=access, load=load)))["info"]
        assert together[druh] == alone[druh], druh
