"""kpwork.taxonomy: service types of Act 108/2006 Coll., forms, target groups, spellings."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpwork import taxonomy as tx
from kpwork.czech import signature, stem
from kpwork.taxonomy import FORMS, SERVICE_TYPES, TARGET_GROUPS, Term, Vocabulary, fold

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
        ("domov senjoru", "unknown service type (druh) 'domov senjoru'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'domovy pro seniory'?"),
        ("38", "unknown service type (druh) '38'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name"),
        ("domy", "unknown service type (druh) 'domy'; expected a paragraph §37-§70 of Act 108/2006 (e.g. 40 or §40) or its name; did you mean 'azylové domy'?"),
        ("SAS", "'SAS' may mean sociálně aktivizační služby pro rodiny s dětmi (§65) or sociálně aktivizační služby pro seniory a osoby se zdravotním postižením (§66); write which one"),
        ("domov", "'domov' may mean domovy pro osoby se zdravotním postižením (§48), domovy pro seniory (§49) or domovy se zvláštním režimem (§50); write which one"),
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


def test_the_registry_groups_are_all_known():
    """The registry's codelist cilove-skupiny-osoby (tests/data/rpss, ids 1-24, 26, 27, 30): every group by its name."""
    codelist = json.loads((Path(__file__).parent / "data" / "rpss" / "cilove-skupiny-osoby.json").read_text(encoding="utf-8"))
    names = {item["id"]: item["nazev"]["cs"] for item in codelist["polozky"] if item["id"] != "31"}  # 31: made up, unknown
    codes = {tx.normalise_target_group(name) for name in names.values()}
    assert len(names) == 27 and codes == set(TARGET_GROUPS)
    assert [tx.normalise_target_group(names[k]) for k in ("26", "27", "30")] == ["pecujici", "paliativni", "demence"]
    assert TARGET_GROUPS["demence"].name_en == "people living with dementia"


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
        ("děti s autismem", "unknown target group (cílová skupina) 'děti s autismem'; expected a target group of the registry or its short form (docs/data-format.md); did you mean 'děti a mládež ve věku od 6 do 26 let ohrožené společensky nežádoucími jevy'?"),
        ("osoby s poruchou autistického spektra", "unknown target group (cílová skupina) 'osoby s poruchou autistického spektra'; expected a target group of the registry or its short form (docs/data-format.md)"),
        ("OZP a senioři", "'OZP a senioři' names several target groups ('osoby se zdravotním postižením' and 'senioři'); give one here, a row per group"),
    ],
)
def test_unknown_target_group(value, message):
    with pytest.raises(ValueError) as info:
        tx.normalise_target_group(value)
    assert str(info.value) == message


def test_no_spelling_means_two_things():
    """Neither as written nor by stems: two spellings of different codes never share a signature."""
    for kind, entries in (
        ("druh", {(t.paragraph,): [t.paragraph, t.name, t.name_en, *t.aliases] for t in SERVICE_TYPES.values()}),
        ("skupina", {(g.code,): [g.code, g.name, g.name_en, *g.aliases] for g in TARGET_GROUPS.values()}),
    ):
        for term in tx.package_terms():
            if term.kind == kind:
                entries.setdefault(term.codes, []).append(term.term)
        meanings, by_stems = defaultdict(set), defaultdict(set)
        for codes, spellings in entries.items():
            for spelling in spellings:
                meanings[fold(spelling)].add(codes)
                if signature(spelling):
                    by_stems[signature(spelling)].add(codes)
        assert {s: c for s, c in meanings.items() if len(c) > 1} == {}
        assert {s: c for s, c in by_stems.items() if len(c) > 1} == {}


# --- what a coordinator types ---------------------------------------------------------------

#: A social-inclusion working group: the registry groups of the planning groups krize, bez_pristresi, zavislosti, mensiny.
EXCLUSION = ("vylouceni", "bez_pristresi", "krize", "rizikovy_zivot", "obeti_nasili", "obeti_obchodu",
             "komercne_zneuzivani", "pachatele", "zavislosti", "mensiny", "imigranti")

