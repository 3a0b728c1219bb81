"""Funding tables and charts for a municipal council, from a run's ``financovani_*`` tables.

Everything here only selects and renders what :func:`kpwork.funding.funding_results`
computed: the member x service table a council votes on, the comparison of
methods, the co-financing layers, the core check and one chart.

Each table has two faces: a ``*_sheet`` function gives a DataFrame with
page headers and numeric cells, the sheet of the council workbook
(:func:`council_tables`, :func:`write_council_xlsx`), which is internal and
marked so; the ``*_table`` function of the same name renders it as a public
page :class:`~kpwork.pages.element.Table`. Public tables take the run's
tables (``results``) and follow :mod:`kpwork.disclosure`: a member whose
usage-based amount would give back 1 to 4 clients is shown only added up with
others (:func:`public_comparison`), or as ``skryto`` in the council table.
Texts are Czech by default (``lang="cs"``), English with ``lang="en"``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpwork.disclosure import cuts_pool, depends_on_clients, funding_pools
from kpwork.errors import InvalidParameter
from kpwork.pages import format as fmt
from kpwork.pages.element import CHART_STYLE, Chart, Table
from kpwork.pages.labels import FUNDING, METHODS, method_label, translate
from kpwork.sheets import neutralise_workbook

log = logging.getLogger(__name__)


def _w(key: str, lang: str) -> str:
    return translate(FUNDING, key, lang)


def _select(table: pd.DataFrame, sluzby: Sequence[str] | None) -> pd.DataFrame:
    table = table.copy()
    table["sluzba_id"] = table["sluzba_id"].astype(str)
    if sluzby is None:
        return table
    unknown = [s for s in sluzby if s not in set(table["sluzba_id"])]
    if unknown:
        raise InvalidParameter(f"no funding results for service(s) {', '.join(unknown)} (shared services: {', '.join(sorted(set(table['sluzba_id'])))})")
    return table[table["sluzba_id"].isin(list(sluzby))]


def _amounts(srovnani: pd.DataFrame, metoda: str | None) -> pd.Series:
    if metoda is None:
        picked = [row[row["zvolena_metoda"]] for _, row in srovnani.iterrows()]
        return pd.Series(picked, index=srovnani.index, dtype="Float64")
    if metoda not in METHODS:
        raise InvalidParameter(f"unknown method '{metoda}' (valid: {', '.join(METHODS)})")
    missing = sorted(set(srovnani.loc[srovnani[metoda].isna(), "sluzba_id"]))
    if missing:
        raise InvalidParameter(f"method {metoda} does not apply to service(s) {', '.join(missing)} (no data or no cost game for it)")
    return srovnani[metoda].astype("Float64")


def council_sheet(srovnani: pd.DataFrame, *, sluzby: Sequence[str] | None = None, metoda: str | None = None, lang: str = "cs") -> pd.DataFrame:
    """Member x service table of contributions (whole CZK), with totals, for a council vote.

    Parameters
    ----------
    srovnani
        The run's ``financovani_srovnani`` table.
    sluzby
        Service ids to show; None = all shared services.
    metoda
        Show every service under this method; None = each service's chosen method.
    lang
        ``"cs"`` or ``"en"`` headers.

    Returns
    -------
    pandas.DataFrame
        One row per member and a total row; a column per service
        (``"S01 Pečovatelská služba …"``), the total and the total per inhabitant.

    Examples
    --------
    >>> s = pd.DataFrame({"sluzba_id": ["S01", "S01"], "nazev_sluzby": ["Péče", "Péče"],
    ...     "zvolena_metoda": ["na_obyvatele"] * 2, "kod_obce": ["585599", "588318"],
    ...     "nazev": ["Otrokovice", "Bělov"], "obyvatele": [900, 100],
    ...     "na_obyvatele": [90, 10]})
    >>> council_sheet(s)["Celkem (Kč)"].tolist()
    [90, 10, 100]
    """
    table = _select(srovnani, sluzby)
    table = table.assign(_castka=_amounts(table, metoda), _sluzba=table["sluzba_id"] + " " + table["nazev_sluzby"].astype(str))
    table["kod_obce"] = table["kod_obce"].astype(str)
    wide = table.pivot_table(index=["kod_obce", "nazev"], columns="_sluzba", values="_castka", aggfunc="sum", sort=False)
    people = table.drop_duplicates("kod_obce").set_index("kod_obce")["obyvatele"]
    wide = wide.reset_index()
    services = [c for c in wide.columns if c not in ("kod_obce", "nazev")]
    wide[services] = wide[services].astype("Int64")
    wide.insert(2, "obyvatele", people.loc[wide["kod_obce"]].astype("int64").to_numpy())
    wide["celkem"] = wide[services].sum(axis=1).astype("int64")
    total = {"kod_obce": "", "nazev": _w("soucet", lang), "obyvatele": int(wide["obyvatele"].sum()), **{s: int(wide[s].sum()) for s in services}, "celkem": int(wide["celkem"].sum())}
    wide = wide.sort_values(["obyvatele", "kod_obce"], ascending=[False, True], kind="stable")
    wide = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    wide[services] = wide[services].astype("Int64")
    wide["na_obyvatele"] = (wide["celkem"] / wide["obyvatele"]).round(2)
    wide.columns.name = None
    return wide.rename(columns={k: _w(k, lang) for k in ("kod_obce", "nazev", "obyvatele", "celkem", "na_obyvatele")})


def comparison_sheet(srovnani: pd.DataFrame, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> pd.DataFrame:
    """Each member's contribution to each service under every method (long, labelled)."""
    table = _select(srovnani, sluzby)
    methods = [m for m in METHODS if m in table.columns and table[m].notna().any()]
    out = table[["sluzba_id", "nazev_sluzby", "kod_obce", "nazev", "zvolena_metoda", "samostatne", *methods]].copy()
    out["zvolena_metoda"] = out["zvolena_metoda"].map(lambda m: method_label(m, lang))
    out[methods] = out[methods].astype("Int64")
    labels = {m: method_label(m, lang) for m in methods}
    labels.update(sluzba_id=_w("sluzba", lang), nazev_sluzby="", kod_obce=_w("kod_obce", lang), nazev=_w("nazev", lang), zvolena_metoda=_w("metoda", lang), samostatne=_w("samostatne", lang))
    out = out.rename(columns=labels)
    return out.loc[:, [c for c in out.columns if c != ""]]


