"""End to end: a run on the sample writes results and pages that work offline."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from test_runs import CORE, SAMPLE, core_copy

from kpwork.errors import InvalidRegion
from kpwork.pages import format as fmt
from kpwork.results import load, read_table
from kpwork.runs import run_region

EXTERNAL = re.compile(r"<(?:script|img|iframe)[^>]+src=[\"']?(?:https?:)?//|<link[^>]+href=[\"']?(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    region = core_copy(tmp)
    return run_region(region, tmp / "outputs", only=["585599", 588318], progress=False)


@pytest.mark.e2e
def test_run_layout_results_and_latest(run):
    run_dir = run.run_dir
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
    for name in ("obce", "sluzby", "potreba", "dostupnost", "mezery", "vytizenost"):
        raw = (run_dir / "results" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so that Czech Excel opens it right"
        assert b";" in raw.split(b"\n", 1)[0]
    r = load(run_dir / "results")
    assert r["obce"]["kod_obce"].tolist() == ["585599", "585513", "588318", "585220", "588814", "549444", "549461", "586013"]
    layer = gpd.read_file(run_dir / "results" / "vysledky.gpkg", layer="obce")
    assert len(layer) == 8 and layer.crs.to_epsg() == 5514
    assert sorted(p.name for p in (run_dir / "html").glob("*.html")) == ["index.html", "obec_585599.html", "obec_588318.html", "region.html"]


@pytest.mark.e2e
def test_pages_have_no_code_and_load_nothing_from_the_internet(run):
    for page in (run.run_dir / "html").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), f"{page.name} loads something from the internet"
        assert "open_results" not in text and "import " not in text.split("<body", 1)[-1].split("<script", 1)[0], f"{page.name} shows code"
    region = (run.run_dir / "html" / "region.html").read_text(encoding="utf-8")
    assert "Otrokovicko" in region and "pečovatelská služba" in region


@pytest.mark.e2e
def test_every_page_ends_with_the_run_date_the_population_year_and_the_sources(run):
    from kpwork.reference import CREDIT

    day = dt.date.fromisoformat(run.manifest["parameters"]["today"])
    line = f"Výpočet ze dne {day.day}. {day.month}. {day.year} · počty obyvatel za rok 2020 · Zdroje: {html.escape(CREDIT)}"
    for page in (run.run_dir / "html").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert text.count('<footer class="kp-footer">') == 1, page.name
        body_end = text.split('<footer class="kp-footer">', 1)[1]
        assert body_end.startswith(f"<p>{line}</p></footer>") and body_end.rstrip().endswith("</html>"), page.name
    index = (run.run_dir / "html" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Otrokovicko</h1>" in index
    assert f'<p class="kp-run">Výpočet ze dne {day.day}. {day.month}. {day.year} · počty obyvatel za rok 2020</p>' in index
    assert run.manifest["region"]["population_years"] == [2020]
    assert json.loads((run.run_dir / "results" / "region.json").read_text(encoding="utf-8"))["population_years"] == [2020]


@pytest.mark.e2e
def test_a_new_region_without_services_runs_and_its_pages_say_so(tmp_path):
    from click.testing import CliRunner

    from kpwork.cli import main

    folder = tmp_path / "tri"
    created = CliRunner().invoke(main, ["init", str(folder), "--obce", "Bělov, Halenkovice, Žlutava", "--nazev", "Tři obce"])
    assert created.exit_code == 0, created.output
    result = run_region(folder, tmp_path / "outputs", progress=False)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (result.run_dir / "html").glob("*.html")}
    assert sorted(pages) == ["index.html", "obec_585220.html", "obec_586013.html", "obec_588318.html", "region.html"]
    sentence = "V regionu zatím nejsou zapsané žádné služby; doplňte je do tabulky služeb."
    for name in ("region.html", "obec_585220.html", "obec_586013.html", "obec_588318.html"):
        assert sentence in pages[name], name
        assert "nedostupné" not in pages[name], f"{name}: no need is shown as 'none reachable' when nothing is recorded"
        assert "Potřeba (odhad)" in pages[name], f"{name}: the need is still shown"
    assert "Tři obce" in pages["index.html"] and "počty obyvatel za rok 2020" in pages["index.html"]


@pytest.mark.e2e
def test_village_page_shows_need_as_estimates_and_masks_real_small_counts(run):
    # need is a norm times public population: Bělov's page used to read "<5" in every row of need and shortfall;
    # real clients are another matter: the night shelter's 3 clients on 10 beds stay "<5 klientů"
    page = (run.run_dir / "html" / "obec_588318.html").read_text(encoding="utf-8")
    assert "Bělov" in page and "Potřeba (odhad)" in page
    assert re.findall(r">&lt;5\D[^<]*", page) == [">&lt;5\u00a0klientů"], "one masked cell: the shelter's load"
    gaps = read_table(run.run_dir / "results" / "mezery.csv")
    care = gaps.query("kod_obce == '588318' and druh == '40' and cilova_skupina == 'seniori'")["potreba"].item()
    assert 0 < care < 10
    assert f'<td style="text-align:right">{fmt.estimate(care)}</td>' in page and "," in fmt.estimate(care), "the seniors' need of home care, one decimal below 10"
    assert (run.run_dir / "results" / "NEVEREJNE.txt").read_text(encoding="utf-8").startswith("NEVEŘEJNÉ")


@pytest.mark.e2e
def test_manifest_names_inputs_and_outputs(run):
    manifest = json.loads((run.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert {i["path"] for i in manifest["inputs"]} == set(CORE)
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert any(o["path"] == "results/mezery.csv" for o in manifest["outputs"])


@pytest.mark.e2e
def test_bad_input_writes_nothing(tmp_path):
    region = core_copy(tmp_path)
    services = region / "services.csv"
    services.write_text(services.read_text(encoding="utf-8-sig").replace(";120;klienti;", ";-120;klienti;"), encoding="utf-8-sig")
    out = tmp_path / "outputs"
    with pytest.raises(InvalidRegion, match=r"services.csv:2: kapacita: must be >= 0"):
        run_region(region, out, progress=False)
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.e2e
def test_papermill_command_accepts_kod_obce_as_int(run, tmp_path):
    out = tmp_path / "obec.ipynb"
    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "municipality.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(notebook), str(out), "-p", "kod_obce", "588318",
         "-p", "results_dir", str(run.run_dir / "results"), "-k", "kpwork", "--no-progress-bar"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Bělov" in out.read_text(encoding="utf-8")


def test_council_workbook_of_a_run(tmp_path):
    import openpyxl

    from kpwork import load_region
    from kpwork.funding import funding_results
    from kpwork.runs import _write_council_workbook

    tables = funding_results(load_region(SAMPLE))
    path = _write_council_workbook(tables, tmp_path, lang="cs")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Příspěvky obcí"
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("NEVEŘEJNÉ"), "the workbook is internal and says so above the table"
    assert rows[2][0] == "585599", "codes stay text in Excel"
    total = rows[-1]
    assert total[1] == "Celkem" and total[-2] == sum(r[-2] for r in rows[2:-1])


@pytest.mark.e2e
def test_pages_of_a_czech_run_say_lang_cs(run):
    for page in (run.run_dir / "html").glob("*.html"):
        head = page.read_text(encoding="utf-8")[:300]
        assert re.search(r'<html lang="cs"', head), f"{page.name}: {head[:120]}"


@pytest.mark.e2e
def test_pages_of_an_english_run_say_lang_en(tmp_path):
    run = run_region(core_copy(tmp_path), tmp_path / "outputs", only=["585599"], progress=False, lang="en")
    pages = sorted((run.run_dir / "html").glob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        assert '<html lang="en"' in page.read_text(encoding="utf-8")[:300], page.name


@pytest.mark.parametrize("lang", ["cs", "en"])
def test_exported_page_takes_the_run_language(lang):
    import nbformat

    from kpwork.execution import notebook_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Ahoj")])
    assert f'<html lang="{lang}">' in notebook_html(nb, title="t", lang=lang)


def test_exported_page_is_nbconverts_without_its_second_pass():
    """The page is what nbconvert's HTMLExporter writes (its BeautifulSoup pass aside), and the notebook is left as it was."""
    import copy

    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from kpwork.execution import notebook_html

    html = '<h1>Bělov &amp; okolí</h1><img alt="Graf" src="data:image/png;base64,AAAA"/><iframe class="kp-map" sandbox="allow-scripts" srcdoc="&lt;p&gt;x &amp;amp; y&lt;/p&gt;"></iframe>'
    cell = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", data={"text/html": html})])
    # code cells, as the page notebooks have (nbconvert's pass also marks a markdown cell focusable; ours does not)
    nb = nbformat.v4.new_notebook(cells=[cell])
    before = copy.deepcopy(nb)
    page = notebook_html(nb, title="Bělov", lang="cs")
    assert nb == before, "the notebook is not changed"
    reference = HTMLExporter(template_name="kpwork", language_code="cs", extra_template_basedirs=[str(Path(notebook_html.__code__.co_filename).parent / "templates")])
    reference.exclude_input = reference.exclude_input_prompt = reference.exclude_output_prompt = True
    titled = copy.deepcopy(nb)
    titled.metadata["title"] = "Bělov"
    expected, _ = reference.from_notebook_node(titled)
    assert str(BeautifulSoup(page, "html.parser")) == expected, "the same page once BeautifulSoup has written it out"
    assert 'data-mime-type="text/html" tabindex="0"' in page, "outputs focusable by keyboard"


