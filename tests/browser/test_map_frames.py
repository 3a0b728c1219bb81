"""Map documents in frames that get their size late, as widgets and redrawn panels give it."""

from __future__ import annotations

import pandas as pd
import pytest

from kpwork.pages import views
from kpwork.pages.maps import embed, value_map
from kpwork.region import load_region

from .conftest import REPO, map_drawn

SAMPLE = REPO / "data" / "otrokovicko"
TIMEOUT = 30_000


def _shape_widths(frame) -> list[float]:
    # the municipalities' shapes (services are white-edged circles)
    return frame.locator("path.leaflet-interactive[stroke='#555']").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().width)")


def _scenario_map(results=None):
    region = load_region(SAMPLE)
    munis = region.municipalities.loc[list(region.members)]
    colours = pd.Series("#1b7837", index=munis.index)
    return embed(value_map(munis, region.services, colours, colours.map(lambda _: "1"), title="t", legend=[("1", "#1b7837")], tip_label="v")).html


def _municipality_map(results):
    # the planning map (map.js), as the municipality notebook shows it
    r = views.open_results(results, kod_obce="585599")
    return views.region_map(r, kod_obce="585599", lang="cs").html


def test_a_scenario_map_laid_out_after_its_script_still_shows_the_region(page):
    # Leaflet fitted a zero-sized map at zoom 0: the whole region was one pixel ("M0 0L0 0z")
    hidden = _scenario_map().replace('class="kp-map"', 'class="kp-map" style="width:100%;height:0;border:0"', 1)
    page.set_content(f"<!DOCTYPE html><html><body style='margin:0'><div style='width:900px'>{hidden}</div></body></html>")
    frame = page.frame_locator("iframe.kp-map")
    frame.locator(".kp-legend").wait_for(state="attached", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.locator("iframe.kp-map").evaluate("f => { f.style.height = '500px'; }")
    for _ in range(50):  # the frame is sandboxed: its document is read through the locator, not waited on from the page
        widths = _shape_widths(frame)
        if max(widths, default=0) > 100:
            break
        page.wait_for_timeout(100)
    members = len(load_region(SAMPLE).members)
    assert len(widths) == members
    assert sum(w > 20 for w in widths) >= members // 2, widths


@pytest.mark.parametrize("build", [_scenario_map, _municipality_map], ids=["scenario-map", "planning-map"])
def test_a_map_sized_below_the_fold_shows_the_region_when_scrolled_to(page, run_outputs, build):
    # Chromium does not render a sandboxed frame outside the view, so a map
    # that gets its size there cannot fit itself until its reader scrolls to it
    # (JupyterLab's Run All: the map cell below the fold, CI)
    html = build(run_outputs[1])
    page.set_content("<!DOCTYPE html><html><body style='margin:0'><div style='height:3000px'>text above the map</div>"
                     f"<div id='host' style='display:none;width:900px'>{html}</div></body></html>")
    frame = page.frame_locator("iframe.kp-map")
    frame.locator(".kp-legend").first.wait_for(state="attached", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.locator("#host").evaluate("h => { h.style.display = 'block'; h.querySelector('iframe').style.height = '500px'; }")
    page.wait_for_timeout(500)
    map_drawn(page.locator("iframe.kp-map"), timeout=TIMEOUT)
    for _ in range(50):
        widths = _shape_widths(frame)
        if sum(w > 20 for w in widths) >= len(widths) // 2:
            break
        page.wait_for_timeout(100)
    assert sum(w > 20 for w in widths) >= len(widths) // 2 > 0, widths
