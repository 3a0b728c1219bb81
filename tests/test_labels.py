"""The words of the pages: one module, every code of the analysis named, no language branch elsewhere."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kpwork import funding, gaps
from kpwork.errors import InvalidParameter
from kpwork.pages import labels
from kpwork.plan import inputs as plan_inputs
from kpwork.plan import monitoring as plan_monitoring
from kpwork.taxonomy import SERVICE_TYPES

PAGES = Path(__file__).resolve().parents[1] / "kpwork" / "pages"
TABLES = {
    "WORDS": labels.WORDS, "FUNDING": labels.FUNDING, "MONITORING": labels.MONITORING, "MEETING": labels.MEETING,
    "CATALOGUE": labels.CATALOGUE, "METHODS": labels.METHODS, "GAP_STATES": labels.GAP_STATES,
    "LOAD_STATES": labels.LOAD_STATES, "PLAN_STATES": labels.PLAN_STATES, "ACTIVITY_STATES": labels.ACTIVITY_STATES,
    "DECISIONS": labels.DECISIONS, "SWOT": labels.SWOT,
}


def test_every_funding_method_has_a_label_and_every_label_a_method():
    assert set(labels.METHODS) == set(funding.METHODS)


def test_every_state_of_the_analysis_has_a_label():
    assert set(labels.GAP_STATES) == set(gaps.GAP_STATUS)
    assert set(labels.LOAD_STATES) == set(gaps.LOAD_STATUS)
    assert set(labels.PLAN_STATES) == set(plan_monitoring.STATES)
    assert set(labels.ACTIVITY_STATES) == set(plan_inputs.ACTIVITY_STATES)
    assert set(labels.DECISIONS) == set(plan_inputs.DECISIONS)
    assert set(labels.SWOT) == set(plan_inputs.SWOT_TYPES)


def test_every_default_unit_of_a_service_type_has_its_plurals():
    assert {t.unit for t in SERVICE_TYPES.values()} <= {form for key in labels.UNITS for form in labels.UNITS[key]["cs"].values()}
    for key, forms in labels.UNITS.items():
        assert set(forms["cs"]) == {"one", "few", "many", "other"} and forms["cs"]["one"] == key, key
        assert set(forms["en"]) == {"one", "other"}, key


@pytest.mark.parametrize("name", sorted(TABLES))
def test_both_languages_have_the_same_fields(name):
    for key, (cs, en) in TABLES[name].items():
        assert cs.strip() and en.strip(), f"{name}[{key!r}] is blank"
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (cs, en)]
        assert fields[0] == fields[1], f"{name}[{key!r}]: {fields[0]} != {fields[1]}"


def test_no_page_module_branches_on_the_language():
    """Pages look their words up in labels; format alone picks a locale."""
    branch = re.compile(r"""lang\s*==\s*["'](?:cs|en)["']|\{\s*["']cs["']\s*:|\[lang\]""")
    offenders = []
    for path in sorted(PAGES.glob("*.py")):
        if path.name in ("labels.py", "format.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if branch.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_lookups():
    assert labels.word("map_need_unit", "en", druh="home care", unit="clients") == "Need (estimate): home care, clients"
    assert labels.label(labels.GAP_STATES, "nedostatek", "en") == "shortage"
    assert labels.label(labels.LOAD_STATES, "neznamy") == labels.label(labels.LOAD_STATES, float("nan")) == "–"
    assert labels.label(labels.DECISIONS, None, default="") == ""
    assert labels.header(["nazev", "x"], "en") == {"nazev": "Municipality", "x": "x"}
    assert labels.header(["nazev"], "cs", labels.MONITORING) == {"nazev": "Název"}
    assert labels.type_name("60a", "en") == "intervention centres"
    assert labels.unit_key("Místa") == "místo" and labels.unit_key("kontakty") == "kontakt"


def test_bad_language_or_method_is_a_clear_error():
    with pytest.raises(InvalidParameter, match="lang must be one of cs, en, got 'sk'"):
        labels.word("nazev", "sk")
    with pytest.raises(InvalidParameter, match=r"unknown method 'losem' \(valid: rovnym_dilem, "):
        labels.method_label("losem")
