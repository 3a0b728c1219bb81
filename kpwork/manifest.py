"""The manifest of a run: what an evaluator needs to know and check about it.

``manifest.json`` is the last file a run writes (:mod:`kpwork.runs`) and the
first one :mod:`kpwork.reproduce` reads. It records the parameters, every
input and output file with its SHA-256, the package data of kpwork the
analysis read (the default norms, the table of terms), the versions of kpwork
and of the key packages, every installed distribution, GDAL, PROJ, Python and
the platform (:mod:`kpwork.environment`: ``kpwork env`` rebuilds the
environment from them), how the notebooks were executed and how long each
step took. The fields are documented in ``docs/runs.md`` (``manifest_version`` 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from kpwork.analysis import population_years
from kpwork.environment import installed_distributions, native_libraries, platform_info
from kpwork.errors import KpworkError
from kpwork.region.model import Region

#: File name of the manifest in a run folder.
MANIFEST = "manifest.json"
#: Version of the manifest layout (bump when a field changes meaning).
MANIFEST_VERSION = 2
#: Packages whose versions go into the manifest.
KEY_PACKAGES = (
    "kpwork", "pandas", "numpy", "scipy", "geopandas", "shapely", "pyproj", "pyogrio", "openpyxl", "folium",
    "matplotlib", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client", "dask", "distributed",
)
#: Package data the analysis reads, in ``kpwork/data``: the default norms
#: (:func:`kpwork.need.default_norms`), the terms (:func:`kpwork.taxonomy.package_terms`)
#: and unit conversions where the installation has them.
PACKAGE_DATA = ("norms.csv", "terms.csv", "conversions.csv")
#: A manifest larger than this is not one kpwork wrote (a run's is tens of kB).
MANIFEST_BYTES = 64 * 1024 * 1024
#: Fields :func:`read_manifest` requires (what reproducing a run needs).
REQUIRED = ("run_id", "parameters", "inputs", "started")


def utc_now() -> dt.datetime:
    """The current UTC time to the second, as the manifest records times."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Parameters
    ----------
    path
        The file (read in 1 MiB chunks).

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "a.csv"
    ...     _ = path.write_bytes(b"abc")
    ...     sha256(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_version(name: str) -> str | None:
    """The installed version of a package, None when it is not installed.

    Examples
    --------
    >>> package_version("no-such-package-kpwork") is None
    True
    """
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def package_versions(packages: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``packages`` (:data:`KEY_PACKAGES` by default), None for a missing one.

    Examples
    --------
    >>> versions = package_versions(["pandas", "no-such-package-kpwork"])
    >>> list(versions), versions["no-such-package-kpwork"]
    (['pandas', 'no-such-package-kpwork'], None)
    """
    return {name: package_version(name) for name in packages}


def package_data() -> list[dict[str, Any]]:
    """kpwork's files of :data:`PACKAGE_DATA` in this installation: ``path``, ``sha256``, ``bytes``.

    ``path`` is relative to the folder holding the package (``kpwork/data/norms.csv``).

    Examples
    --------
    >>> [record["path"] for record in package_data()][:2]
    ['kpwork/data/norms.csv', 'kpwork/data/terms.csv']
    """
    return [_file_record(_DATA / name, _INSTALLATION) for name in PACKAGE_DATA if (_DATA / name).is_file()]


#: kpwork's package data (the folder ``importlib.resources`` reads as ``kpwork.data``).
_DATA = Path(__file__).resolve().parent / "data"
#: The folder holding the ``kpwork`` package (site-packages, or a checkout).
_INSTALLATION = _DATA.parent.parent


def build_manifest(
    region: Region,
    run_dir: Path,
    parameters: Mapping[str, Any],
    *,
    started: dt.datetime,
    run_id: str,
    execution: Mapping[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The manifest of a run whose files are all in ``run_dir``.

    Parameters
    ----------
    region
        The region the run analysed (its ``inputs`` are hashed).
    run_dir
        The run folder, complete but for the manifest (every file is hashed).
    parameters
        Everything :func:`kpwork.runs.run_region` was called with, paths absolute.
    started
        When the run started (UTC); ``finished`` is now.
    run_id
        The name of the run's final folder.
    execution
        How the notebooks were executed (backend, cluster, kernel, ...).
    timings
        Wall seconds per step.

    Returns
    -------
    dict
        ``manifest_version``, ``run_id``, ``status``, ``region`` (id, name,
        path, members, population_years), ``parameters``, ``inputs`` and ``outputs`` (relative
        path, sha256, bytes), ``package_data`` (kpwork's files the analysis
        read: path from the installation, ``kpwork/data/norms.csv``, sha256,
        bytes), ``kpwork`` (version, git commit, whether the
        checkout had uncommitted changes), ``packages`` (versions of
        :data:`KEY_PACKAGES`), ``distributions`` (every installed
        distribution, canonical name to version), ``native`` (``gdal``,
        ``proj``), ``python``, ``platform`` (``system``, ``release``,
        ``machine``, ``libc``, ``python_implementation``), ``execution``,
        ``timings``, ``started`` and ``finished`` (UTC, ISO 8601).
    """
    base = Path(region.path)
    outputs = sorted(
        (_file_record(p, run_dir) for p in Path(run_dir).rglob("*") if p.is_file() and p.relative_to(run_dir).as_posix() != MANIFEST),
        key=lambda o: o["path"],
    )
    commit, dirty = git_commit()
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "status": "complete",
        "region": {
            "id": region.id, "name": region.name, "path": str(base.resolve()), "members": list(region.members),
            "population_years": population_years(region),
        },
        "parameters": dict(parameters),
        "inputs": [_input_record(p, base, region.input_digests) for p in region.inputs],
        "package_data": package_data(),
        "outputs": outputs,
        "kpwork": {"version": package_version("kpwork"), "git_commit": commit, "git_dirty": dirty},
        "packages": package_versions(),
        "distributions": installed_distributions(),
        "native": native_libraries(),
        "python": platform.python_version(),
        "platform": platform_info(),
        "execution": dict(execution or {}),
        "timings": dict(timings or {}),
        "started": started.isoformat(),
        "finished": utc_now().isoformat(),
    }


def write_manifest(manifest: Mapping[str, Any], run_dir: Path) -> Path:
    """Write ``manifest.json`` into ``run_dir`` (UTF-8, indented); returns its path."""
    path = Path(run_dir) / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a run folder.

    Parameters
    ----------
    run_dir
        A run folder (``outputs/<region>/<run-id>`` or ``latest``).

    Returns
    -------
    dict
        The manifest as written by :func:`write_manifest`.

    Raises
    ------
    KpworkError
        When the folder has no ``manifest.json``, or one that is not JSON,
        not an object, lacks a field of :data:`REQUIRED` (or
        ``parameters.region_dir``), or was written by a newer kpwork.
    """
    run = Path(run_dir)
    path = run / MANIFEST
    if not path.is_file():
        raise KpworkError(f"{run}: no {MANIFEST}; expected a run folder written by `kpwork run`")
    if path.stat().st_size > MANIFEST_BYTES:
        raise KpworkError(f"{path}: {path.stat().st_size / 2**20:.0f} MiB, víc než manifest běhu kdy má ({MANIFEST_BYTES / 2**20:.0f} MiB); použijte původní manifest")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KpworkError(f"{path}: not a valid manifest ({exc})") from exc
    if not isinstance(manifest, dict):
        raise KpworkError(f"{path}: not a valid manifest (expected a JSON object, got {type(manifest).__name__})")
    missing = [k for k in REQUIRED if k not in manifest]
    if not isinstance(manifest.get("parameters"), dict) or "region_dir" not in manifest["parameters"]:
        missing.append("parameters.region_dir")
    if missing:
        raise KpworkError(f"{path}: not a valid manifest (missing {', '.join(dict.fromkeys(missing))})")
    version = manifest.get("manifest_version", 1)
    if not isinstance(version, int) or version > MANIFEST_VERSION:
        raise KpworkError(f"{path}: manifest_version {version!r} is newer than this kpwork reads ({MANIFEST_VERSION}); update kpwork")
    return manifest


def reference_date(manifest: Mapping[str, Any]) -> dt.date:
    """The date a run analysed as of (plan monitoring): ``parameters.today``, else the run's start date.

    Raises
    ------
    KpworkError
        When the recorded date is not an ISO date.

    Examples
    --------
    >>> reference_date({"parameters": {"today": "2025-03-01"}, "started": "2025-03-02T08:00:00+00:00"})
    datetime.date(2025, 3, 1)
    >>> reference_date({"parameters": {}, "started": "2025-03-02T08:00:00+00:00"})
    datetime.date(2025, 3, 2)
    """
    recorded = manifest["parameters"].get("today") or str(manifest["started"])[:10]
    try:
        return dt.date.fromisoformat(recorded)
    except (TypeError, ValueError) as exc:
        raise KpworkError(f"manifest: parameters.today: expected a date such as 2025-03-01, got {recorded!r}") from exc


def _input_record(path: Path, base: Path, digests: Mapping[str, tuple[str, int]]) -> dict[str, Any]:
    """An input as the loader read it (digest of the bytes parsed); hashed now only for a region built in memory."""
    rel = Path(path).relative_to(base).as_posix()
    if rel in digests:
        digest, size = digests[rel]
        return {"path": rel, "sha256": digest, "bytes": size}
    return _file_record(path, base)


def changed_inputs(region: Region) -> list[str]:
    """What happened to the region's inputs since they were read: one message per changed or deleted file.

    Parameters
    ----------
    region
        A region from :func:`kpwork.region.load_region` (its ``input_digests``).

    Returns
    -------
    list of str
        Empty when every input still has the bytes its results came from.
    """
    out = []
    base = Path(region.path)
    for rel, (digest, _) in sorted(region.input_digests.items()):
        path = base / rel
        if not path.is_file():
            out.append(f"{rel}: soubor byl během běhu smazán nebo přesunut; vraťte ho do složky regionu a spusťte běh znovu")
        elif sha256(path) != digest:
            out.append(f"{rel}: soubor se během běhu změnil (výsledky by byly z jeho starší verze); uložte změny a spusťte běh znovu")
    return out


def _file_record(path: Path, base: Path) -> dict[str, Any]:
    return {"path": path.relative_to(base).as_posix(), "sha256": sha256(path), "bytes": path.stat().st_size}


def git_commit() -> tuple[str | None, bool | None]:
    """The checkout's HEAD commit and whether tracked files differ from it (None, None outside git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return out.stdout.strip(), bool(dirty)
