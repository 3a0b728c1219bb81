"""The meeting page: contributions under a method or a mix, tables, the widget app on the sample."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from kpwork.analysis import analyse_region
from kpwork.errors import InvalidParameter
from kpwork.mapdata import MAP_FILE
from kpwork.pages import format as fmt
from kpwork.pages import maps, meeting
from kpwork.pages.element import Table
from kpwork.region import load_region
from kpwork.results import load, write_results

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "otrokovicko"


@pytest.fixture
def srovnani() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sluzba_id": ["S1"] * 3 + ["S2"] * 2,
            "nazev_sluzby": ["A"] * 3 + ["B"] * 2,
            "zvolena_metoda": ["na_obyvatele"] * 3 + ["rovnym_dilem"] * 2,
            "kod_obce": ["1", "2", "3", "1", "2"],
            "nazev": ["Velká", "Střední", "Malá", "Velká", "Střední"],
            "obyvatele": [7000, 2000, 1000, 7000, 2000],
            "samostatne": [80000, 40000, 30000, 9, 9],
            "rovnym_dilem": [33334, 33333, 33333, 5, 5],
            "na_obyvatele": [70000, 20000, 10000, 8, 2],
            "shapley": [None, None, None, 6, 4],
        }
    )


def test_methods_of_lists_only_computed_methods(srovnani):
    assert meeting.methods_of(srovnani, "S1") == ["rovnym_dilem", "na_obyvatele"]
    assert meeting.methods_of(srovnani, "S2") == ["rovnym_dilem", "na_obyvatele", "shapley"]
    with pytest.raises(InvalidParameter, match="no shared service 'S9'"):
        meeting.methods_of(srovnani, "S9")


@pytest.mark.parametrize("weight", [0.0, 0.13, 0.5, 0.77, 1.0])
def test_mix_sums_to_the_total_in_whole_crowns(srovnani, weight):
    table = meeting.contributions(srovnani, "S1", "na_obyvatele", mix_with="rovnym_dilem", weight=weight)
    assert table["castka"].sum() == 100000
    assert table["castka"].dtype == "int64"
    expected = weight * srovnani["na_obyvatele"][:3] + (1 - weight) * srovnani["rovnym_dilem"][:3]
    assert (table["castka"] - expected.to_numpy()).abs().max() < 1


def test_single_method_and_difference_to_plan(srovnani):
    table = meeting.contributions(srovnani, "S1", "rovnym_dilem")
    assert table["castka"].tolist() == [33334, 33333, 33333]
    assert table["planovano"].tolist() == [70000, 20000, 10000]
    assert table["rozdil"].tolist() == [-36666, 13333, 23333]
    assert table["rozdil"].sum() == 0


def test_unknown_or_missing_method_and_bad_weight_are_errors(srovnani):
    with pytest.raises(InvalidParameter, match="method 'shapley' not computed"):
        meeting.contributions(srovnani, "S1", "shapley")
    with pytest.raises(InvalidParameter, match="weight must be between 0 and 1"):
        meeting.contributions(srovnani, "S1", "rovnym_dilem", mix_with="na_obyvatele", weight=1.5)


def _cells(table) -> list[list[str]]:
    html = table if isinstance(table, str) else table.html
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)[1:]]


def test_contribution_table_has_a_total_row_and_signed_differences(srovnani):
    table = meeting.contribution_table(meeting.contributions(srovnani, "S1", "rovnym_dilem"))
    assert isinstance(table, Table) and 'class="kp-table kp-contrib"' in table.html
    rows = _cells(table)
    assert [r[0] for r in rows] == ["Velká", "Střední", "Malá", "Celkem"]
    assert rows[-1][1:4] == ["10\u00a0000", "100\u00a0000", "10,00"]
    assert [r[-1] for r in rows] == ["\u221236\u00a0666", "+13\u00a0333", "+23\u00a0333", "0"]
    assert "Kč na obyvatele" in table.html
    assert "Contribution (CZK)" in meeting.contribution_table(meeting.contributions(srovnani, "S1", "rovnym_dilem"), lang="en").html


def test_contribution_chart_is_an_image_with_its_title(srovnani):
    chart = meeting.contribution_chart(meeting.contributions(srovnani, "S1", "na_obyvatele"), title="Příspěvky obcí")
    assert chart.html.startswith('<img alt="Příspěvky obcí"') and chart.png().startswith(b"\x89PNG")
    assert chart.figure.axes[0].xaxis.get_major_formatter()(20000, 0) == "20\u00a0000"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The sample's results as a run writes them (its last file is region.json, in the results folder)."""
    analysis = analyse_region(load_region(SAMPLE), today=date(2026, 1, 15))
    written = write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path_factory.mktemp("run") / "results")
    return load(written[-1].parent)


