"""The scenario panel of the meeting page in a real browser: add a service, see who gains, download, compare."""

from __future__ import annotations

import json
import re

import pytest

from kpwork import sheets as sh
from kpwork.region import load_region
from kpwork.scenarios.inputs import parse_scenario

from .conftest import (
    REPO,
    click_in_view,
    map_drawn,
    screenshot,
    start_server,
    stop_server,
    write_run,
)

TIMEOUT = 90_000
SAMPLE = REPO / "data" / "otrokovicko"


@pytest.fixture(scope="module")
def scenario_server(tmp_path_factory):
    """A run with a manifest naming its region (the panel recomputes on that region)."""
    out = tmp_path_factory.mktemp("outputs-scenarios")
    results = write_run(out, SAMPLE)
    manifest = {"run_id": results.parent.name, "parameters": {"region_dir": str(SAMPLE)}, "inputs": [], "started": "2025-01-01T00:00:00+00:00"}
    (results.parent / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    srv = start_server(out, results, tmp_path_factory.mktemp("serve-scenarios") / "serve.log")
    yield srv
    stop_server(srv.process)


def _panel(pg):
    return pg.locator(".kp-scenarios")


def _select(pg, label: str):
    return _panel(pg).locator(".widget-dropdown", has=pg.locator("label.widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).locator("select")


def _number(pg, label: str):
    return _panel(pg).locator(".widget-inline-hbox", has=pg.locator("label.widget-label", has_text=re.compile(f"^{re.escape(label)}")))\
        .locator("input").first


def _fill(pg, label: str, value: str) -> None:
    field = _number(pg, label)
    field.fill(value)
    field.press("Enter")


def _add_alarm_service(pg, capacity: str) -> None:
    _select(pg, "Druh služby").select_option(label="tísňová péče")
    _select(pg, "Obec (sídlo)").select_option(label="Napajedla")
    _fill(pg, "Kapacita", capacity)
    _fill(pg, "Roční náklady", "600000")
    click_in_view(_panel(pg).get_by_role("button", name="Přidat změnu do scénáře"))


def _open(pg, url: str) -> None:
    pg.goto(url + "/voila/render/meeting.ipynb", timeout=TIMEOUT)
    _panel(pg).get_by_text("Scénáře: co když…").wait_for(timeout=TIMEOUT)


def test_add_a_service_shows_who_gains_and_downloads_the_scenario(scenario_server, page):
    _open(page, scenario_server.url)
    assert _panel(page).locator("iframe.kp-map").count() == 0
    _add_alarm_service(page, "10")
    headline = _panel(page).locator(".kp-headline").first
    headline.wait_for(timeout=TIMEOUT)
    assert re.match(r"^\+10\s+klientů pokryto navíc, nejvíce ", headline.inner_text())
    frame = map_drawn(page.locator(".kp-scenarios iframe.kp-map"), timeout=TIMEOUT)
    legend = frame.locator(".kp-legend", has_text="Kdo získá a kdo ztratí: tísňová péče")
    assert "pokryto výrazně víc" in legend.inner_text()
    assert frame.locator(".kp-name", has_text="Napajedla").count() == 1
    table = _panel(page).locator("table.kp-table").first.inner_text()
    assert "Napajedla" in table and "Chybí po změně" in table
    assert "600 000 Kč" in _panel(page).inner_text().replace("\u00a0", " ")
    screenshot(page, "meeting-scenario")
    with page.expect_download(timeout=TIMEOUT) as download:
        click_in_view(_panel(page).get_by_text("Stáhnout scénář"))
    path = download.value.path()
    problems = sh.ProblemLog()
    scenario = parse_scenario(sh.read_csv_text(sh.decode(path.read_bytes()), "scenar.csv"), "scenar", load_region(SAMPLE), problems)
    assert not problems.problems
    (change,) = scenario.changes
    assert (change.zmena, change.druh, change.kod_obce, change.kapacita, change.naklady) == ("pridat", "41", "585513", 10.0, 600_000.0)


def test_compare_two_scenarios(scenario_server, page):
    _open(page, scenario_server.url)
    keep = _panel(page).get_by_role("button", name="Uložit pro srovnání")
    assert keep.is_disabled()  # nothing to keep yet; enabled once a scenario is drawn whole
    _add_alarm_service(page, "5")
    # the scenario's own headline, not any element of that class: keep only once the change is evaluated
    page.wait_for_function("() => document.querySelector('.kp-scenarios .kp-headline')?.innerText.startsWith('+5')", timeout=TIMEOUT)
    click_in_view(keep)
    _panel(page).get_by_text("Scénář 1").wait_for(timeout=TIMEOUT)
    click_in_view(_panel(page).get_by_role("button", name="Začít znovu"))
    _add_alarm_service(page, "15")
    page.wait_for_function("() => document.querySelector('.kp-scenarios .kp-headline')?.innerText.startsWith('+15')", timeout=TIMEOUT)
    click_in_view(keep)
    _panel(page).get_by_text("Scénář 2").wait_for(timeout=TIMEOUT)
    compare = _panel(page).locator("table.kp-table").last
    rows = [[c.strip().replace("\u00a0", " ") for c in r.locator("td").all_inner_texts()] for r in compare.locator("tbody tr").all()]
    assert [r[0] for r in rows] == ["Scénář 1", "Scénář 2"]
    assert [r[2] for r in rows] == ["5 klientů", "15 klientů"]
    assert [r[4] for r in rows] == ["600 000 Kč", "600 000 Kč"]
    assert [r[5] for r in rows] == ["120 000 Kč", "40 000 Kč"]
    screenshot(page, "meeting-scenario-compare")


def test_panel_follows_the_page_language(scenario_server, page):
    _open(page, scenario_server.url)
    _add_alarm_service(page, "10")
    page.wait_for_function("() => document.querySelector('.kp-scenarios .kp-headline')?.innerText.startsWith('+10')", timeout=TIMEOUT)
    click_in_view(page.locator(".kp-app .widget-toggle-buttons").get_by_role("button", name="English"))
    _panel(page).get_by_text("Scenarios: what if…").wait_for(timeout=TIMEOUT)
    page.wait_for_function("() => /^\\+10\\s+clients more covered, most in /.test(document.querySelector('.kp-scenarios .kp-headline')?.innerText)", timeout=TIMEOUT)
    text = _panel(page).inner_text()
    assert "Add the change to the scenario" in text and "Keep for comparison" in text
    assert "Scénáře" not in text and "pokryto" not in text
    assert "Napajedla" in _panel(page).locator("table.kp-table").first.inner_text()  # the change is still there, drawn in English
    screenshot(page, "meeting-scenario-en")


def test_seat_clicked_on_the_map(scenario_server, page):
    _open(page, scenario_server.url)
    _select(page, "Druh služby").select_option(label="tísňová péče")
    _panel(page).locator(".widget-toggle-buttons", has_text="bodu na mapě").get_by_role("button", name="bodu na mapě").click()
    frame = map_drawn(page.locator(".kp-scenarios iframe.kp-map"), timeout=TIMEOUT)
    frame.locator(".kp-name").first.wait_for(timeout=TIMEOUT)
    point = _panel(page).locator(".kp-seat-point input")
    # a message from the page itself (not from the panel's map) is ignored
    page.evaluate("() => window.postMessage({kind: 'kp-seat', lat: 49.17, lon: 17.51}, '*')")
    page.wait_for_timeout(1000)
    assert point.input_value() == ""
    frame.locator(".leaflet-container").click()  # the middle of the region's map
    note = _panel(page).locator(".kp-seat-note")
    note.wait_for(timeout=TIMEOUT)
    seat = note.inner_text().replace("\u00a0", " ")
    named = re.match(r"^Sídlo: bod 49,\d{5}, 17,\d{5} v obci (.+)\.$", seat)
    assert named and named.group(1) in set(load_region(SAMPLE).member_names()), seat
    assert re.match(r"^49\.\d{5}, 17\.\d{5}$", point.input_value())
    frame.locator(".kp-seat").wait_for(timeout=TIMEOUT)  # the seat marked
    _fill(page, "Kapacita", "10")
    _fill(page, "Roční náklady", "600000")
    click_in_view(_panel(page).get_by_role("button", name="Přidat změnu do scénáře"))
    page.wait_for_function("() => document.querySelector('.kp-scenarios .kp-headline')?.innerText.startsWith('+10')", timeout=TIMEOUT)
    assert f"nová služba: tísňová péče, {named.group(1)}, 10 klientů" in _panel(page).locator("ol").inner_text().replace("\u00a0", " ")
    frame.locator(".kp-legend", has_text="Kdo získá a kdo ztratí: tísňová péče").wait_for(timeout=TIMEOUT)
    map_drawn(page.locator(".kp-scenarios iframe.kp-map"), timeout=TIMEOUT)  # the legend is in the document, the shapes and marker come with its script
    frame.locator(".kp-seat").wait_for(timeout=TIMEOUT)  # still marked on the map of who gains
    assert "Chybí po změně" in _panel(page).locator("table.kp-table").first.inner_text()
    screenshot(page, "meeting-scenario-seat")
