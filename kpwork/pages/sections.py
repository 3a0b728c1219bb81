"""Headings and plain sentences of the exported pages, in the page's language.

A notebook shows a section of its page with one call, so that an English run
has no Czech heading left (markdown cells could speak only one language):

>>> section("action_plan", lang="en", rok=2025).html
'<h2>Action plan for 2025</h2>'

Words live in :data:`kpwork.pages.labels.SECTIONS` (a heading and its
``_intro`` paragraph) and :data:`kpwork.pages.labels.METHOD_NOTES` (what each
cost-split method means for a municipality, in one sentence; the formulas
are in ``docs/funding.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpwork.funding import METHODS
from kpwork.pages.element import Element, escape, heading, paragraph
from kpwork.pages.labels import METHOD_NOTES, SECTIONS, method_label, translate


def section(key: str, *, lang: str = "cs", level: int = 2, **fields: object) -> Element:
    """The heading ``key`` of :data:`~kpwork.pages.labels.SECTIONS` and its intro paragraph, if it has one.

    Parameters
    ----------
    key
        A key of :data:`~kpwork.pages.labels.SECTIONS`.
    lang
        ``"cs"`` or ``"en"``.
    level
        Heading level (1 for the page title).
    **fields
        Filled into the texts (``rok``).

    Examples
    --------
    >>> section("sources", lang="en").html
    '<h2>Funding sources</h2><p>What pays for each service: grants, client payments and the rest, which the municipalities share.</p>'
    """
    out = heading(translate(SECTIONS, key, lang, **fields), level)
    return out + intro(f"{key}_intro", lang=lang, **fields) if f"{key}_intro" in SECTIONS else out


def intro(key: str, *, lang: str = "cs", italic: bool = False, **fields: object) -> Element:
    """A paragraph of :data:`~kpwork.pages.labels.SECTIONS` without a heading.

    Examples
    --------
    >>> intro("standalone_intro", lang="en").html[:40]
    '<p>The column “Stand-alone cost” is what'
    """
    return paragraph(translate(SECTIONS, key, lang, **fields), italic=italic)


def method_notes(results: Any, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> Element:
    """What each method of the run's comparison means for a municipality: a list, one sentence each.

    Lists the methods :func:`kpwork.pages.funding.comparison_table` shows
    (those with a value for a selected service), in the order of
    :data:`kpwork.funding.METHODS`, then the stand-alone column.

    Examples
    --------
    >>> import pandas as pd
    >>> r = {"financovani_srovnani": pd.DataFrame({"sluzba_id": ["S1"], "rovnym_dilem": [10.0], "shapley": [None]})}
    >>> method_notes(r, lang="en").html.count("<li>")
    1
    """
    table = results["financovani_srovnani"]
    if sluzby is not None:
        table = table[table["sluzba_id"].isin(list(sluzby))]
    shown = [m for m in METHODS if m in table.columns and table[m].notna().any()]
    items = "".join(f"<li><b>{escape(method_label(m, lang))}</b>: {escape(translate(METHOD_NOTES, m, lang))}</li>" for m in shown)
    return intro("methods_lead", lang=lang) + Element(f'<ul class="kp-methods">{items}</ul>') + intro("standalone_intro", lang=lang)
