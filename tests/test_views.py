"""The region and municipality pages read the run's tables and render them as page elements."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpwork.analysis import analyse_region
from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages import views
from kpwork.pages.catalogue import serves
from kpwork.pages.element import Chart, Element, Table, heading, join, paragraph
from kpwork.region import load_region
from kpwork.results import load, write_results
from kpwork.taxonomy import planning_unit, service_type_label

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"
NBSP = "\u00a0"
BELOV = "588318"


@pytest.fixture(scope="module")
def r(tmp_path_factory):
    region = load_region(SAMPLE)
    analysis = analyse_region(region, today=date(2026, 1, 15))
    folder = tmp_path_factory.mktemp("run") / "results"
    write_results(analysis.tables, analysis.layers, analysis.meta, folder)
    return load(folder)


def rows(table: Element) -> list[list[str]]:
    """The body cells of a page table, as text."""
    body = table.html.split("<tbody>", 1)[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def headers(table: Element) -> list[str]:
    return re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table.html.split("<tbody>", 1)[0])


# --- the page element ------------------------------------------------------------------------


def test_table_escapes_aligns_and_formats():
    frame = pd.DataFrame({"nazev": ["A <b>", None], "obyvatele": [1234, 5], "podil": [0.5, np.nan], "ok": [True, False]})
    table = Table(frame, cells={"podil": fmt.percent})
    assert headers(table) == ["Obec", "Obyvatelé", "podil", "ok"]
    assert rows(table) == [["A &lt;b&gt;", f"1{NBSP}234", f"50{NBSP}%", "ano"], ["–", "5", "–", "ne"]]
    assert '<td style="text-align:left">A &lt;b&gt;</td><td style="text-align:right">' in table.html
    assert table._repr_html_() == str(table) == table.html


def test_table_decimals_per_column_and_elements_inserted_as_they_are():
    frame = pd.DataFrame({"a": [1.0, 2000.0], "b": [1.5, 2.0], "c": ["x", "y"]})
    table = Table(frame, lang="en", cells={"c": lambda v: Element(f"<b>{v}</b>")}, numeric=["a"])
    assert rows(table) == [["1", "1.50", "<b>x</b>"], ["2,000", "2.00", "<b>y</b>"]]
    assert headers(table) == ["a", "b", "c"] and table.html.count('style="text-align:right"') == 3


def test_elements_join_and_escape():
    page = join([heading("Bělov & okolí", 1), paragraph("<5", italic=True), paragraph("x", css_class="kp-note")])
    assert page.html == '<h1>Bělov &amp; okolí</h1><p><i>&lt;5</i></p><p class="kp-note">x</p>'


# --- the region page -------------------------------------------------------------------------


def test_title(r):
    assert views.title(r).html == "<h1>Otrokovicko</h1><p>Přehled potřeb a sociálních služeb</p>"
    assert views.title(r, kod_obce=BELOV, lang="en").html == (
        "<h1>Bělov</h1><p>municipality of the microregion Otrokovicko · Municipality code 588318</p>")
    with pytest.raises(InvalidParameter, match="kod_obce 500011 is not a member of otrokovicko"):
        views.title(r, kod_obce="500011")


def test_region_gap_table_shows_the_run_s_region_table(r):
    region = r["mezery_region"]
    table = views.gap_table(r)
    assert isinstance(table, Table)
    assert headers(table) == ["Druh služby", "Jednotka", "Potřeba (odhad)", "Dosažitelná kapacita", "Chybí (odhad)", "Pokrytí potřeby", "Stav"]
    shown = rows(table)
    assert len(shown) == len(region)
    for cells, (_, row) in zip(shown, region.iterrows(), strict=True):
        assert cells[1] == row["jednotka"]
        assert cells[2] == fmt.estimate(row["potreba"])
        assert cells[5] == fmt.percent(row["pokryti"])
    emergency = next(c for c in shown if c[0] == "tísňová péče (§41)")
    # norm 20 per 1,000 people 80+ (norms.csv); 1,336 of them in the sample (ČSÚ 2020): 26.7 -> "27"
    assert emergency[1:] == ["klienti", "27", "0,0", "27", f"0{NBSP}%", "nedostupné"]
    homes = next(c for c in shown if c[0] == "domovy pro seniory (§49)")
    assert homes[1] == "lůžka", "each type says its unit"
    assert [c[0] for c in shown][:2] == ["odborné sociální poradenství (§37)", "osobní asistence (§39)"], "in the order of the Act"


def test_region_gap_table_in_english(r):
    table = views.gap_table(r, lang="en")
    assert "Need covered" in headers(table) and {c[-1] for c in rows(table)} <= {"enough", "shortage", "none reachable", "other unit (not compared with need)"}
    assert {c[1] for c in rows(table)} <= {"clients", "beds", "places", "families"}
    assert all(c[5].endswith("%") and NBSP not in c[5] for c in rows(table))


def test_municipality_gap_table_shows_need_as_estimates_not_masks(r):
    # need is a norm times public population: a village's page shows 0,3, not "<5" in every row
    table = views.gap_table(r, kod_obce=BELOV)
    shown = rows(table)
    expected = r["mezery"].loc[lambda g: g["kod_obce"] == BELOV]
    assert headers(table)[:4] == ["Cílová skupina", "Druh služby", "Jednotka", "Potřeba (odhad)"]
    assert len(shown) == len(expected)
    assert not any("&lt;" in cell for c in shown for cell in c)
    assert sorted(c[3] for c in shown) == sorted(fmt.estimate(v) for v in expected["potreba"])
    assert any("," in c[3] for c in shown), "one decimal below 10 people"
    assert all(not c[5].startswith("\u2212") for c in shown), "a surplus shows as no shortfall"


def test_gap_table_shows_capacity_in_another_unit_apart(r, tmp_path):
    # without the shipped factor, §44's field clients are a row of their own: no need, no shortfall, no coverage
    from kpwork.conversions import default_conversions

    (tmp_path / "region").mkdir()
    for f in (p for p in SAMPLE.iterdir() if p.is_file()):  # the sample's sheets (not its scenarios/ folder)
        (tmp_path / "region" / f.name).write_bytes(f.read_bytes())
    default_conversions().assign(faktor=0.0).to_csv(tmp_path / "region" / "conversions.csv", index=False)
    analysis = analyse_region(load_region(tmp_path / "region"), today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    shown = [c for c in rows(views.gap_table(load(tmp_path / "results"))) if c[0] == "odlehčovací služby (§44)"]
    assert [c[1] for c in shown] == ["lůžka", "klienti"]
    assert shown[1][2] == "–" and shown[1][4:] == ["–", "–", "jiná jednotka (nesčítá se s potřebou)"]
    assert shown[1][3] == "15,0" and shown[0][3] == "8,0"


def test_top_shortages(r):
    shown = rows(views.top_shortages(r, n=4))
    assert len(shown) == 4 and shown[0][0] == r["nejvetsi_nedostatky"]["nazev"].iloc[0]


def test_service_table_of_a_member_lists_the_services_serving_it(r):
    table = views.service_table(r, kod_obce=BELOV)
    expected = r["sluzby"].loc[serves(r["sluzby"], BELOV), "nazev"].tolist()
    assert [c[0] for c in rows(table)] == expected
    every = rows(views.service_table(r))
    assert f"120{NBSP}klientů" in [c[4] for c in every] and f"95{NBSP}lůžek" in [c[4] for c in every]
    assert {c[7] for c in every} <= {"přetížená", "v normě", "nevyužitá", "bez údajů", "–"}
    by_service = {c[0]: c for c in every}
    assert by_service["Domov pro seniory Otrokovice"][6] == "obsazenost lůžek či míst"


def test_service_table_masks_the_load_of_a_service_with_one_to_four_clients(r):
    # Noclehárna Otrokovice has 3 clients on 10 beds: a load would give the 3 back (and 3 clients a year on 10 beds is not "unused")
    load = r["vytizenost"].set_index("nazev")
    assert 0 < load.loc["Noclehárna Otrokovice", "klienti"] < 5
    every = {c[0]: c for c in rows(views.service_table(r))}
    assert every["Noclehárna Otrokovice"][5:] == [f"&lt;5{NBSP}klientů", "–", "–"]
    assert every["Charitní pečovatelská služba"][5] == f"115{NBSP}%" and every["Charitní pečovatelská služba"][7] == "přetížená"


def test_opt_out_note_on_the_member_page(r, tmp_path):
    # Oldřichovice opted out of S17 (field respite care) in funding_clenove.csv; by default S17 still serves it
    note = views.opt_out_note(r, "549444")
    assert "odhlásila ze služby Terénní odlehčovací služba Napajedla" in note.html and "dál obsluhuje" in note.html
    assert views.opt_out_note(r, BELOV).html == ""
    # the region's rule takes it out of S17's reach: the page says so and the §44 capacity there drops
    folder = tmp_path / "region"
    folder.mkdir()
    for f in (p for p in SAMPLE.iterdir() if p.is_file()):  # the sample's sheets (not its scenarios/ folder)
        (folder / f.name).write_bytes(f.read_bytes())
    with (folder / "region.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[financovani]\nodhlaseni_vyrazuje_z_dosahu = true\n")
    analysis = analyse_region(load_region(folder), today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    removed = load(tmp_path / "results")
    assert "neobsluhuje" in views.opt_out_note(removed, "549444").html
    before = r["dostupnost"].query("kod_obce == '549444' and druh == '44'")["kapacita_dosazitelna"].item()
    after = removed["dostupnost"].query("kod_obce == '549444' and druh == '44'")["kapacita_dosazitelna"].item()
    assert after < before
    assert removed["financovani_odhlaseni"][["kod_obce", "sluzba_id", "v_dosahu", "vyrazena_z_dosahu"]].values.tolist() == [["549444", "S17", True, True]]


def test_nearest_services_in_kilometres(r):
    shown = rows(views.nearest_services(r, BELOV))
    distances = r["dostupnost"].query("kod_obce == @BELOV")
    assert len(shown) == len(distances)
    assert all(re.fullmatch(r"\d+,\d", c[1]) for c in shown)


def test_population_card_adds_up(r):
    shown = rows(views.population_card(r, BELOV))
    people = [int(c[1].replace(NBSP, "")) for c in shown]
    assert sum(people[:-1]) == people[-1] and shown[-1][0] == "Obyvatelé"


def test_charts_and_map(r):
    for chart in (views.age_chart(r), views.age_chart(r, kod_obce=BELOV), views.need_chart(r), views.need_chart(r, kod_obce=BELOV)):
        assert isinstance(chart, Chart) and chart.html.startswith('<img alt="')
    assert views.need_chart(r, kod_obce=BELOV, lang="en").html.startswith('<img alt="How much of the need reachable services cover"')
    chosen = views.region_map(r, druh="§40", kod_obce=BELOV)
    assert chosen.html.startswith('<p class="kp-note">Mapa ukazuje pečovatelská služba (§40). Jiný druh služby vyberte v mapě vpravo nahoře.</p>')
    assert '<iframe class="kp-map" title="Mapa" sandbox="allow-scripts" style="width:100%;height:640px' in chosen.html
    with pytest.raises(InvalidParameter, match="unknown service type '99'"):
        views.region_map(r, druh="99")


def test_the_map_shows_the_type_lacking_most_among_types_with_services_and_says_why(r):
    regional = r["mezery_region"].set_index("druh")
    present = set(r["sluzby"]["druh"])
    default = views.default_type(r)
    assert default in present
    assert regional.loc[default, "mezera"] == regional.loc[sorted(present & set(regional.index))]["mezera"].max()
    page = views.region_map(r).html
    assert f"Mapa ukazuje {service_type_label(default, 'cs')}: druh služby, kterému v regionu chybí nejvíce kapacity" in page
    assert "&amp;quot;initial&amp;quot;:&amp;quot;" + default in page or f'"initial":"{default}"' in page.replace("&quot;", '"')
    types = page.replace("&quot;", '"').count('"code":')
    assert types == len(views.map_types(r)) > 10, "every type to pick from"
    mine = views.default_type(r, kod_obce=BELOV)
    own = r["mezery_obce"].loc[(r["mezery_obce"]["kod_obce"] == BELOV) & r["mezery_obce"]["druh"].isin(present)]
    assert own.set_index("druh").loc[mine, "mezera"] == own.loc[[u == planning_unit(d) for d, u in zip(own["druh"], own["jednotka"], strict=True)], "mezera"].max()
    assert "kterému v obci chybí nejvíce" in views.map_note(r, kod_obce=BELOV).html


def test_a_type_without_services_is_not_the_default(r):
    """The run's main_type is the largest need; a type nobody provides would show need only."""

    class Without(dict):
        meta = {**r.meta, "main_type": "41"}

    tables = Without({name: r[name] for name in ("mezery_region", "mezery_obce")})
    tables["sluzby"] = r["sluzby"].loc[r["sluzby"]["druh"] != "37"]
    assert "41" not in set(tables["sluzby"]["druh"]) and views.default_type(tables) not in ("37", "41")
    tables["sluzby"] = r["sluzby"].iloc[0:0]
    assert views.default_type(tables) == "41", "no services at all: the largest need"