def test_gap_rows_are_read_from_the_run_not_recomputed(results):
    data = meeting._MeetingData(results)
    every = data.gap_rows(meeting.ALL, "40")
    expected = results["mezery_obce"].query("druh == '40'")
    assert sorted(every["kod_obce"]) == sorted(expected["kod_obce"])
    assert every["mezera"].is_monotonic_decreasing
    pd.testing.assert_series_equal(every.set_index("kod_obce")["pokryti"].sort_index(), expected.set_index("kod_obce")["pokryti"].sort_index())
    seniors = data.gap_rows("seniori", "40")
    assert set(seniors["cilova_skupina"]) == {"seniori"}


def test_gap_table_shows_estimates_and_no_surplus(results):
    # need is an estimate (norm x public population): the whole "Chybí" column used to read "<5"
    rows = meeting._MeetingData(results).gap_rows(meeting.ALL, "40")
    table = meeting.gap_table(rows)
    cells = _cells(table)
    assert 'class="kp-table kp-gaps"' in table.html and len(cells) == len(rows)
    assert "Potřeba (odhad)" in table.html and "&lt;" not in table.html
    bělov = next(c for c in cells if c[0] == "Bělov")
    assert bělov[1] == fmt.estimate_count(rows.set_index("nazev").loc["Bělov", "potreba"], "cs", "klienti"), "an estimate with the unit of §40, not masked"
    assert all(not c[3].startswith("\u2212") for c in cells), "a surplus shows as no shortfall"
    assert all(c[4].endswith("\u00a0%") for c in cells)


def test_meeting_app_renders_map_table_profile_and_funding(results):
    app = meeting.MeetingApp(results)
    assert 'class="kp-map"' in app.map.value and "L.map(" in app.map.value
    assert "kp-gaps" in app.table.value
    app.muni.value = "588318"
    assert "Profil obce: Bělov" in app.profile.value and "Obyvatelé podle věku" in app.profile.value
    assert "kp-contrib" in app.contrib.value and app.chart.value.startswith("<img alt=")
    assert "Bělov" not in app.contrib.value.split("ostatní obce", 1)[0], "Bělov's 1 client of S01 stays in the pooled row"
    app.language.value = "en"
    assert "Meeting: Otrokovicko" in _text(app.root)


def test_the_map_drawn_from_the_runs_json_is_the_map_drawn_from_its_layers(results):
    base = results.map_base()
    assert base is not None and set(base["focus"]) == set(results.meta["members"])
    gaps = results["mezery_obce"]
    kwargs = {"druh": "40", "access": results["dostupnost"], "load": results["vytizenost"], "reference": results["mezery_region"]}
    from_json = maps.map_html(maps.focus_map(base, maps.planning_data(base, gaps, **kwargs), focus="588318"))
    from_layers = maps.map_html(maps.region_map(results.layer("obce"), results.layer("sluzby"), gaps, focus="588318", **kwargs))
    assert from_json == from_layers and "Bělov" in from_json
    data = maps.planning_data(base, meeting._MeetingData(results).gap_rows(meeting.ALL, "40"), **kwargs, headline=False)
    assert meeting._MeetingData(results).map(meeting.ALL, "40", "588318", "cs").html == maps.embed(maps.focus_map(base, data, focus="588318")).html


_KERNEL = """
import json, sys
from kpwork.pages import meeting, views
HEAVY = ("geopandas", "shapely", "pyogrio", "folium", "matplotlib")
imported = [m for m in HEAVY if m in sys.modules]
data = meeting._MeetingData(views.open_results(sys.argv[1]))
html = data.map(meeting.ALL, "40", "588318", "cs").html + data.map("seniori", "40", None, "en").html
print(json.dumps({"imported": imported, "drawn": [m for m in HEAVY if m in sys.modules], "map": "L.map(" in html}))
"""


def _kernel_modules(results_dir: Path) -> dict:
    """What a fresh interpreter, as a meeting's kernel, imports to import the page and draw two maps."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SAMPLE.parents[1]), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", _KERNEL, str(results_dir)], capture_output=True, text=True, env=env, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_meeting_kernel_draws_its_maps_without_geopandas_folium_or_matplotlib(results, tmp_path):
    assert _kernel_modules(results.folder) == {"imported": [], "drawn": [], "map": True}
    # results of a run from before the map's JSON: the page still draws, from the layers (geopandas)
    older = shutil.copytree(results.folder, tmp_path / "results")
    (older / MAP_FILE).unlink()
    modules = _kernel_modules(older)
    assert modules["imported"] == [] and "geopandas" in modules["drawn"] and modules["map"]


def _text(widget) -> str:
    """Every HTML the page's widgets show."""
    return str(getattr(widget, "value", "")) if not hasattr(widget, "children") else "".join(_text(c) for c in widget.children)


