"""The navigation bar of a run's exported pages and the run's index page.

Every exported page starts with the same bar: the index, the region, funding,
monitoring (those the run has) and its member municipalities (folded into a
list that opens on a click, so that a region of 40 municipalities still fits
one line). The index names the region, the run's date and data year, and
links every page with one line on what it shows. No script is needed: the
pages are read offline, from a folder or a USB stick.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kpwork.errors import InvalidParameter
from kpwork.pages.element import Element, escape
from kpwork.pages.labels import NAV, check_lang, translate

#: Member pages the bar lists; a bigger region's bar links the index, which lists them all (a bar of the
#: country's 6,258 names made every page 0.3 MB bigger: 1.9 GB over a national run).
NAV_MEMBERS = 200

#: Kinds of pages, in the order of the bar.
KINDS = ("region", "funding", "monitoring", "scenario", "member")

#: Styles of the bar and the index (exported pages and the index share them).
STYLE = (
    "<style>"
    ".kp-nav{font-family:'DejaVu Sans',Arial,sans-serif;font-size:15px;max-width:1200px;margin:0 auto 1em;padding:6px 0;"
    "border-bottom:1px solid #ccc;display:flex;flex-wrap:wrap;gap:4px 18px;align-items:baseline}"
    ".kp-nav a{color:#0b4f8a;text-decoration:none}.kp-nav a:hover{text-decoration:underline}"
    ".kp-nav a[aria-current=page]{font-weight:bold;color:#000}"
    ".kp-nav details{display:inline-block}.kp-nav summary{cursor:pointer;color:#0b4f8a}"
    ".kp-nav details[open] ul{position:absolute;z-index:10;background:#fff;border:1px solid #ccc;padding:6px 12px;margin:4px 0 0;"
    "list-style:none;columns:2;box-shadow:0 2px 6px rgba(0,0,0,.15)}"
    ".kp-nav details li{padding:2px 12px 2px 0}"
    "</style>"
)


@dataclass(frozen=True)
class PageLink:
    """One exported page of a run.

    Parameters
    ----------
    name
        File name without ``.html`` (``region``, ``obec_585599``).
    kind
        One of :data:`KINDS`.
    title
        The page's title (a municipality's name for a member page).
    about
        One line on what the page shows (the index prints it).
    """

    name: str
    kind: str
    title: str
    about: str = ""


def _link(page: PageLink | None, text: str, current: str | None) -> str:
    href = "index.html" if page is None else f"{escape(page.name)}.html"
    here = (page is None and current == "index") or (page is not None and page.name == current)
    return f'<a href="{href}"{" aria-current=page" if here else ""}>{escape(text)}</a>'


def nav_bar(pages: Sequence[PageLink], *, current: str | None = None, lang: str = "cs") -> Element:
    """The bar at the top of every exported page.

    Member pages are listed in a fold when there are at most :data:`NAV_MEMBERS`;
    a bigger region's bar links the index's list instead, so that a page's
    size does not grow with the region.

    Parameters
    ----------
    pages
        The run's pages, as :func:`kpwork.runs.page_links` lists them.
    current
        The name of the page the bar is on (``"index"`` for the index); it is marked, not hidden.
    lang
        ``"cs"`` or ``"en"``.

    Examples
    --------
    >>> pages = [PageLink("region", "region", "Otrokovicko"), PageLink("obec_1", "member", "Bělov")]
    >>> html = nav_bar(pages, current="region", lang="en").html
    >>> [html.count('href="index.html"'), html.count('href="obec_1.html"'), "Municipalities" in html]
    [1, 1, True]
    """
    check_lang(lang)
    items = [_link(None, translate(NAV, "index", lang), current)]
    items += [_link(p, translate(NAV, p.kind, lang), current) for p in pages if p.kind in KINDS[:3]]
    for kind, group in (("scenario", "scenarios"), ("member", "members")):
        listed = [p for p in pages if p.kind == kind]
        if kind == "member" and len(listed) > NAV_MEMBERS:
            items.append(f'<a href="index.html#obce">{escape(translate(NAV, group, lang))} ({len(listed)})</a>')
        elif listed:
            inner = "".join(f"<li>{_link(p, p.title, current)}</li>" for p in listed)
            items.append(f"<details><summary>{escape(translate(NAV, group, lang))} ({len(listed)})</summary><ul>{inner}</ul></details>")
    label = escape(translate(NAV, "nav", lang))
    return Element(f'{STYLE}<nav class="kp-nav" aria-label="{label}">{"".join(items)}</nav>')


def with_nav(page: str, bar: Element) -> str:
    """An HTML document with ``bar`` right after its ``<body ...>`` tag.

    Examples
    --------
    >>> with_nav('<html><body class="x"><p>a</p></body></html>', Element("<nav></nav>"))
    '<html><body class="x"><nav></nav><p>a</p></body></html>'
    """
    start = page.find("<body")
    end = page.find(">", start) if start >= 0 else -1
    if end < 0:
        return bar.html + page
    return page[: end + 1] + bar.html + page[end + 1 :]


def index_page(pages: Sequence[PageLink], meta: Mapping, *, facts: str, footer: Element, lang: str = "cs") -> str:
    """The run's ``index.html``: the region's name, the date and data year, every page with one line on it.

    Parameters
    ----------
    pages
        The run's pages.
    meta
        The run's metadata (``region_name``).
    facts
        The run's date and data year as one line (:func:`kpwork.pages.views.run_facts`).
    footer
        The footer of every page (:func:`kpwork.pages.views.footer`).
    lang
        ``"cs"`` or ``"en"``.

    Examples
    --------
    >>> html = index_page([PageLink("region", "region", "O: přehled", "Mapa.")], {"region_name": "O"}, facts="2025", footer=Element())
    >>> '<a href="region.html">O: přehled</a> – Mapa.' in html
    True
    """
    name = escape(meta["region_name"])
    main = [f'<li><a href="{escape(p.name)}.html">{escape(p.title)}</a> – {escape(p.about)}</li>' for p in pages if p.kind != "member"]
    members = [p for p in pages if p.kind == "member"]
    if members:
        links = ", ".join(f'<a href="{escape(p.name)}.html">{escape(p.title)}</a>' for p in members)
        main.append(f"<li id=\"obce\">{escape(translate(NAV, 'members', lang))} – {escape(translate(NAV, 'member_about', lang))}<br>{links}</li>")
    items = "\n".join(main)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{name}</title>'
        '<style>body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;line-height:1.5}'
        "ul.kp-pages li{margin-bottom:.6em}"
        ".kp-footer{margin-top:2em;padding-top:.5em;border-top:1px solid #ccc;color:#555;font-size:13px}</style></head>"
        f"<body>{nav_bar(pages, current='index', lang=lang).html}"
        f'<h1>{name}</h1><p class="kp-run">{escape(facts)}</p>'
        f'<h2>{escape(translate(NAV, "pages_of_run", lang))}</h2><ul class="kp-pages">\n{items}\n</ul>'
        f"{footer.html}</body></html>\n"
    )


def page_link(name: str, kind: str, *, region: str, lang: str = "cs", title: str | None = None, rok: int | None = None) -> PageLink:
    """A page of a run with its title and one line on it, in ``lang``.

    Parameters
    ----------
    name, kind
        As :class:`PageLink`.
    region
        The region's name (in the titles).
    title
        The title of a member page (the municipality's name); others take theirs from :data:`~kpwork.pages.labels.NAV`.
    rok
        The year the monitoring page shows.

    Examples
    --------
    >>> page_link("monitoring", "monitoring", region="Otrokovicko", lang="en", rok=2025)
    PageLink(name='monitoring', kind='monitoring', title='Otrokovicko: plan monitoring', about='How the community plan is fulfilled in 2025: priorities, indicators, budget, action plan.')
    """
    if kind not in KINDS:
        raise InvalidParameter(f"unknown kind of page {kind!r} (valid: {', '.join(KINDS)})")
    if kind == "member":
        return PageLink(name, kind, title or name, translate(NAV, "member_about", lang))
    fields = {"region": region, "rok": rok, "name": title}
    return PageLink(name, kind, translate(NAV, f"{kind}_title", lang, **fields), translate(NAV, f"{kind}_about", lang, **fields))
