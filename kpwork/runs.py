"""A run: validate, analyse once, write results, execute and export the notebooks.

Everything of a run is written into a hidden temporary folder next to its
final place and renamed into ``outputs/<region-id>/<run-id>/`` only when it
is complete; then ``latest`` is switched to it atomically. A failed or
interrupted run leaves no partial folder and never moves ``latest``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.analysis import analyse_region
from kpwork.codes import as_kod_obce
from kpwork.config import NOTEBOOKS_DIR, OUTPUTS_DIR, RUN
from kpwork.errors import InvalidParameter, RunError
from kpwork.kernels import notebook_kernel
from kpwork.manifest import build_manifest, utc_now, write_manifest
from kpwork.region import Region, load_region
from kpwork.results import write_results

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution of a run.

    ``name`` is the output stem (``region``, ``obec_585599``, ...); the
    executed notebook goes to ``notebooks/<name>.ipynb`` and its page to
    ``html/<name>.html``.
    """

    template: str
    name: str
    title: str
    parameters: dict
    kod_obce: str | None = None


@dataclass
class RunResult:
    """Where a finished run lies and what it produced."""

    run_dir: Path
    manifest: dict
    pages: list[Path] = field(default_factory=list)


def run_region(
    region_dir: str | Path,
    out_dir: str | Path = OUTPUTS_DIR,
    *,
    only: Sequence[str | int] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    lang: str = RUN.lang,
    progress: bool = True,
    timeout: int = RUN.cell_timeout,
    notebooks_dir: str | Path | None = None,
) -> RunResult:
    """Run the workbook on a region folder.

    Parameters
    ----------
    region_dir
        The region folder (validated first; bad input raises
        :class:`~kpwork.errors.InvalidRegion` with nothing written).
    out_dir
        Where ``<region-id>/<run-id>/`` is created.
    only
        ``kod_obce`` of the municipalities whose pages are rendered; all
        members when None. The analysis always covers the whole region.
    workers, scheduler
        Parallel execution of the notebooks (see :func:`execute_jobs`).
    lang
        Language of the pages, ``"cs"`` or ``"en"``.
    progress
        Show a progress bar per step on stderr.
    timeout
        Seconds one notebook cell may run before the run fails (600 by default).
    notebooks_dir
        Folder of the notebook templates (the workbook's ``notebooks/`` by default).

    Returns
    -------
    RunResult

    Raises
    ------
    InvalidRegion, InvalidParameter, RunError
        Nothing is written and ``latest`` does not move; the same holds for
        ``KeyboardInterrupt``.
    """
    started = utc_now()
    clock = _Stopwatch()
    if workers is not None and workers < 1:
        raise InvalidParameter(f"workers: expected 1 or more worker processes, got {workers}")
    if timeout <= 0:
        raise InvalidParameter(f"timeout: expected seconds > 0, got {timeout}")
    region = load_region(region_dir)
    pages_for = _select_members(region, only)
    today = started.date()  # reference date of plan monitoring; reproduce uses the recorded one
    with clock("analysis"):
        analysis = analyse_region(region, today=today)
    source = Path(notebooks_dir).resolve() if notebooks_dir else NOTEBOOKS_DIR
    jobs = plan_jobs(region, analysis.meta, pages_for, lang=lang, today=today)
    _check_templates(jobs, source)
    region_out = Path(out_dir) / region.id
    run_id = started.strftime("%Y%m%d-%H%M%S")
    final = _free_run_dir(region_out, run_id)
    tmp = region_out / f".tmp-{final.name}-{os.getpid()}"
    created_region_out = not region_out.exists()
    try:
        tmp.mkdir(parents=True)
        with clock("results"):
            write_results(analysis.tables, analysis.layers, analysis.meta, tmp / "results")
            if analysis.meta.get("has_funding"):
                _write_council_workbook(analysis.tables, tmp / "results", lang=lang)
        with clock("notebooks"):
            footer = page_footer(analysis.meta, today, lang=lang)
            execution = execute_jobs(jobs, source, tmp, workers=workers, scheduler=scheduler, timeout=timeout, progress=progress, footer=footer)
        pages = [tmp / "html" / f"{job.name}.html" for job in jobs]
        write_index(jobs, analysis.meta, tmp / "html", lang=lang, today=today)
        parameters = {
            "region_dir": str(Path(region_dir).resolve()),
            "only": list(pages_for) if only else None,
            "lang": lang,
            "today": today.isoformat(),
            "timeout": timeout,
            "notebooks_dir": str(source) if notebooks_dir else None,
            "workers": workers,
            "scheduler": scheduler,
        }
        manifest = build_manifest(region, tmp, parameters, started=started, run_id=final.name, execution=execution, timings=clock.seconds)
        write_manifest(manifest, tmp)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created_region_out:
            with contextlib.suppress(OSError):
                region_out.rmdir()  # only when empty: another run may have written there meanwhile
        raise
    _point_latest(region_out, final)
    log.info("run written to %s", final)
    return RunResult(run_dir=final, manifest=manifest, pages=[final / "html" / p.name for p in pages])


