"""One kind of page element: HTML that a notebook, an exported page and Voilà show alike.

Every public page function returns an :class:`Element` (the Voilà apps
return their widgets). Jupyter displays it through ``_repr_html_``; a widget
takes its :attr:`~Element.html`; ``str()`` gives the same text.

- :class:`Table`: a DataFrame with page headers, numbers right-aligned and
  formatted by :mod:`kpwork.pages.format`, text left-aligned and escaped, ``"–"`` for missing;
- :class:`Chart`: a matplotlib figure as an ``<img>`` with the PNG inlined and alt text;
- :func:`heading`, :func:`paragraph`, :func:`frame`: escaped text and embedded documents.
"""

from __future__ import annotations

import base64
import html as _html
import io
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kpwork.pages import format as fmt
from kpwork.pages.labels import check_lang, header, word

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: a page without charts does not load it
    from matplotlib.figure import Figure

#: matplotlib settings of every chart; DejaVu Sans ships with matplotlib and has every Czech letter.
CHART_STYLE = {"font.family": "DejaVu Sans", "font.size": 10}
#: Resolution of the inlined PNG.
CHART_DPI = 96

Cell = Callable[[Any], "str | Element"]


class Element:
    """A piece of a page: HTML text.

    Examples
    --------
    >>> e = heading("Otrokovicko", 1) + paragraph("Přehled <1>")
    >>> e._repr_html_()
    '<h1>Otrokovicko</h1><p>Přehled &lt;1&gt;</p>'
    >>> str(e) == e.html
    True
    """

    __slots__ = ("html",)

    def __init__(self, html: str = "") -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.html)} characters of HTML>"

    def __add__(self, other: Element) -> Element:
        if not isinstance(other, Element):
            return NotImplemented
        return Element(self.html + other.html)


def join(parts: Iterable[Element]) -> Element:
    """Elements one after another, as one element."""
    return Element("".join(p.html for p in parts))


def escape(text: object) -> str:
    """Text made safe for HTML (``<5`` -> ``&lt;5``)."""
    return _html.escape(str(text))


def heading(text: str, level: int = 2) -> Element:
    """A heading ``<h1>`` to ``<h4>`` of escaped text."""
    return Element(f"<h{level}>{escape(text)}</h{level}>")


def paragraph(text: str, *, css_class: str | None = None, italic: bool = False) -> Element:
    """A paragraph of escaped text."""
    body = f"<i>{escape(text)}</i>" if italic else escape(text)
    attr = f' class="{escape(css_class)}"' if css_class else ""
    return Element(f"<p{attr}>{body}</p>")


def frame(document: str, *, title: str, css_class: str, sandbox: str | None = None, style: str | None = None) -> Element:
    """A whole HTML document (a map, a print view) in an ``<iframe>``, so that its scripts and styles stay its own.

    ``sandbox`` is the iframe's ``sandbox`` attribute (e.g. ``"allow-scripts"``: its
    scripts run, but apart from the page); ``style`` an inline CSS style.

    Examples
    --------
    >>> frame("<p>x</p>", title="Mapa", css_class="kp-map", sandbox="allow-scripts").html
    '<iframe class="kp-map" title="Mapa" sandbox="allow-scripts" srcdoc="&lt;p&gt;x&lt;/p&gt;"></iframe>'
    """
    extra = (f' sandbox="{escape(sandbox)}"' if sandbox is not None else "") + (f' style="{escape(style)}"' if style else "")
    return Element(f'<iframe class="{escape(css_class)}" title="{escape(title)}"{extra} srcdoc="{_html.escape(document, quote=True)}"></iframe>')


