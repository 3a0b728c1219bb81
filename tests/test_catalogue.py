"""The catalogue of services: filters, provider cards, print view, XLSX export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpwork.pages import catalogue

NAMES = {"585599": "Otrokovice", "585513": "Napajedla", "588318": "Bělov"}


@pytest.fixture
def services() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["S01", "S02", "S03", "S04"],
            "nazev": ["Pečovatelská služba Otrokovice", "Domov pro seniory Napajedla", "Azylový dům <Naděje>", "Osobní asistence Charity"],
            "poskytovatel": ["SENIOR Otrokovice", "Město Napajedla", "Naděje, z. s.", "Charita Otrokovice"],
            "druh": ["40", "49", "57", "39"],
            "druh_nazev": ["pečovatelská služba", "domovy pro seniory", "azylové domy", "osobní asistence"],
            "forma": ["terenni", "pobytova", "pobytova", "terenni"],
            "cilove_skupiny": ["seniori, ozp", "seniori", "bez_pristresi", "ozp"],
            "kapacita": [120.0, 95.0, 20.0, None],
            "jednotka": ["klienti", "lůžka", "lůžka", "klienti"],
            "kod_obce": ["585599", "585513", "585599", "585599"],
            "pusobnost": ["585599, 588318", None, "585599, 585513", "585599, 585513, 588318"],
            "adresa": ["Šafaříkova 1464, Otrokovice", "Masarykovo nám. 1, Napajedla", None, "Křiby 1, Otrokovice"],
            "telefon": ["577 000 101", None, "577 000 303", None],
            "email": ["ps@senior.example", None, None, "oa@charita.example"],
        }
    )


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["id"].tolist()


def test_no_filter_keeps_every_service_in_order(services):
    assert _ids(catalogue.filter_services(services)) == ["S01", "S02", "S03", "S04"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"druh": "40"}, ["S01"]),
        ({"druh": "§49"}, ["S02"]),
        ({"cilova_skupina": "seniori"}, ["S01", "S02"]),
        ({"cilova_skupina": "ozp"}, ["S01", "S04"]),
        ({"forma": "pobytova"}, ["S02", "S03"]),
        ({"kod_obce": "588318"}, ["S01", "S04"]),  # Bělov has no seat: only services whose area includes it
        ({"kod_obce": "585513"}, ["S02", "S03", "S04"]),  # a seat counts even with no area served
        ({"forma": "terenni", "cilova_skupina": "ozp", "kod_obce": "585513"}, ["S04"]),
        ({"druh": "", "forma": None}, ["S01", "S02", "S03", "S04"]),
    ],
)
def test_filters_combine(services, kwargs, expected):
    assert _ids(catalogue.filter_services(services, **kwargs)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pecovatelska", ["S01"]),  # no diacritics needed
        ("PEČOVATELSKÁ", ["S01"]),
        ("otrokovice charita", ["S04"]),  # every word must occur
        ("577 000 303", ["S03"]),
        ("  ", ["S01", "S02", "S03", "S04"]),
        ("nic takoveho", []),
    ],
)
def test_text_search_ignores_case_and_diacritics(services, text, expected):
    assert _ids(catalogue.filter_services(services, text=text)) == expected


def test_filter_does_not_change_the_input(services):
    before = services.copy()
    catalogue.filter_services(services, forma="pobytova", text="dum")
    pd.testing.assert_frame_equal(services, before)


def test_provider_card_has_contacts_capacity_and_area_and_escapes(services):
    card = catalogue.provider_card(services.iloc[2].to_dict(), NAMES).html
    assert "Azylový dům &lt;Naděje&gt;" in card and "<Naděje>" not in card
    assert "20\u00a0lůžek" in card  # the plural of 20, the number kept with its unit
    assert "Otrokovice, Napajedla" in card  # area served by name
    assert "577 000 303" in card
    assert "osoby bez přístřeší" in card
    first = catalogue.provider_card(services.iloc[0].to_dict(), NAMES).html
    assert 'href="mailto:ps@senior.example"' in first and "Šafaříkova 1464" in first


def test_card_in_english_and_missing_capacity(services):
    rows = dict(catalogue.card_rows(services.iloc[3].to_dict(), NAMES, lang="en"))
    assert rows["Capacity"] == "–"
    assert rows["Form"] == "field"
    assert rows["Area served"] == "Otrokovice, Napajedla, Bělov"


def test_print_view_holds_one_block_per_filtered_service_and_print_css(services):
    chosen = catalogue.filter_services(services, forma="pobytova")
    page = catalogue.print_view(chosen, NAMES, title="Katalog", filters="Forma: pobytová").html
    assert page.count('<section class="kp-card"') == 2
    assert 'data-id="S02"' in page and 'data-id="S03"' in page and 'data-id="S01"' not in page
    assert "@media print" in page and "break-inside: avoid" in page
    assert "Nalezeno služeb: 2" in page and "Forma: pobytová" in page


def test_print_view_of_nothing_says_so(services):
    page = catalogue.print_view(services.iloc[0:0], NAMES, title="Katalog").html
    assert "Žádná služba neodpovídá výběru." in page


def test_xlsx_export_has_the_filtered_rows_with_czech_headers(services):
    chosen = catalogue.filter_services(services, cilova_skupina="seniori")
    data = catalogue.export_xlsx(chosen, NAMES)
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Služba", "Poskytovatel", "Druh služby", "Forma")
    assert [r[0] for r in rows[1:]] == ["Pečovatelská služba Otrokovice", "Domov pro seniory Napajedla"]
    assert rows[1][3] == "terénní" and rows[2][7] == "Napajedla"
    assert ws.freeze_panes == "A2"


def test_xlsx_export_of_an_empty_selection_is_a_header_only_sheet(services):
    ws = load_workbook(io.BytesIO(catalogue.export_xlsx(services.iloc[0:0], NAMES, lang="en"))).active
    assert ws.max_row == 1 and ws["A1"].value == "Service"


def test_catalogue_app_filters_and_prints(tmp_path, services):
    app = catalogue.CatalogueApp(services, {"names": NAMES, "members": list(NAMES), "region_name": "Test"})
    assert "Nalezeno služeb: 4" in app.count.value
    app.forma.value = "pobytova"
    assert "Nalezeno služeb: 2" in app.count.value
    app.print_toggle.value = True
    assert 'class="kp-print"' in app.cards.value and app.cards.value.count("kp-card&quot; data-id") == 2
    assert app.download.value.startswith('<a class="kp-download" download="katalog-sluzeb.xlsx"')
    app.language.value = "en"
    assert "Services found: 2" in app.count.value
