"""Forms back: check returned forms, list their changes, and write them with ``apply``.

See :mod:`kpwork.catalogue` for what the merge refuses and who owns which column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpwork import inputfiles
from kpwork import sheets as sh
from kpwork.catalogue.form import (
    COLUMN_HELP,
    CONFIRMED,
    DATA_SHEET,
    EDITABLE,
    ENDED,
    FORM_COLUMNS,
    META_SHEET,
    NEW_REQUIRED,
    NOTE,
    PROVIDER_ONLY,
    checksum,
    locked_columns,
    providers,
    sent_row,
)
from kpwork.errors import InvalidParameter, KpworkError, Problem
from kpwork.region import Region, load_region
from kpwork.region.services import confirmation_date
from kpwork.rpss.merge import (
    REGISTRY,
    Change,
    ServicesFile,
    format_value,
    read_services_file,
    referenced_ids,
    write_services_file,
)
from kpwork.taxonomy import FORMS, SERVICE_TYPES, fold, normalise_form, normalise_unit

log = logging.getLogger(__name__)

#: The change log in the region folder.
CHANGE_LOG = "catalogue_changes.csv"
LOG_COLUMNS = ("kdy", "formular", "poskytovatel", "sluzba", "nazev", "zmena", "sloupec", "puvodne", "nove", "poznamka")
CHANGED, ADDED, ENDED_KIND, CONFIRMED_KIND = "změněna", "přidána", "ukončena", "potvrzena"
_YES = ("ano", "a", "x", "yes", "ukoncit", "ukoncena")


# --- forms back --------------------------------------------------------------------------------


@dataclass
class ReturnedForm:
    """One returned form as read: its provider, what it changes, and what is wrong with it."""

    path: Path
    key: str = ""
    name: str = ""
    sent: str = ""
    changes: list[Change] = field(default_factory=list)
    updates: dict[str, dict[str, str]] = field(default_factory=dict)
    new: list[dict[str, str]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@dataclass
class MergeReport:
    """What :func:`merge_forms` found and did."""

    forms: list[ReturnedForm]
    applied: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No form has a problem or a conflict."""
        return not any(f.problems or f.conflicts for f in self.forms)

    def lines(self) -> list[str]:
        """What the command prints, in Czech: per form its problems, conflicts and a table of changes."""
        out: list[str] = []
        for f in self.forms:
            out.append(f"{f.path.name}: {f.name or '?'} (odesláno {f.sent or '?'})")
            out += [f"  chyba: {p}" for p in f.problems]
            out += [f"  konflikt: {c}" for c in f.conflicts]
            if f.changes:
                out += _change_table(f.changes)
            elif not f.problems and not f.conflicts:
                out.append("  beze změn (služby potvrzeny)")
        if not self.ok:
            out.append("nic nezapsáno: opravte chyby, u konfliktu pošlete poskytovateli nový formulář (kpwork catalogue forms)")
        elif self.applied:
            out.append(f"zapsáno do services.csv, změny přidány do {CHANGE_LOG}")
        else:
            out.append("nic nezapsáno: změny zapíše až kpwork catalogue merge ... --apply")
        return out + self.notes


def _change_table(changes: list[Change]) -> list[str]:
    rows = [("služba", "změna", "sloupec", "původně -> nově")]
    rows += [(f"{c.id} {c.nazev}", c.zmena, c.sloupec, f"{c.puvodne} -> {c.nove}" if c.sloupec else c.poznamka) for c in changes]
    widths = [max(len(r[k]) for r in rows) for k in range(3)]
    return ["  " + "  ".join(r[k].ljust(widths[k]) for k in range(3)) + "  " + r[3] for r in rows]


