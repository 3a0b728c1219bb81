"""The ``kpwork`` command: parse, call one documented function, exit.

A :class:`~kpwork.errors.KpworkError` prints its message on stderr and exits
with status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import click

from kpwork.config import DEFAULT_REGION, OUTPUTS_DIR, RUN, SERVE
from kpwork.errors import InvalidRegion, KpworkError, KpworkWarning, RunError, write_failure
from kpwork.messages import (
    command_language,
    czech,
    problem_text,
    run_error_text,
    say,
    without_follow_ons,
)
from kpwork.pages.format import count

log = logging.getLogger("kpwork")


class Terminated(KeyboardInterrupt):
    """SIGTERM: cleaned up like Ctrl-C (a run removes its temporary folder), then exit status 143."""


def _terminate(signum, frame) -> None:
    raise Terminated


def _lang() -> str:
    """The language of this command's messages (set by :func:`_user_errors` from ``--lang`` and the locale)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("kpwork.lang", "cs") if ctx else command_language()


def _user_errors(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        lang = command_language(kwargs.get("lang"))
        click.get_current_context().meta["kpwork.lang"] = lang
        try:
            return func(*args, **kwargs)
        except InvalidRegion as exc:
            problems = without_follow_ons(exc.problems)
            for problem in problems:
                click.echo(problem_text(problem, lang), err=True)
            click.echo(say("found", lang, problems=count(len(problems), lang, "problém").replace("\u00a0", " ")), err=True)
            sys.exit(1)
        except RunError as exc:
            click.echo(run_error_text(exc, lang), err=True)
            sys.exit(1)
        except KpworkError as exc:
            click.echo(say("error", lang, message=exc), err=True)
            sys.exit(1)
        except OSError as exc:
            failure = write_failure(exc)
            if failure is None:
                raise
            click.echo(say("error", lang, message=failure), err=True)
            sys.exit(1)
        except Terminated:
            _quiet_shutdown()
            click.echo(say("terminated", lang), err=True)
            sys.exit(143)
        except KeyboardInterrupt:
            _quiet_shutdown()
            click.echo(say("interrupted", lang), err=True)
            sys.exit(130)

    return wrapper


def _quiet_shutdown() -> None:
    """After Ctrl-C or SIGTERM, the message is the last line: no traceback of a library shutting down.

    Dask closes a cluster caught half started at interpreter exit and asyncio
    reports the tasks it abandoned; both would print tracebacks after
    kpwork's message. Their loggers and the hook of exceptions raised at
    exit are silenced (the processes are stopped either way).
    """
    sys.unraisablehook = lambda unraisable: None
    for name in ("asyncio", "distributed", "tornado"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, KpworkWarning):
        lang = _lang()
        click.echo(say("warning", lang, message=czech(str(message)) if lang == "cs" else message), err=True)
    else:
        log.debug("%s: %s", category.__name__, message)


lang_option = click.option("--lang", type=click.Choice(["cs", "en"]), default=None, help="Language of the messages (default: Czech, English when LANG/LC_ALL is English).")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
@click.version_option(package_name="kpwork")
def main(verbose: bool) -> None:
    """kpwork: community planning of social services in a microregion."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Dask logs every worker start and stop at INFO; it reads its level when first imported
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if verbose else "warning")
    warnings.showwarning = _show_warning
    # Ctrl-C stops every command, cleanly: a shell without job control starts background commands
    # (a scheduler's, CI's `make test &`) with SIGINT ignored, and Python keeps an inherited ignore
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # every command says its warnings, also when one process runs several (Python shows a warning once per place)
    warnings.simplefilter("always", KpworkWarning)
    _show_progress(True)


def _show_progress(on: bool) -> None:
    """Lines of ``kpwork.progress`` (what a long load reads) on stderr, plain; off with ``--no-progress``."""
    progress = logging.getLogger("kpwork.progress")
    for handler in list(progress.handlers):
        progress.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("kpwork: %(message)s"))
    progress.addHandler(handler)
    progress.propagate = False
    progress.setLevel(logging.INFO if on else logging.WARNING)


region_argument = click.argument("region_dir", required=False, default=DEFAULT_REGION, type=click.Path(path_type=Path))


@main.command()
@region_argument
@lang_option
@_user_errors
def validate(region_dir: Path, lang: str | None) -> None:
    """Check a region folder; list every problem with its file, row, column and the service or municipality it concerns."""
    from kpwork.region import load_region
    from kpwork.summary import describe_region

    region = load_region(region_dir)
    click.echo(describe_region(region, lang=_lang()))


@main.command()
@region_argument
@click.option("--out", "out_dir", default=OUTPUTS_DIR, show_default=True, type=click.Path(path_type=Path), help="Folder for the run outputs.")
@click.option("--only", multiple=True, metavar="KOD_OBCE", help="Render pages only for these municipalities (repeatable).")
@click.option("--workers", type=int, default=None, help="Parallel notebook workers (default: sized to the machine).")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="An existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--lang", type=click.Choice(["cs", "en"]), default=None, help="Language of the pages and messages (pages: Czech by default; messages: Czech, English when LANG/LC_ALL is English).")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@click.option("--pdf", is_flag=True, help="Also print the region, funding and monitoring pages to PDF (needs Chromium).")
@_user_errors
def run(region_dir: Path, out_dir: Path, only: tuple[str, ...], workers: int | None, scheduler: str | None, lang: str | None, no_progress: bool, pdf: bool) -> None:
    """Validate, analyse, execute the notebooks and export the pages and documents of a region."""
    from kpwork.runs import run_region

    _show_progress(not no_progress)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)  # a run stopped by SIGTERM cleans up like Ctrl-C
    result = run_region(region_dir, out_dir, only=list(only) or None, workers=workers, scheduler=scheduler, lang=lang or RUN.lang, progress=not no_progress, pdf=pdf)
    latest = result.run_dir.parent / "latest"
    said = _lang()
    click.echo(say("run_done", said, path=result.run_dir))
    click.echo(say("run_results", said, path=result.run_dir / "results"))
    click.echo(say("run_documents_pdf" if pdf else "run_documents", said, path=result.run_dir / "dokumenty"))
    click.echo(say("run_pages", said, path=latest / "html" / "index.html"))


@main.command("plan-doc")
@region_argument
@click.option("--out", "out", default=None, type=click.Path(path_type=Path), help="The .docx to write (default: dokumenty/plan.docx of the latest run).")
@click.option("--runs", "runs_dir", default=OUTPUTS_DIR, show_default=True, type=click.Path(path_type=Path), help="Folder of the runs.")
@lang_option
@_user_errors
def plan_doc(region_dir: Path, out: Path | None, runs_dir: Path, lang: str | None) -> None:
    """Write the community plan as a Word document from the region's latest run."""
    from kpwork.documents import plan_doc_from_run
    from kpwork.serve import latest_results

    click.echo(say("plan_written", _lang(), path=plan_doc_from_run(region_dir, latest_results(region_dir, runs_dir), out)))


@main.command()
@region_argument
@click.option("--host", default=SERVE.host, show_default=True, help="Address to listen on; another one shows the pages to the network.")
@click.option("--port", default=SERVE.port, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--out", "out_dir", default=OUTPUTS_DIR, show_default=True, type=click.Path(path_type=Path), help="Folder of the runs.")
@click.option("--viewers", default=SERVE.viewers, show_default=True, type=click.IntRange(1), help="People expected to open the meeting page at once: pages prepared in advance.")
@click.option("--max-pages", default=None, type=click.IntRange(2), help="Pages open at most (each takes ~250 MiB); default: half the free memory.")
@click.option("--grace", default=SERVE.grace, show_default=True, type=click.IntRange(1), help="Seconds a page may stay without its browser (closed, never opened) before it is freed.")
@click.option("--allow-host", "extra_hosts", multiple=True, help="Another name the server answers to (e.g. its name in the local network); repeatable.")
@lang_option
@_user_errors
def serve(region_dir: Path, host: str, port: int, out_dir: Path, viewers: int, max_pages: int | None, grace: int, extra_hosts: tuple[str, ...], lang: str | None) -> None:
    """Serve the meeting pages (map, catalogue) of the latest run with Voila until Ctrl-C."""
    from kpwork.serve import latest_results, page_limits
    from kpwork.serve import serve as serve_pages

    results = latest_results(region_dir, out_dir)
    limits = page_limits(max_pages=max_pages, viewers=viewers, grace=grace)

    def listening(url: str) -> None:
        click.echo(say("serve_on", _lang(), run=results.parent, url=url, viewers=viewers), err=True)

    def ready() -> None:
        click.echo(say("serve_ready", _lang(), viewers=viewers, max_pages=limits.max_pages), err=True)

    verbose = log.isEnabledFor(logging.INFO)
    if not verbose:  # Tornado warns per refused file or route (403/404) and per slow websocket: not news for a coordinator
        for name in ("tornado.general", "tornado.application"):
            logging.getLogger(name).setLevel(logging.ERROR)
    serve_pages(region_dir, host=host, port=port, out_dir=out_dir, limits=limits, extra_hosts=extra_hosts, on_listening=listening, on_ready=ready, verbose=verbose)
    click.echo(say("serve_stopped", _lang()), err=True)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--region", "region_dir", default=None, type=click.Path(path_type=Path), help="Where the inputs are now, if they moved (default: as in the manifest).")
@_user_errors
def reproduce(run_dir: Path, region_dir: Path | None) -> None:
    """Re-run a run's analysis from its manifest and compare every result table; exit 0 when identical."""
    from kpwork.reproduce import reproduce as reproduce_run

    report = reproduce_run(run_dir, region_dir=region_dir)
    for line in report.lines():
        click.echo(line, err=not report.ok and not line.startswith("reproduced"))
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@_user_errors
def env(run_dir: Path) -> None:
    """Print the exact requirements (name==version) that rebuild a run's environment: kpwork env RUN_DIR > requirements.txt."""
    from kpwork.environment import requirements
    from kpwork.manifest import read_manifest

    for line in requirements(read_manifest(run_dir)):
        click.echo(line)


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--municipalities", "n", default=None, type=click.IntRange(1, 899_999), help="Number of municipalities (required without --real; with it: that many around one drawn with the seed).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of every random draw.")
@click.option("--services", default=None, type=click.IntRange(3), help="Number of services (default: about 0.8 per municipality).")
@click.option("--real", is_flag=True, help="Real municipalities (ČÚZK boundaries, ČSÚ 2020 ages) instead of a grid: the whole country by default.")
@click.option("--okres", default=None, help="With --real: the municipalities of one district (okres), e.g. Zlín.")
@click.option("--kraj", default=None, help='With --real: the municipalities of one region (kraj), e.g. "Zlínský kraj".')
@_user_errors
def synth(out_dir: Path, n: int | None, seed: int, services: int | None, real: bool, okres: str | None, kraj: str | None) -> None:
    """Write a synthetic but valid region (for benchmarks and tests) into OUT_DIR."""
    from kpwork.synth import synthesize_region

    if n is None and not real:
        raise click.UsageError("--municipalities is required (or --real for real municipalities)")
    folder = synthesize_region(n, seed, out_dir, services=services, real=real, okres=okres, kraj=kraj)
    what = "real municipalities with synthetic services" if real else "municipalities"
    click.echo(f"synthetic region ({what}) written to {folder}")


@main.command()
@click.argument("region_dir", type=click.Path(path_type=Path))
@click.option("--obce", multiple=True, metavar="NÁZVY_NEBO_KÓDY", help='Member municipalities by name or 6-digit code, separated by commas: "Otrokovice, Napajedla, 588318"; "Pohořelice (Zlín)" picks one of several of a name.')
@click.option("--okres", multiple=True, metavar="OKRES", help="Every municipality of a district (okres), e.g. Zlín.")
@click.option("--kraj", multiple=True, metavar="KRAJ", help='Every municipality of a region (kraj), e.g. "Zlínský kraj".')
@click.option("--nazev", default=None, help="The region's name on its pages (default: the folder's name).")
@click.option("--populace", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False), help="A newer ČSÚ age table (CSV or XLSX) instead of the shipped 2020 figures (repeatable; docs/reference.md).")
@click.option("--rok", type=click.IntRange(1900, 2100), default=None, help="Year of the --populace figures when the table has no rok column.")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty folder (its other files are kept).")
@lang_option
@_user_errors
def init(region_dir: Path, obce: tuple[str, ...], okres: tuple[str, ...], kraj: tuple[str, ...], nazev: str | None, populace: tuple[Path, ...], rok: int | None, force: bool, lang: str | None) -> None:
    """Create a region folder from the national reference: boundaries, ages, templates."""
    from kpwork.create import FILE_NOTES, create_region
    from kpwork.reference import read_population_table, select_members

    members = select_members(obce=obce, okres=okres, kraj=kraj)
    population = read_population_table(populace, rok=rok) if populace else None
    source = f"ČSÚ, {', '.join(p.name for p in populace)}" if populace else None
    written = create_region(region_dir, members["kod_obce"], name=nazev, force=force, population=population, population_source=source)
    said = _lang()
    click.echo(say("init_done", said, path=region_dir, members=count(len(members), said, "obec").replace("\u00a0", " ")))
    for path in written:
        click.echo(f"  {path.name:24} {FILE_NOTES.get(path.name, '')}")
    click.echo(say("init_next", said, path=region_dir))


@main.command("import-rpss")
@click.argument("region_dir", type=click.Path(path_type=Path))
@click.argument("rpss_json", type=click.Path(path_type=Path))
@click.option("--ciselniky", type=click.Path(path_type=Path, file_okay=False), default=None, help="Folder of the registry's codelists (default: the folder of RPSS_JSON).")
@_user_errors
def import_rpss(region_dir: Path, rpss_json: Path, ciselniky: Path | None) -> None:
    """Merge the region's services from the registry export rpss.json into services.csv."""
    from kpwork.rpss import import_rpss as run_import

    for line in run_import(region_dir, rpss_json, ciselniky=ciselniky).lines():
        click.echo(line)


@main.group()
def catalogue() -> None:
    """Providers update their own catalogue entries: forms out, a reviewed merge back (docs/catalogue.md)."""


@catalogue.command("forms")
@click.argument("region_dir", type=click.Path(path_type=Path))
@click.argument("out_dir", type=click.Path(path_type=Path))
@_user_errors
def catalogue_forms(region_dir: Path, out_dir: Path) -> None:
    """Write one XLSX form per provider (by IČO) with its services into OUT_DIR."""
    from kpwork.catalogue import write_forms

    for line in write_forms(region_dir, out_dir).lines():
        click.echo(line)


@catalogue.command("merge")
@click.argument("region_dir", type=click.Path(path_type=Path))
@click.argument("forms", nargs=-1, type=click.Path(path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Write the changes into services.csv and catalogue_changes.csv (without it: only list them).")
@_user_errors
def catalogue_merge(region_dir: Path, forms: tuple[Path, ...], apply_: bool) -> None:
    """Check returned forms, list the changes per service; write them only with --apply."""
    from kpwork.catalogue import merge_forms

    report = merge_forms(region_dir, forms, apply=apply_)
    for line in report.lines():
        click.echo(line, err=not report.ok)
    sys.exit(0 if report.ok else 1)


@catalogue.command("status")
@click.argument("region_dir", type=click.Path(path_type=Path))
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Providers that have not confirmed their services since this date (YYYY-MM-DD).")
@_user_errors
def catalogue_status(region_dir: Path, since) -> None:
    """List providers that have not answered (confirmed their services) since a date."""
    from kpwork.catalogue import unanswered

    table = unanswered(region_dir, since.date())
    if table.empty:
        click.echo(f"všichni poskytovatelé potvrdili své služby od {since.date().isoformat()}")
        return
    click.echo(f"neodpověděli od {since.date().isoformat()} (poskytovatelů: {len(table)}):")
    for row in table.to_dict("records"):
        click.echo(f"  {row['poskytovatel']} (IČO {row['ico'] or 'chybí'}; služby {row['sluzby']}): naposledy {row['potvrzeno'] or 'nikdy'}")
