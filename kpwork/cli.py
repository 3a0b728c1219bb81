"""The ``kpwork`` command: parse, call one documented function, exit.

A :class:`~kpwork.errors.KpworkError` prints its message on stderr and exits
with status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import click

from kpwork.errors import InvalidRegion, KpworkError, KpworkWarning

DEFAULT_REGION = "data/otrokovicko"

log = logging.getLogger("kpwork")


def _user_errors(func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InvalidRegion as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            n = len(exc.problems)
            click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
            sys.exit(1)
        except KpworkError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was published.", err=True)
            sys.exit(130)

    return wrapper


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, KpworkWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        log.debug("%s: %s", category.__name__, message)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
@click.version_option(package_name="kpwork")
def main(verbose: bool) -> None:
    """kpwork: community planning of social services in a microregion."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Dask logs every worker start and stop at INFO; it reads its level when first imported
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if verbose else "warning")
    warnings.showwarning = _show_warning


region_argument = click.argument("region_dir", required=False, default=DEFAULT_REGION, type=click.Path(path_type=Path))


@main.command()
@region_argument
@_user_errors
def validate(region_dir: Path) -> None:
    """Check a region folder; list every problem as file:row: column: message."""
    from kpwork.region import load_region
    from kpwork.summary import describe_region

    region = load_region(region_dir)
    click.echo(describe_region(region))


@main.command()
@region_argument
@click.option("--out", "out_dir", default="outputs", show_default=True, type=click.Path(path_type=Path), help="Folder for the run outputs.")
@click.option("--only", multiple=True, metavar="KOD_OBCE", help="Render pages only for these municipalities (repeatable).")
@click.option("--workers", type=int, default=None, help="Parallel notebook workers (default: sized to the machine).")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="An existing Dask scheduler, e.g. tcp://host:8786.")
@click.option("--lang", type=click.Choice(["cs", "en"]), default="cs", show_default=True, help="Language of the pages.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@_user_errors
def run(region_dir: Path, out_dir: Path, only: tuple[str, ...], workers: int | None, scheduler: str | None, lang: str, no_progress: bool) -> None:
    """Validate, analyse, execute the notebooks and export the pages of a region."""
    from kpwork.runs import run_region

    result = run_region(region_dir, out_dir, only=list(only) or None, workers=workers, scheduler=scheduler, lang=lang, progress=not no_progress)
    latest = result.run_dir.parent / "latest"
    click.echo(f"run complete: {result.run_dir}")
    click.echo(f"  results (CSV for Excel, GeoPackage for QGIS): {result.run_dir / 'results'}")
    click.echo(f"  pages: open {latest / 'html' / 'index.html'} in a browser")


@main.command()
@region_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; another one shows the pages to the network.")
@click.option("--port", default=8866, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--out", "out_dir", default="outputs", show_default=True, type=click.Path(path_type=Path), help="Folder of the runs.")
@click.option("--cull-idle", "cull_idle", default=600, show_default=True, type=click.IntRange(0), help="Seconds after which an idle kernel with no page open is shut (0: never).")
@click.option("--cull-interval", default=60, show_default=True, type=click.IntRange(1), help="Seconds between culling checks.")
@_user_errors
def serve(region_dir: Path, host: str, port: int, out_dir: Path, cull_idle: int, cull_interval: int) -> None:
    """Serve the meeting pages (map, catalogue) of the latest run with Voila until Ctrl-C."""
    from kpwork.serve import Culling, latest_results
    from kpwork.serve import serve as serve_pages

    results = latest_results(region_dir, out_dir)
    click.echo(f"kpwork: pages of {results.parent} on http://{host if ':' not in host else f'[{host}]'}:{port}/ (Ctrl-C stops)", err=True)
    serve_pages(region_dir, host=host, port=port, out_dir=out_dir, culling=Culling(idle_timeout=cull_idle, interval=cull_interval))
    click.echo("kpwork: server stopped.", err=True)


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
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--municipalities", "n", required=True, type=click.IntRange(1, 899_999), help="Number of municipalities.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of every random draw.")
@click.option("--services", default=None, type=click.IntRange(3), help="Number of services (default: about 0.8 per municipality).")
@_user_errors
def synth(out_dir: Path, n: int, seed: int, services: int | None) -> None:
    """Write a synthetic but valid region (for benchmarks and tests) into OUT_DIR."""
    from kpwork.synth import synthesize_region

    folder = synthesize_region(n, seed, out_dir, services=services)
    click.echo(f"synthetic region of {n} municipalities written to {folder}")
