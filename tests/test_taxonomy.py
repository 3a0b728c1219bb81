"""kpwork.taxonomy: service types of Act 108/2006 Coll., forms, target groups, spellings."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpwork import taxonomy as tx
from kpwork.taxonomy import FORMS, SERVICE_TYPES, TARGET_GROUPS, fold

#: The service types of the Act: §37, §39-§52 (social care), §54-§70 with §60a (prevention).
PARAGRAPHS = ["37", *map(str, range(39, 53)), *map(str, range(54, 61)), "60a", *map(str, range(61, 71))]


def test_every_service_type_of_the_act():
    assert list(SERVICE_TYPES) == PARAGRAPHS
    assert len(SERVICE_TYPES) == 33
    assert SERVICE_TYPES["40"].name == "pečovatelská služba"
    assert SERVICE_TYPES["49"].forms == ("pobytova",)
    assert SERVICE_TYPES["69"].forms == ("terenni",)
    assert SERVICE_TYPES["44"].forms == ("terenni", "ambulantni", "pobytova")


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
def test_service_type_record(paragraph):
    t = SERVICE_TYPES[paragraph]
    assert t.paragraph == paragraph
    assert t.forms and set(t.forms) <= set(FORMS)
    assert len(set(t.forms)) == len(t.forms)
    assert t.unit in {"klienti", "lůžka", "místa", "kontakty", "rodiny"}
    expected_kind = "poradenstvi" if paragraph == "37" else "pece" if int(paragraph[:2]) <= 52 else "prevence"
    assert t.kind == expected_kind
    assert t.label == f"{t.name} (§{paragraph})"


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
def test_every_spelling_of_a_type(paragraph):
    t = SERVICE_TYPES[paragraph]
    spellings = [paragraph, f"§{paragraph}", f"§ {paragraph}", f" § {paragraph} ", t.name, t.name.upper(), fold(t.name),
                 t.name_en, f"{paragraph} - {t.name}", f"§{paragraph} {fold(t.name)}", *t.aliases]
    for value in spellings:
        assert tx.normalise_service_type(value) == paragraph, value


@pytest.mark.parametrize(
    ("value", "paragraph"),
    [("Domov pro seniory", "49"), ("DS", "49"), ("dzr", "50"), ("azylový dům", "57"), ("NZDM", "62"),
     ("Noclehárna", "63"), ("denni stacionar", "46"), ("terénní program", "69"), ("odlehčovací služba", "44"),
     ("§ 60a", "60a"), ("60A", "60a"), ("intervenční centrum", "60a")],
)
def test_common_spellings_of_coordinators(value, paragraph):
    assert tx.normalise_service_type(value) == paragraph


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pečovatelská sluzba x", "unknown service type (druh) 'pečovatelská sluzba x'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'pečovatelská služba'?"),
        ("domov senioru", "unknown service type (druh) 'domov senioru'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'domovy pro seniory'?"),
        ("38", "unknown service type (druh) '38'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name"),
        ("domy", "unknown service type (druh) 'domy'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name"),
    ],
)
def test_unknown_service_type(value, message):
    with pytest.raises(ValueError) as info:
        tx.normalise_service_type(value)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "code"),
    [("pobytová", "pobytova"), ("Pobytova", "pobytova"), ("AMBULANTNÍ", "ambulantni"), ("ambulantni", "ambulantni"),
     ("terénní", "terenni"), ("terenni", "terenni"), ("field", "terenni"), ("residential", "pobytova")],
)
def test_forms_with_or_without_diacritics(value, code):
    assert tx.normalise_form(value) == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("teréní", "unknown form (forma) 'teréní'; expected pobytová, ambulantní or terénní; did you mean 'terénní'?"),
        ("terénní a ambulantní", "unknown form (forma) 'terénní a ambulantní'; expected pobytová, ambulantní or terénní; did you mean 'ambulantní'?"),
        ("domácí", "unknown form (forma) 'domácí'; expected pobytová, ambulantní or terénní"),
    ],
)
def test_unknown_form(value, message):
    with pytest.raises(ValueError) as info:
        tx.normalise_form(value)
    assert str(info.value) == message


@pytest.mark.parametrize("code", list(TARGET_GROUPS))
def test_every_spelling_of_a_target_group(code):
    g = TARGET_GROUPS[code]
    for value in [code, g.name, g.name.upper(), fold(g.name), g.name_en, *g.aliases]:
        assert tx.normalise_target_group(value) == code, value
    assert g.planning_group in {"seniori", "ozp", "rodiny", "krize", "zavislosti", "mensiny", "bez_pristresi"}


@pytest.mark.parametrize(
    ("value", "code"),
    [("senioři", "seniori"), ("Senioři", "seniori"), ("OZP", "ozp"), ("osoby se ZP", "ozp"),
     ("rodiny s dětmi", "rodiny"), ("rodiny s dítětem/dětmi", "rodiny"), ("osoby v krizi", "krize"),
     ("bezdomovci", "bez_pristresi"), ("Romové", "mensiny"), ("cizinci", "imigranti")],
)
def test_short_forms_of_target_groups(value, code):
    assert tx.normalise_target_group(value) == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("seniorii", "unknown target group (cílová skupina) 'seniorii'; expected a target group of the registry or its short form (docs/data-format.md); did you mean 'senioři'?"),
        ("děti s autismem", "unknown target group (cílová skupina) 'děti s autismem'; expected a target group of the registry or its short form (docs/data-format.md)"),
    ],
)
def test_unknown_target_group(value, message):
    with pytest.raises(ValueError) as info:
        tx.normalise_target_group(value)
    assert str(info.value) == message


def test_no_spelling_means_two_things():
    for entries in (
        {t.paragraph: [t.paragraph, t.name, t.name_en, *t.aliases] for t in SERVICE_TYPES.values()},
        {g.code: [g.code, g.name, g.name_en, *g.aliases] for g in TARGET_GROUPS.values()},
    ):
        meanings = defaultdict(set)
        for code, spellings in entries.items():
            for spelling in spellings:
                meanings[fold(spelling)].add(code)
        assert {s: c for s, c in meanings.items() if len(c) > 1} == {}


def test_fold():
    assert fold("  Pečovatelská   SLUŽBA ") == "pecovatelska sluzba"
    assert fold("Žlutava\u00a0u Napajedel") == "zlutava u napajedel"


@given(st.text())
def test_fold_is_idempotent_and_ascii_lower(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.lower()


def test_closest():
    assert tx.closest("pecovatelska sluzb", ["pečovatelská služba", "osobní asistence"]) == "pečovatelská služba"
    assert tx.closest("xyz", ["pečovatelská služba"]) is None


def test_labels():
    assert tx.service_type_label("40") == "pečovatelská služba (§40)"
    assert tx.service_type_label("40", lang="en") == "home care (§40)"
    assert tx.target_group_label("ozp") == "osoby se zdravotním postižením"
    assert tx.target_group_label("ozp", lang="en") == "people with disabilities"
    assert tx.form_label("terenni") == "terénní"
    assert tx.form_label("terenni", lang="en") == "field"


def test_units_of_capacity():
    assert {t.unit for t in SERVICE_TYPES.values()} <= set(tx.CAPACITY_UNITS)
    assert [tx.normalise_unit(v) for v in ("Lůžek", "počet míst", "klientů", "Families", "interv", "hovorů")] == [
        "lůžka", "místa", "klienti", "rodiny", "intervence", "hovory"]
    assert {u.basis for u in tx.CAPACITY_UNITS.values()} == {tx.AT_ONCE, tx.PER_YEAR}
    assert tx.CAPACITY_UNITS["lůžka"].basis == tx.AT_ONCE and tx.CAPACITY_UNITS["klienti"].basis == tx.PER_YEAR
    with pytest.raises(ValueError, match="did you mean 'místa'"):
        tx.normalise_unit("mistaa")
    assert tx.planning_unit("44") == "lůžka" and tx.planning_unit("65") == "rodiny"
    assert sorted(["klienti", "lůžka", "xyz"], key=tx.unit_order) == ["lůžka", "klienti", "xyz"]


# --- the tables of docs/data-format.md are generated from this module ---------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-format.md"


def _markdown_tables() -> dict[str, str]:
    """The generated tables of docs/data-format.md, by marker name."""
    types = ["| § | druh (Czech name) | English | forma (allowed forms) | jednotka (planning unit) | also accepted |", "|---|---|---|---|---|---|"]
    for t in SERVICE_TYPES.values():
        forms = ", ".join(FORMS[f] for f in t.forms)
        aliases = ", ".join(t.aliases) or ""
        types.append(f"| §{t.paragraph} | {t.name} | {t.name_en} | {forms} | {t.unit} | {aliases} |")
    forms = ["| forma | code | English |", "|---|---|---|"]
    forms += [f"| {label} | `{code}` | {tx.FORM_LABELS_EN[code]} |" for code, label in FORMS.items()]
    groups = ["| code | registry name | English | planning group | also accepted |", "|---|---|---|---|---|"]
    for g in TARGET_GROUPS.values():
        groups.append(f"| `{g.code}` | {g.name} | {g.name_en} | `{g.planning_group}` | {', '.join(g.aliases)} |")
    units = ["| jednotka | English | counted | one unit is | also accepted |", "|---|---|---|---|---|"]
    basis = {tx.AT_ONCE: "at one time", tx.PER_YEAR: "in a year"}
    units += [f"| `{u.code}` | {u.name_en} | {basis[u.basis]} | {u.meaning} | {', '.join(u.aliases)} |" for u in tx.CAPACITY_UNITS.values()]
    return {"service-types": "\n".join(types), "forms": "\n".join(forms), "target-groups": "\n".join(groups), "units": "\n".join(units)}


def _regenerate(text: str) -> str:
    for name, table in _markdown_tables().items():
        start, end = f"<!-- taxonomy:{name} -->", f"<!-- /taxonomy:{name} -->"
        before, rest = text.split(start)
        _, after = rest.split(end)
        text = f"{before}{start}\n{table}\n{end}{after}"
    return text


def test_data_format_doc_lists_the_taxonomy_exactly():
    """Run ``python tests/test_taxonomy.py`` to rewrite the tables after changing the taxonomy."""
    text = DOC.read_text(encoding="utf-8")
    assert text == _regenerate(text)


if __name__ == "__main__":
    DOC.write_text(_regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
