"""Reproduce a run from its manifest and compare every result table.

An evaluator holding a run folder asks: do the same inputs still give the
same numbers? :func:`reproduce` checks each input file named in
``manifest.json`` against its SHA-256, and so kpwork's package data the run
read (the default norms, the terms; ``package_data``), recomputes the results into a
temporary folder with the current code, and compares every table (the CSV
tables, the GeoPackage layers with the gaps layer and the QGIS styles, and
``region.json``) cell by cell: integers and text exactly, floats to a relative
tolerance of 1e-9 (NaN equals NaN); so the cells of ``vysledky.xlsx`` and the
text of ``plan.docx`` and ``monitoring.docx`` (:func:`compare_documents`; PDFs
and map images are not compared, their bytes depend on Chromium and matplotlib). It also
compares the environment with the run's (every installed distribution, Python,
GDAL, PROJ; :mod:`kpwork.environment`) and names the packages that differ:
``kpwork env RUN_DIR > requirements.txt`` rebuilds the run's environment. The
tables are compared either way.
"""

from __future__ import annotations

import json
import logging
import math
import re
import stat
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from kpwork.config import FILES
from kpwork.environment import EnvironmentChange, environment_changes
from kpwork.errors import InvalidRegion, KpworkError
from kpwork.manifest import (
    MANIFEST,
    git_commit,
    package_data,
    read_manifest,
    reference_date,
    sha256,
)
from kpwork.region.load import OPTIONAL_INPUTS
from kpwork.scenarios.inputs import FOLDER as SCENARIOS_FOLDER

log = logging.getLogger(__name__)

#: Relative tolerance for float cells.
RTOL = 1e-9


@dataclass(frozen=True)
class InputChange:
    """An input whose bytes differ from the run's: ``changed``, ``missing`` or ``new``.

    ``package_data``: a file of kpwork (``kpwork/data/norms.csv``), not of the region.
    """

    path: str
    status: str
    expected: str | None = None
    found: str | None = None
    package_data: bool = False

    def __str__(self) -> str:
        what = "kpwork's package data, " if self.package_data else ""
        if self.status == "changed":
            return f"input changed: {self.path} ({what}sha256 {self.expected[:12]}… in the run, now {self.found[:12]}…)"
        if self.status == "missing":
            return f"input missing: {self.path}" + (" (kpwork's package data)" if self.package_data else "")
        return f"input new: {self.path} ({what}not in the run's manifest)"


@dataclass(frozen=True)
class CellDifference:
    """One cell that differs; ``row`` as Excel numbers it (header = row 1)."""

    table: str
    row: int | None
    column: str | None
    expected: object
    found: object

    def __str__(self) -> str:
        where = f"{self.table}: row {self.row if self.row is not None else '-'}: {self.column or '-'}"
        return f"{where}: {self.expected!r} in the run, {self.found!r} now"