class Table(Element):
    """A DataFrame as a page table.

    Parameters
    ----------
    data
        The rows, with raw values (numbers stay numbers): the table formats them.
    lang
        ``"cs"`` or ``"en"``: headers and number format.
    headers
        Column -> header; by default the words of :data:`kpwork.pages.labels.WORDS`
        (a column with no word keeps its name).
    cells
        Column -> function of a value giving its text (escaped) or an
        :class:`Element` (inserted as it is). Other columns: whole numbers
        ``1 234``, other numbers two decimals, booleans ``ano``/``ne``,
        missing ``–``.
    numeric
        Columns aligned right; by default those of a numeric dtype.
    css_class
        ``class`` of the ``<table>``.

    Examples
    --------
    >>> t = Table(pd.DataFrame({"nazev": ["Bělov <obec>"], "obyvatele": [1234], "pokryti": [0.5]}),
    ...           cells={"pokryti": fmt.percent})
    >>> "<td style=\\"text-align:right\\">1\\xa0234</td>" in t.html, "Bělov &lt;obec&gt;" in t.html, "50\\xa0%" in t.html
    (True, True, True)
    """

    __slots__ = ()

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        lang: str = "cs",
        headers: Mapping[str, str] | None = None,
        cells: Mapping[str, Cell] | None = None,
        numeric: Collection[str] | None = None,
        css_class: str = "kp-table",
    ) -> None:
        check_lang(lang)
        columns = list(data.columns)
        names = header(columns, lang) if headers is None else {c: headers.get(c, c) for c in columns}
        right = set(_numeric_columns(data) if numeric is None else numeric)
        renderers = {c: (cells or {}).get(c) or _default_cell(data[c], lang) for c in columns}
        head = "".join(f"<th{_align(c in right)}>{escape(names[c])}</th>" for c in columns)
        rows = []
        for values in data.itertuples(index=False, name=None):
            tds = "".join(f"<td{_align(c in right)}>{_render(renderers[c], v)}</td>" for c, v in zip(columns, values, strict=True))
            rows.append(f"<tr>{tds}</tr>")
        super().__init__(f'<table class="{escape(css_class)}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _align(right: bool) -> str:
    return ' style="text-align:right"' if right else ' style="text-align:left"'


def _numeric_columns(data: pd.DataFrame) -> list[str]:
    return [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])]


def _default_cell(column: pd.Series, lang: str) -> Cell:
    """Whole numbers without decimals, others with two; the choice per column so that digits line up."""
    values = pd.to_numeric(column, errors="coerce") if column.dtype == object else column
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        finite = values[values.notna()].astype(float)
        digits = 0 if finite.map(float.is_integer).all() else 2
    else:
        digits = 2

    def cell(value: Any) -> str:
        if isinstance(value, bool | np.bool_):
            return word("yes" if value else "no", lang)
        if isinstance(value, int | float) or pd.api.types.is_number(value):
            return fmt.number(value, lang, digits)
        return fmt.MISSING if fmt.missing(value) else str(value)

    return cell


def _render(cell: Cell, value: Any) -> str:
    text = cell(value)
    return text.html if isinstance(text, Element) else escape(text)


class Chart(Element):
    """A matplotlib figure as an ``<img>`` with the PNG inlined (base64) and alt text.

    The same in a notebook, an exported page and Voilà, with no internet and
    no pyplot state; :attr:`figure` keeps the figure.

    Parameters
    ----------
    figure
        A figure built with the object API (``matplotlib.figure.Figure``).
    alt
        What the chart shows, for readers who cannot see it.
    style
        matplotlib settings in force while drawing (ticks are made then);
        :data:`CHART_STYLE` by default.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(1, 1)); _ = fig.subplots()
    >>> c = Chart(fig, alt="Test")
    >>> c.html.startswith('<img alt="Test"'), c.png().startswith(b"\\x89PNG")
    (True, True)
    """

    __slots__ = ("figure", "_png")

    def __init__(self, figure: Figure, *, alt: str, style: Mapping[str, Any] | None = None) -> None:
        import matplotlib

        self.figure = figure
        buffer = io.BytesIO()
        with matplotlib.rc_context(dict(style or CHART_STYLE)):
            figure.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
        self._png = buffer.getvalue()
        data = base64.b64encode(self._png).decode("ascii")
        super().__init__(f'<img alt="{escape(alt)}" style="max-width:100%" src="data:image/png;base64,{data}"/>')

    def png(self) -> bytes:
        """The chart as PNG bytes."""
        return self._png