def test_switching_the_service_selects_its_planned_method_and_redraws_everything(results):
    app = meeting.MeetingApp(results)
    planned = dict(zip(results["financovani_sluzby"]["sluzba_id"], results["financovani_sluzby"]["metoda"], strict=True))
    app.method.value = "rovnym_dilem"
    app.mix.value = "na_obyvatele"
    for sid in [*list(planned)[1:], list(planned)[0]]:
        app.service.value = sid
        assert app.method.value == planned[sid] and app.mix.value == "" and app.weight.disabled, sid
        table = meeting.pool_rows(meeting.contributions(results["financovani_srovnani"], sid, planned[sid]), app.data.pools.get(sid, []))
        assert app.contrib.value.startswith(meeting.contribution_table(table).html), sid
        assert app.plan_note.value.endswith(f"Plán: {meeting.method_label(planned[sid], 'cs')}</p>") and app.chart.value.startswith("<img"), sid


def test_a_failing_redraw_shows_a_message_not_the_previous_numbers(results, monkeypatch):
    app = meeting.MeetingApp(results)
    assert "kp-contrib" in app.contrib.value

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(meeting, "contributions", broken)
    app.method.value = "rovnym_dilem"
    assert app.contrib.value == '<p class="kp-notice">Rozdělení pro tuto volbu se nepodařilo spočítat. Zvolte jinou metodu nebo službu.</p>'
    assert app.chart.value == "" and app.plan_note.value == ""
    assert "boom" not in _text(app.root) and "Traceback" not in _text(app.root)


def test_map_panel_starts_with_the_type_lacking_most_and_compares_with_the_region(results):
    app = meeting.MeetingApp(results)
    assert app.druh.value == meeting.views.default_type(results)
    region = results["mezery_region"].set_index("druh").loc[app.druh.value]
    assert app.headline.value.startswith(f'<p class="kp-headline">V celém regionu chybí {fmt.estimate_count(region["mezera"], "cs", region["jednotka"])}')
    assert "Nejvíce chybí: Otrokovice" in app.headline.value
    last = _cells(app.table.value.replace('<tr class="kp-region">', "<tr>"))[-1]
    assert last[0] == "celý region" and last[4] == fmt.percent(region["pokryti"])


def test_funding_panel_pools_members_with_few_clients_under_every_method(results):
    # S01: Otrokovice 109 clients, Žlutava 6, Nová Dědina 2, Bělov 1: 1 + 2 = 3 clients would still be a small
    # count, so Žlutava joins the pool; the room sees Otrokovice and one row for the three others
    app = meeting.MeetingApp(results)
    assert app.service.value == "S01"
    for method in meeting.methods_of(results["financovani_srovnani"], "S01"):
        app.method.value = method
        rows = _cells(app.contrib.value)
        assert [r[0] for r in rows] == ["Otrokovice", "ostatní obce (3): Bělov, Nová Dědina, Žlutava", "Celkem"], method
    assert "sečteny" in app.contrib.value, "the page says why the row is pooled"


def test_meeting_page_of_a_region_without_services_says_so(tmp_path):
    from kpwork.create import create_region

    create_region(tmp_path / "tri", ["588318", "585220", "586013"], name="Tři obce")
    analysis = analyse_region(load_region(tmp_path / "tri"), today=date(2026, 1, 15))
    written = write_results(analysis.tables, analysis.layers, analysis.meta, tmp_path / "results")
    app = meeting.MeetingApp(load(written[-1].parent))
    assert "V regionu zatím nejsou zapsané žádné služby; doplňte je do tabulky služeb." in _text(app.root)
    assert 'class="kp-map"' in app.map.value, "the need map is still shown"
    app.language.value = "en"
    assert "No services are recorded in the region yet" in _text(app.root)


def test_meeting_page_with_services_has_no_such_sentence(results):
    assert "nejsou zapsané žádné služby" not in _text(meeting.MeetingApp(results).root)


def test_language_toggle_is_one_widget_for_the_page_and_other_panels_follow_it(results):
    app = meeting.MeetingApp(results)
    toggle = meeting.language_of(app.root)
    heard = []
    toggle.observe(lambda change: heard.append(change["new"]), names="value")
    toggle.value = "en"
    toggle.value = "cs"
    toggle.value = "en"
    assert heard == ["en", "cs", "en"] and meeting.language_of(app.root) is toggle
    assert toggle in app.root.children[0].children and "Meeting: Otrokovicko" in _text(app.root)
    with pytest.raises(InvalidParameter):
        meeting.language_of(app.table)
