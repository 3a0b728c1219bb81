"""The documents a microregion approves, written from a run's results: Word, Excel, QGIS layers, PDF.

Data flows one way: every document reads the run's result tables
(:mod:`kpwork.results`) and, for the plan, the region's plan inputs
(:class:`kpwork.plan.Plan`); nothing is recomputed.

- :mod:`~kpwork.documents.plan_doc`: ``dokumenty/plan.docx``, the community plan;
- :mod:`~kpwork.documents.monitoring_doc`: ``dokumenty/monitoring.docx``, the yearly monitoring report;
- :mod:`~kpwork.documents.workbook`: ``results/vysledky.xlsx``, every result table (internal);
- :mod:`~kpwork.documents.layers`: the gaps layer and the QGIS styles of ``results/vysledky.gpkg``;
- :mod:`~kpwork.documents.pdf`: ``dokumenty/<page>.pdf`` of the region, funding and monitoring pages (``--pdf``);
- :mod:`~kpwork.documents.static_maps`, :mod:`~kpwork.documents.word`: maps as PNG, the Word parts.

``docs/documents.md`` says which document is for whom.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kpwork.documents.layers import write_layers
from kpwork.documents.monitoring_doc import write_monitoring_doc
from kpwork.documents.plan_doc import write_plan_doc
from kpwork.documents.word import read_region_toml, template_path
from kpwork.documents.workbook import WORKBOOK, write_workbook

__all__ = ["DOCUMENTS_DIR", "plan_doc_from_run", "write_data_documents", "write_documents", "write_word_documents"]

#: Folder of a run with the documents for councils and the public (beside ``html/``).
DOCUMENTS_DIR = "dokumenty"


def write_data_documents(results_dir: str | Path, *, today: dt.date, lang: str = "cs") -> list[Path]:
    """``vysledky.xlsx`` and the gaps layer and QGIS styles of ``vysledky.gpkg``, in the run's ``results/``.

    Both are deterministic: ``kpwork reproduce`` writes them again and compares them.
    """
    from kpwork.results import GEOPACKAGE, load

    results = load(results_dir)
    folder = Path(results_dir)
    written = [write_workbook(results, folder / WORKBOOK, lang=lang, day=today)]
    if (folder / GEOPACKAGE).exists() and "mezery_obce" in results:
        write_layers(folder / GEOPACKAGE, results["mezery_obce"], main_type=results.meta.get("main_type"), today=today, lang=lang)
        written.append(folder / GEOPACKAGE)
    return written


def write_word_documents(results_dir: str | Path, out_dir: str | Path, *, region: Any, today: dt.date, rok: int | None,
                         lang: str = "cs") -> list[Path]:
    """``plan.docx`` and, for a region with a plan, ``monitoring.docx`` of year ``rok`` into ``out_dir``.

    Parameters
    ----------
    results_dir
        The run's ``results/``.
    out_dir
        Where the documents go (created).
    region
        The region (:class:`kpwork.region.Region`): its plan, its folder and
        region.toml's ``[dokumenty] sablona`` (the Word template).
    today
        The run's reference date.
    rok
        The year of the monitoring report (:func:`kpwork.runs.monitoring_year`).
    lang
        ``"cs"`` or ``"en"``.
    """
    from kpwork.results import load

    results = load(results_dir)
    template = template_path(region.path, read_region_toml(region.path))
    plan = region.extras.get("plan")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_plan_doc(results, out / "plan.docx", plan=plan, today=today, template=template, lang=lang)]
    if plan is not None and rok is not None and "plan_celkem" in results:
        written.append(write_monitoring_doc(results, out / "monitoring.docx", rok=rok, today=today, plan_name=plan.udaje.get("nazev"),
                                            template=template, lang=lang))
    return written


def write_documents(run_dir: str | Path, *, region: Any, today: dt.date, rok: int | None, lang: str = "cs", pdf: bool = False) -> list[Path]:
    """Every document of a run whose results and pages are written: the workbook, the layers, the Word documents, PDFs.

    Parameters
    ----------
    run_dir
        The run folder (``results/``, ``html/``).
    region, today, rok, lang
        As :func:`write_word_documents`.
    pdf
        Also print the region, funding and monitoring pages to PDF
        (:func:`kpwork.documents.pdf.print_pages`; needs Chromium).

    Returns
    -------
    list of Path
        The files written.
    """
    run = Path(run_dir)
    written = write_data_documents(run / "results", today=today, lang=lang)
    written += write_word_documents(run / "results", run / DOCUMENTS_DIR, region=region, today=today, rok=rok, lang=lang)
    if pdf:
        from kpwork.documents.pdf import print_pages

        written += print_pages(run / "html", run / DOCUMENTS_DIR)
    return written


def plan_doc_from_run(region_dir: str | Path, results_dir: str | Path, out: str | Path | None = None) -> Path:
    """``plan.docx`` of a region from the results of one of its runs (``kpwork plan-doc``).

    Parameters
    ----------
    region_dir
        The region folder: its plan and Word template are read (and validated) now.
    results_dir
        The run's ``results/`` (e.g. :func:`kpwork.serve.latest_results`); the
        date and language are the run's (``manifest.json`` beside it).
    out
        The ``.docx`` to write; ``<run>/dokumenty/plan.docx`` by default.

    Returns
    -------
    Path
    """
    from kpwork.manifest import read_manifest, reference_date
    from kpwork.region import load_region
    from kpwork.results import load

    region = load_region(region_dir)
    run = Path(results_dir).parent
    manifest = read_manifest(run)
    lang = manifest["parameters"].get("lang", "cs")
    target = Path(out) if out else run / DOCUMENTS_DIR / "plan.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    template = template_path(region.path, read_region_toml(region.path))
    return write_plan_doc(load(results_dir), target, plan=region.extras.get("plan"), today=reference_date(manifest), template=template, lang=lang)