@dataclass
class ReproduceReport:
    """The outcome of :func:`reproduce`; ``ok`` when every table is the same."""

    run_dir: Path
    inputs: list[InputChange] = field(default_factory=list)
    differences: list[CellDifference] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    packages: list[EnvironmentChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    commit: tuple[str | None, str | None] | None = None

    @property
    def ok(self) -> bool:
        """True when every result table was reproduced from the run's very inputs."""
        return not self.differences and not self.problems and not self.inputs

    def lines(self) -> list[str]:
        """What to tell the user, one finding per line."""
        out = [str(c) for c in self.inputs]
        out += [f"inputs do not load now: {p}" for p in self.problems]
        out += [f"differs: {d}" for d in self.differences]
        out += self.environment_lines()
        if self.ok:
            out.append(f"reproduced: {len(self.tables)} result tables identical")
        elif self.problems:
            out.append("not reproduced: the inputs do not load")
        elif not self.differences:
            out.append(f"nereprodukováno: vstupy se liší od vstupů běhu ({len(self.inputs)}), i když tabulky ({len(self.tables)}) vyšly stejně")
        else:
            tables = sorted({d.table for d in self.differences})
            out.append(f"not reproduced: {len(tables)} of {len(self.tables)} tables differ ({', '.join(tables)})")
        return out

    def environment_lines(self) -> list[str]:
        """What differs between the run's environment and this one, and how to rebuild the run's."""
        out = []
        if self.commit:
            out.append(f"kpwork: commit {self.commit[0] or 'not recorded'} in the run -> {self.commit[1] or 'not in git'} now")
        if not self.packages:
            return out + ["environment: the same versions as the run's"]
        n = len(self.packages)
        out.append(f"environment differs from the run's ({n} package{'s' if n != 1 else ''}):")
        out += [f"  {change}" for change in self.packages]
        out.append(f"  to rebuild the run's environment: kpwork env {self.run_dir} > requirements.txt,"
                   " then pip install -r requirements.txt in a fresh venv (Python of the run)")
        return out


def reproduce(run_dir: str | Path, *, region_dir: str | Path | None = None, max_cells: int = 20) -> ReproduceReport:
    """Re-run the analysis of a run from its manifest and compare the results.

    Parameters
    ----------
    run_dir
        A run folder (``outputs/<region>/<run-id>`` or ``latest``) with ``manifest.json``.
    region_dir
        Where the inputs are now, when they moved; the manifest's
        ``parameters.region_dir`` by default.
    max_cells
        At most this many differing cells are listed per table (then one
        line says how many more).

    Returns
    -------
    ReproduceReport

    Raises
    ------
    KpworkError
        When the run has no manifest or a malformed one
        (:func:`kpwork.manifest.read_manifest`). Inputs that no longer load
        are reported (``problems``), not raised.
    """
    from kpwork.analysis import analyse_region
    from kpwork.region import load_region
    from kpwork.results import write_results

    run = Path(run_dir)
    manifest = read_manifest(run)
    _check_fields(manifest, run)
    source = Path(region_dir or manifest["parameters"]["region_dir"])
    if not (source / FILES.config).is_file():
        raise KpworkError(f"{source}: není složka regionu (chybí {FILES.config}); je-li region jinde, zadejte ho: kpwork reproduce {run} --region SLOŽKA")
    report = ReproduceReport(run_dir=run, inputs=_input_changes(manifest, source) + _package_data_changes(manifest))
    report.packages = environment_changes(manifest)
    report.commit = _commit_change(manifest)
    try:
        region = load_region(source)
    except InvalidRegion as exc:
        report.problems = [str(p) for p in exc.problems]
        return report
    known = {i["path"] for i in manifest["inputs"]}
    report.inputs += [InputChange(p.relative_to(region.path).as_posix(), "new") for p in region.inputs if p.relative_to(region.path).as_posix() not in known]
    analysis = analyse_region(region, today=reference_date(manifest))
    with tempfile.TemporaryDirectory(prefix="kpwork-reproduce-") as tmp:
        fresh = Path(tmp) / "results"
        write_results(analysis.tables, analysis.layers, analysis.meta, fresh)
        lang = manifest["parameters"].get("lang", "cs")
        documents = _write_documents(run, fresh, region, manifest, lang=lang)
        report.tables, report.differences = compare_results(run / "results", fresh, max_cells=max_cells)
        if documents:
            tables, differences = compare_documents(run, fresh.parent, max_cells=max_cells)
            report.tables += tables
            report.differences += differences
    return report


def _check_fields(manifest: dict, run: Path) -> None:
    """Refuse a manifest whose inputs or package data are not records of the shape :mod:`kpwork.manifest` writes."""
    where = run / MANIFEST
    if not isinstance(manifest["parameters"]["region_dir"], str):
        raise KpworkError(f"{where}: parameters.region_dir: očekávána cesta (text), je tam {manifest['parameters']['region_dir']!r}; manifest byl změněn, použijte původní")
    for field_name in ("distributions", "packages", "native", "kpwork"):
        value = manifest.get(field_name)
        if value is not None and not (isinstance(value, dict) and all(isinstance(k, str) and (v is None or isinstance(v, str | bool)) for k, v in value.items())):
            raise KpworkError(f"{where}: {field_name}: očekávány názvy a verze (objekt JSON), je tam {str(value)[:80]!r}; manifest byl změněn, použijte původní")
    if manifest.get("python") is not None and not isinstance(manifest["python"], str):
        raise KpworkError(f"{where}: python: očekávána verze (text), je tam {manifest['python']!r}; manifest byl změněn, použijte původní")
    for field_name in ("inputs", "package_data"):
        items = manifest.get(field_name, [])
        if not isinstance(items, list):
            raise KpworkError(f"{where}: {field_name}: očekáván seznam souborů, je tam {type(items).__name__}; manifest byl změněn, použijte původní")
        for n, item in enumerate(items):
            if not (isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("sha256"), str) and _SHA256.fullmatch(item["sha256"])):
                raise KpworkError(f"{where}: {field_name}[{n}]: očekáván záznam s path a sha256 (64 šestnáctkových číslic), je tam {str(item)[:80]!r}; manifest byl změněn, použijte původní")


