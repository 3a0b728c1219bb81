"""The meeting pages in a real browser: map drawn, no code, widgets update, catalogue prints, no raw data."""

from __future__ import annotations

import http.client
import re
import urllib.parse
import urllib.request

import pytest

from kpwork.pages import catalogue
from kpwork.results import load

from .conftest import REPO, map_drawn, screenshot

TIMEOUT = 60_000


def _select(pg, label: str):
    return pg.locator(".widget-dropdown", has=pg.locator("label.widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).locator("select")


def _open(pg, url: str, ready: str):
    pg.goto(url, timeout=TIMEOUT)
    pg.locator(ready).first.wait_for(timeout=TIMEOUT)


def _numbers(text: str) -> int:
    return int(text.replace("\u00a0", "").replace(" ", "").replace("+", "") or 0)


def _contributions(pg) -> list[list[str]]:
    return [[c.strip() for c in r.locator("td").all_inner_texts()] for r in pg.locator("table.kp-contrib tbody tr").all()]


def _assert_no_code(pg):
    content = pg.content()
    for code in ("from kpwork", "results_dir =", "meeting.app(", "catalogue.app("):
        assert code not in content
    assert pg.locator(".jp-CodeMirrorEditor, .jp-InputArea-editor, .CodeMirror").count() == 0
    assert pg.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0


def test_index_lists_the_pages(server, page):
    page.goto(server.url + "/")
    assert page.locator("h1").inner_text() == "Otrokovicko"
    links = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links == ["voila/render/meeting.ipynb", "voila/render/catalogue.ipynb"]
    screenshot(page, "index", height=700)


def test_meeting_page_draws_the_map_and_shows_no_code(server, page):
    _open(page, server.url + "/voila/render/meeting.ipynb", "iframe.kp-map")
    frame = map_drawn(page.locator("iframe.kp-map"), timeout=TIMEOUT)
    members = load(server.results).meta["members"]
    assert frame.locator("path.leaflet-interactive").count() >= len(members)  # municipality polygons (+ service markers)
    assert frame.locator(".kp-name", has_text="Otrokovice").count() == 1
    assert frame.locator(".kp-ctrl input[type=radio]").count() == 3  # shortfall, coverage, need
    assert frame.locator(".kp-ctrl input[type=radio]").first.is_checked() and frame.locator(".kp-ctrl label").first.inner_text() == "Kolik chybí"
    assert frame.locator(".kp-ctrl input[type=checkbox]").count() == 3  # services by form
    assert "Jednání: Otrokovicko" in page.locator("h1").first.inner_text()
    _assert_no_code(page)
    screenshot(page, "meeting")


def test_target_group_changes_legend_and_table(server, page):
    _open(page, server.url + "/voila/render/meeting.ipynb", "table.kp-gaps")
    frame = page.frame_locator("iframe.kp-map")
    legend_before = frame.locator(".kp-legend").first.inner_text(timeout=TIMEOUT)
    table_before = page.locator("table.kp-gaps").inner_text()
    _select(page, "Cílová skupina").select_option(label="osoby bez přístřeší")
    page.wait_for_function("t => document.querySelector('table.kp-gaps').innerText !== t", arg=table_before, timeout=TIMEOUT)
    assert "osoby bez přístřeší" in page.locator(".kp-app").first.inner_text()
    frame = map_drawn(page.locator("iframe.kp-map"), timeout=TIMEOUT)
    legend_after = frame.locator(".kp-legend").first.inner_text()
    assert legend_after.splitlines()[0].startswith("Kolik chybí (odhad):")
    assert (legend_after, page.locator("table.kp-gaps").inner_text()) != (legend_before, table_before)


def test_municipality_picker_shows_its_profile(server, page):
    _open(page, server.url + "/voila/render/meeting.ipynb", "table.kp-gaps")
    _select(page, "Obec").select_option(label="Napajedla")
    page.get_by_text("Profil obce: Napajedla").wait_for(timeout=TIMEOUT)
    assert "Obyvatelé podle věku" in page.locator(".kp-app").first.inner_text()


def test_funding_method_changes_contributions_and_totals_add_up(server, page):
    _open(page, server.url + "/voila/render/meeting.ipynb", "table.kp-contrib")
    service = load(server.results)["financovani_sluzby"].iloc[0]
    before = _contributions(page)
    # the text to wait past is read before the change, or a fast update is missed
    shown = page.locator("table.kp-contrib").inner_text()
    _select(page, "Metoda").select_option(label="rovným dílem")
    page.wait_for_function("t => document.querySelector('table.kp-contrib').innerText !== t",
                           arg=shown, timeout=TIMEOUT)
    after = _contributions(page)
    assert after != before
    members, total = after[:-1], after[-1]
    assert sum(_numbers(r[2]) for r in members) == _numbers(total[2]) == int(service["obce"])
    alone = [r for r in members if not r[0].startswith("ostatní obce")]
    assert len(alone) < len(members), "members with fewer than 5 clients are added up in one row"
    assert len({r[2] for r in alone}) <= 2  # equal shares, up to one crown
    shown = page.locator("table.kp-contrib").inner_text()
    _select(page, "Kombinovat s").select_option(label="podle počtu obyvatel")
    page.wait_for_function("t => document.querySelector('table.kp-contrib').innerText !== t",
                           arg=shown, timeout=TIMEOUT)
    mixed = _contributions(page)
    assert sum(_numbers(r[2]) for r in mixed[:-1]) == _numbers(mixed[-1][2]) == int(service["obce"])
    assert page.locator("img[alt='Příspěvky obcí']").count() == 1


def test_language_switch(server, page):
    _open(page, server.url + "/voila/render/meeting.ipynb", "table.kp-gaps")
    page.get_by_role("button", name="English").first.click()
    page.get_by_text("Meeting: Otrokovicko").wait_for(timeout=TIMEOUT)
    assert "Contribution (CZK)" in page.locator("table.kp-contrib").inner_text()


def test_catalogue_filters_and_prints_only_the_filtered_services(server, page):
    _open(page, server.url + "/voila/render/catalogue.ipynb", ".kp-card")
    services = load(server.results)["sluzby"]
    assert page.locator(".kp-cards .kp-card").count() == len(services)
    _select(page, "Forma").select_option(label="pobytová")
    expected = catalogue.filter_services(services, forma="pobytova")
    page.wait_for_function("n => document.querySelectorAll('.kp-cards .kp-card').length === n", arg=len(expected), timeout=TIMEOUT)
    page.get_by_role("textbox").fill("domov")
    page.get_by_role("textbox").press("Enter")
    expected = catalogue.filter_services(services, forma="pobytova", text="domov")
    assert 0 < len(expected)
    page.wait_for_function("n => document.querySelectorAll('.kp-cards .kp-card').length === n", arg=len(expected), timeout=TIMEOUT)
    assert page.get_by_text(f"Nalezeno služeb: {len(expected)}").count() == 1
    _assert_no_code(page)
    screenshot(page, "catalogue")
    page.get_by_role("button", name="Tisková verze").click()
    printed = page.frame_locator("iframe.kp-print")
    printed.locator(".kp-card").first.wait_for(timeout=TIMEOUT)
    ids = printed.locator(".kp-card").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == expected["id"].tolist()
    page.emulate_media(media="print")
    assert printed.locator(".kp-print-button").is_hidden()
    page.emulate_media(media="screen")
    screenshot(page, "catalogue-print")
    href = page.locator("a.kp-download").get_attribute("href")
    assert href.startswith("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,")


LEAKS = ("kod_obce", "sluzba_id", "[region]", "SQLite format", "from kpwork", "results_dir")


def _raw_paths(server) -> list[str]:
    data = REPO / "data" / "otrokovicko" / "services.csv"
    results = server.results / "sluzby.csv"
    absolute = [urllib.parse.quote(str(p)) for p in (data, results, server.out_dir / "otrokovicko" / "latest" / "results" / "region.json")]
    relative = ["data/otrokovicko/services.csv", "../data/otrokovicko/services.csv", "outputs/otrokovicko/latest/results/sluzby.csv",
                "..%2Fdata%2Fotrokovicko%2Fservices.csv", "%2e%2e/%2e%2e/data/otrokovicko/region.toml", "meeting.ipynb"]
    prefixes = ["/files/", "/voila/files/", "/api/contents/", "/voila/api/contents/", "/tree/", "/voila/tree/", "/notebooks/", "/edit/", "/view/",
                "/static/", "/voila/static/", "/voila/templates/lab/static/", "/voila/labextensions/", "/voila/render/", "/nbconvert/html/"]
    paths = [p + r for p in prefixes for r in relative] + [p + a.lstrip("/") for p in prefixes for a in absolute] + [p + a for p in prefixes for a in absolute]
    return paths + ["/api/kernels", "/api/sessions", "/voila/api/contents/meeting.ipynb?content=1", "/tree", "/lab", "/login?next=/files/data"]


def test_raw_data_and_code_routes_are_refused(server):
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    served = []
    for path in _raw_paths(server):
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        conn.request("GET", path)  # sent as is: no client-side normalisation of ../
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        conn.close()
        if response.status == 200 and any(leak in body for leak in LEAKS):
            served.append((path, body[:120]))
    assert not served


def test_contents_route_lists_pages_without_their_content(server):
    with urllib.request.urlopen(server.url + "/voila/api/contents/") as response:
        listing = response.read().decode()
    assert sorted(re.findall(r'"name": "([^"]+)"', listing)) == ["catalogue.ipynb", "meeting.ipynb"]
    with urllib.request.urlopen(server.url + "/voila/api/contents/meeting.ipynb") as response:
        assert '"content": null' in response.read().decode()


@pytest.mark.parametrize("path", ["/voila/render/meeting.ipynb"])
def test_code_never_reaches_the_browser_in_html(server, path):
    with urllib.request.urlopen(server.url + path, timeout=120) as response:
        body = response.read().decode()
    assert "from kpwork" not in body and "results_dir" not in body
