"""What the commands say: Czech by default, English on request, every problem named by file, row, column and its service or municipality."""

from __future__ import annotations

import re

import pytest

from kpwork.errors import Problem
from kpwork.messages import RULES, command_language, czech, known, problem_text, without_follow_ons
from kpwork.pages import format as fmt

ENGLISH_WORDS = re.compile(r"\b(expected|must|got|unknown|missing|service|member|listed|duplicate|file not found|did you mean)\b")


@pytest.mark.parametrize(("message", "expected"), [
    ("must be a 6-digit municipality code (kód obce), got '58551'", "kód obce musí mít 6 číslic, zadáno ‚58551‘"),
    ("§44: converts lůžka to itself; expected two different units", "§44: převádí lůžka samo na sebe; napište dvě různé jednotky"),
    ("'seniori' names both target groups and service types; a term names one kind",
     "‚seniori‘ označuje zároveň cílové skupiny i druhy služeb; pojem smí označovat jen jedno z toho"),
    ("unknown form (forma) 'pobytova'; expected pobytová, ambulantní or terénní; did you mean 'pobytová'?",
     "neznámá hodnota ‚pobytova‘ (forma služby); napište pobytová, ambulantní nebo terénní; nemysleli jste ‚pobytová‘?"),
])
def test_czech_of_unit_conversion_and_term_messages(message, expected):
    assert known(message)
    assert czech(message) == expected


def test_an_unknown_message_stays_as_it_is():
    assert not known("something new") and czech("something new") == "something new"


def test_every_rule_has_a_czech_text_without_english_leftovers():
    for _pattern, template in RULES:
        assert not ENGLISH_WORDS.search(re.sub(r"\{\w+\}", "", template)), template


def test_follow_on_problems_of_the_same_cell_are_said_once():
    first = Problem("services.csv", 5, "kod_obce", "must be a 6-digit municipality code (kód obce), got '58551'")
    again = Problem("services.csv", 5, "kod_obce", "58551 is not a member of the region; expected the code of the member municipality where the service sits")
    assert without_follow_ons([first, again]) == [first]


def test_a_subject_already_named_by_the_message_is_not_repeated():
    p = Problem("services.csv", 6, "jednotka", "service S05: unknown unit of capacity (jednotka) 'h'; expected one of lůžka, místa", subject=("service", "S05", "Pečovatelská služba"))
    assert problem_text(p).count("S05") == 1 and problem_text(p, "en").count("S05") == 1
    assert problem_text(p).startswith("services.csv, řádek 6, jednotka: služba S05 (Pečovatelská služba): neznámá hodnota ‚h‘")


@pytest.mark.parametrize(("environ", "lang"), [({"LANG": "en_US.UTF-8"}, "en"), ({"LC_ALL": "en_GB", "LANG": "cs_CZ"}, "en"),
                                               ({"LANG": "cs_CZ.UTF-8"}, "cs"), ({"LANG": "C.UTF-8"}, "cs"), ({}, "cs")])
def test_command_language_follows_the_locale(environ, lang):
    assert command_language(None, environ) == lang


def test_problem_counts_use_czech_plurals():
    assert [fmt.count(n, "cs", "problém").replace("\u00a0", " ") for n in (1, 3, 5)] == ["1 problém", "3 problémy", "5 problémů"]


def test_a_failed_run_says_where_in_czech_and_in_english():
    from kpwork.errors import RunError
    from kpwork.messages import run_error_text

    exc = RunError("ValueError: no data", notebook="municipality.ipynb", cell=3, kod_obce="585599")
    assert run_error_text(exc) == "chyba: stránka municipality.ipynb, buňka 3, obec 585599: ValueError: no data"
    assert run_error_text(exc, "en") == "error: notebook municipality.ipynb, cell 3, municipality 585599: ValueError: no data"
    assert run_error_text(RunError("timeout")) == "chyba: timeout"