_SHA256 = re.compile(r"[0-9a-f]{64}")
#: Names an input of a region can have: the loader reads only these, at the top of the region folder.
_INPUT_NAME = re.compile(
    rf"(?:{re.escape(FILES.config)}|{'|'.join(map(re.escape, FILES.geometry))}"
    rf"|(?:{'|'.join(re.escape(b) for b in (FILES.population, FILES.services, FILES.usage, *(base for base, _ in OPTIONAL_INPUTS.values())))})\.(?:csv|xlsx)"
    rf"|(?:{'|'.join(re.escape(base) for base, _ in OPTIONAL_INPUTS.values())})_[^/\\]+\.csv"
    rf"|{re.escape(SCENARIOS_FOLDER)}/[^/\\]+\.(?:csv|xlsx))"
)


def input_path(source: Path, name: str) -> Path:
    """The file a manifest's input ``name`` stands for, when it may be read: a region input inside ``source``.

    Nothing outside the region folder is touched, and not even its existence
    is looked at, before the name has passed every check.

    Raises
    ------
    KpworkError
        When ``name`` is not the name of a region input (an absolute path,
        ``..``, a subfolder), resolves outside the region folder (a symlink
        out), or is not a regular file (a device, a pipe, a folder).

    Examples
    --------
    >>> input_path(Path("data/otrokovicko"), "/etc/shadow")
    Traceback (most recent call last):
    ...
    kpwork.errors.KpworkError: manifest: vstup '/etc/shadow' není soubor složky regionu (kpwork čte jen region.toml, municipalities.* a listy jako services.csv); manifest byl změněn, použijte původní
    """
    if not _INPUT_NAME.fullmatch(name):
        raise KpworkError(f"manifest: vstup {name!r} není soubor složky regionu (kpwork čte jen region.toml, municipalities.* a listy jako services.csv); manifest byl změněn, použijte původní")
    path = source / name
    root = source.resolve()
    folder = root / SCENARIOS_FOLDER if name.startswith(f"{SCENARIOS_FOLDER}/") else root  # scenarios sit in their own folder
    if path.resolve().parent != folder:
        raise KpworkError(f"{path}: odkaz vede mimo složku regionu; kpwork čte jen soubory ve složce regionu: nahraďte odkaz souborem")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        raise KpworkError(f"{path}: není obyčejný soubor; kpwork čte jen soubory: nahraďte ho souborem s daty běhu")
    return path
