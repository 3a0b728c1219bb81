"""The exported pages of a run in a real browser: navigation, plain words, number formats, alignment; screenshots.

Two runs of the sample: Czech with every page, English with one member page.
Pages are opened from the run's folder (``file://``), as a coordinator opens
them from a USB stick.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpwork.pages import labels
from kpwork.runs import run_region

from .conftest import ARTIFACTS, REPO

SAMPLE = REPO / "data" / "otrokovicko"
#: Tool and file names no reader of a page should meet.
TOOL_WORDS = re.compile(r"kpwork|\.csv|\.md\b|results/|notebook|papermill|\.ipynb|\.toml|\.xlsx", re.IGNORECASE)
#: A number as a Czech page writes it (grouped, decimal comma, a unit or sign after it); codes such as 1.1 or 585599 are not numbers.
NUMBER = re.compile(r"^[−+]?\d{1,3}(?:\u00a0\d{3})*(?:,\d+)?(?:\u00a0?(?:%|Kč))?$")
#: The page's own words (headings, headers, sentences, navigation), not the data in its table cells.
OWN_WORDS = "els => els.map(e => e.innerText)"
OWN = "h1, h2, h3, h4, th, body > p, .jp-RenderedHTMLCommon > p, li, nav, footer, figcaption, label"
SIZES = ((1280, 720), (1920, 1080))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exported")
    czech = run_region(SAMPLE, out / "cs", workers=2, progress=False)
    english = run_region(SAMPLE, out / "en", only=["585599"], workers=2, progress=False, lang="en")
    return {"cs": czech.run_dir, "en": english.run_dir}


def _pages(run_dir: Path) -> list[Path]:
    return sorted((run_dir / "html").glob("*.html"))


def _open(pg, path: Path):
    pg.goto(path.as_uri())
    pg.locator("nav.kp-nav").wait_for()


def _text(pg) -> str:
    return pg.locator("body").inner_text()


def test_every_exported_page_has_the_navigation_bar_and_its_links_resolve(runs, page):
    for lang, run_dir in runs.items():
        names = {p.stem for p in _pages(run_dir)}
        assert {"index", "region", "financovani", "monitoring"} <= names
        for path in _pages(run_dir):
            _open(page, path)
            assert page.locator("nav.kp-nav").count() == 1, path.name
            hrefs = page.locator("nav.kp-nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert {"index.html", "region.html", "financovani.html", "monitoring.html"} <= set(hrefs), (lang, path.name)
            members = {h for h in hrefs if h.startswith("obec_")}
            assert members == {f"{n}.html" for n in names if n.startswith("obec_")}, "every member page, and only those of the run"
            assert all((run_dir / "html" / h).is_file() for h in hrefs), "every link resolves"
            current = page.locator("nav.kp-nav a[aria-current=page]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert current == [f"{path.stem}.html"], "the page the reader is on is marked"
            assert page.locator("footer.kp-footer").count() == 1
    _open(page, runs["cs"] / "html" / "region.html")
    page.locator("nav.kp-nav summary", has_text="Obce").click()
    page.locator("nav.kp-nav a", has_text="Bělov").click()
    page.wait_for_load_state()
    assert page.url.endswith("obec_588318.html") and "Bělov" in page.locator("h1").first.inner_text()


def test_the_index_names_the_region_date_data_year_and_says_what_each_page_shows(runs, page):
    _open(page, runs["cs"] / "html" / "index.html")
    assert page.locator("h1").inner_text() == "Otrokovicko"
    facts = page.locator("p.kp-run").inner_text()
    assert re.search(r"Výpočet ze dne \d{1,2}\. \d{1,2}\. \d{4}", facts) and "počty obyvatel za rok 2020" in facts
    items = page.locator("ul.kp-pages > li").all_inner_texts()
    assert len(items) == 5  # region, funding, monitoring, the sample's scenario, the members
    assert all(" – " in item and len(item.split(" – ", 1)[1]) > 20 for item in items), items
    assert page.locator("ul.kp-pages a").count() == 4 + 8


def test_pages_name_no_tools_or_files(runs, page):
    for run_dir in runs.values():
        for path in _pages(run_dir):
            _open(page, path)
            found = TOOL_WORDS.findall(_text(page))
            assert not found, (path.name, found)


def _czech_texts() -> list[str]:
    tables = (labels.WORDS, labels.SECTIONS, labels.NAV, labels.FUNDING, labels.MONITORING, labels.METHODS, labels.METHOD_NOTES)
    texts = []
    for table in tables:
        for cs, en in table.values():
            if cs != en:
                texts += [part for part in re.split(r"\{\w+\}", cs) if len(part.strip()) >= 8]
    return texts


def test_english_pages_have_english_words_and_number_formats(runs, page):
    czech = _czech_texts()
    assert "Financování sdílených služeb" in czech, "the check knows the Czech headings"
    for path in _pages(runs["en"]):
        _open(page, path)
        text = _text(page)
        own = "\n".join(page.locator(OWN).evaluate_all(OWN_WORDS)) + "\n".join(page.locator("img").evaluate_all("els => els.map(e => e.alt)"))
        leftovers = [t for t in czech if t in own]
        assert not leftovers, (path.name, leftovers[:5])
        assert not re.search(r"\d\u00a0%", text), f"{path.name}: Czech percent"
        assert not re.search(r"\d,\d{1,2}(?!\d)", text), f"{path.name}: decimal comma"
        assert not re.search(r"\d\u00a0\d{3}", text), f"{path.name}: Czech thousands"
    _open(page, runs["en"] / "html" / "financovani.html")
    text = _text(page)
    assert "3,780,000" in text and "Funding the shared services" in text
    _open(page, runs["en"] / "html" / "monitoring.html")
    assert re.search(r"\b\d{1,3}% on track", _text(page)), "English percent: 98%"


def test_methods_and_the_core_check_are_explained_in_one_sentence_each(runs, page):
    _open(page, runs["cs"] / "html" / "financovani.html")
    notes = page.locator("ul.kp-methods li").all_inner_texts()
    assert any(n.startswith("Shapleyho hodnota: ") for n in notes) and any(n.startswith("SCRB: ") for n in notes)
    assert any(n.startswith("podle počtu obyvatel: ") for n in notes)
    assert "Kontrola chrání obce před dohodou" in _text(page)


def test_tables_align_text_left_and_numbers_right_and_negatives_use_the_minus_sign(runs, page):
    checked = 0
    for path in _pages(runs["cs"]):
        _open(page, path)
        cells = page.locator("table.kp-table td").evaluate_all(
            "els => els.map(e => [e.innerText.trim(), getComputedStyle(e).textAlign, e.cellIndex])")
        for text, align, index in cells:
            if index > 0 and NUMBER.match(text):
                assert align == "right", (path.name, text)
                checked += 1
            elif index == 0 and re.fullmatch(r"[^\d−+]+", text) and text != "–":
                assert align == "left", (path.name, text)
        assert not re.search(r"(?<![\w\d–-])-\d", _text(page)), f"{path.name}: a hyphen as minus"
    assert checked > 100


def test_the_monitoring_page_shows_the_year_of_the_run(runs, page):
    from kpwork.manifest import read_manifest

    rok = read_manifest(runs["cs"])["parameters"]["rok"]
    assert isinstance(rok, int)
    _open(page, runs["cs"] / "html" / "monitoring.html")
    headings = page.locator("h2").all_inner_texts()
    assert f"Akční plán na rok {rok}" in headings
    assert f"v roce {rok}" in page.locator("p").first.inner_text() + _text(page)


@pytest.mark.parametrize("name", ["index", "region", "obec_585599", "financovani", "monitoring"])
def test_screenshots_of_the_exported_pages(runs, browser, name):
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="cs-CZ")
        pg = context.new_page()
        _open(pg, runs["cs"] / "html" / f"{name}.html")
        pg.wait_for_timeout(500)
        shot = ARTIFACTS / f"exported-{name}-{width}x{height}.png"
        pg.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        nav = pg.locator("nav.kp-nav").bounding_box()
        assert nav["y"] < 60 and nav["width"] <= width, "the bar is at the top and fits"
        assert pg.evaluate("document.documentElement.scrollWidth") <= width, "no horizontal scrolling"
        context.close()


@pytest.mark.parametrize(("notebook", "ready"), [("meeting.ipynb", "iframe.kp-map"), ("catalogue.ipynb", ".kp-app")])
def test_the_meeting_pages_name_no_tools_or_files(server, page, notebook, ready):
    page.goto(f"{server.url}/voila/render/{notebook}", timeout=60_000)
    page.locator(ready).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    found = TOOL_WORDS.findall(_text(page))
    assert not found, (notebook, found)
