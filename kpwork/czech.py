"""Czech terms matched by meaning: words reduced to stems, an index of terms, suggestions.

Coordinators write a target group the way a sentence needs it: ``senioři``,
``seniorům``, ``pro seniory``, ``osobám se zdravotním postižením``. Matching
such terms by letters finds the wrong group; matching them by meaning needs
the stems of their words. This module gives a term's :func:`signature`: the
set of stems of its meaningful words, computed by a few documented rules:

1. :func:`~kpwork.taxonomy.fold`: lower case, no diacritics.
2. Words are runs of letters and digits; digits, the stop words of
   :data:`STOP_WORDS` (prepositions, ``let``, ``věk``...) and the words for a
   person (:data:`PERSON_STEMS`: ``osoby``, ``lidé``, ``občané``, ``klienti``...)
   carry no meaning of their own and are dropped.
3. A conjunction (``a``, ``i``, ``nebo``, ``či``, ``,``, ``+``, ``&``) is kept
   as the one word ``&``: *rodina a děti* names two groups, *rodiny s dětmi* one.
4. Each word is reduced by the light stemmer of Dolamic and Savoy (2009),
   applied to folded text (:func:`stem`), and an irregular stem is mapped to
   its regular one (:data:`IRREGULAR`: *dítě* / *děti*).

No dictionary, no dependency: the vocabulary of social services is small and
the rules are enough for it (``tests/test_taxonomy.py`` checks them on a list
of real spellings). A :class:`TermIndex` finds a term's codes as written or
by signature and, for an unknown term, suggests the terms closest in meaning.

References
----------
Dolamic, L., Savoy, J. (2009). Indexing and stemming approaches for the Czech
language. *Information Processing & Management* 45(6), 714-720. The light
stemmer removes case endings, then possessive suffixes, then normalises the
last consonant; the same rules are in Lucene's ``CzechStemmer``.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

#: A candidate is suggested when it scores at least this share of the best candidate's score.
SUGGESTION_MARGIN = 0.75
#: Two stems of 4+ letters are the same word mistyped when their difflib ratio is at least this.
TYPO_RATIO = 0.8

#: Marker of a conjunction in a signature.
AND = "&"

#: Words that carry no meaning in a target group or service type (folded).
STOP_WORDS = frozenset({
    "v", "ve", "na", "do", "od", "z", "ze", "s", "se", "k", "ke", "o", "u", "pro", "pri", "po", "za",
    "nad", "pod", "pred", "mezi", "jsou", "je", "ktere", "kteri", "ktera", "jejich", "jeho", "jich", "tj",
    "apod", "atd", "vcetne", "zejmena", "let", "roku", "vek", "veku", "vekem", "cilova", "cilove", "skupina",
    "skupiny", "pracovni",
})
#: Conjunctions, which count as one word :data:`AND` (folded).
CONJUNCTIONS = frozenset({"a", "i", "nebo", "ci"})
#: Stems of the words for a person: ``osoba``, ``člověk``, ``lidé``, ``občan``, ``klient``, ``uživatel``.
PERSON_STEMS = frozenset({"osob", "clovk", "lid", "obcan", "klient", "uzivatl"})
#: Stems the rules give differently for forms of one word: stem -> the stem used.
IRREGULAR = {"dit": "dt", "dum": "dom"}

_CASE_ENDINGS = (
    (7, ("atech",)),
    (6, ("etem", "atum")),
    (5, ("ech", "ich", "eho", "emi", "emu", "ete", "eti", "iho", "imi", "imu", "ach", "ata", "aty", "ych", "ama", "ami", "ove", "ovi", "ymi")),
    (4, ("em", "es", "im", "um", "at", "am", "os", "us", "ym", "mi", "ou")),
    (3, ("a", "e", "i", "o", "u", "y")),
)
_WORD = re.compile(r"[a-z0-9]+|[,+&]")


@functools.lru_cache(maxsize=8192)  # sheets repeat their names and terms
def fold(text: str) -> str:
    """Lower-case ASCII form of a text: no diacritics, single spaces.

    Examples
    --------
    >>> fold("  Pečovatelská   SLUŽBA ")
    'pecovatelska sluzba'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_text.lower().split())


def stem(word: str) -> str:
    """Stem of one folded word (light stemmer of Dolamic and Savoy, on folded text).

    Removes one case ending (longest first, never leaving fewer than three
    letters), then a possessive suffix (``-ov``, ``-in``), then normalises the
    end: ``c``/``č`` -> ``k``, ``z``/``ž`` -> ``h``, and an ``e`` before the
    last letter is dropped (``postižen`` -> ``postižn``), so that every form
    of a word ends the same. (Lucene's ``čt`` -> ``ck`` and ``št`` -> ``sk``
    are left out: folded text no longer tells ``št`` from ``st``.)

    Examples
    --------
    >>> [stem(w) for w in ("seniori", "seniorum", "seniory", "seniorech")]
    ['senior', 'senior', 'senior', 'senior']
    >>> [stem(w) for w in ("postizeni", "postizenim", "postizene")]
    ['postizn', 'postizn', 'postizn']
    """
    s = word
    for longer_than, endings in _CASE_ENDINGS:
        if len(s) > longer_than:
            ending = next((e for e in endings if s.endswith(e)), None)
            if ending:
                s = s[: -len(ending)]
                break
    if len(s) > 5 and s.endswith(("ov", "in", "uv")):
        s = s[:-2]
    return IRREGULAR.get(_normalise_end(s), _normalise_end(s))


