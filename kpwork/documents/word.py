"""The Word parts both documents use: the template, title page, contents, headings, tables, footer, text for comparison.

A document starts from a template (:data:`TEMPLATE`, shipped in
``kpwork/templates/documents/``, or a coordinator's own ``.docx`` named in
``region.toml``, see :func:`template_path`): its styles (``Heading 1``–``3``,
``Title``, ``Caption``, ``Table Grid``), page size, margins and header are
kept, its body is emptied. Headings use Word's heading styles, so the table of
contents and the navigation pane work; tables repeat their header row on every
page; the footer holds the page number and the credit of the data sources.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kpwork.errors import KpworkError
from kpwork.pages.labels import DOCUMENTS, translate
from kpwork.reference import CREDIT

#: The template shipped with kpwork.
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "documents" / "sablona.docx"
#: Section and key of region.toml naming a coordinator's own Word template.
TEMPLATE_SETTING = ("dokumenty", "sablona")
#: Width of images (maps, charts) in centimetres.
IMAGE_CM = 16.0
#: Tables of this many columns or more are set in a smaller font.
WIDE_TABLE = 8
#: Header fill of tables.
HEADER_FILL = "D9E2F3"


def template_path(region_path: str | Path | None, toml: Mapping[str, Any] | None) -> Path:
    """The Word template of a region: ``[dokumenty] sablona`` of region.toml (relative to the region folder), else :data:`TEMPLATE`.

    Raises
    ------
    KpworkError
        When region.toml names a template that does not exist or is not a ``.docx``.
    """
    section, key = TEMPLATE_SETTING
    value = ((toml or {}).get(section) or {}).get(key)
    if not value:
        return TEMPLATE
    path = Path(value)
    if not path.is_absolute() and region_path is not None:
        path = Path(region_path) / path
    if path.suffix.lower() not in (".docx", ".dotx") or not path.is_file():
        raise KpworkError(f"region.toml: [{section}] {key}: the Word template {path} does not exist or is not a .docx file")
    return path


def read_region_toml(region_path: str | Path) -> dict[str, Any]:
    """region.toml of a region folder as a dict (empty when the file is missing)."""
    import tomllib

    path = Path(region_path) / "region.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def new_document(template: Path) -> Any:
    """A document with the template's styles, page setup, header and footer and an empty body."""
    from docx import Document

    doc = Document(str(template))
    body = doc.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    settings = doc.settings.element
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
    return doc


def _field(paragraph: Any, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC ...) in ``paragraph``; Word fills it in when fields update."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    char("begin")
    instr = paragraph.add_run()._r
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    instr.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def title_page(doc: Any, title: str, lines: Sequence[str], *, lang: str) -> Any:
    """The title page: title, then each line, then a page break and the table of contents (its paragraph is returned).

    The contents are a Word field that Word fills in (it asks to update the
    fields when the document opens); until then :func:`fill_contents` writes
    the headings into it.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    for _ in range(4):
        doc.add_paragraph()
    head = doc.add_paragraph(title, style="Title")
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(lines):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(line)
        run.font.size = Pt(16 if i == 0 else 12)
        run.bold = i == 0
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph(translate(DOCUMENTS, "contents", lang), style="TOC Heading" if _has_style(doc, "TOC Heading") else "Title")
    doc.add_paragraph(translate(DOCUMENTS, "toc_hint", lang)).runs[0].italic = True
    contents = doc.add_paragraph()
    _field(contents, 'TOC \\o "1-2" \\h \\z \\u')
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    return contents


def fill_contents(doc: Any, contents: Any) -> None:
    """Write the headings (levels 1 and 2) as the contents' text until Word updates the field with page numbers."""
    from docx.enum.text import WD_BREAK

    entries = [(p.style.name, p.text) for p in doc.paragraphs if p.style is not None and p.style.name in ("Heading 1", "Heading 2")]
    placeholder = [r for r in contents.runs if not r._r.xpath("./w:fldChar|./w:instrText")][-1]
    for i, (style, text) in enumerate(entries):
        if i:
            placeholder.add_break(WD_BREAK.LINE)
        placeholder.add_text(("      " if style == "Heading 2" else "") + text)


def _has_style(doc: Any, name: str) -> bool:
    return any(s.name == name for s in doc.styles)


def footer(doc: Any, *, lang: str, title: str) -> None:
    """Page ``n z N`` and the data sources' credit in the footer of every section (after the template's own footer)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for section in doc.sections:
        foot = section.footer
        p = foot.add_paragraph() if foot.paragraphs[0].text.strip() else foot.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(f"{title} · {translate(DOCUMENTS, 'page', lang)} ")
        _field(p, "PAGE", "1")
        p.add_run(f" {translate(DOCUMENTS, 'of', lang)} ")
        _field(p, "NUMPAGES", "1")
        credit = foot.add_paragraph(translate(DOCUMENTS, "sources", lang, credit=CREDIT))
        credit.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for paragraph in (p, credit):
            for run in paragraph.runs:
                run.font.size = Pt(8)


def heading(doc: Any, text: str, level: int) -> Any:
    """A heading in Word's ``Heading <level>`` style (so it appears in the contents and the navigation)."""
    return doc.add_heading(text, level=level)


def paragraph(doc: Any, text: str, *, style: str | None = None) -> Any:
    """A paragraph of body text."""
    return doc.add_paragraph(text, style=style)