def merge_forms(
    region_dir: str | Path,
    forms: Iterable[str | Path],
    *,
    apply: bool = False,
    now: dt.datetime | None = None,
) -> MergeReport:
    """Check returned forms against the region and, with ``apply``, write their changes.

    Parameters
    ----------
    region_dir
        The region folder the forms were made from.
    forms
        Returned XLSX forms.
    apply
        Write ``services.csv`` and append to ``catalogue_changes.csv``; only
        when no form has a problem or a conflict (else nothing is written).
    now
        Time of the merge (default: now); its date is the confirmation date.

    Returns
    -------
    MergeReport
        Per form: problems (file[sheet]:row: column: message, in Czech),
        conflicts (the form was made from an older services.csv) and changes.

    Raises
    ------
    InvalidRegion
        The region itself has problems.
    InvalidParameter
        No form given, or one form given twice for one provider.
    """
    folder, paths = Path(region_dir), [Path(p) for p in forms]
    if not paths:
        raise InvalidParameter("zadejte alespoň jeden vrácený formulář")
    region = load_region(folder)
    file = read_services_file(folder)
    report = MergeReport([_read_form(p, region, file) for p in paths])
    keys = [f.key for f in report.forms if f.key]
    for f in report.forms:
        if f.key and keys.count(f.key) > 1:
            f.problems.append(Problem(f.path.name, None, None, f"poskytovatel {f.name} má mezi formuláři více než jeden; slučte jen jeden"))
    if apply and report.ok:
        now = now or dt.datetime.now().replace(microsecond=0)
        report.notes += _apply(folder, file, report.forms, now)
        report.applied = True
    return report


def _read_meta(path: Path, problems: list[Problem]) -> dict[str, object] | None:
    from openpyxl import load_workbook

    try:
        raw = inputfiles.read_input(path)
        inputfiles.check_xlsx(raw)  # a returned form is input from outside: limits before parsing
        book = load_workbook(io.BytesIO(raw))
    except inputfiles.UnreadableFile as exc:
        problems.append(Problem(path.name, None, None, str(exc)))
        return None
    except Exception as exc:  # not an XLSX: the user's to fix
        problems.append(Problem(path.name, None, None, f"soubor nelze otevřít jako XLSX ({exc})"))
        return None
    if META_SHEET not in book.sheetnames or DATA_SHEET not in book.sheetnames:
        problems.append(Problem(path.name, None, None, f"není to formulář kpwork (chybí list {META_SHEET} nebo {DATA_SHEET}); pošlete poskytovateli nový formulář"))
        return None
    meta: dict[str, object] = {"radek": []}
    try:
        for key, value in book[META_SHEET].iter_rows(values_only=True, max_col=2):
            if key == "radek":
                meta["radek"].append(json.loads(value))
            elif key:
                meta[str(key)] = "" if value is None else str(value)
    except (TypeError, ValueError):  # a row that is not JSON: the hidden sheet was edited
        meta["radek"] = None
    if meta["radek"] is not None and not all(isinstance(r, dict) for r in meta["radek"]):
        meta["radek"] = None
    if meta["radek"] is None or checksum(meta["radek"]) != meta.get("kontrolni_soucet"):
        problems.append(Problem(f"{path.name}[{META_SHEET}]", None, None, "skrytý list kpwork byl změněn; formulář nelze rozpoznat, pošlete poskytovateli nový"))
        return None
    return meta


