"""A municipality page shows its neighbourhood, never the whole region."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import pytest

from kpwork.analysis import analyse_region
from kpwork.pages import views
from kpwork.pages.catalogue import serves
from kpwork.pages.neighbourhood import PageCutter, neighbourhood_results
from kpwork.region import load_region
from kpwork.results import load, load_page, write_page_data, write_results
from kpwork.synth import synthesize_region

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 36-member synthetic region (a grid of squares), analysed and written as a run writes it."""
    tmp = tmp_path_factory.mktemp("grid")
    folder = synthesize_region(36, 5, tmp / "region", services=12)
    region = load_region(folder)
    analysis = analyse_region(region, today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp / "results")
    return region, analysis, tmp / "results"


def _page(r, code: str) -> str:
    """Everything the municipality notebook shows, as HTML."""
    parts = [views.title(r, kod_obce=code), views.population_card(r, code), views.age_chart(r, kod_obce=code), views.need_chart(r, kod_obce=code),
             views.gap_table(r, kod_obce=code), views.nearest_services(r, code), views.service_table(r, kod_obce=code), views.opt_out_note(r, code)]
    # the map is a sandboxed frame whose document sits escaped in srcdoc: read it as the browser does
    return "".join(p._repr_html_() for p in parts) + html.unescape(views.region_map(r, kod_obce=code).html)


def _shows(page: str, name: str) -> bool:
    """Whether a page names ``name``: as text, or \\u-escaped inside the map's scripts."""
    return any(re.search(rf"(?<![\\w\\\\]){re.escape(form)}(?!\\w)", page) for form in (name, json.dumps(name)[1:-1]))


def test_a_municipality_page_holds_its_neighbours_and_no_other_member(grid):
    region, analysis, results = grid
    layer = analysis.layers["obce"].set_index("kod_obce")
    code = region.members[14]  # inside the grid: neighbours on every side
    touching = set(layer.index[layer.intersects(layer.geometry[code])]) - {code}
    services = load(results)["sluzby"]  # as a page reads them: the area served as text
    seats = set(services.loc[serves(services, code), "kod_obce"])
    neighbourhood = {code, *touching, *(seats & set(region.members))}
    others = set(region.members) - neighbourhood
    assert len(touching) >= 4 and len(others) >= 10 and seats - {code}, "the test needs neighbours, other members, services from elsewhere"

    page = _page(views.open_results(str(results), kod_obce=code), code)
    names = region.member_names()
    assert all(_shows(page, names[c]) for c in touching), "the neighbours are on the map"
    shown = set(re.findall(r'"kod_obce": ?"(\d{6})"', page))  # each polygon of the map has its code
    assert code in shown and shown <= neighbourhood, f"map features of other members: {sorted(shown - neighbourhood)}"
    shown_names = [names[c] for c in neighbourhood]
    unique = [c for c in others if not any(names[c] in n for n in shown_names)]  # "Týnec" is part of "Týnec nad Labem"
    assert len(unique) >= 10 and not [names[c] for c in unique if _shows(page, names[c])], "no other member's name"
    features = re.findall(r'\{"type": ?"Feature", ?"properties"', page)
    assert len(features) == len(shown), "one layer of the neighbourhood's polygons (restyled per view), nothing else"


def test_the_run_s_page_data_is_the_cut_of_the_whole_results(grid, tmp_path):
    region, analysis, results = grid
    code = region.members[7]
    cut = PageCutter(analysis.tables, analysis.layers, analysis.meta)
    write_page_data(cut(code), tmp_path, code)
    written, from_whole = load_page(tmp_path, code), neighbourhood_results(load(results), code)
    assert written.meta == json.loads(json.dumps(from_whole.meta))
    for name in ("obce", "mezery", "mezery_obce", "dostupnost", "sluzby", "vytizenost"):
        assert list(written[name].columns) == list(from_whole[name].columns)
        assert written[name]["kod_obce" if "kod_obce" in written[name] else "sluzba_id" if name == "vytizenost" else "id"].astype(str).tolist() == \
            from_whole[name]["kod_obce" if "kod_obce" in from_whole[name] else "sluzba_id" if name == "vytizenost" else "id"].astype(str).tolist()
    assert set(written["mezery"]["kod_obce"]) == {code}
    assert set(written.layer("obce")["kod_obce"]) == set(written.meta["members"])


def test_the_page_s_numbers_are_those_of_the_whole_run(tmp_path):
    """On the sample: the member's tables and its age chart's region bar do not change with the cut."""
    region = load_region(SAMPLE)
    analysis = analyse_region(region, today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    whole = load(tmp_path / "results")
    code = "588318"
    page = views.open_results(str(tmp_path / "results"), kod_obce=code)
    for element in ("population_card", "gap_table", "need_chart", "age_chart", "service_table"):
        assert getattr(views, element)(page, kod_obce=code)._repr_html_() == getattr(views, element)(whole, kod_obce=code)._repr_html_(), element
    assert views.nearest_services(page, code).html == views.nearest_services(whole, code).html
    assert page.meta["vek_region"]["vek_80_plus"] == int(analysis.tables["obce"]["vek_80_plus"].sum())


def test_region_boundaries_are_simplified_to_half_a_pixel_of_the_map_s_extent():
    layer = analyse_region(load_region(SAMPLE), today=date(2026, 1, 15)).layers["obce"]
    coordinates = layer.geometry.count_coordinates().sum()
    # the sample's ~20 km on a 1920-pixel map: a 5 m step, the boundaries as drawn
    detailed = views.simplified_for_extent(layer)
    assert (detailed.geometry.symmetric_difference(layer.geometry).area / layer.area).max() < 0.001
    assert detailed.geometry.count_coordinates().sum() == coordinates
    # the same extent on a 20-pixel map (as the whole country on a screen): a step of ~500 m
    coarse = views.simplified_for_extent(layer, pixels=20)
    assert coarse.geometry.count_coordinates().sum() < 0.9 * coordinates
    assert list(coarse["kod_obce"]) == list(layer["kod_obce"]) and coarse.is_valid.all() and not coarse.is_empty.any()
    assert (coarse.geometry.symmetric_difference(layer.geometry).area / layer.area).max() < 0.25
