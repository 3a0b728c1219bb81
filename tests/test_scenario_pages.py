"""The scenario pages: headline words, the panel's flow without a browser, the download link."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
import shapely

from kpwork import sheets as sh
from kpwork.pages.scenario_report import headline_text
from kpwork.pages.scenarios import (
    ScenarioPanel,
    comparison_row,
    download_link,
    region_bounds,
    seat_of,
)
from kpwork.scenarios import Change, Scenario
from kpwork.scenarios.costs import scenario_costs
from kpwork.scenarios.inputs import parse_scenario, scenario_sheet
from kpwork.scenarios.model import evaluate, prepare


@pytest.fixture(scope="module")
def base(sample_region):
    return prepare(sample_region)


def test_headline_words():
    row = pd.Series({"druh": "49", "jednotka": "lůžka", "pokryto": 1.2, "nejvice_nazev": "Napajedla"})
    assert headline_text(row).replace("\xa0", " ") == "+1 lůžko pokryto navíc, nejvíce Napajedla"
    assert headline_text(row.copy().replace({1.2: -31.3})).replace("\xa0", " ") == "31 lůžek přestane být pokryto"
    assert headline_text(pd.Series({"druh": "40", "jednotka": "klienti", "pokryto": 0.0, "nejvice_nazev": ""})).replace("\xa0", " ") == "0 klientů pokryto navíc"
    assert headline_text(row, "en").replace("\xa0", " ") == "+1 bed more covered, most in Napajedla"


def test_comparison_row_cost_per_person_covered(base):
    change = Change("pridat", druh="40", forma="terenni", cilove_skupiny=("seniori",), kapacita=20, kod_obce="585513", naklady=1_000_000)
    result = evaluate(base, Scenario("a", (change,)))
    row = comparison_row("A", result, scenario_costs(base, result))
    assert row["druh"] == "40" and row["pokryto"] == pytest.approx(result.headline.iloc[0]["pokryto"])
    assert row["na_pokryteho"] == pytest.approx(1_000_000 / row["pokryto"])


def test_download_link_holds_the_scenario_file(base):
    scenario = Scenario("moje", (Change("kapacita", "S04", kapacita=130), Change("zrusit", "S13")), metoda="rovnym_dilem")
    html = download_link(scenario).html
    assert 'download="moje.csv"' in html and "Stáhnout scénář" in html
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1))
    assert data.startswith(b"\xef\xbb\xbf")
    problems = sh.ProblemLog()
    back = parse_scenario(sh.read_csv_text(sh.decode(data), "moje.csv"), "moje", base.region, problems)
    assert not problems.problems and back == scenario


def test_panel_flow(base):
    panel = ScenarioPanel(base)
    assert "nemá žádnou změnu" in panel.listing.value and panel.map.value == "" and panel.keep.disabled
    panel.druh.value = "41"
    assert panel.forma.value == "terenni" and panel.jednotka.value == "klienti" and "seniori" in panel.groups.value
    panel.obec.value, panel.kapacita.value, panel.naklady.value, panel.podil.value = "585513", 5.0, 500_000, 40
    panel.apply.click()
    assert "+5" in panel.headline.value and "Napajedla" in panel.listing.value
    assert "kp-map" in panel.map.value and "kp-download" in panel.download.value
    assert "300\xa0000\xa0Kč" in panel.cost.value  # 60 % of 500 000 paid by the members
    assert not panel.keep.disabled
    panel.keep.click()
    panel.kind.value = "kapacita"
    panel.sluzba.value = "S04"
    panel.nova.value = -1.0 + 121  # 120 beds
    panel.apply.click()
    assert panel.listing.value.count("<li>") == 2 and "kapacita 120" in panel.listing.value
    panel.keep.click()
    assert panel.compare.value.count("<tr>") == 3  # header + two kept scenarios
    panel.reset.click()
    assert "nemá žádnou změnu" in panel.listing.value and panel.cost.value == "" and panel.keep.disabled


def test_panel_reports_a_change_it_cannot_make(base):
    panel = ScenarioPanel(base)
    panel._add_change(Change("pridat", druh="49", forma="terenni", cilove_skupiny=("seniori",), kapacita=5, kod_obce="585513"))
    assert "Změnu nelze přidat" in panel.message.value and panel.changes == [] and panel.keep.disabled
    panel._add_change(Change("zrusit", "S13"))
    panel._add_change(Change("pridat", druh="49", forma="terenni", cilove_skupiny=("seniori",), kapacita=5, kod_obce="585513"))
    assert len(panel.changes) == 1 and not panel.keep.disabled  # the scenario before the refused change can still be kept


def test_panel_on_a_type_without_estimated_need(base):
    panel = ScenarioPanel(base)
    panel._add_change(Change("pridat", druh="47", forma="pobytova", cilove_skupiny=("seniori",), kapacita=5, kod_obce="585513", naklady=100_000))
    assert panel.message.value == "" and "nemá region odhad potřeby" in panel.headline.value and panel.map.value == ""
    assert "100\xa0000\xa0Kč" in panel.cost.value


def _text(widget) -> str:
    """Every text the panel's widgets show: HTML, descriptions, button and option labels."""
    own = [str(getattr(widget, name, "")) for name in ("value", "description") if isinstance(getattr(widget, name, ""), str)]
    own += [str(label) for label in getattr(widget, "_options_labels", ())]
    return " ".join(own) + " ".join(_text(c) for c in getattr(widget, "children", ()))