def layers_sheet(vrstvy: pd.DataFrame, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> pd.DataFrame:
    """The co-financing layers and the members' part of each service."""
    table = _select(vrstvy, sluzby)
    table.loc[table["typ"] == "obce", "zdroj"] = _w("members_part", lang)
    out = table[["sluzba_id", "zdroj", "podil_pct", "castka"]]
    return out.rename(columns={c: _w(c, lang) if c != "sluzba_id" else _w("sluzba", lang) for c in out.columns})


def core_sheet(jadro: pd.DataFrame, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> pd.DataFrame:
    """Groups of members that would pay more than running the service on their own, by method."""
    table = _select(jadro, sluzby) if len(jadro) else jadro.copy()
    out = table[["sluzba_id", "metoda", "koalice", "platba", "naklady_koalice", "prebytek"]].copy()
    out["metoda"] = out["metoda"].map(lambda m: method_label(m, lang))
    return out.rename(columns={"sluzba_id": _w("sluzba", lang), **{c: _w(c, lang) for c in out.columns if c != "sluzba_id"}})


# --- public pages: disclosure control (docs/method.md, "Ochrana malých počtů") ----------------


def public_pools(results: Any) -> dict[str, list[str]]:
    """The members of each shared service that public pages show only added up.

    ``results`` maps table names to frames (a loaded :class:`kpwork.results.Results`);
    it needs ``financovani_srovnani``, ``financovani_sluzby`` and ``vyuziti``
    (see :func:`kpwork.disclosure.funding_pools`).
    """
    if "vyuziti" not in results:
        raise InvalidParameter("public funding pages need the run's table vyuziti (the clients) to keep small counts of clients from showing")
    return funding_pools(results["financovani_srovnani"], results["financovani_sluzby"], results["vyuziti"])


def _sources(results: Any) -> dict[str, str]:
    """Where each service's cost game comes from (``naklady_koalic``): ``model`` counts clients."""
    summary = results["financovani_sluzby"]
    return dict(zip(summary["sluzba_id"].astype(str), summary["naklady_koalic"], strict=True))


def pool_rows(table: pd.DataFrame, pool: Sequence[str], *, lang: str = "cs") -> pd.DataFrame:
    """The rows of one service's ``pool`` (by ``kod_obce``) replaced by one row that adds them up.

    The row comes last, named ``ostatní obce (n): names``, with an empty
    ``kod_obce``; numbers are summed, other columns keep the first pooled
    row's value, and ``na_obyvatele`` (when there) is the pool's amount
    (``castka``) per inhabitant.

    Examples
    --------
    >>> t = pd.DataFrame({"kod_obce": ["1", "2", "3"], "nazev": ["A", "B", "C"], "obyvatele": [900, 60, 40], "castka": [90, 6, 4]})
    >>> pool_rows(t, ["2", "3"]).values.tolist()
    [['1', 'A', 900, 90], ['', 'ostatní obce (2): B, C', 100, 10]]
    """
    inside = table["kod_obce"].astype(str).isin([str(p) for p in pool])
    if not inside.any():
        return table
    rows = table.loc[inside]
    names = rows["nazev"].astype(str).tolist()
    pooled = {c: rows[c].sum(min_count=1) if _summable(rows[c]) else rows[c].iloc[0] for c in table.columns}
    pooled.update(kod_obce="", nazev=_w("pool", lang).format(n=len(names), names=", ".join(names)))
    if "na_obyvatele" in pooled and "castka" in pooled:
        pooled["na_obyvatele"] = round(float(pooled["castka"]) / pooled["obyvatele"], 2) if pooled["obyvatele"] else float("nan")
    out = pd.concat([table.loc[~inside], pd.DataFrame([pooled], columns=table.columns)], ignore_index=True)
    return out.astype({c: table[c].dtype for c in table.columns if _summable(table[c])})


def _summable(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def public_comparison(results: Any, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> pd.DataFrame:
    """``financovani_srovnani`` as public pages show it: each service's pool (:func:`public_pools`) in one row."""
    table = _select(results["financovani_srovnani"], sluzby)
    pools = public_pools(results)
    parts = [pool_rows(rows, pools.get(sid, []), lang=lang) for sid, rows in table.groupby("sluzba_id", sort=False)]
    return pd.concat(parts, ignore_index=True) if parts else table


def council_table(results: Any, *, sluzby: Sequence[str] | None = None, metoda: str | None = None, lang: str = "cs") -> Table:
    """The public page table of :func:`council_sheet`: contributions of the members, a total row last.

    In a service whose shown method follows the clients (:func:`kpwork.disclosure.depends_on_clients`)
    the amounts of its pooled members read ``skryto``, and so do their row's
    total and amount per inhabitant; column totals stay.
    """
    srovnani = results["financovani_srovnani"]
    sheet = council_sheet(srovnani, sluzby=sluzby, metoda=metoda, lang=lang)
    code, hidden = _w("kod_obce", lang), _w("hidden", lang)
    pools = public_pools(results)
    sources = _sources(results)
    chosen = dict(zip(srovnani["sluzba_id"].astype(str), srovnani["zvolena_metoda"], strict=True))
    out = sheet.astype(object)
    covered = pd.Series(False, index=sheet.index)
    for column in sheet.columns[3:-2]:
        sid = str(column).split(" ", 1)[0]
        if depends_on_clients(metoda or chosen[sid], sources.get(sid)):
            rows = sheet[code].astype(str).isin(pools.get(sid, []))
            out.loc[rows, column] = hidden
            covered |= rows
    out.loc[covered, [_w("celkem", lang), _w("na_obyvatele", lang)]] = hidden
    return Table(out, lang=lang, numeric=set(sheet.columns[2:]))


def comparison_table(results: Any, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> Table:
    """The public page table of :func:`comparison_sheet`: every member's contribution under every method, pools added up."""
    return Table(comparison_sheet(public_comparison(results, sluzby=sluzby, lang=lang), lang=lang), lang=lang)


def layers_table(vrstvy: pd.DataFrame, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> Table:
    """The page table of :func:`layers_sheet`: the co-financing layers of each service."""
    return Table(layers_sheet(vrstvy, sluzby=sluzby, lang=lang), lang=lang)


def core_table(results: Any, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> Table:
    """The public page table of :func:`core_sheet`: groups that would pay more than on their own.

    A group holding some but not all of a service's pool is left out where
    its payment or cost follows the clients: with the pool's total it would
    give a pooled member's amount back.
    """
    jadro = results["financovani_jadro"]
    if sluzby is not None:  # any shared service may be asked for, also one with no group to show
        _select(results["financovani_srovnani"], sluzby)
        jadro = jadro.loc[jadro["sluzba_id"].astype(str).isin(list(sluzby))]
    if len(jadro):
        pools = public_pools(results)
        sources = _sources(results)
        sid = jadro["sluzba_id"].astype(str)
        follows = [depends_on_clients(m, sources.get(s)) or depends_on_clients("samostatne", sources.get(s)) for s, m in zip(sid, jadro["metoda"], strict=True)]
        cut = [f and cuts_pool(str(k).split(), pools.get(s, [])) for f, s, k in zip(follows, sid, jadro["koalice_kody"], strict=True)]
        jadro = jadro.loc[~pd.Series(cut, index=jadro.index, dtype=bool)]
    return Table(core_sheet(jadro, lang=lang), lang=lang)


def comparison_chart(results: Any, *, sluzby: Sequence[str] | None = None, lang: str = "cs") -> Chart:
    """Bars of each member's contribution under every method, one panel per service, pools added up.

    The chosen method of each service is drawn with a black edge.
    """
    table = public_comparison(results, sluzby=sluzby, lang=lang)
    services = list(dict.fromkeys(table["sluzba_id"]))
    if not services:
        raise InvalidParameter("no shared services to draw")
    heights = [table["sluzba_id"].eq(s).sum() for s in services]
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(10, 1.2 + sum(0.55 * h + 0.9 for h in heights)))
        axes = fig.subplots(len(services), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)
    colours = dict(zip(METHODS, matplotlib.colormaps["tab10"].colors, strict=False))
    for ax, sid in zip(axes[:, 0], services, strict=True):
        _panel(ax, table[table["sluzba_id"] == sid], colours, lang)
    shown = [m for m in METHODS if m in table.columns and table[m].notna().any()]
    handles = [Patch(facecolor=colours[m], label=method_label(m, lang)) for m in shown]
    handles.append(Patch(facecolor="white", edgecolor="black", label=_w("chosen", lang)))
    top = 1 - 0.9 / fig.get_figheight()
    fig.suptitle(_w("chart_title", lang), y=0.995, fontsize=13)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.35 / fig.get_figheight()), ncol=4, frameon=False, fontsize=9)
    with matplotlib.rc_context(CHART_STYLE):
        fig.tight_layout(rect=(0, 0, 1, top))
    return Chart(fig, alt=_w("chart_title", lang))


def _panel(ax, rows: pd.DataFrame, colours: Mapping[str, Any], lang: str) -> None:
    methods = [m for m in METHODS if m in rows.columns and rows[m].notna().any()]
    chosen = rows["zvolena_metoda"].iloc[0]
    y = np.arange(len(rows))
    step = 0.8 / len(methods)
    for k, method in enumerate(methods):
        values = rows[method].astype("Float64").fillna(0).to_numpy(dtype=float)
        ax.barh(y - 0.4 + step * (k + 0.5), values, height=step, color=colours[method], label=method_label(method, lang), edgecolor="black" if method == chosen else "none", linewidth=1.2)
    ax.set_yticks(y, [n if len(n) <= 40 else n[:39] + "…" for n in rows["nazev"].astype(str)])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(fmt.ticks(fmt.number, lang))
    ax.set_xlabel(_w("chart_x", lang))
    ax.set_title(f"{rows['sluzba_id'].iloc[0]} {rows['nazev_sluzby'].iloc[0]} ({method_label(chosen, lang)})", fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)


def council_tables(results: Any, *, sluzby: Sequence[str] | None = None, metoda: str | None = None, lang: str = "cs") -> dict[str, pd.DataFrame]:
    """The sheets of the council workbook from a run's tables.

    ``results`` maps table names to frames: the dict of
    :func:`kpwork.funding.funding_results` or a loaded :class:`kpwork.results.Results`.
    The workbook is internal (every member's amounts, from which usage gives
    clients back): each sheet carries the note "NEVEŘEJNÉ" in ``attrs["note"]``.
    """
    sheets = {
        _w("sheet_council", lang): council_sheet(results["financovani_srovnani"], sluzby=sluzby, metoda=metoda, lang=lang),
        _w("sheet_methods", lang): comparison_sheet(results["financovani_srovnani"], sluzby=sluzby, lang=lang),
        _w("sheet_layers", lang): layers_sheet(results["financovani_vrstvy"], sluzby=sluzby, lang=lang),
    }
    if "financovani_jadro" in results:
        sheets[_w("sheet_core", lang)] = core_sheet(results["financovani_jadro"], sluzby=sluzby, lang=lang)
    for sheet in sheets.values():
        sheet.attrs["note"] = _w("internal", lang)  # the workbook is internal: write_council_xlsx puts this above every sheet
    return sheets


def write_council_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables as the sheets of one XLSX file: bold frozen header, CZK with thousands separators, percentages, A4 landscape.

    Parameters
    ----------
    tables
        Sheet name -> table (e.g. :func:`council_tables`); names are cut to 31
        characters. A table's ``attrs["note"]`` (the "NEVEŘEJNÉ" note of the
        council workbook) goes into the sheet's first row, in red, and into
        its printed header; the table then starts on row 2.
    path
        The ``.xlsx`` file to write.

    Returns
    -------
    Path
    """
    from openpyxl.styles import Font

    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            sheet_name = name[:31]
            note = frame.attrs.get("note")
            top = 1 if note else 0
            frame.to_excel(writer, sheet_name=sheet_name, index=False, startrow=top)
            sheet = writer.sheets[sheet_name]
            if note:
                sheet.cell(row=1, column=1, value=note).font = Font(bold=True, color="C00000")
                sheet.oddHeader.center.text = note.split(" – ", 1)[0]
                writer.book.properties.subject = note
            sheet.freeze_panes = f"A{top + 2}"
            for cell in sheet[top + 1]:
                cell.font = Font(bold=True)
            for k, column in enumerate(frame.columns, start=1):
                letter = sheet.cell(row=1, column=k).column_letter
                width = max([len(str(column))] + [len(str(v)) for v in frame[column].tolist()])
                sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
                if pd.api.types.is_numeric_dtype(frame[column]):
                    fmt = "#,##0.00" if pd.api.types.is_float_dtype(frame[column]) else "#,##0"
                    fmt = '0.00" %"' if str(column).endswith("(%)") else fmt  # percent points (56.93), shown as a percentage
                    for row in sheet.iter_rows(min_row=top + 2, min_col=k, max_col=k):
                        row[0].number_format = fmt
            sheet.auto_filter.ref = f"A{top + 1}:{sheet.cell(row=1, column=max(len(frame.columns), 1)).column_letter}{top + 1 + len(frame)}"
            sheet.print_title_rows = f"{top + 1}:{top + 1}"
            sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", sheet.PAPERSIZE_A4
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
        neutralise_workbook(writer.book)
    return path