def _write_documents(run: Path, fresh: Path, region, manifest: dict, *, lang: str) -> bool:
    """The run's deterministic documents again, when the run wrote them (runs before kpwork.documents did not).

    ``vysledky.xlsx``, the gaps layer and the QGIS styles go beside the fresh
    results; ``plan.docx`` and ``monitoring.docx`` into ``dokumenty/`` beside
    them. PDFs and the map images are not compared: Chromium and matplotlib
    write bytes that differ between versions while the text is the same.
    """
    from kpwork.documents import DOCUMENTS_DIR, write_data_documents, write_word_documents
    from kpwork.documents.workbook import WORKBOOK
    from kpwork.runs import monitoring_year

    if not (run / "results" / WORKBOOK).exists():
        return False
    today = reference_date(manifest)
    write_data_documents(fresh, today=today, lang=lang)
    plan = region.extras.get("plan")
    rok = monitoring_year(plan.years, today) if plan is not None else None
    write_word_documents(fresh, fresh.parent / DOCUMENTS_DIR, region=region, today=today, rok=rok, lang=lang)
    return True


def compare_documents(run: Path, fresh: Path, *, max_cells: int = 20) -> tuple[list[str], list[CellDifference]]:
    """Compare the run's documents with fresh ones: ``vysledky.xlsx`` cell by cell, the Word documents line by line.

    Parameters
    ----------
    run, fresh
        Run folders (``results/vysledky.xlsx``, ``dokumenty/*.docx``).

    Returns
    -------
    The documents compared and the differing cells or lines (row = line of the document's text).
    """
    from kpwork.documents import DOCUMENTS_DIR
    from kpwork.documents.word import document_text
    from kpwork.documents.workbook import WORKBOOK

    names, diffs = [], []
    a, b = run / "results" / WORKBOOK, fresh / "results" / WORKBOOK
    if a.exists() or b.exists():
        names.append(WORKBOOK)
        diffs += _compare_workbooks(a, b, max_cells=max_cells)
    docs = sorted({p.name for p in (run / DOCUMENTS_DIR).glob("*.docx")} | {p.name for p in (fresh / DOCUMENTS_DIR).glob("*.docx")})
    for name in docs:
        old_doc, new_doc = run / DOCUMENTS_DIR / name, fresh / DOCUMENTS_DIR / name
        names.append(f"{DOCUMENTS_DIR}/{name}")
        if not (old_doc.exists() and new_doc.exists()):
            diffs.append(CellDifference(name, None, None, "document" if old_doc.exists() else None, "document" if new_doc.exists() else None))
            continue
        old, new = document_text(old_doc), document_text(new_doc)
        frame = partial(pd.DataFrame, columns=["text"])
        diffs += compare_frames(f"{DOCUMENTS_DIR}/{name}", frame([[t] for t in old]), frame([[t] for t in new]), max_cells=max_cells)
    return names, diffs


def _compare_workbooks(a: Path, b: Path, *, max_cells: int) -> list[CellDifference]:
    if not (a.exists() and b.exists()):
        return [CellDifference(a.name, None, None, "workbook" if a.exists() else None, "workbook" if b.exists() else None)]
    from openpyxl import load_workbook

    old, new = load_workbook(a, read_only=True), load_workbook(b, read_only=True)
    diffs = [CellDifference(a.name, None, s, "sheet" if s in old.sheetnames else None, "sheet" if s in new.sheetnames else None)
             for s in sorted(set(old.sheetnames) ^ set(new.sheetnames))]
    for sheet in [s for s in old.sheetnames if s in new.sheetnames]:
        diffs += compare_frames(f"{a.name}:{sheet}", _sheet_rows(old[sheet]), _sheet_rows(new[sheet]), max_cells=max_cells)
    return diffs


def _sheet_rows(sheet) -> pd.DataFrame:
    """A read-only sheet's values, each row padded to the widest: a streamed sheet leaves a row's empty cells at its end unwritten."""
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    width = max(map(len, rows), default=0)
    return pd.DataFrame([r + (None,) * (width - len(r)) for r in rows])