def _normalise_end(s: str) -> str:
    if s.endswith("c"):
        return s[:-1] + "k"
    if s.endswith("z"):
        return s[:-1] + "h"
    if len(s) > 1 and s[-2] == "e":
        return s[:-2] + s[-1]
    return s


@functools.lru_cache(maxsize=8192)  # the cells of a sheet repeat a few terms
def signature(text: str) -> frozenset[str]:
    """The stems of the meaningful words of a term, :data:`AND` for a conjunction.

    Two terms with the same signature mean the same thing.

    Examples
    --------
    >>> sorted(signature("osobám se zdravotním postižením"))
    ['postizn', 'zdravotn']
    >>> signature("pro seniory") == signature("Senioři")
    True
    >>> sorted(signature("rodina, děti a mládež"))
    ['&', 'dt', 'mladeh', 'rodin']
    """
    stems = set()
    for word in _WORD.findall(fold(text)):
        if word in CONJUNCTIONS or word in ",+&":
            stems.add(AND)
        elif word not in STOP_WORDS and not word.isdigit():
            s = stem(word)
            if s not in PERSON_STEMS:
                stems.add(s)
    joined = AND in stems and len(stems) > 2  # a conjunction between two meaningful words
    return frozenset(stems - {AND}) | ({AND} if joined else frozenset())


class TermIndex:
    """Codes by spelling: as written (folded) and by :func:`signature`; suggestions by meaning.

    Parameters
    ----------
    codes
        ``(code spelling, code)`` pairs matched only as written (``"40"``,
        ``"§40"``, ``"ozp"``, English names).
    spellings
        ``(spelling, codes, label)``: a term, the codes it names and the label
        to suggest for it. A later spelling wins over an earlier one.

    Examples
    --------
    >>> index = TermIndex([("49", "49")], [("domovy pro seniory", ("49",), "domovy pro seniory")])
    >>> index.find("domov pro seniory"), index.find("domovům seniorů"), index.find("domov")
    (('49',), ('49',), None)
    >>> index.suggest("domovy pro senjory")
    ['domovy pro seniory']
    """

    def __init__(self, codes: Iterable[tuple[str, str]], spellings: Iterable[tuple[str, tuple[str, ...], str]]) -> None:
        self.exact: dict[str, tuple[str, ...]] = {fold(k): (code,) for k, code in codes}
        self.stems: dict[frozenset[str], tuple[str, ...]] = {}
        self.labels: dict[str, str] = {}  # every spelling -> its label (suggestions by letters)
        self._candidates: dict[tuple[frozenset[str], str], None] = {}  # (stems without AND, label)
        for spelling, found, label in spellings:
            self.exact[fold(spelling)] = found
            self.labels[spelling] = label
            stems = signature(spelling)
            if stems:
                self.stems[stems] = found
                self._candidates[(stems - {AND}, label)] = None

    def find(self, value: str) -> tuple[str, ...] | None:
        """Codes of a spelling as written (folded), else by the stems of its words; None when unknown."""
        found = self.exact.get(fold(value))
        return found if found is not None else self.stems.get(signature(value))

    def suggest(self, value: str, *, n: int = 3) -> list[str]:
        """Up to ``n`` labels closest in meaning to ``value``; by letters when no stem is shared.

        A candidate scores the share of stems it shares with the value
        (Jaccard: shared / all distinct stems of both); a stem is shared when
        equal, or when both have 4+ letters and differ by a typo (difflib
        ratio >= :data:`TYPO_RATIO`). Candidates within
        :data:`SUGGESTION_MARGIN` of the best are kept, the best first, ties
        by letters. Letters alone (no stem shared) must be as close as a typo
        (:data:`TYPO_RATIO`): *pečovatelé* is not offered *pachatelé*.
        """
        stems = signature(value) - {AND}
        scores: dict[str, float] = {}
        for candidate, label in self._candidates:
            shared = sum(1 for s in stems if any(_same_stem(s, c) for c in candidate))
            if shared:
                score = shared / (len(stems) + len(candidate) - shared)
                scores[label] = max(score, scores.get(label, 0.0))
        if not scores:
            hint = closest(value, list(self.labels), cutoff=TYPO_RATIO)
            return [self.labels[hint]] if hint else []
        best = max(scores.values())
        near = [label for label, score in scores.items() if score >= SUGGESTION_MARGIN * best]
        key = fold(value)
        near.sort(key=lambda label: (-scores[label], -difflib.SequenceMatcher(None, key, fold(label)).ratio()))
        return near[:n]


def _same_stem(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= TYPO_RATIO)


def closest(value: str, valid: list[str], *, cutoff: float = 0.6) -> str | None:
    """The valid value that looks most like ``value``, if any is close (by letters).

    ``cutoff`` is the least difflib ratio of the folded texts.

    Examples
    --------
    >>> closest("pecovatelska sluzb", ["pečovatelská služba", "osobní asistence"])
    'pečovatelská služba'
    """
    folded = {fold(v): v for v in valid}
    match = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=cutoff)
    return folded[match[0]] if match else None
