"""A run: validate, analyse once, write results, execute and export the notebooks.

Everything of a run is written into a hidden temporary folder next to its
final place and renamed into ``outputs/<region-id>/<run-id>/`` only when it
is complete; then ``latest`` is switched to it atomically. A failed or
interrupted run leaves no partial folder and never moves ``latest``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kpwork.analysis import analyse_region
from kpwork.codes import as_kod_obce
from kpwork.config import NOTEBOOKS_DIR, OUTPUTS_DIR, RUN
from kpwork.documents import write_documents
from kpwork.errors import InvalidParameter, KpworkWarning, RunError, write_failure
from kpwork.kernels import notebook_kernel
from kpwork.manifest import build_manifest, changed_inputs, utc_now, write_manifest
from kpwork.pages.navigation import PageLink, page_link
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
    kind: str = "region"
    about: str = ""

    @property
    def link(self) -> PageLink:
        """The page of this job in the navigation bar and the index."""
        return PageLink(self.name, self.kind, self.title, self.about)


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
    pdf: bool = False,
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
    pdf
        Also print the region, funding and monitoring pages to PDF
        (``dokumenty/*.pdf``; needs Chromium, see :mod:`kpwork.documents.pdf`).

    Returns
    -------
    RunResult

    Raises
    ------
    InvalidRegion, InvalidParameter, RunError
        Nothing is written and ``latest`` does not move; the same holds for
        ``KeyboardInterrupt``. RunError also when another run writes into
        the same output folder, when an input changed or was deleted during
        the run, and when the disk is full or the folder read-only.
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
    with _writing_to(region_out), one_run_at_a_time(region_out):
        return _publish(region, region_out, jobs, analysis, source, clock, started=started, today=today, parameters={
            "region_dir": str(Path(region_dir).resolve()),
            "only": list(pages_for) if only else None,
            "lang": lang,
            "today": today.isoformat(),
            "rok": next((job.parameters["rok"] for job in jobs if "rok" in job.parameters), None),
            "timeout": timeout,
            "notebooks_dir": str(source) if notebooks_dir else None,
            "workers": workers,
            "scheduler": scheduler,
            "pdf": pdf,
        }, progress=progress)


def _publish(region: Region, region_out: Path, jobs: list[NotebookJob], analysis, source: Path, clock: _Stopwatch, *, started: dt.datetime, today: dt.date, parameters: dict, progress: bool) -> RunResult:
    """Write the run into a temporary folder, check its inputs did not change, rename it into place, point ``latest``."""
    lang, workers, scheduler, timeout = parameters["lang"], parameters["workers"], parameters["scheduler"], parameters["timeout"]
    final = _free_run_dir(region_out, started.strftime("%Y%m%d-%H%M%S"))
    tmp = region_out / f"{TMP_PREFIX}{final.name}-{os.getpid()}"
    try:
        tmp.mkdir(parents=True)
        with clock("results"):
            write_results(analysis.tables, analysis.layers, analysis.meta, tmp / "results")
            if analysis.meta.get("has_funding"):
                _write_council_workbook(analysis.tables, tmp / "results", lang=lang)
        with clock("notebooks"):
            footer = page_footer(analysis.meta, today, lang=lang)
            page_data = page_data_writer(analysis, tmp / "results")
            execution = execute_jobs(jobs, source, tmp, workers=workers, scheduler=scheduler, timeout=timeout, progress=progress, footer=footer, lang=lang, before=page_data)
        pages = [tmp / "html" / f"{job.name}.html" for job in jobs]
        write_index(jobs, analysis.meta, tmp / "html", lang=lang, today=today)
        with clock("documents"):  # plan.docx, monitoring.docx, vysledky.xlsx, the gaps layer and QGIS styles; PDFs with --pdf
            rok = monitoring_year(region.extras["plan"].years, today) if analysis.meta.get("has_plan") else None
            write_documents(tmp, region=region, today=today, rok=rok, lang=lang, pdf=parameters["pdf"])
        changed = changed_inputs(region)
        if changed:
            raise RunError("; ".join(changed) + "; nic nebylo zveřejněno")
        manifest = build_manifest(region, tmp, parameters, started=started, run_id=final.name, execution=execution, timings=clock.seconds)
        write_manifest(manifest, tmp)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
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
    """Switch ``latest`` to ``final`` atomically (a symlink replaced by rename).

    A ``latest`` that is not a symlink (a copy that followed the link, a file)
    is first renamed to ``latest-kopie-<run id>`` beside it, with a warning:
    nothing of the user's is deleted and ``latest`` points to the new run.
    """
    link = region_out / "latest"
    tmp_link = region_out / f".latest-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    if link.exists() and not link.is_symlink():
        kept = region_out / f"latest-kopie-{final.name}"
        os.rename(link, kept)
        warnings.warn(f"{link} nebyl odkaz na běh, ale {'složka' if kept.is_dir() else 'soubor'}; přejmenován na {kept.name}, latest teď ukazuje na {final.name}", KpworkWarning, stacklevel=3)
    os.symlink(final.name, tmp_link)
    os.replace(tmp_link, link)


#: Prefix of the temporary folder of a run in progress: ``.tmp-<run id>-<process id>``.
TMP_PREFIX = ".tmp-"
#: The lock file that lets one run at a time write into a region's output folder.
LOCK_FILE = ".kpwork-run.lock"


@contextlib.contextmanager
def one_run_at_a_time(region_out: Path) -> Iterator[None]:
    """Hold the lock of a region's output folder for a run, and clean what killed runs left there.

    Raises
    ------
    RunError
        When another run holds the lock (two runs of one region into one
        output folder would publish over each other).
    """
    from filelock import FileLock, Timeout

    region_out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(region_out / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunError(f"do {region_out} právě zapisuje jiný běh kpwork (téhož regionu); počkejte, až skončí, a spusťte běh znovu") from None
    try:
        remove_stale_runs(region_out)
        yield
    finally:
        lock.release()


def remove_stale_runs(region_out: Path) -> list[Path]:
    """Remove the temporary folders (``.tmp-<run>-<pid>``) and ``latest`` links of runs whose process is gone.

    Call it holding the folder's lock (:func:`one_run_at_a_time`). A folder
    whose process still exists is kept (it may be a run of an older kpwork
    without the lock). Returns what was removed.
    """
    removed = []
    for path in sorted(region_out.glob(f"{TMP_PREFIX}*")) + sorted(region_out.glob(".latest-*")):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or _process_alive(int(pid)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        log.info("removed %s, left by a run that was killed", path)
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process runs one run at a time: an older folder of it is litter
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextlib.contextmanager
def _writing_to(region_out: Path) -> Iterator[None]:
    """Turn a failed write of a run (full disk, read-only or forbidden folder) into a one-line RunError."""
    created = not region_out.exists()
    try:
        yield
    except BaseException as exc:
        if created:
            _remove_if_only_lock(region_out)
        failure = write_failure(exc, region_out, what="nic nebylo zveřejněno") if isinstance(exc, OSError) else None
        if failure:
            raise RunError(str(failure)) from exc
        raise


def _remove_if_only_lock(region_out: Path) -> None:
    """Remove an output folder this failed run created, when it holds nothing but the lock file."""
    with contextlib.suppress(OSError):
        if [p.name for p in region_out.iterdir()] == [LOCK_FILE]:
            (region_out / LOCK_FILE).unlink()
            region_out.rmdir()


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

    def job(template: str, name: str, kind: str, parameters: dict, **link) -> NotebookJob:
        page = page_link(name, kind, region=region.name, lang=lang, **link)
        return NotebookJob(template, name, page.title, parameters, kod_obce=parameters.get("kod_obce"), kind=kind, about=page.about)

    jobs = [job("region.ipynb", "region", "region", dict(common))]
    if meta.get("has_funding"):
        jobs.append(job("funding.ipynb", "financovani", "funding", dict(common)))
    if meta.get("has_plan"):
        rok = monitoring_year(region.extras["plan"].years, today)
        jobs.append(job("monitoring.ipynb", "monitoring", "monitoring", {**common, "rok": rok}, rok=rok))
    for k, name in enumerate(meta.get("scenarios", ()), start=1):  # the region's scenarios/ files
        title = meta.get("scenario_titles", {}).get(name, name)  # older results: the file's name
        jobs.append(job("scenario.ipynb", f"scenar_{k}", "scenario", {**common, "scenar": name}, title=title))
    names = meta["names"]
    for code in members:
        jobs.append(job("municipality.ipynb", f"obec_{code}", "member", {**common, "kod_obce": code}, title=names[code]))
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
    lang: str = RUN.lang,
    before: Callable[[NotebookJob], None] | None = None,
) -> dict:
    """Execute every job on Dask into ``run_dir/notebooks`` and ``run_dir/html``, streaming.

    Each notebook runs on a warm kernel of a Dask worker
    (:mod:`kpwork.execution`), with the kernel's working directory set to
    ``run_dir/notebooks`` (this process never changes directory), so
    ``results_dir = "../results"`` points at the run's results. Workers
    return the executed notebook and its page; only this process writes,
    each page as soon as it comes back (:func:`_write_outcome`), starting
    it with the navigation bar of the run's pages in ``lang``
    (:func:`kpwork.pages.navigation.nav_bar`) and ending it with ``footer``
    (HTML, see :func:`page_footer`). Jobs are handed out a few at a time, so
    memory stays flat over any number of pages.

    Parameters
    ----------
    before
        Called with each job just before it is handed to a worker (the run
        writes the page's own data there: :func:`page_data_writer`).

    Returns
    -------
    dict
        How the notebooks were executed (for the manifest).

    Raises
    ------
    RunError
        Naming the notebook, the failing cell and the municipality.
    """
    from kpwork.execution import SHARED_CSS, default_workers, execute_tasks, shared_css, tasks_for

    out = run_dir / "notebooks"
    html_dir = run_dir / "html"
    out.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    (html_dir / SHARED_CSS).write_text(shared_css(), encoding="utf-8")
    kernel = notebook_kernel()
    n = workers or default_workers()
    by_name = {job.name: job for job in jobs}

    def tasks():
        for job in jobs:
            if before is not None:
                before(job)
            yield from tasks_for([job], source, out, kernel_name=kernel, timeout=timeout)

    write = functools.partial(_write_outcome, out=out, html_dir=html_dir, footer=footer, links=[job.link for job in jobs], lang=lang)
    outcomes = execute_tasks(tasks(), workers=n, scheduler=scheduler, progress=progress, on_outcome=write, total=len(jobs))
    if outcomes and outcomes[-1].error:
        raise _run_error(by_name[outcomes[-1].name], outcomes[-1].error)
    return {
        "backend": "dask",
        "cluster": scheduler or f"LocalCluster({min(n, len(jobs))} workers)",
        "kernel": kernel,
        "notebooks": len(outcomes),
        "workers_used": len({o.worker for o in outcomes}),
        "notebook_seconds": round(sum(o.seconds for o in outcomes), 3),
        "seconds_per_notebook": _mean_per_template(outcomes, by_name, "seconds"),
        "cpu_seconds_per_notebook": _mean_per_template(outcomes, by_name, "cpu_seconds"),
    }


def _mean_per_template(outcomes, jobs: dict[str, NotebookJob], measure: str) -> dict[str, float]:
    """Mean wall or CPU seconds of one notebook and its page per template, as workers spent them."""
    spent: dict[str, list[float]] = {}
    for outcome in outcomes:
        spent.setdefault(jobs[outcome.name].template, []).append(getattr(outcome, measure))
    return {template: round(sum(s) / len(s), 3) for template, s in sorted(spent.items())}


def _write_outcome(outcome, *, out: Path, html_dir: Path, footer: str, links: list[PageLink], lang: str) -> None:
    """Write one finished notebook and its page (with the run's navigation bar and footer)."""
    from kpwork.pages.navigation import nav_bar, with_nav

    (out / f"{outcome.name}.ipynb").write_text(outcome.notebook, encoding="utf-8")
    page = with_nav(_with_footer(outcome.html, footer), nav_bar(links, current=outcome.name, lang=lang))
    (html_dir / f"{outcome.name}.html").write_text(page, encoding="utf-8")


def page_data_writer(analysis, results_dir: Path) -> Callable[[NotebookJob], None]:
    """Write each municipality page's own data just before its notebook runs.

    The data (:mod:`kpwork.pages.neighbourhood`, one small file per member
    in ``results/stranky/``) is cut from the analysis in this process, one
    member at a time in the order of the jobs, so the pages read a few kB
    instead of the whole region's tables and nothing accumulates.

    Parameters
    ----------
    analysis
        The run's :class:`kpwork.analysis.Analysis`.
    results_dir
        The run's ``results`` folder.

    Returns
    -------
    callable
        Taking a :class:`NotebookJob`; does nothing for jobs of no member.
    """
    from kpwork.pages.neighbourhood import PageCutter
    from kpwork.results import write_page_data

    cutter: list[PageCutter] = []  # built on the first member page (a run of the region page alone needs none)

    def write(job: NotebookJob) -> None:
        if job.kod_obce is None:
            return
        if not cutter:
            cutter.append(PageCutter(analysis.tables, analysis.layers, analysis.meta))
        write_page_data(cutter[0](job.kod_obce), results_dir, job.kod_obce)

    return write


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
    """``html/index.html``: the region's name, the run's date and data year, every page with one line on it, the sources."""
    from kpwork.pages.navigation import index_page
    from kpwork.pages.views import footer, run_facts

    page = index_page([job.link for job in jobs], meta, facts=run_facts(meta, lang=lang, run_date=today), footer=footer(meta, lang=lang, run_date=today), lang=lang)
    path = html_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