#: Target groups as coordinators write them in sheets and plans, with the groups they mean:
#: declined forms, no diacritics, abbreviations, umbrella terms of community plans' working groups.
GROUP_SPELLINGS = [
    ("seniorům", ("seniori",)),
    ("pro seniory", ("seniori",)),
    ("Senioři", ("seniori",)),
    ("seniorum", ("seniori",)),
    ("senior", ("seniori",)),
    ("důchodci", ("seniori",)),
    ("starším osobám", ("seniori",)),
    ("osobám se zdravotním postižením", ("ozp",)),
    ("osoby se zdravotnim postizenim", ("ozp",)),
    ("pro osoby se zdravotním postižením", ("ozp",)),
    ("OZP", ("ozp",)),
    ("zdravotně postižení", ("ozp",)),
    ("lidé s postižením", ("ozp",)),
    ("osobám s handicapem", ("ozp",)),
    ("mentálně postižení", ("mentalni_postizeni",)),
    ("osobám s tělesným postižením", ("telesne_postizeni",)),
    ("neslyšící", ("sluchove_postizeni",)),
    ("nedoslýchaví", ("sluchove_postizeni",)),
    ("nevidomi", ("zrakove_postizeni",)),
    ("duševně nemocní", ("dusevni_onemocneni",)),
    ("lidé s duševním onemocněním", ("dusevni_onemocneni",)),
    ("chronicky nemocní", ("chronicke_onemocneni",)),
    ("rodiny s dětmi", ("rodiny",)),
    ("rodinám s dětmi", ("rodiny",)),
    ("rodina s dítětem", ("rodiny",)),
    ("matky s dětmi", ("rodiny",)),
    ("děti a mládež", ("deti_mladez",)),
    ("dětem a mládeži", ("deti_mladez",)),
    ("mladez", ("deti_mladez",)),
    ("rodina, děti a mládež", ("rodiny", "deti_mladez", "opoustejici_ustavni_peci")),
    ("Rodina, deti a mladez", ("rodiny", "deti_mladez", "opoustejici_ustavni_peci")),
    ("osoby se zdravotním postižením a senioři", ("ozp", "seniori")),
    ("senioři a osoby se zdravotním postižením", ("ozp", "seniori")),
    ("senioři a OZP", ("seniori", "ozp")),
    ("OZP + senioři", ("ozp", "seniori")),
    ("osoby ohrožené sociálním vyloučením", EXCLUSION),
    ("osobám ohroženým sociálním vyloučením", EXCLUSION),
    ("etnické menšiny", ("mensiny",)),
    ("etnickym mensinam", ("mensiny",)),
    ("Romové", ("mensiny",)),
    ("národnostní menšiny", ("mensiny",)),
    ("osobám v krizi", ("krize",)),
    ("osoby v krizové situaci", ("krize",)),
    ("bezdomovci", ("bez_pristresi",)),
    ("lidé bez domova", ("bez_pristresi",)),
    ("osobám bez přístřeší", ("bez_pristresi",)),
    ("závislí", ("zavislosti",)),
    ("uživatelé drog", ("zavislosti",)),
    ("osoby zavisle na navykovych latkach", ("zavislosti",)),
    ("obětem domácího násilí", ("obeti_nasili",)),
    ("pečující", ("pecujici",)),
    ("pečujícím osobám", ("pecujici",)),
    ("pečovatelé", ("pecujici",)),
    ("lidé s demencí", ("demence",)),
    ("osoby zijici s demenci", ("demence",)),
    ("osoby s Alzheimerovou chorobou", ("demence",)),
    ("paliativní péče", ("paliativni",)),
    ("osobám s potřebou paliativní péče", ("paliativni",)),
    ("cizinci", ("imigranti",)),
    ("uprchlíci", ("imigranti",)),
    ("sociálně vyloučení", ("vylouceni",)),
]

#: Service types as coordinators write them.
TYPE_SPELLINGS = [
    ("PS", "40"), ("pečovatelská služba", "40"), ("pečovatelskou službu", "40"), ("Pecovatelske sluzby", "40"),
    ("§ 40 pečovatelská služba", "40"), ("DZR", "50"), ("domov se zvláštním režimem", "50"),
    ("domovům se zvláštním režimem", "50"), ("NZDM", "62"), ("nizkoprahove zarizeni pro deti a mladez", "62"),
    ("SAS pro rodiny", "65"), ("SAS pro rodiny s dětmi", "65"), ("sociálně aktivizační služba pro rodiny s dětmi", "65"),
    ("SAS pro seniory", "66"), ("SAS pro OZP", "66"), ("SAS pro seniory a OZP", "66"), ("DS", "49"),
    ("domov pro seniory", "49"), ("domov seniorů", "49"), ("domov důchodců", "49"), ("DOZP", "48"),
    ("domov pro osoby se zdravotním postižením", "48"), ("odlehčovací služba", "44"), ("respitní péče", "44"),
    ("OA", "39"), ("osobní asistence", "39"), ("azylový dům", "57"), ("AD", "57"), ("terénní programy", "69"),
    ("denní stacionář", "46"), ("týdenní stacionář", "47"), ("CHB", "51"), ("PSB", "43"), ("OSP", "37"),
    ("poradna", "37"), ("linka důvěry", "55"), ("TKP", "55"), ("KC", "59"), ("IC", "60a"), ("NDC", "61"),
    ("STD", "67"), ("sociálně terapeutická dílna", "67"), ("noclehárna", "63"),
]