def _read_form(path: Path, region: Region, file: ServicesFile) -> ReturnedForm:
    form = ReturnedForm(path)
    meta = _read_meta(path, form.problems)
    if meta is None:
        return form
    form.key, form.name, form.sent = str(meta["poskytovatel"]), str(meta["nazev"]), str(meta["odeslano"])
    if meta.get("region") != region.id:
        form.problems.append(Problem(path.name, None, None, f"formulář je z regionu {meta.get('region')}, ne z {region.id}"))
        return form
    sheet = sh.read_xlsx(path, sheet_name=DATA_SHEET)
    form.problems += sheet.problems
    log_ = sh.ProblemLog()
    if not sh.require_columns(sheet, FORM_COLUMNS, log_):
        form.problems += [dataclasses.replace(p, message=f"chybí sloupec (list {DATA_SHEET}; první řádek neměňte)") for p in log_.problems]
        return form
    sent = {r["id"]: r for r in meta["radek"]}
    current = {r.get("id", ""): r for r in providers(file).get(form.key, [])}
    if checksum([sent_row(r) for r in current.values()]) != meta["kontrolni_soucet"]:
        form.conflicts += _conflicts(sent, current)
    owners = {r.get("id", ""): r.get("poskytovatel", "") for r in file.rows}
    checker = _Checker(region, sheet, form)
    seen = set()
    for i, row in enumerate(sheet.frame.to_dict("records")):
        sid = row["id"]
        if not sid:
            checker.new(i, row, meta["radek"][0] if meta["radek"] else {})
        elif sid in seen:
            checker.add(i, "id", f"služba {sid} je ve formuláři dvakrát; novou službu zapište s prázdným id")
        elif sid in sent:
            seen.add(sid)
            checker.existing(i, row, sent[sid], current.get(sid, sent[sid]))
        elif sid in owners:
            checker.add(i, "id", f"služba {sid} patří poskytovateli {owners[sid]}; formulář smí měnit jen služby poskytovatele {form.name}")
        else:
            checker.add(i, "id", f"neznámá služba {sid}; id neměňte, novou službu zapište s prázdným id")
    for sid in sent.keys() - seen:
        form.problems.append(Problem(sheet.file, None, "id", f"řádek služby {sid} ({sent[sid]['nazev']}) chybí; skončila-li, napište do sloupce ukoncit ano"))
    return form


def _conflicts(sent: dict[str, dict[str, str]], current: dict[str, dict[str, str]]) -> list[str]:
    """Both versions of every cell that changed in services.csv since the form was sent."""
    out = []
    for sid in sorted(sent.keys() | current.keys()):
        if sid not in current:
            out.append(f"služba {sid}: ve formuláři, v services.csv už není")
        elif sid not in sent:
            out.append(f"služba {sid}: v services.csv přibyla po odeslání formuláře")
        else:
            now = sent_row(current[sid])
            out += [f"služba {sid}, {c}: odesláno „{sent[sid].get(c, '')}“, v services.csv nyní „{now[c]}“" for c in now if now[c] != sent[sid].get(c, "")]
    return out or ["services.csv se od odeslání formuláře změnil"]