# --- a region without services, and the footer ------------------------------------------------

NO_SERVICES = "V regionu zatím nejsou zapsané žádné služby; doplňte je do tabulky služeb."


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """Results of a region as `kpwork init` writes it: three members, no services yet."""
    from kpwork.create import create_region

    folder = tmp_path_factory.mktemp("init") / "tri"
    create_region(folder, ["588318", "585220", "586013"], name="Tři obce")
    analysis = analyse_region(load_region(folder), today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, folder / "results")
    return load(folder / "results")


def test_pages_of_a_region_without_services_say_so_plainly(empty):
    assert NO_SERVICES in views.title(empty).html and NO_SERVICES in views.title(empty, kod_obce=BELOV).html
    assert "No services are recorded in the region yet" in views.title(empty, lang="en").html
    for table in (views.gap_table(empty), views.gap_table(empty, kod_obce=BELOV)):
        assert "Potřeba (odhad)" in headers(table) and "Stav" not in headers(table) and "Chybí (odhad)" not in headers(table)
        assert "nedostupné" not in table.html
    region = rows(views.gap_table(empty))
    assert len(region) == len(empty["mezery_region"]) and region[0][0] == "odborné sociální poradenství (§37)"
    care = next(c for c in region if c[0] == "pečovatelská služba (§40)")
    assert care[1:] == ["klienti", fmt.number(empty["mezery_region"].set_index("druh").loc["40", "potreba"])]
    for nothing in (views.top_shortages(empty), views.service_table(empty), views.service_table(empty, kod_obce=BELOV),
                    views.nearest_services(empty, BELOV), views.need_chart(empty, kod_obce=BELOV)):
        assert nothing.html == ""
    assert isinstance(views.need_chart(empty), Chart), "the region's need by type is still worth a chart"