def _write_council_workbook(tables: dict, results_dir: Path, *, lang: str) -> Path:
    """``financovani_rada.xlsx``: the contributions a municipal council votes on, one sheet per view."""
    from kpwork.pages.funding import council_tables, write_council_xlsx

    return write_council_xlsx(council_tables(tables, lang=lang), results_dir / "financovani_rada.xlsx")


class _Stopwatch:
    """Wall-clock seconds per named step of a run (for the manifest)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, step: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[step] = round(time.perf_counter() - t0, 3)


def _check_templates(jobs: Sequence[NotebookJob], source: Path) -> None:
    missing = sorted({j.template for j in jobs if not (source / j.template).exists()})
    if missing:
        raise RunError(f"{', '.join(missing)} not found in {source}; the run needs these notebooks")


def _select_members(region: Region, only: Sequence[str | int] | None) -> list[str]:
    if not only:
        return list(region.members)
    codes = [as_kod_obce(c) for c in only]
    unknown = [c for c in codes if c not in region.members]
    if unknown:
        raise InvalidParameter(f"--only: {', '.join(unknown)} not a member of {region.id} (members: {', '.join(region.members)})")
    return codes


def _free_run_dir(region_out: Path, run_id: str) -> Path:
    candidate, n = region_out / run_id, 1
    while candidate.exists():
        n += 1
        candidate = region_out / f"{run_id}-{n}"
    return candidate


def _point_latest(region_out: Path, final: Path) -> None:
    """Switch ``latest`` to ``final`` atomically (a symlink replaced by rename)."""
    link = region_out / "latest"
    tmp_link = region_out / f".latest-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(final.name, tmp_link)
    os.replace(tmp_link, link)


def plan_jobs(region: Region, meta: dict, members: Sequence[str], *, today: dt.date, lang: str = RUN.lang) -> list[NotebookJob]:
    """The notebooks of a run: region overview, funding, monitoring, one page per scenario, one per member.

    Parameters
    ----------
    region
        The region of the run.
    meta
        The analysis's metadata (``names``, ``has_funding``, ``has_plan``).
    members
        ``kod_obce`` of the municipalities that get a page.
    today
        The run's reference date: the monitoring page shows the year
        :func:`monitoring_year` gives for it.
    lang
        Language of the pages.

    Returns
    -------
    list of NotebookJob
        Each with exactly the parameters its notebook declares and uses
        (``results_dir`` relative to the run's ``notebooks/``, ``lang``, and
        ``kod_obce`` or ``rok`` where the page needs one).
    """
    common = {"results_dir": "../results", "lang": lang}
    jobs = [NotebookJob("region.ipynb", "region", f"{region.name}: přehled", dict(common))]
    if meta.get("has_funding"):
        jobs.append(NotebookJob("funding.ipynb", "financovani", f"{region.name}: financování společných služeb", dict(common)))
    if meta.get("has_plan"):
        rok = monitoring_year(region.extras["plan"].years, today)
        jobs.append(NotebookJob("monitoring.ipynb", "monitoring", f"{region.name}: plnění plánu", {**common, "rok": rok}))
    for k, name in enumerate(meta.get("scenarios", ()), start=1):  # the region's scenarios/ files
        jobs.append(NotebookJob("scenario.ipynb", f"scenar_{k}", f"{region.name}: scénář {name}", {**common, "scenar": name}))
    names = meta["names"]
    for code in members:
        jobs.append(NotebookJob("municipality.ipynb", f"obec_{code}", names[code], {**common, "kod_obce": code}, kod_obce=code))
    return jobs


def monitoring_year(plan_years: Sequence[int], today: dt.date) -> int:
    """The year the monitoring page of a run shows: the reference date's year, within the plan's years.

    Parameters
    ----------
    plan_years
        The years of the plan (:attr:`kpwork.plan.Plan.years`).
    today
        The run's reference date (recorded in the manifest as ``parameters.today``).

    Returns
    -------
    int
        ``today.year``, but not before the plan's first year nor after its
        last (``today.year`` when the plan has no years).

    Examples
    --------
    >>> monitoring_year([2024, 2025], dt.date(2025, 3, 1))
    2025
    >>> monitoring_year([2024, 2025], dt.date(2026, 12, 1)), monitoring_year([2024, 2025], dt.date(2023, 1, 1))
    (2025, 2024)
    """
    if not plan_years:
        return today.year
    return min(max(today.year, min(plan_years)), max(plan_years))


def execute_jobs(
    jobs: Sequence[NotebookJob],
    source: Path,
    run_dir: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: int = RUN.cell_timeout,
    progress: bool = True,
    footer: str = "",
) -> dict:
    """Execute every job on Dask into ``run_dir/notebooks`` and ``run_dir/html``.

    Each notebook runs on a warm kernel of a Dask worker
    (:mod:`kpwork.execution`), with the kernel's working directory set to
    ``run_dir/notebooks`` (this process never changes directory), so
    ``results_dir = "../results"`` points at the run's results. Workers
    return the executed notebook and its page; only this process writes,
    ending every page with ``footer`` (HTML, see :func:`page_footer`).

    Returns
    -------
    dict
        How the notebooks were executed (for the manifest).

    Raises
    ------
    RunError
        Naming the notebook, the failing cell and the municipality.
    """
    from kpwork.execution import default_workers, execute_tasks, tasks_for

    out = run_dir / "notebooks"
    html_dir = run_dir / "html"
    out.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    kernel = notebook_kernel()
    tasks = tasks_for(jobs, source, out, kernel_name=kernel, timeout=timeout)
    n = workers or default_workers()
    outcomes = execute_tasks(tasks, workers=n, scheduler=scheduler, progress=progress)
    by_name = {job.name: job for job in jobs}
    for outcome in outcomes:
        if outcome.error:
            raise _run_error(by_name[outcome.name], outcome.error)
        (out / f"{outcome.name}.ipynb").write_text(outcome.notebook, encoding="utf-8")
        (html_dir / f"{outcome.name}.html").write_text(_with_footer(outcome.html, footer), encoding="utf-8")
    return {
        "backend": "dask",
        "cluster": scheduler or f"LocalCluster({min(n, len(jobs))} workers)",
        "kernel": kernel,
        "notebooks": len(outcomes),
        "workers_used": len({o.worker for o in outcomes}),
        "notebook_seconds": round(sum(o.seconds for o in outcomes), 3),
    }


def _run_error(job: NotebookJob, error: dict) -> RunError:
    where = f" (in: {error['source']})" if error.get("source") else ""
    return RunError(f"{error['ename']}: {error['evalue']}{where}", notebook=job.template, cell=error.get("exec_count"), kod_obce=job.kod_obce)


def page_footer(meta: dict, today: dt.date, *, lang: str = RUN.lang) -> str:
    """The footer of every page of a run: its date, the year of the population figures, the sources.

    Parameters
    ----------
    meta
        The analysis's metadata (``population_years``).
    today
        The run's reference date.
    lang
        Language of the pages.

    Returns
    -------
    str
        A ``<footer class="kp-footer">`` element (:func:`kpwork.pages.views.footer`).
    """
    from kpwork.pages.views import footer

    return footer(meta, lang=lang, run_date=today).html


def _with_footer(page: str, footer: str) -> str:
    """``page`` with ``footer`` just before its ``</body>``."""
    if not footer:
        return page
    head, body_end, tail = page.rpartition("</body>")
    return f"{head}{footer}\n{body_end}{tail}" if body_end else page + footer


def write_index(jobs: Sequence[NotebookJob], meta: dict, html_dir: Path, *, lang: str = RUN.lang, today: dt.date | None = None) -> Path:
    """``html/index.html``: the region's name, the run's date and data year, the list of its pages, the sources."""
    import html as html_lib

    from kpwork.pages.labels import word
    from kpwork.pages.views import footer, run_facts

    name = html_lib.escape(meta["region_name"])
    facts = html_lib.escape(run_facts(meta, lang=lang, run_date=today))
    items = "\n".join(f'<li><a href="{html_lib.escape(j.name)}.html">{html_lib.escape(j.title)}</a></li>' for j in jobs)
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{name}</title>'
        '<style>body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:760px;margin:2em auto;line-height:1.5}'
        ".kp-footer{margin-top:2em;padding-top:.5em;border-top:1px solid #ccc;color:#555;font-size:13px}</style></head>"
        f'<body><h1>{name}</h1><p class="kp-run">{facts}</p><h2>{html_lib.escape(word("run_pages", lang))}</h2><ul>\n{items}\n</ul>'
        f"{footer(meta, lang=lang, run_date=today).html}</body></html>\n"
    )
    path = html_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
