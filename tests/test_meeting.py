"""The meeting page: contributions under a method or a mix, tables, the widget app on the sample."""

from __future__ import annotations

import pandas as pd
import pytest

from kpwork.errors import InvalidParameter
from kpwork.pages import meeting


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


def test_contribution_table_has_a_total_row(srovnani):
    html = meeting.contribution_table_html(meeting.contributions(srovnani, "S1", "na_obyvatele"))
    assert "<b>Celkem</b>" in html and "<b>100\u00a0000</b>" in html
    assert "Střední" in html and "Kč na obyvatele" in html


def test_method_labels_cover_every_method():
    from kpwork.funding import METHODS
    from kpwork.pages.funding import METHOD_LABELS

    assert set(METHOD_LABELS) == set(METHODS)
    assert meeting.method_label("shapley", "en") == "Shapley value"
