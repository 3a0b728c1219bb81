"""The navigation bar of exported pages: its size does not grow with the region."""

from __future__ import annotations

import re

from kpwork.pages.element import Element
from kpwork.pages.navigation import NAV_MEMBERS, PageLink, index_page, nav_bar


def _pages(members: int) -> list[PageLink]:
    return [PageLink("region", "region", "Region"), *(PageLink(f"obec_{500000 + k}", "member", f"Obec {k}") for k in range(members))]


def test_a_region_of_up_to_nav_members_lists_them_in_the_bar():
    bar = nav_bar(_pages(NAV_MEMBERS), current="obec_500003").html
    assert bar.count('href="obec_') == NAV_MEMBERS
    assert '<a href="obec_500003.html" aria-current=page>Obec 3</a>' in bar


def test_a_bigger_regions_bar_links_the_index_and_stays_the_same_size():
    small, country = (nav_bar(_pages(n), current="obec_500003").html for n in (NAV_MEMBERS + 1, 6258))
    assert 'href="obec_' not in country
    assert '<a href="index.html#obce">Obce (6258)</a>' in country
    assert len(country) - len(small) <= 2, "one more digit in the count, nothing else"
    index = index_page(_pages(6258), {"region_name": "Česko"}, facts="2020", footer=Element())
    listed = re.search(r'<li id="obce">.*?</li>', index, re.S).group(0)
    assert listed.count('href="obec_') == 6258, "the index lists every member the bar leaves out"