def test_the_spelling_lists_are_long_enough():
    assert len(GROUP_SPELLINGS) >= 40 and len(TYPE_SPELLINGS) >= 40


@pytest.mark.parametrize(("value", "codes"), GROUP_SPELLINGS)
def test_target_groups_as_coordinators_write_them(value, codes):
    assert tx.target_groups(value) == codes
    if len(codes) == 1:
        assert tx.normalise_target_group(value) == codes[0]


@pytest.mark.parametrize(("value", "paragraph"), TYPE_SPELLINGS)
def test_service_types_as_coordinators_write_them(value, paragraph):
    assert tx.normalise_service_type(value) == paragraph


def test_stems_of_one_word_are_one():
    """Every case of a word gives one stem (the light stemmer of Dolamic and Savoy on folded text)."""
    paradigms = [
        ["senior", "seniori", "seniora", "seniorovi", "seniorem", "senioru", "seniorum", "seniory", "seniorech", "seniory"],
        ["dite", "ditete", "diteti", "ditetem", "deti", "detem", "detmi", "detech"],
        ["rodina", "rodiny", "rodine", "rodinu", "rodinou", "rodin", "rodinam", "rodinach", "rodinami"],
        ["postizeni", "postizenim", "postizene", "postizenych", "postizenym", "postizenymi"],
        ["krize", "krizi"],
        ["mladez", "mladeze", "mladezi"],
    ]
    for words in paradigms:
        assert len({stem(w) for w in words}) == 1, {w: stem(w) for w in words}
    assert stem("senior") != stem("seniorka") and signature("osobám v krizi") == signature("osoby v krizi")


def test_a_conjunction_is_meaning():
    """'rodina a děti' names two groups, 'rodiny s dětmi' one."""
    assert signature("rodina a děti") != signature("rodiny s dětmi")
    assert tx.target_groups("rodina a děti") == ("rodiny", "deti_mladez")
    assert tx.target_groups("rodiny s dětmi") == ("rodiny",)
    assert tx.target_groups("senioři 80+") == ("seniori",)  # + without a second group joins nothing


@pytest.mark.parametrize("term", [t for t in tx.package_terms() if t.kind == "skupina"], ids=lambda t: t.term)
def test_every_umbrella_term_expands_to_all_its_groups(term):
    assert tx.target_groups(term.term) == term.codes
    assert tx.target_groups(fold(term.term).upper()) == term.codes
    if len(term.codes) > 1:
        with pytest.raises(ValueError, match="names several target groups"):
            tx.normalise_target_group(term.term)


def test_list_cells_with_umbrella_terms_and_joined_groups():
    assert tx.target_groups("senioři, rodina, děti a mládež") == ("seniori", "rodiny", "deti_mladez", "opoustejici_ustavni_peci")
    assert tx.target_groups("OZP a senioři; pečující") == ("ozp", "seniori", "pecujici")
    assert tx.target_groups("senioři, senioři a OZP") == ("seniori", "ozp")
    with pytest.raises(ValueError) as info:
        tx.target_groups("senioři, děti s autismem, OZP")
    assert str(info.value).startswith("unknown target group (cílová skupina) 'děti s autismem';")


@pytest.mark.parametrize(
    ("value", "meant", "letters"),
    [
        # difflib on letters offers a group that only looks alike, or nothing; stems find the meaning
        ("senioři v domácnosti", ["senioři"], None),
        ("pečovatelky", ["pečující osoby"], "pečovatelé"),
        ("zdravotně postižení senioři", ["osoby se zdravotním postižením a senioři"], "zdravotne postizeni"),
        ("rodiny v krizi", ["osoby v krizi", "rodiny s dítětem/dětmi"], "osoby v krizi"),
        ("osoby s poruchou autistického spektra", [], "osoby s potřebou paliativní péče"),
    ],
)
def test_unknown_terms_get_suggestions_by_meaning(value, meant, letters):
    index = tx.DEFAULT_VOCABULARY._groups
    assert tx.closest(value, list(index.labels)) == letters
    with pytest.raises(ValueError) as info:
        tx.normalise_target_group(value)
    message = str(info.value)
    if meant:
        assert message.endswith("did you mean " + " or ".join(f"'{m}'" for m in meant) + "?"), message
    else:
        assert "did you mean" not in message