def _input_changes(manifest: dict, source: Path) -> list[InputChange]:
    changes = []
    for item in manifest["inputs"]:
        path = input_path(source, item["path"])
        if not path.exists():
            changes.append(InputChange(item["path"], "missing", item["sha256"]))
            continue
        digest = sha256(path)
        if digest != item["sha256"]:
            changes.append(InputChange(item["path"], "changed", item["sha256"], digest))
    return changes


def _package_data_changes(manifest: dict) -> list[InputChange]:
    """Changes of kpwork's package data since the run (none for a manifest without ``package_data``).

    Only this installation's files are hashed; the manifest's paths are compared as names.
    """
    recorded = manifest.get("package_data")
    if recorded is None:
        return []
    now = {item["path"]: item["sha256"] for item in package_data()}
    changes = []
    for item in recorded:
        digest = now.get(item["path"])
        if digest != item["sha256"]:
            changes.append(InputChange(item["path"], "changed" if digest else "missing", item["sha256"], digest, package_data=True))
    known = {item["path"] for item in recorded}
    changes += [InputChange(path, "new", package_data=True) for path in now if path not in known]
    return changes


def _commit_change(manifest: dict) -> tuple[str | None, str | None] | None:
    """The run's kpwork commit and this one's, when they differ (None when the same)."""
    recorded = (manifest.get("kpwork") or {}).get("git_commit")
    now, _ = git_commit()
    return None if recorded == now else (recorded, now)


def compare_results(expected: Path, found: Path, *, max_cells: int = 20) -> tuple[list[str], list[CellDifference]]:
    """Compare two results folders table by table.

    Returns the names of the tables compared and the differing cells.
    """
    from kpwork.results import GEOPACKAGE, META, read_table

    _check_result_files(expected)
    differences: list[CellDifference] = []
    names = sorted({p.stem for p in expected.glob("*.csv")} | {p.stem for p in found.glob("*.csv")})
    for name in names:
        a, b = expected / f"{name}.csv", found / f"{name}.csv"
        if not (a.exists() and b.exists()):
            differences.append(CellDifference(name, None, None, "table" if a.exists() else None, "table" if b.exists() else None))
            continue
        differences += compare_frames(name, read_table(a), read_table(b), max_cells=max_cells)
    tables = list(names)
    if (expected / GEOPACKAGE).exists() or (found / GEOPACKAGE).exists():
        for layer in _layers(expected / GEOPACKAGE) | _layers(found / GEOPACKAGE):
            tables.append(f"{GEOPACKAGE}:{layer}")
            differences += _compare_layer(expected / GEOPACKAGE, found / GEOPACKAGE, layer, max_cells=max_cells)
    tables.append(META)
    old = json.loads((expected / META).read_text(encoding="utf-8")) if (expected / META).exists() else None
    new = json.loads((found / META).read_text(encoding="utf-8")) if (found / META).exists() else None
    if old != new:
        keys = sorted(set(old or {}) | set(new or {}))
        differences += [CellDifference(META, None, k, (old or {}).get(k), (new or {}).get(k)) for k in keys if (old or {}).get(k) != (new or {}).get(k)]
    return tables, differences


def _check_result_files(folder: Path) -> None:
    """Refuse a run's results folder holding a link or anything but regular files (nothing outside the run is read)."""
    if folder.is_symlink():
        raise KpworkError(f"{folder}: odkaz; výsledky běhu jsou složka, kterou běh zapsal: složka běhu byla změněna, použijte původní")
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        from kpwork.results import PAGE_DATA_DIR

        if path.name == PAGE_DATA_DIR and not path.is_symlink() and path.is_dir():
            _check_result_files(path)  # the pages' own data (not compared: it is cut from the tables that are)
            continue
        if path.is_symlink() or not stat.S_ISREG(path.lstat().st_mode):
            what = "odkaz" if path.is_symlink() else "není obyčejný soubor"
            raise KpworkError(f"{path}: {what}; výsledky běhu jsou jen soubory, které běh zapsal: složka běhu byla změněna, použijte původní")