class _Checker:
    """Checks the rows of one form and records their changes in the form."""

    def __init__(self, region: Region, sheet: sh.Sheet, form: ReturnedForm) -> None:
        self.region, self.sheet, self.form = region, sheet, form
        self.members = set(region.members)

    def add(self, i: int, column: str, message: str) -> None:
        self.form.problems.append(Problem(self.sheet.file, self.sheet.row(i), column, message))

    def canonical(self, column: str, text: str, druh: str = "") -> object:
        """What a cell means (``§49`` = ``domovy pro seniory``); ValueError in Czech when it is not valid."""
        text = " ".join(str(text).split())
        if not text:
            return ""
        try:
            return self._parse(column, text, druh)
        except ValueError as exc:
            raise ValueError(f"neplatná hodnota „{text}“: {exc}") from None

    def _parse(self, column: str, text: str, druh: str) -> object:
        if column == "druh":
            return self.region.vocabulary.service_type(text)
        if column == "forma":
            forma = normalise_form(text)
            if druh in SERVICE_TYPES and forma not in SERVICE_TYPES[druh].forms:
                raise ValueError(f"{SERVICE_TYPES[druh].label} se neposkytuje formou {FORMS[forma]}; možné: {', '.join(FORMS[f] for f in SERVICE_TYPES[druh].forms)}")
            return forma
        if column == "cilove_skupiny":
            return frozenset(self.region.vocabulary.target_groups(text))
        if column == "kapacita":
            return sh.non_negative(text)
        if column == "jednotka":
            return normalise_unit(text)
        if column in ("kod_obce", "pusobnost"):
            codes = frozenset(["*"] if text == "*" else map(sh.kod_obce, sh.split_list(text)))
            outside = sorted(codes - self.members - {"*"})
            if outside:
                raise ValueError(f"{', '.join(outside)} není členská obec regionu (kódy jsou na listu Seznamy)")
            return codes
        if column == "ico":
            return text.replace(" ", "").zfill(8)
        if column == "email" and "@" not in text:
            raise ValueError("e-mail musí obsahovat @")
        return text

    def same(self, column: str, a: str, b: str, druh: str = "") -> bool:
        try:
            return self.canonical(column, a, druh) == self.canonical(column, b, druh)
        except ValueError:
            return " ".join(str(a).split()) == " ".join(str(b).split())

    def existing(self, i: int, row: dict[str, str], sent: dict[str, str], current: dict[str, str]) -> None:
        sid, druh = sent["id"], self.canonical("druh", sent["druh"]) if sent["druh"] else ""
        for column in locked_columns(sent):
            if not self.same(column, row[column], sent.get(column, ""), druh):
                why = "je v registru poskytovatelů, změňte ho tam" if column in REGISTRY and sent.get("rpss_id") else "je uzamčený"
                self.add(i, column, f"služba {sid}: sloupec {why}; odesláno „{sent.get(column, '')}“, ve formuláři „{row[column]}“")
        if fold(row[ENDED]) in _YES:
            self.form.ended.append(sid)
            self.form.changes.append(Change(ENDED_KIND, sid, sent.get("rpss_id", ""), sent["nazev"], poznamka=row[NOTE]))
            return
        if row[ENDED]:
            self.add(i, ENDED, f"služba {sid}: napište ano (služba skončila), nebo nechte prázdné; ve formuláři „{row[ENDED]}“")
        updates = {}
        for column in (c for c in EDITABLE if c not in locked_columns(sent)):
            try:
                self.canonical(column, row[column], druh)
            except ValueError as exc:
                self.add(i, column, f"služba {sid}: {exc}")
                continue
            if column == "nazev" and not row[column]:
                self.add(i, column, f"služba {sid}: název nesmí být prázdný")
            elif not self.same(column, row[column], current.get(column, ""), druh):
                updates[column] = row[column]
                self.form.changes.append(Change(CHANGED, sid, sent.get("rpss_id", ""), sent["nazev"], column, current.get(column, ""), row[column], row[NOTE]))
        self.form.updates[sid] = updates
        self.form.confirmed.append(sid)

    def new(self, i: int, row: dict[str, str], provider: dict[str, str]) -> None:
        druh = ""
        for column in NEW_REQUIRED:
            if not row[column]:
                self.add(i, column, f"nová služba „{row['nazev'] or '?'}“: vyplňte {column} ({COLUMN_HELP[column]})")
        for column in ("druh", *EDITABLE, "kod_obce"):
            try:
                value = self.canonical(column, row[column], druh)
            except ValueError as exc:
                self.add(i, column, f"nová služba „{row['nazev'] or '?'}“: {exc}")
                continue
            druh = value if column == "druh" else druh
        if row["kod_obce"] and len(sh.split_list(row["kod_obce"])) > 1:
            self.add(i, "kod_obce", "nová služba: kod_obce je jedna obec, kde služba sídlí")
        fields = {c: row[c] for c in (*EDITABLE, "druh", "kod_obce")}
        self.form.new.append(fields | {"poskytovatel": provider.get("poskytovatel", self.form.name), "ico": provider.get("ico", ""), NOTE: row[NOTE]})
        self.form.changes.append(Change(ADDED, "(nová)", "", row["nazev"], poznamka=row[NOTE]))


# --- writing -----------------------------------------------------------------------------------


