"""The software environment of a run: record it, compare it, rebuild it.

A run's numbers depend on more than kpwork's code: pandas, numpy, shapely,
GDAL (inside pyogrio's wheel) and PROJ (inside pyproj's) all shape them, and so
do folium, branca, jinja2 and xstatic-leaflet the pages. The manifest
(:mod:`kpwork.manifest`) records every installed distribution with its version
(:func:`installed_distributions`), the native libraries (:func:`native_libraries`)
and the platform (:func:`platform_info`). :func:`requirements` turns a manifest
back into ``name==version`` lines (``kpwork env RUN_DIR``) that rebuild the
run's environment in a fresh venv; :func:`environment_changes` says what
differs now (``kpwork reproduce``).
"""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

#: kpwork itself is not a requirement of its own run: it is installed from the
#: repository at the commit the manifest records.
SELF = "kpwork"


def canonical_name(name: str) -> str:
    """A distribution's name as pip compares it (PEP 503): lower case, runs of ``-_.`` as one ``-``.

    Examples
    --------
    >>> canonical_name("XStatic_Leaflet"), canonical_name("jupyterlab.language-pack")
    ('xstatic-leaflet', 'jupyterlab-language-pack')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions() -> dict[str, str]:
    """Every distribution installed in this environment, canonical name to version, sorted by name.

    When a name is found twice on ``sys.path`` (a checkout on ``PYTHONPATH``
    beside an installed copy), the first one is kept: the one Python imports.

    Examples
    --------
    >>> versions = installed_distributions()
    >>> versions["pandas"] == metadata.version("pandas"), list(versions) == sorted(versions)
    (True, True)
    """
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical_name(name), dist.version)
    return dict(sorted(found.items()))


def native_libraries() -> dict[str, str | None]:
    """The versions of GDAL (pyogrio reads and writes the GeoPackage with it) and PROJ (pyproj transforms coordinates with it).

    None for a library whose Python binding is not installed.

    Examples
    --------
    >>> sorted(native_libraries())
    ['gdal', 'proj']
    """
    try:
        import pyogrio

        gdal = str(pyogrio.__gdal_version_string__)
    except ImportError:
        gdal = None
    try:
        import pyproj

        proj = str(pyproj.proj_version_str)
    except ImportError:
        proj = None
    return {"gdal": gdal, "proj": proj}


def platform_info() -> dict[str, str]:
    """The operating system and machine: ``system``, ``release``, ``machine``, ``libc`` (glibc version on Linux, else empty), ``python_implementation``.

    Examples
    --------
    >>> sorted(platform_info())
    ['libc', 'machine', 'python_implementation', 'release', 'system']
    """
    libc, version = platform.libc_ver()
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "libc": f"{libc} {version}".strip(),
        "python_implementation": platform.python_implementation(),
    }


def recorded_distributions(manifest: Mapping[str, Any]) -> tuple[dict[str, str | None], bool]:
    """The distributions a manifest records and whether that is all of them.

    Manifests before this field (``distributions``) recorded only the key
    packages (``packages``); those are returned with False.

    Examples
    --------
    >>> recorded_distributions({"distributions": {"pandas": "3.1.1"}, "packages": {"pandas": "3.1.1"}})
    ({'pandas': '3.1.1'}, True)
    >>> recorded_distributions({"packages": {"Pandas": "2.2.0", "ruff": None}})
    ({'pandas': '2.2.0', 'ruff': None}, False)
    """
    if isinstance(manifest.get("distributions"), Mapping):
        return {canonical_name(k): v for k, v in manifest["distributions"].items()}, True
    return {canonical_name(k): v for k, v in (manifest.get("packages") or {}).items()}, False


def requirements(manifest: Mapping[str, Any]) -> list[str]:
    """The lines of a requirements file that rebuilds a run's environment (``kpwork env RUN_DIR``).

    One ``name==version`` line per recorded distribution but kpwork itself,
    which comment lines say how to install: from the repository at the
    recorded commit. Comments also name the Python, GDAL, PROJ and platform
    of the run (GDAL and PROJ come inside the pyogrio and pyproj wheels).

    Parameters
    ----------
    manifest
        A run's manifest (:func:`kpwork.manifest.read_manifest`).

    Returns
    -------
    list of str
        The lines, without line ends.

    Examples
    --------
    >>> lines = requirements({"run_id": "r1", "python": "3.11.7", "kpwork": {"version": "0.1.0", "git_commit": "abc"},
    ...                       "distributions": {"kpwork": "0.1.0", "numpy": "2.4.6", "pandas": "3.1.1"}})
    >>> [line for line in lines if not line.startswith("#")]
    ['numpy==2.4.6', 'pandas==3.1.1']
    """
    versions, complete = recorded_distributions(manifest)
    own = manifest.get("kpwork") or {}
    libraries = manifest.get("native") or {}
    system = manifest.get("platform") or {}
    lines = [
        f"# The environment of kpwork run {manifest.get('run_id')}: pip install -r this file in a fresh venv of",
        f"# Python {manifest.get('python', '?')} ({system.get('system', '?')} {system.get('machine', '?')}),"
        f" GDAL {libraries.get('gdal', '?')}, PROJ {libraries.get('proj', '?')} (in the pyogrio and pyproj wheels).",
        f"# {SELF} {own.get('version', '?')} itself is not listed: install it from the repository at commit"
        f" {own.get('git_commit') or '(not recorded)'}",
        "#   git checkout <commit> && pip install --no-deps -e .",
    ]
    if own.get("git_dirty"):
        lines.append("# (the run's checkout had uncommitted changes: the commit alone may not rebuild it)")
    if not complete:
        lines.append("# this manifest records only kpwork's key packages, not every installed distribution")
    missing = sorted(name for name, version in versions.items() if version is None)
    lines += [f"{name}=={version}" for name, version in sorted(versions.items()) if name != SELF and version is not None]
    lines += [f"# not installed in the run: {name}" for name in missing]
    return lines


@dataclass(frozen=True)
class EnvironmentChange:
    """A package (or Python, GDAL, PROJ) whose version differs now from the run's; None: not installed."""

    name: str
    run: str | None
    now: str | None

    def __str__(self) -> str:
        return f"{self.name}: {self.run or 'not installed'} in the run -> {self.now or 'not installed'} now"


def environment_changes(manifest: Mapping[str, Any]) -> list[EnvironmentChange]:
    """What differs between the run's environment and this one: Python, GDAL, PROJ, then packages by name.

    Compares every recorded distribution (or the key packages of an older
    manifest) but kpwork itself, whose code the commit identifies; a package
    installed now but not in the run counts only when the manifest records
    every distribution.

    Examples
    --------
    >>> changes = environment_changes({"distributions": {"pandas": "0.0.1", "kpwork": "0.0.0"}})
    >>> [c.name for c in changes if c.name in ("pandas", "kpwork")]
    ['pandas']
    """
    recorded, complete = recorded_distributions(manifest)
    now = installed_distributions()
    changes = []
    if manifest.get("python") and manifest["python"] != platform.python_version():
        changes.append(EnvironmentChange("Python", manifest["python"], platform.python_version()))
    for library, version in native_libraries().items():
        old = (manifest.get("native") or {}).get(library)
        if old and old != version:
            changes.append(EnvironmentChange(library.upper(), old, version))
    names = set(recorded) | (set(now) if complete else set())
    for name in sorted(names - {SELF}):
        if recorded.get(name) != now.get(name):
            changes.append(EnvironmentChange(name, recorded.get(name), now.get(name)))
    return changes