def _layers(path: Path) -> set[str]:
    if not path.exists():
        return set()
    import pyogrio

    return {str(name) for name, _ in pyogrio.list_layers(path)}


def _compare_layer(a: Path, b: Path, layer: str, *, max_cells: int) -> list[CellDifference]:
    import geopandas as gpd

    name = f"vysledky.gpkg:{layer}"
    if layer not in _layers(a) or layer not in _layers(b):
        return [CellDifference(name, None, None, "layer" if layer in _layers(a) else None, "layer" if layer in _layers(b) else None)]
    old, new = gpd.read_file(a, layer=layer), gpd.read_file(b, layer=layer)
    if "geometry" not in old.columns or "geometry" not in new.columns:  # a table without geometry: the QGIS styles
        return compare_frames(name, pd.DataFrame(old), pd.DataFrame(new), max_cells=max_cells)
    diffs = compare_frames(name, pd.DataFrame(old.drop(columns="geometry")), pd.DataFrame(new.drop(columns="geometry")), max_cells=max_cells)
    if len(old) == len(new):
        same = old.geometry.geom_equals_exact(new.geometry, tolerance=1e-6).to_numpy() | (old.geometry.isna() & new.geometry.isna()).to_numpy()
        for i in np.flatnonzero(~same)[:max_cells]:
            diffs.append(CellDifference(name, int(i) + 2, "geometry", old.geometry.iloc[i].wkt[:60], new.geometry.iloc[i].wkt[:60]))
    return diffs


def compare_frames(table: str, old: pd.DataFrame, new: pd.DataFrame, *, max_cells: int = 20) -> list[CellDifference]:
    """Cells of ``new`` that differ from ``old``: exact for integers and text, 1e-9 relative for floats.

    Examples
    --------
    >>> a = pd.DataFrame({"kod_obce": ["500011"], "potreba": [1.0]})
    >>> [str(d) for d in compare_frames("t", a, a.assign(potreba=1.0 + 1e-12))]
    []
    >>> [str(d) for d in compare_frames("t", a, a.assign(potreba=1.5))]
    ['t: row 2: potreba: 1.0 in the run, 1.5 now']
    """
    diffs: list[CellDifference] = []
    if list(old.columns) != list(new.columns):
        missing = [c for c in old.columns if c not in new.columns]
        extra = [c for c in new.columns if c not in old.columns]
        diffs += [CellDifference(table, None, c, "column", None) for c in missing]
        diffs += [CellDifference(table, None, c, None, "column") for c in extra]
    if len(old) != len(new):
        diffs.append(CellDifference(table, None, None, f"{len(old)} rows", f"{len(new)} rows"))
    n = min(len(old), len(new))
    for column in [c for c in old.columns if c in new.columns]:
        a, b = old[column].iloc[:n].reset_index(drop=True), new[column].iloc[:n].reset_index(drop=True)
        bad = np.flatnonzero(~_equal(a, b))
        for i in bad[:max_cells]:
            diffs.append(CellDifference(table, int(i) + 2, column, _plain(a.iloc[i]), _plain(b.iloc[i])))
        if len(bad) > max_cells:
            diffs.append(CellDifference(table, None, column, f"{len(bad) - max_cells} more cells differ", "…"))
    return diffs


def _equal(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_na = (a.isna() & b.isna()).to_numpy()
    if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(float, na_value=np.nan), b.to_numpy(float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                close = np.isclose(x, y, rtol=RTOL, atol=0.0) | (x == y)
            return close | both_na
    same = (a.astype(object).to_numpy() == b.astype(object).to_numpy())
    return np.asarray(same, dtype=bool) | both_na


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