def _apply(folder: Path, file: ServicesFile, forms: list[ReturnedForm], now: dt.datetime) -> list[str]:
    """services.csv with the forms' changes (atomically), then the change log; returns notes."""
    today = now.date().isoformat()
    fmt = {"kapacita": lambda v: format_value(sh.parse_number(v), decimal_comma=file.decimal_comma)}
    referenced = referenced_ids(folder)
    taken = {r.get("id", "") for r in file.rows}
    by_id = {r.get("id", ""): dict(r) for r in file.rows}
    logged: list[tuple[ReturnedForm, Change]] = []
    notes = []
    for form in forms:
        for sid, updates in form.updates.items():
            by_id[sid].update({c: fmt.get(c, str)(v) for c, v in updates.items()} | {CONFIRMED: today})
        for sid in form.ended:
            if sid in referenced:
                by_id[sid][CONFIRMED] = today
                notes.append(f"služba {sid} ukončena, ale ponechána v services.csv: odkazuje na ni {referenced[sid]}; odstraňte ji, až tam nebude")
            else:
                del by_id[sid]
        new_ids = []
        for row in form.new:
            new_ids.append(_provisional_id(taken))
            taken.add(new_ids[-1])
            by_id[new_ids[-1]] = {"id": new_ids[-1], **{c: fmt.get(c, str)(v) for c, v in row.items() if c != NOTE}, CONFIRMED: today}
        provisional = iter(new_ids)  # the ADDED changes are in the order of form.new
        logged += [(form, dataclasses.replace(c, id=next(provisional)) if c.zmena == ADDED else c) for c in form.changes]
        logged += [(form, Change(CONFIRMED_KIND, sid, by_id[sid].get("rpss_id", ""), by_id[sid].get("nazev", ""))) for sid in form.confirmed if not form.updates.get(sid)]
    extra = [c for c in (*PROVIDER_ONLY,) if c not in file.keys]
    out_file = dataclasses.replace(file, keys=[*file.keys, *extra], header=[*file.header, *extra])
    note = write_services_file(out_file, list(by_id.values()))
    _append_log(folder, logged, now)
    return notes + ([note] if note else [])


def _provisional_id(taken: set[str]) -> str:
    """The next free provisional id of a new service: N01, N02, ...

    Examples
    --------
    >>> _provisional_id({"S01", "N01"})
    'N02'
    """
    n = 1
    while f"N{n:02d}" in taken:
        n += 1
    return f"N{n:02d}"


def _append_log(folder: Path, logged: list[tuple[ReturnedForm, Change]], now: dt.datetime) -> None:
    """Add lines to ``catalogue_changes.csv`` (UTF-8 with BOM, ``;``), keeping earlier rounds."""
    path = folder / CHANGE_LOG
    text = sh.decode(path.read_bytes()) if path.exists() else ""
    lines = [] if text.strip() else [LOG_COLUMNS]
    lines += [(now.isoformat(sep=" "), f.path.name, f.name, c.id, c.nazev, c.zmena, c.sloupec, c.puvodne, c.nove, c.poznamka) for f, c in logged]
    glue = "" if not text or text.endswith("\n") else "\r\n"
    sh.replace_file(path, (text + glue + sh.write_rows(lines)).encode("utf-8-sig"))


def read_change_log(folder: str | Path) -> pd.DataFrame:
    """``catalogue_changes.csv`` of a region folder as text (no rows when there is none)."""
    path = Path(folder) / CHANGE_LOG
    if not path.exists():
        return pd.DataFrame(columns=list(LOG_COLUMNS))
    return sh.read_sheet(path).frame


# --- status ------------------------------------------------------------------------------------


def unanswered(region_dir: str | Path, since: dt.date) -> pd.DataFrame:
    """Providers that have not confirmed their services since ``since``.

    Returns
    -------
    DataFrame
        ``poskytovatel``, ``ico``, ``sluzby`` (their ids), ``potvrzeno``
        (the latest confirmation, "" when never), one row per provider, by name.

    Raises
    ------
    KpworkError
        A ``potvrzeno`` cell is not a date.
    """
    file = read_services_file(Path(region_dir))
    rows = []
    for _key, services in providers(file).items():
        dates = []
        for row in services:
            text = row.get(CONFIRMED, "").strip()
            try:
                dates += [confirmation_date(text)] if text else []
            except ValueError as exc:
                raise KpworkError(f"{file.path.name}: služba {row.get('id')}: {CONFIRMED}: {exc}") from None
        last = max(dates) if dates else None
        if last is None or last < since:
            rows.append({"poskytovatel": services[0].get("poskytovatel", ""), "ico": services[0].get("ico", ""),
                         "sluzby": ", ".join(r.get("id", "") for r in services), CONFIRMED: last.isoformat() if last else ""})
    return pd.DataFrame(rows, columns=["poskytovatel", "ico", "sluzby", CONFIRMED]).sort_values("poskytovatel", ignore_index=True)