def picture(doc: Any, png: bytes, caption: str) -> None:
    """An image (a map, a chart) across the text width with its caption below."""
    doc.add_picture(io.BytesIO(png), width=_cm(IMAGE_CM))
    doc.add_paragraph(caption, style="Caption" if _has_style(doc, "Caption") else None)


def _cm(value: float) -> Any:
    from docx.shared import Cm

    return Cm(value)


def table(doc: Any, frame: pd.DataFrame, headers: Mapping[str, str], cells: Mapping[str, Callable[[Any], str]] | None = None,
          *, numeric: Sequence[str] = ()) -> Any:
    """A table of ``frame``'s columns under ``headers``, the header row repeated on every page.

    Parameters
    ----------
    doc
        The document.
    frame
        The rows; only the columns named in ``headers`` are shown, in that order.
    headers
        Column -> header text.
    cells
        Column -> function writing a value as text (:mod:`kpwork.pages.format`);
        other values are written with ``str`` (missing as ``–``).
    numeric
        Columns aligned right.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    columns = list(headers)
    cells = cells or {}
    out = doc.add_table(rows=1, cols=len(columns))
    if _has_style(doc, "Table Grid"):
        out.style = "Table Grid"
    head = out.rows[0]
    head._tr.get_or_add_trPr().append(_on("w:tblHeader"))
    for k, column in enumerate(columns):
        cell = head.cells[k]
        cell.text = ""
        run = cell.paragraphs[0].add_run(headers[column])
        run.bold = True
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), HEADER_FILL)
        cell._tc.get_or_add_tcPr().append(shade)
    for record in frame[columns].itertuples(index=False):
        row = out.add_row()
        row._tr.get_or_add_trPr().append(_on("w:cantSplit"))
        for k, (column, value) in enumerate(zip(columns, record, strict=True)):
            row.cells[k].text = _text(value, cells.get(column))
            if column in numeric:
                row.cells[k].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out.autofit = False
    size = 9 if len(columns) < WIDE_TABLE else 7.5
    widths = column_widths([headers[c] for c in columns], [[cell.text for cell in row.cells] for row in out.rows[1:]], _text_width(doc),
                           points=size)
    for column, width in zip(out.columns, widths, strict=True):
        column.width = width  # the table grid (LibreOffice reads it), then every cell (Word reads those)
    for row in out.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(size)
    doc.add_paragraph()
    return out


def _text_width(doc: Any) -> int:
    """Width between the margins of the last section (EMU)."""
    section = doc.sections[-1]
    return int(section.page_width - section.left_margin - section.right_margin)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int, *, points: float = 9) -> list[int]:
    """Widths of a table's columns (EMU, summing to ``total``).

    Each column gets at least the width of its longest word (numbers such as
    ``620 000 Kč`` keep their no-break spaces, so they are one word) at 9 pt;
    (``points``) the rest of the width goes to the columns by the mean length of their
    texts, so long names and comments get the room.

    Examples
    --------
    >>> column_widths(["Rok", "Text"], [["2024", "a long comment of a citizen, " * 3]], 5760000)
    [638465, 5121535]
    """
    char, pad = int(_CHAR_CM * points / 9 * _EMU_PER_CM), int(_PAD_CM * _EMU_PER_CM)
    minimum, desire = [], []
    for k, head in enumerate(headers):
        texts = [r[k] for r in rows if r[k]]
        longest_word = max([len(word) for t in [head, *texts] for word in t.split(" ")] or [1])
        minimum.append(min(longest_word * char + pad, total // 3))
        desire.append(sum(len(t) for t in texts) / len(texts) if texts else len(head))
    spare = total - sum(minimum)
    if spare <= 0:
        widths = [int(m * total / sum(minimum)) for m in minimum]
    else:
        widths = [int(m + spare * d / sum(desire)) for m, d in zip(minimum, desire, strict=True)]
    widths[-1] += total - sum(widths)
    return widths


_EMU_PER_CM = 360000
#: Width of one character of a 9 pt table text, and the cell's padding, in cm.
_CHAR_CM, _PAD_CM = 0.19, 0.45


def _on(tag: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    return element


def _text(value: Any, write: Callable[[Any], str] | None) -> str:
    if write is not None:
        return write(value)
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "–"
    return str(value)


def save(doc: Any, path: str | Path, day: Any) -> Path:
    """Save ``doc`` dated ``day`` (its properties and archive entries), so the same content gives the same bytes."""
    from kpwork.documents.ooxml import stable_zip, stamp

    doc.core_properties.created = doc.core_properties.modified = stamp(day)
    doc.core_properties.last_printed = stamp(day)
    doc.core_properties.revision = 1
    path = Path(path)
    doc.save(str(path))
    return stable_zip(path, day)


def document_text(path: str | Path) -> list[str]:
    """Every paragraph and table cell of a document's body, in order (what ``kpwork reproduce`` compares).

    Fields (page numbers, the contents) are left out: Word fills them in.
    """
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(path))
    lines: list[str] = []
    for block in doc.element.body.iterchildren():
        if block.tag == qn("w:p"):
            lines.append("".join(t.text or "" for t in block.iter(qn("w:t"))))
        elif block.tag == qn("w:tbl"):
            for tc in block.iter(qn("w:tc")):
                lines.append("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    return [line for line in lines if line.strip()]