#: Tool and file names a mayor must not meet on a page.
TOOL_NAMES = re.compile(r"kpwork|papermill|voil[aà]|jupyter|docs/|results/|\b[\w-]+\.(?:csv|xlsx|gpkg|geojson|toml|ipynb|md|json|py)\b", re.I)


def visible_text(page_html: str) -> str:
    """The text a reader sees: no scripts, styles, comments, tags, nor the inline map (iframe srcdoc)."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", page_html, flags=re.S | re.I)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"\ssrcdoc=(\"[^\"]*\"|'[^']*')", " ", text, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def test_visible_text_drops_code_and_map():
    page = '<p>Obec</p><script>kpwork()</script><style>a{}</style><iframe srcdoc="&lt;p&gt;results/&lt;/p&gt;"></iframe><p>funding.csv</p>'
    assert TOOL_NAMES.findall(visible_text(page)) == ["funding.csv"]
    assert "Obec" in visible_text(page)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """The whole sample (funding, plan, ...) for one member: every kind of page."""
    return run_region(SAMPLE, tmp_path_factory.mktemp("full") / "outputs", only=["585599"], progress=False)


@pytest.mark.e2e
@pytest.mark.parametrize("which", ["run", "full_run"])
def test_pages_name_no_tool_and_no_file(which, request):
    pages = sorted((request.getfixturevalue(which).run_dir / "html").glob("*.html"))
    assert len(pages) >= 4
    found = {p.name: sorted({m.group(0) for m in TOOL_NAMES.finditer(visible_text(p.read_text(encoding="utf-8")))}) for p in pages}
    assert {name: names for name, names in found.items() if names} == {}