def test_a_regions_terms_add_to_and_win_over_kpworks():
    vocabulary = Vocabulary((
        tx.region_term("naši senioři", "seniori"),
        tx.region_term("maminky s dětmi", ["rodiny", "obeti_nasili"]),
        tx.region_term("SAS", "§65"),  # in this region SAS are for families
        tx.region_term("klienti DPS", "senioři"),
    ))
    assert vocabulary.target_groups("našim seniorům") == ("seniori",)
    assert vocabulary.target_groups("maminkám s dětmi, OZP") == ("rodiny", "obeti_nasili", "ozp")
    assert vocabulary.service_type("SAS") == "65"
    assert vocabulary.target_group("klientům DPS") == "seniori"
    assert vocabulary.service_type("domov pro seniory") == "49"  # kpwork's spellings stay
    with pytest.raises(ValueError, match="may mean"):
        tx.normalise_service_type("SAS")  # kpwork's own vocabulary is untouched
    with pytest.raises(ValueError, match="unknown target group"):
        tx.normalise_target_group("naši senioři")


@pytest.mark.parametrize(
    ("term", "value", "message"),
    [
        ("pečovatelé", "pecovatelky", "unknown target group or service type 'pecovatelky'; expected a code or a name of docs/data-format.md; did you mean 'pečující osoby'?"),
        ("senioři a SAS", ["seniori", "66"], "'senioři a SAS' names both target groups and service types; a term names one kind"),
        ("domovy", ["48", "49"], "'domovy' names several service types (§48, §49); a service-type term names one"),
        ("nic", [], "expected a target group or a service type (a code or a name) or a list of target groups, e.g. \"nic\" = \"seniori\", got []"),
        ("číslo", 5, "expected a target group or a service type (a code or a name) or a list of target groups, e.g. \"číslo\" = \"seniori\", got 5"),
        ("", "seniori", "a term must not be empty"),
    ],
)
def test_a_regions_term_is_checked(term, value, message):
    with pytest.raises(ValueError) as info:
        tx.region_term(term, value)
    assert str(info.value) == message


def test_region_term_reads_kind_and_codes():
    assert tx.region_term(" senioři a OZP ", "senioři a OZP") == Term("senioři a OZP", "skupina", ("seniori", "ozp"))
    assert tx.region_term("pečovatelky", "pečovatelská služba") == Term("pečovatelky", "druh", ("40",))
    assert tx.region_term("PS Rodina", "rodina, děti a mládež").codes == ("rodiny", "deti_mladez", "opoustejici_ustavni_peci")


def test_the_shipped_terms_table_is_well_formed():
    """Every row: kind, known codes, and a reason in Czech and English."""
    text = resources.files("kpwork.data").joinpath("terms.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(tx.package_terms()) >= 40
    for row in rows:
        assert row["pojem"] and row["anglicky"] and row["zduvodneni"] and row["reasoning"], row
    assert len({fold(r["pojem"]) for r in rows}) == len(rows)


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
    terms = ["| pojem | English | names | codes | proč | why |", "|---|---|---|---|---|---|"]
    text = resources.files("kpwork.data").joinpath("terms.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        kind = "target groups" if row["oznacuje"] == "skupina" else "service type"
        codes = ", ".join(f"`{c}`" if row["oznacuje"] == "skupina" else f"§{c}" for c in row["kody"].split())
        terms.append(f"| {row['pojem']} | {row['anglicky']} | {kind} | {codes} | {row['zduvodneni']} | {row['reasoning']} |")
    units = ["| jednotka | English | counted | one unit is | also accepted |", "|---|---|---|---|---|"]
    basis = {tx.AT_ONCE: "at one time", tx.PER_YEAR: "in a year"}
    units += [f"| `{u.code}` | {u.name_en} | {basis[u.basis]} | {u.meaning} | {', '.join(u.aliases)} |" for u in tx.CAPACITY_UNITS.values()]
    return {"service-types": "\n".join(types), "forms": "\n".join(forms), "target-groups": "\n".join(groups), "terms": "\n".join(terms), "units": "\n".join(units)}


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