def test_panel_follows_the_language_keeping_its_changes_and_choices(base):
    panel = ScenarioPanel(base)
    panel.druh.value = "41"
    panel.obec.value, panel.kapacita.value, panel.naklady.value = "585513", 5.0, 500_000
    panel.apply.click()
    panel.keep.click()
    panel.kapacita.value = 7.0
    panel.set_lang("en")
    text = _text(panel.root)
    assert panel.headline.value.replace("\xa0", " ").startswith('<p class="kp-headline"><strong>+5 clients more covered, most in ')
    assert "Scenarios: what if…" in text and "Add the change to the scenario" in text and "Scenario 1" in panel.compare.value
    assert "Scénář" not in text and "pokryto" not in text and "Přidat" not in text
    assert (panel.druh.value, panel.obec.value, panel.kapacita.value, panel.naklady.value) == ("41", "585513", 7.0, 500_000)
    assert len(panel.changes) == 1 and not panel.keep.disabled
    panel.keep.click()
    assert "Scenario 2" in panel.compare.value
    panel.set_lang("cs")
    assert "Scénář 1" in panel.compare.value and "Scénář 2" in panel.compare.value and "pokryto navíc" in panel.headline.value


def test_seat_of_a_point_is_the_member_holding_it_or_the_nearest(base):
    names = base.region.member_names()
    shapes = base.region.municipalities.loc[list(base.region.members)]
    for code, polygon in zip(shapes.index, shapes.to_crs("EPSG:4326").geometry, strict=True):
        inner = polygon.representative_point()
        found, (x, y), inside = seat_of(base, inner.y, inner.x)
        assert (found, inside) == (code, True) and shapes.geometry.loc[code].contains(shapely.Point(x, y)), names[code]
    lon0, lat0, lon1, lat1 = region_bounds(base)
    corner = (lat0 + 1e-4, lon0 + 1e-4)  # inside the extent, in no member
    code, xy, inside = seat_of(base, *corner)
    assert not inside and code == str(shapes.geometry.distance(shapely.Point(xy)).idxmin())
    assert seat_of(base, lat1 + 0.01, lon0) is None and seat_of(base, lat0, lon1 + 0.01) is None


def test_panel_seat_from_a_point_on_the_map(base):
    panel = ScenarioPanel(base)
    assert "window.parent" not in panel.map.value and "kp-seat" in str(panel.listener.outputs)
    panel.druh.value = "41"
    panel.seat_by.value = "bod"
    assert 'class="kp-map"' in panel.map.value and "postMessage" in panel.map.value  # a map to click on before any change
    panel.apply.click()
    assert "Nejdřív klikněte do mapy" in panel.message.value and panel.changes == []
    panel.bod.value = "47.0, 17.5"
    assert "mimo region" in panel.seat_note.value and panel.seat is None
    panel.bod.value = "Napajedla"
    assert "dvě čísla" in panel.seat_note.value
    panel.bod.value = "49.1717, 17.5116"
    assert "Sídlo: bod 49,17170, 17,51160 v obci Napajedla." == re.sub("<[^>]+>", "", panel.seat_note.value).replace("\xa0", " ")
    assert panel.obec.value == "585513" and "Sídlo nové služby" in panel.map.value
    panel.kapacita.value, panel.naklady.value = 5.0, 500_000
    panel.apply.click()
    (change,) = panel.changes
    assert change.kod_obce == "585513" and change.bod == pytest.approx(seat_of(base, 49.1717, 17.5116)[1])
    assert "+5" in panel.headline.value and "postMessage" in panel.map.value and "Sídlo nové služby" in panel.map.value
    assert scenario_sheet(Scenario("x", tuple(panel.changes)))[["kod_obce", "lat", "lon"]].values.tolist() == [["585513", "49,1717", "17,5116"]]
    panel.seat_by.value = "obec"
    assert "postMessage" not in panel.map.value and "+5" in panel.headline.value


def test_a_titled_scenario_is_kept_and_downloaded_under_its_title(base):
    import base64
    import re

    from kpwork import sheets as sh
    from kpwork.scenarios.inputs import parse_scenario

    panel = ScenarioPanel(base)
    panel._add_change(Change("zrusit", "S13"))
    panel.titulek.value = "  Bez   pobočky S13 "
    link = panel.download.value
    assert 'download="bez_pobocky_s13.csv"' in link
    text = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)).decode("utf-8-sig")
    problems = sh.ProblemLog()
    back = parse_scenario(sh.read_csv_text(text, "bez_pobocky_s13.csv"), "bez_pobocky_s13", base.region, problems)
    assert not problems.problems and back.title == "Bez pobočky S13"
    panel.keep.click()
    panel.titulek.value = ""
    panel.keep.click()
    assert ">Bez pobočky S13</td>" in panel.compare.value and ">Scénář 2</td>" in panel.compare.value
    panel.set_lang("en")
    assert ">Bez pobočky S13</td>" in panel.compare.value and ">Scenario 2</td>" in panel.compare.value
    panel.titulek.value = "Varianta <b>"
    assert "prostý text" not in panel.message.value and "plain text" in panel.message.value
    assert 'download="scenar.csv"' in panel.download.value
    panel.titulek.value = "Varianta B"
    assert panel.message.value == "" and 'download="varianta_b.csv"' in panel.download.value
