"""Map documents in frames that get their size late, as widgets and redrawn panels give it."""

from __future__ import annotations

import pandas as pd

from kpwork.pages.maps import embed, value_map
from kpwork.region import load_region

from .conftest import REPO

SAMPLE = REPO / "data" / "otrokovicko"
TIMEOUT = 30_000


def _shape_widths(frame) -> list[float]:
    # the municipalities' shapes (services are white-edged circles)
    return frame.locator("path.leaflet-interactive[stroke='#555']").evaluate_all("ps => ps.map(p => p.getBoundingClientRect().width)")


def test_a_scenario_map_laid_out_after_its_script_still_shows_the_region(page):
    # Leaflet fitted a zero-sized map at zoom 0: the whole region was one pixel ("M0 0L0 0z")
    region = load_region(SAMPLE)
    munis = region.municipalities.loc[list(region.members)]
    colours = pd.Series("#1b7837", index=munis.index)
    element = embed(value_map(munis, region.services, colours, colours.map(lambda _: "1"), title="t", legend=[("1", "#1b7837")], tip_label="v"))
    hidden = element.html.replace('class="kp-map"', 'class="kp-map" style="width:100%;height:0;border:0"', 1)
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
    assert len(widths) == len(munis)
    assert sum(w > 20 for w in widths) >= len(munis) // 2, widths