def test_pages_of_a_region_with_services_have_no_such_sentence(r):
    assert NO_SERVICES not in views.title(r).html + views.title(r, kod_obce=BELOV).html
    assert views.no_services_note(r).html == ""


def test_footer_names_the_run_date_the_population_year_and_the_sources(r):
    from kpwork.reference import CREDIT

    text = views.footer(r.meta, run_date=date(2026, 1, 15)).html
    assert text == f'<footer class="kp-footer"><p>Výpočet ze dne 15. 1. 2026 · počty obyvatel za rok 2020 · Zdroje: {CREDIT}</p></footer>'
    english = views.footer(r.meta, run_date=date(2026, 1, 15), lang="en").html
    assert "Computed on Jan 15, 2026 · population figures of 2020 · Sources: Hranice obcí: ČÚZK (RÚIAN)" in english
    assert views.run_facts({"region_name": "older run"}) == "", "results of a run before population_years: no year is made up"


def test_a_member_without_residents_gets_its_map_and_a_plain_note(tmp_path):
    # Libavá (503941), a military area, has no residents: no need and no reachable capacity, hence
    # no row of any type; the national run stopped on its page
    import shutil

    from kpwork.pages.neighbourhood import neighbourhood_results

    region_dir = tmp_path / "region"
    shutil.copytree(SAMPLE, region_dir)
    population = pd.read_csv(region_dir / "population.csv", dtype={"kod_obce": str})
    population.loc[population["kod_obce"] == BELOV, ["vek_0_14", "vek_15_64", "vek_65_79", "vek_80_plus"]] = 0
    population.to_csv(region_dir / "population.csv", index=False)
    analysis = analyse_region(load_region(region_dir), today=date(2026, 1, 15))
    write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    run = load(tmp_path / "results")
    assert not (run["mezery_obce"]["kod_obce"] == BELOV).any()
    page = neighbourhood_results(run, BELOV)
    shown = views.region_map(page, kod_obce=BELOV)
    assert 'class="kp-map"' in shown.html
    assert "obec podle odhadu tuto službu nepotřebuje a žádná ji nepokrývá" in views.map_note(page, kod_obce=BELOV).html
    assert "nepotřebuje" in views.map_note(run, kod_obce=BELOV).html
