"""The electronic catalogue of social services: filter, provider cards, print view, XLSX.

The pure functions take the run's ``sluzby`` table (one row per registered
service: ``id``, ``nazev``, ``poskytovatel``, ``druh``, ``forma``,
``cilove_skupiny``, ``kapacita``, ``jednotka``, ``kod_obce``, ``pusobnost``
and contacts ``adresa``, ``telefon``, ``email``, ``web``; ``potvrzeno``, the
date the provider last confirmed it, when services.csv has it) and return new
frames or page :class:`~kpwork.pages.element.Element`; :func:`app` wires
them to widgets for ``notebooks/catalogue.ipynb``.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

import pandas as pd

from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages.element import Element, escape, frame, heading, paragraph
from kpwork.pages.labels import CATALOGUE, check_lang, translate, word
from kpwork.results import load, page_results_dir
from kpwork.sheets import neutralise_workbook
from kpwork.taxonomy import (
    fold,
    form_label,
    paragraph_order,
    service_type_label,
    target_group_label,
)

#: Columns searched by the text filter.
SEARCH_COLUMNS = ("nazev", "poskytovatel", "druh_nazev", "adresa", "email", "telefon")
CONTACT_COLUMNS = ("adresa", "telefon", "email", "web")
#: When the provider last confirmed the service (a column of ``sluzby`` when services.csv has it).
CONFIRMED = "potvrzeno"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def _t(key: str, lang: str, **fields: str) -> str:
    return translate(CATALOGUE, key, lang, **fields)


def _codes(value) -> list[str]:
    if isinstance(value, (tuple, list)):  # the analysis' own form (a page's data is cut from it), not read back from CSV
        return [str(c) for c in value]
    if not isinstance(value, str) or not value.strip():
        return []
    return [c.strip() for c in value.split(",") if c.strip()]


def serves(services: pd.DataFrame, kod_obce: str) -> pd.Series:
    """Whether each service serves a municipality: its seat, or its area served (``pusobnost``).

    Examples
    --------
    >>> s = pd.DataFrame({"kod_obce": ["1", "2"], "pusobnost": ["1, 3", None]})
    >>> serves(s, "3").tolist()
    [True, False]
    """
    area = services["pusobnost"].map(lambda v: kod_obce in _codes(v)) if "pusobnost" in services else False
    return (services["kod_obce"].astype(str) == kod_obce) | area


def filter_services(
    services: pd.DataFrame,
    *,
    druh: str | None = None,
    cilova_skupina: str | None = None,
    forma: str | None = None,
    kod_obce: str | None = None,
    text: str = "",
) -> pd.DataFrame:
    """The services matching every given filter (None or ``""`` = any), in catalogue order.

    Parameters
    ----------
    druh
        Service type, the paragraph code (``"40"``).
    cilova_skupina
        Target group code (``"seniori"``); a service lists its groups in ``cilove_skupiny``.
    forma
        ``pobytova``, ``ambulantni`` or ``terenni``.
    kod_obce
        A municipality the service serves (seat or area served).
    text
        Words that must all occur in the name, provider, type or contacts,
        ignoring case and diacritics (``"pecovatelska"`` finds ``Pečovatelská``).

    Examples
    --------
    >>> s = pd.DataFrame({"nazev": ["Pečovatelská služba", "Azylový dům"], "druh": ["40", "57"], "forma": ["terenni", "pobytova"],
    ...                   "cilove_skupiny": ["seniori", "bez_pristresi"], "kod_obce": ["1", "2"], "pusobnost": ["1, 2", None]})
    >>> filter_services(s, text="pecovatelska")["nazev"].tolist()
    ['Pečovatelská služba']
    >>> filter_services(s, kod_obce="2")["nazev"].tolist()
    ['Pečovatelská služba', 'Azylový dům']
    """
    keep = pd.Series(True, index=services.index)
    if druh:
        keep &= services["druh"].astype(str) == str(druh).lstrip("§")
    if cilova_skupina:
        keep &= services["cilove_skupiny"].map(lambda v: cilova_skupina in _codes(v))
    if forma:
        keep &= services["forma"] == forma
    if kod_obce:
        keep &= serves(services, str(kod_obce))
    words = fold(text).split() if text and text.strip() else []
    if words:
        haystack = services[[c for c in SEARCH_COLUMNS if c in services]].fillna("").astype(str).agg(" ".join, axis=1).map(fold)
        for w in words:
            keep &= haystack.str.contains(w, regex=False)
    return services.loc[keep].reset_index(drop=True)


def _area(s: Mapping, names: Mapping[str, str]) -> str:
    codes = _codes(s.get("pusobnost")) or [str(s.get("kod_obce"))]
    return ", ".join(names.get(c, c) for c in codes)


def _rows(s: Mapping, names: Mapping[str, str], lang: str) -> list[tuple[str, str, str]]:
    """(column, label, text) of a provider card, in reading order."""
    groups = ", ".join(target_group_label(g, lang) for g in _codes(s.get("cilove_skupiny")))
    rows = [
        ("poskytovatel", word("poskytovatel", lang), str(s.get("poskytovatel") or fmt.MISSING)),
        ("druh", word("druh", lang), service_type_label(str(s["druh"]), lang)),
        ("forma", word("forma", lang), form_label(s["forma"], lang)),
        ("cilove_skupiny", _t("groups", lang), groups or fmt.MISSING),
        ("kapacita", word("kapacita", lang), fmt.count(s.get("kapacita"), lang, s.get("jednotka"))),
        ("kod_obce", _t("seat", lang), names.get(str(s.get("kod_obce")), str(s.get("kod_obce")))),
        ("pusobnost", word("pusobnost", lang), _area(s, names)),
    ]
    for column in CONTACT_COLUMNS:
        value = s.get(column)
        if isinstance(value, str) and value.strip():
            rows.append((column, _t(column, lang), value.strip()))
    if CONFIRMED in s:  # a run of a region whose services.csv has the column (kpwork catalogue merge writes it)
        rows.append((CONFIRMED, _t(CONFIRMED, lang), fmt.date(s[CONFIRMED], lang) or _t("nepotvrzeno", lang)))
    return rows


def card_rows(s: Mapping, names: Mapping[str, str], *, lang: str = "cs") -> list[tuple[str, str]]:
    """The (label, text) rows of a provider card, in reading order."""
    return [(name, text) for _, name, text in _rows(s, names, check_lang(lang))]


def provider_card(s: Mapping, names: Mapping[str, str], *, lang: str = "cs") -> Element:
    """One service as an HTML card: name, provider, type, form, groups, capacity, area served, contacts."""
    body = "".join(f"<tr><th>{escape(name)}</th><td>{_link(column, text)}</td></tr>" for column, name, text in _rows(s, names, check_lang(lang)))
    return Element(f'<section class="kp-card" data-id="{escape(s["id"])}"><h3>{escape(s["nazev"])}</h3><table>{body}</table></section>')


def _link(column: str, value: str) -> str:
    text = escape(value)
    if column == "email":
        return f'<a href="mailto:{text}">{text}</a>'
    if value.startswith(("http://", "https://")):
        return f'<a href="{text}" target="_blank" rel="noopener">{text}</a>'
    return text


CARD_CSS = """
.kp-card { border: 1px solid #bbb; border-radius: 6px; padding: 10px 16px; margin: 0 0 14px; background: #fff; break-inside: avoid; page-break-inside: avoid; }
.kp-card h3 { margin: 0 0 6px; font-size: 1.25em; }
.kp-card table { border-collapse: collapse; }
.kp-card th { text-align: left; vertical-align: top; padding: 2px 14px 2px 0; color: #444; font-weight: normal; white-space: nowrap; }
.kp-card td { padding: 2px 0; }
"""

PRINT_CSS = """
body { font: 12pt/1.4 "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #000; }
h1 { font-size: 18pt; margin: 0 0 4pt; } .kp-filters { margin: 0 0 12pt; color: #333; }
.kp-print-button { font-size: 14pt; padding: 6px 18px; margin-bottom: 12pt; }
@page { size: A4; margin: 15mm; }
@media print {
  .kp-print-button { display: none; }
  body { margin: 0; }
  .kp-card { border: 1px solid #000; border-radius: 0; box-shadow: none; }
  a { color: #000; text-decoration: none; }
}
"""


def _cards(services: pd.DataFrame, names: Mapping[str, str], lang: str) -> Element:
    if services.empty:
        return paragraph(_t("none_found", lang))
    return Element("\n".join(provider_card(s, names, lang=lang).html for s in services.to_dict("records")))


def print_view(services: pd.DataFrame, names: Mapping[str, str], *, title: str, filters: str = "", lang: str = "cs") -> Element:
    """A standalone HTML document of the given services, one block per service, for printing.

    Print CSS keeps each service on one page (``break-inside: avoid``) and
    hides the print button.
    """
    check_lang(lang)
    note = paragraph(filters, css_class="kp-filters").html if filters else ""
    return Element(
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CARD_CSS}{PRINT_CSS}</style></head><body>"
        f'<button class="kp-print-button" onclick="window.print()">{escape(_t("print_now", lang))}</button>'
        f"{heading(title, 1).html}{note}{paragraph(_t('found', lang, n=str(len(services)))).html}{_cards(services, names, lang).html}</body></html>"
    )


def export_table(services: pd.DataFrame, names: Mapping[str, str], *, lang: str = "cs") -> pd.DataFrame:
    """The catalogue as a flat table with Czech (or English) headers, ready for Excel."""
    check_lang(lang)
    rows = []
    for s in services.to_dict("records"):
        rows.append({
            word("sluzba", lang): s["nazev"],
            word("poskytovatel", lang): s.get("poskytovatel"),
            word("druh", lang): service_type_label(str(s["druh"]), lang),
            word("forma", lang): form_label(s["forma"], lang),
            _t("groups", lang): ", ".join(target_group_label(g, lang) for g in _codes(s.get("cilove_skupiny"))),
            word("kapacita", lang): s.get("kapacita"),
            word("jednotka", lang): s.get("jednotka"),
            _t("seat", lang): names.get(str(s.get("kod_obce")), s.get("kod_obce")),
            word("pusobnost", lang): _area(s, names),
            **{_t(c, lang): s.get(c) for c in CONTACT_COLUMNS},
        })
    columns = [word("sluzba", lang)] if not rows else list(rows[0])
    return pd.DataFrame(rows, columns=columns)


def export_xlsx(services: pd.DataFrame, names: Mapping[str, str], *, lang: str = "cs") -> bytes:
    """The filtered catalogue as an XLSX workbook (bytes), one row per service, widths set."""
    table = export_table(services, names, lang=lang)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sheet = _t("sheet", lang)
        table.to_excel(writer, sheet_name=sheet, index=False)
        ws = writer.sheets[sheet]
        for i, column in enumerate(table.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in table[column] if not pd.isna(v))])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, longest + 2)
        ws.freeze_panes = "A2"
        neutralise_workbook(writer.book)
    return buffer.getvalue()


# --- widgets ---------------------------------------------------------------------------------------

_APP_CSS = """<style>
:root { --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 38px; --jp-widgets-inline-label-width: 170px; }
.kp-app { font: 18px/1.45 "DejaVu Sans", Arial, sans-serif; max-width: 1400px; }
.kp-app h1 { font-size: 32px; margin: 6px 0; }
.kp-app .widget-label, .kp-app select, .kp-app input, .kp-app button { font-size: 18px !important; }
.kp-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 0 16px; }
.kp-print { width: 100%; height: 900px; border: 1px solid #999; background: #fff; }
.kp-download { display: inline-block; padding: 8px 16px; background: #1f78b4; color: #fff !important; border-radius: 4px; text-decoration: none; }
""" + CARD_CSS + "</style>"


class CatalogueApp:
    """The widgets of the catalogue page (``CatalogueApp(...).root`` is displayed)."""

    def __init__(self, services: pd.DataFrame, meta: dict, *, lang: str = "cs") -> None:
        import ipywidgets as w

        self.w = w
        self.services = services
        self.meta = meta
        self.names: dict[str, str] = dict(meta["names"])
        self.lang = check_lang(lang)
        self.state = {"druh": "", "skupina": "", "forma": "", "obec": "", "text": "", "print": False}
        self.root = w.VBox(layout=w.Layout(width="100%"))
        self.root.add_class("kp-app")
        self._build()

    def _build(self) -> None:
        w, lang, s = self.w, self.lang, self.services
        anything = [(_t("any", lang), "")]
        groups = sorted({g for v in s["cilove_skupiny"] for g in _codes(v)}, key=lambda g: target_group_label(g, lang))
        types = sorted(set(s["druh"].astype(str)), key=paragraph_order)
        wide = w.Layout(width="640px")
        self.language = w.ToggleButtons(options=[("Čeština", "cs"), ("English", "en")], value=lang, description=word("lang", lang))
        self.druh = w.Dropdown(description=word("druh", lang), options=anything + [(service_type_label(d, lang), d) for d in types], value=self.state["druh"], layout=wide)
        self.skupina = w.Dropdown(description=word("cilova_skupina", lang), options=anything + [(target_group_label(g, lang), g) for g in groups], value=self.state["skupina"], layout=wide)
        self.forma = w.Dropdown(description=word("forma", lang), options=anything + [(form_label(f, lang), f) for f in sorted(set(s["forma"]))], value=self.state["forma"], layout=wide)
        self.obec = w.Dropdown(description=word("nazev", lang), options=anything + [(self.names[k], k) for k in self.meta["members"]], value=self.state["obec"], layout=wide)
        self.text = w.Text(description=_t("search", lang), placeholder=_t("search_hint", lang), value=self.state["text"], continuous_update=False, layout=wide)
        self.print_toggle = w.ToggleButton(description=_t("print", lang), value=self.state["print"], icon="print", layout=w.Layout(width="260px"))
        self.count = w.HTML()
        self.download = w.HTML()
        self.cards = w.HTML()
        title = w.HTML(_APP_CSS + heading(_t("heading", lang, region=self.meta["region_name"]), 1).html)
        self.root.children = [title, self.language, self.druh, self.skupina, self.forma, self.obec, self.text,
                              w.HBox([self.print_toggle, self.download], layout=w.Layout(align_items="center", grid_gap="16px")), self.count, self.cards]
        self.language.observe(self._on_lang, names="value")
        for widget in (self.druh, self.skupina, self.forma, self.obec, self.text, self.print_toggle):
            widget.observe(self._on_filter, names="value")
        self._render()

    def _on_lang(self, change) -> None:
        self.lang = change["new"]
        self._build()

    def _on_filter(self, change) -> None:
        self.state.update(druh=self.druh.value, skupina=self.skupina.value, forma=self.forma.value, obec=self.obec.value, text=self.text.value,
                          print=self.print_toggle.value)
        self._render()

    def selection(self) -> pd.DataFrame:
        """The services matching the current filters."""
        st = self.state
        return filter_services(self.services, druh=st["druh"], cilova_skupina=st["skupina"], forma=st["forma"], kod_obce=st["obec"], text=st["text"])

    def _filters_text(self) -> str:
        parts = [d.label for d in (self.druh, self.skupina, self.forma, self.obec) if d.value]
        if self.text.value.strip():
            parts.append(f"„{self.text.value.strip()}“")
        return _t("filters", self.lang, filters=", ".join(parts)) if parts else ""

    def _render(self) -> None:
        lang = self.lang
        chosen = self.selection()
        self.count.value = f"<p><b>{escape(_t('found', lang, n=str(len(chosen))))}</b></p>"
        data = base64.b64encode(export_xlsx(chosen, self.names, lang=lang)).decode("ascii")
        self.download.value = f'<a class="kp-download" download="{_t("xlsx_file", lang)}" href="data:{XLSX_MIME};base64,{data}">{escape(_t("xlsx", lang))}</a>'
        self.print_toggle.description = _t("hide_print", lang) if self.print_toggle.value else _t("print", lang)
        if self.print_toggle.value:
            doc = print_view(chosen, self.names, title=_t("heading", lang, region=self.meta["region_name"]), filters=self._filters_text(), lang=lang)
            self.cards.value = frame(doc.html, title=_t("print", lang), css_class="kp-print").html
        else:
            cards = _cards(chosen, self.names, lang)
            self.cards.value = cards.html if chosen.empty else f'<div class="kp-cards">{cards.html}</div>'


def app(results_dir: str, *, lang: str = "cs"):
    """The catalogue page's widgets for the run whose results are in ``results_dir``.

    When served by ``kpwork serve`` the results come from the server
    (:func:`kpwork.results.page_results_dir`).
    """
    r = load(page_results_dir(results_dir))
    services = r["sluzby"]
    if services.empty:
        raise InvalidParameter(f"the run in {r.folder} lists no services")
    return CatalogueApp(services, r.meta, lang=lang).root
