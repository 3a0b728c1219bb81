"""Charts of the pages: drawn from result tables, Czech axis numbers, inline PNG with alt text."""

from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from kpwork.errors import InvalidParameter
from kpwork.pages import charts
from kpwork.pages.classes import COVERAGE_COLOURS
from kpwork.pages.element import Chart

NBSP = "\u00a0"


@pytest.fixture
def population() -> tuple[pd.DataFrame, pd.Series]:
    bands = pd.DataFrame({"vek_0_14": [100, 30], "vek_15_64": [600, 150], "vek_65_79": [200, 80], "vek_80_plus": [100, 40]},
                         index=pd.Index(["585599", "588318"], name="kod_obce"))
    return bands, pd.Series({"585599": "Otrokovice", "588318": "Bělov"})


@pytest.fixture
def per_type() -> pd.DataFrame:
    """Rows of mezery_obce for one municipality: one type of each state."""
    return pd.DataFrame({"kod_obce": ["588318"] * 3, "druh": ["40", "41", "49"], "potreba": [12.0, 3.0, 8.0],
                         "kapacita_dosazitelna": [6.0, 0.0, 20.0], "pokryti": [0.5, 0.0, 2.5],
                         "stav": ["nedostatek", "nedostupne", "dostatek"]})


def _ticks(chart: Chart, axis: str = "x") -> list[str]:
    ax = chart.figure.axes[0]
    formatter = getattr(ax, f"{axis}axis").get_major_formatter()
    return [formatter(v, i) for i, v in enumerate(getattr(ax, f"get_{axis}ticks")())]


def test_chart_element_inlines_the_png_with_alt_text():
    fig = Figure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [0, 1])
    chart = Chart(fig, alt='Potřeba "x" <y>')
    assert chart.html.startswith('<img alt="Potřeba &quot;x&quot; &lt;y&gt;" style="max-width:100%" src="data:image/png;base64,')
    assert chart.png().startswith(b"\x89PNG") and chart.figure is fig
    assert Chart(fig, alt="a").html == Chart(fig, alt="a").html, "the same figure gives the same bytes"


def test_age_structure_in_percent_with_the_member_in_bold(population):
    bands, names = population
    chart = charts.age_structure(bands, names, highlight="588318")
    assert chart.html.startswith('<img alt="Věková struktura obcí"')
    assert _ticks(chart)[:3] == [f"0{NBSP}%", f"20{NBSP}%", f"40{NBSP}%"]
    bold = [t.get_text() for t in chart.figure.axes[0].get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Bělov"]
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert legend == ["0–14 let", "15–64 let", "65–79 let", "80 a více let"]


def test_need_vs_capacity_draws_the_largest_needs_first(per_type):
    chart = charts.need_vs_capacity(per_type, lang="en", top=2)
    labels = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert labels == ["§49 homes for the elderly", "§40 home care"], "largest need on top"
    assert chart.html.startswith('<img alt="Need and reachable capacity by service type"')


def test_coverage_bars_take_state_and_share_from_the_table(per_type):
    chart = charts.coverage_by_type(per_type)
    ax = chart.figure.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["§41 tísňová péče", "§49 domovy pro seniory", "§40 pečovatelská služba"]
    colours = [mcolors.to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert colours == [charts.STATE_COLOURS[s] for s in ("nedostupne", "dostatek", "nedostatek")]
    assert [bar.get_width() for bar in ax.patches] == [0.0, charts.COVERAGE_CAP, 0.5]
    assert [t.get_text() for t in ax.texts] == [f"0{NBSP}% – nedostupné"]
    assert ax.get_xlabel() == f"Pokrytí potřeby (max. 200{NBSP}%)"
    assert _ticks(chart)[-1] == f"200{NBSP}%"


def test_coverage_in_english(per_type):
    ax = charts.coverage_by_type(per_type, lang="en").figure.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0% – none reachable"]
    assert ax.get_xlabel() == "Need covered (capped at 200%)"


def test_unknown_language_is_refused(per_type):
    with pytest.raises(InvalidParameter, match="lang must be one of cs, en"):
        charts.coverage_by_type(per_type, lang="de")


def _deuteranope(colour: str) -> np.ndarray:
    """How a reader without green cones sees a colour (Viénot, Brettel & Mollon 1999, in linear RGB)."""
    rgb = np.array(mcolors.to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.array([[0.29275, 0.70725, 0.0], [0.29275, 0.70725, 0.0], [-0.02234, 0.02234, 1.0]]) @ linear
    return np.clip(seen, 0, 1)


def test_state_colours_stay_apart_for_colour_blind_readers():
    states = ["dostatek", "nedostatek", "nedostupne"]
    seen = {s: _deuteranope(charts.STATE_COLOURS[s]) for s in states}
    closest = min(np.abs(seen[a] - seen[b]).sum() for i, a in enumerate(states) for b in states[i + 1:])
    assert closest > 0.25, "two states look alike without green cones"
    assert charts.STATE_COLOURS["dostatek"] == COVERAGE_COLOURS[-1], "a bar says what the map's colour says"


def test_the_change_maps_gains_and_losses_stay_apart_for_colour_blind_readers():
    from kpwork.pages.scenario_report import GAIN_COLOURS

    seen = [_deuteranope(c) for c in GAIN_COLOURS]
    closest = min(np.abs(a - b).sum() for i, a in enumerate(seen) for b in seen[i + 1:])
    assert closest > 0.15, "two classes of the change map look alike without green cones"
