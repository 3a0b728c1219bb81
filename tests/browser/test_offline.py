"""Offline and quiet: no page asks anything outside the server, nor a file the server refuses.

Every request a page makes is recorded: served pages may only ask the
server itself (and ``data:``/``blob:``/``about:`` URLs), and every answer of
the server must be below 400. Exported pages of a run, opened as
``file://``, may only ask ``file://`` and ``data:`` URLs.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import REPO, map_drawn

#: Tool and file names a mayor must not meet on a page (as tests/test_run_pages.py).
TOOL_NAMES = re.compile(r"kpwork|papermill|voil[aà]|jupyter|docs/|results/|\b[\w-]+\.(?:csv|xlsx|gpkg|geojson|toml|ipynb|md|json|py)\b", re.I)

TIMEOUT = 60_000
LOCAL_SCHEMES = ("data", "blob", "about")


class Traffic:
    """Requests, failed requests and error responses of one page, including its frames."""

    def __init__(self, pg):
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        pg.on("request", lambda r: self.requests.append(r.url))
        pg.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        pg.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def outside(self, allowed) -> list[str]:
        return [u for u in self.requests if not allowed(u)]


def _served(server_url: str):
    origin = urlsplit(server_url).netloc

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in LOCAL_SCHEMES or (parts.scheme in ("http", "https", "ws", "wss") and parts.netloc == origin)

    return allowed


def _settle(pg, ready: str | None):
    if ready:
        pg.locator(ready).first.wait_for(timeout=TIMEOUT)
    pg.wait_for_load_state("networkidle", timeout=TIMEOUT)
    pg.wait_for_timeout(1500)  # late requests: map icons, fonts


@pytest.mark.parametrize(
    ("path", "ready"),
    [("/", "h1"), ("/voila/render/meeting.ipynb", "iframe.kp-map"), ("/voila/render/catalogue.ipynb", ".kp-card")],
    ids=["index", "meeting", "catalogue"],
)
def test_served_pages_ask_only_the_server_and_get_no_refusal(server, page, path, ready):
    traffic = Traffic(page)
    page.goto(server.url + path, timeout=TIMEOUT)
    _settle(page, ready)
    if path.endswith("meeting.ipynb"):
        map_drawn(page.locator("iframe.kp-map"), timeout=TIMEOUT)
        _settle(page, None)
    assert traffic.requests, "no request recorded: the check would pass vacuously"
    assert traffic.outside(_served(server.url)) == []
    assert traffic.errors == []
    assert [f for f in traffic.failed if _served(server.url)(f.split(" ")[0])] == []
    assert TOOL_NAMES.findall(page.locator("body").inner_text()) == []  # plain Czech, no tool or file names


@pytest.fixture(scope="module")
def exported_pages(tmp_path_factory) -> list[Path]:
    from kpwork.runs import run_region

    out = tmp_path_factory.mktemp("outputs")
    run = run_region(REPO / "data" / "otrokovicko", out, only=["585599"], progress=False)
    pages = sorted((run.run_dir / "html").glob("*.html"))
    assert {"index.html", "region.html", "obec_585599.html"} <= {p.name for p in pages}
    return pages


def _file_only(url: str) -> bool:
    return urlsplit(url).scheme in ("file", "data", "about")


def test_exported_pages_opened_from_disk_ask_only_files_and_data(exported_pages, browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="cs-CZ")
    try:
        for html_page in exported_pages:
            pg = context.new_page()
            traffic = Traffic(pg)
            pg.goto(html_page.as_uri(), timeout=TIMEOUT)
            _settle(pg, None)
            assert traffic.requests, html_page.name
            assert traffic.outside(_file_only) == [], html_page.name
            assert traffic.failed == [], html_page.name
            pg.close()
    finally:
        context.close()


def test_a_page_that_does_not_exist_answers_in_czech_and_asks_only_the_server(server, page):
    # Voilà's own error pages link Font Awesome from a CDN and say "404: Not Found"
    traffic = Traffic(page)
    response = page.goto(server.url + "/voila/render/neexistuje.ipynb", timeout=TIMEOUT)
    _settle(page, "h1")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Tato stránka neexistuje"
    assert page.get_by_role("link", name="Zpět na úvodní stránku").get_attribute("href") == "/"
    assert traffic.outside(_served(server.url)) == []
    assert TOOL_NAMES.findall(page.locator("body").inner_text()) == []


@pytest.mark.parametrize("path", ["/voila/render/meeting.ipynb", "/voila/render/catalogue.ipynb"], ids=["meeting", "catalogue"])
def test_a_page_that_loads_says_so_in_czech_and_nothing_moves(server, page, path):
    # Voilà's loading screen says "Running meeting..." / "Executing 3 of 4" under a spinning logo; the
    # page's front end is held back here, so the loading screen stays as a slow device shows it
    page.route("**/voila/static/voila.js", lambda route: route.abort())
    page.goto(server.url + path, timeout=TIMEOUT)
    loading = page.locator("#loading")
    loading.wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(500)  # Voilà's scripts have written their progress, if anywhere
    assert [line for line in loading.inner_text().splitlines() if line.strip()] == ["Stránka se připravuje…", "Preparing the page…"]
    assert TOOL_NAMES.findall(page.locator("body").inner_text()) == []
    assert page.evaluate("() => document.getAnimations().length") == 0
