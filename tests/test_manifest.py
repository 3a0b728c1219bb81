"""The manifest of a run: hashes, versions, the fields docs/runs.md lists, clear errors on a bad one."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib import metadata, resources
from pathlib import Path

import pytest

from kpwork.errors import KpworkError
from kpwork.manifest import (
    KEY_PACKAGES,
    MANIFEST,
    MANIFEST_VERSION,
    PACKAGE_DATA,
    build_manifest,
    package_data,
    package_version,
    package_versions,
    read_manifest,
    reference_date,
    sha256,
    write_manifest,
)

#: The fields of docs/runs.md, in the order the manifest has them.
FIELDS = [
    "manifest_version", "run_id", "status", "region", "parameters", "inputs", "package_data", "outputs", "kpwork",
    "packages", "distributions", "native", "python", "platform", "execution", "timings", "started", "finished",
]
STARTED = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_sha256_is_the_hash_of_the_bytes_also_beyond_one_chunk(tmp_path):
    data = bytes(range(256)) * 9000  # ~2.2 MiB: more than one 1 MiB read
    (tmp_path / "big.bin").write_bytes(data)
    (tmp_path / "empty").write_bytes(b"")
    assert sha256(tmp_path / "big.bin") == hashlib.sha256(data).hexdigest()
    assert sha256(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_package_versions_are_the_installed_ones():
    versions = package_versions()
    assert list(versions) == list(KEY_PACKAGES)
    assert all(versions.values()), "every key package is installed in the test environment"
    assert versions["pandas"] == metadata.version("pandas")
    assert package_version("kpwork") == metadata.version("kpwork")
    assert package_versions(["no-such-package-kpwork"]) == {"no-such-package-kpwork": None}


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "20250301-080000"
    (folder / "results").mkdir(parents=True)
    (folder / "html").mkdir()
    (folder / "results" / "mezery.csv").write_bytes(b"\xef\xbb\xbfkod_obce;chybi\n585599;1,5\n")
    (folder / "html" / "index.html").write_text("<html></html>\n", encoding="utf-8")
    (folder / MANIFEST).write_text("{}", encoding="utf-8")  # an older manifest is never listed as an output
    return folder


def test_every_installed_distribution_gdal_proj_and_the_platform_are_recorded(sample_region, run_dir):
    import platform

    import pyogrio
    import pyproj

    built = build_manifest(sample_region, run_dir, {"region_dir": str(sample_region.path)}, started=STARTED, run_id=run_dir.name)
    installed = {}
    for dist in metadata.distributions():  # the first of a name on sys.path wins, as for imports
        installed.setdefault(dist.metadata["Name"].lower().replace("_", "-").replace(".", "-"), dist.version)
    assert built["distributions"] == installed
    # the packages that shape outputs but were not key packages before
    for name in ("xstatic-leaflet", "branca", "ipywidgets", "voila", "jinja2", "pytest"):
        assert built["distributions"][name] == metadata.version(name)
    assert built["native"] == {"gdal": pyogrio.__gdal_version_string__, "proj": pyproj.proj_version_str}
    assert built["native"]["gdal"].count(".") == 2 and built["native"]["proj"][0].isdigit()
    assert built["python"] == platform.python_version()
    assert built["platform"]["system"] == platform.system() and built["platform"]["machine"] == platform.machine()
    assert set(built["platform"]) == {"system", "release", "machine", "libc", "python_implementation"}


def test_build_write_read_round_trip(sample_region, run_dir):
    parameters = {"region_dir": str(sample_region.path.resolve()), "only": None, "lang": "cs", "today": "2025-03-01"}
    built = build_manifest(sample_region, run_dir, parameters, started=STARTED, run_id=run_dir.name, execution={"backend": "dask"}, timings={"analysis": 1.5})
    path = write_manifest(built, run_dir)
    assert path == run_dir / MANIFEST and path.read_text(encoding="utf-8").endswith("}\n")
    assert read_manifest(run_dir) == built
    assert list(built) == FIELDS
    assert built["manifest_version"] == MANIFEST_VERSION and built["status"] == "complete" and built["run_id"] == run_dir.name
    assert built["region"] == {"id": "otrokovicko", "name": "Otrokovicko", "path": str(sample_region.path.resolve()), "members": list(sample_region.members), "population_years": [2020]}
    assert built["parameters"] == parameters
    assert built["execution"] == {"backend": "dask"} and built["timings"] == {"analysis": 1.5}
    assert built["started"] == "2025-03-01T08:00:00+00:00" and built["started"] <= built["finished"]


def test_inputs_and_outputs_are_hashed_relative_to_their_folder(sample_region, run_dir):
    built = build_manifest(sample_region, run_dir, {"region_dir": "x"}, started=STARTED, run_id="r")
    assert [o["path"] for o in built["outputs"]] == ["html/index.html", "results/mezery.csv"], "sorted, without the manifest"
    (mezery,) = [o for o in built["outputs"] if o["path"] == "results/mezery.csv"]
    raw = (run_dir / "results" / "mezery.csv").read_bytes()
    assert mezery == {"path": "results/mezery.csv", "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    assert {i["path"] for i in built["inputs"]} == {p.relative_to(sample_region.path).as_posix() for p in sample_region.inputs}
    services = next(i for i in built["inputs"] if i["path"] == "services.csv")
    assert services["sha256"] == hashlib.sha256((sample_region.path / "services.csv").read_bytes()).hexdigest()


def test_the_package_data_the_analysis_read_is_listed_with_its_hash(sample_region, run_dir):
    """The default norms and the terms table are inputs too: a changed kpwork/data/norms.csv changes need."""
    built = build_manifest(sample_region, run_dir, {"region_dir": "x"}, started=STARTED, run_id="r")
    recorded = {item["path"]: item for item in built["package_data"]}
    assert {"kpwork/data/norms.csv", "kpwork/data/terms.csv"} <= set(recorded) <= {f"kpwork/data/{n}" for n in PACKAGE_DATA}
    for name in ("norms.csv", "terms.csv"):
        raw = resources.files("kpwork.data").joinpath(name).read_bytes()  # what need.default_norms and taxonomy read
        assert recorded[f"kpwork/data/{name}"] == {"path": f"kpwork/data/{name}", "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
    assert built["package_data"] == package_data()
    assert not any(i["path"].startswith("kpwork/") for i in built["inputs"]), "the region's inputs stay the region's"


def test_the_kpwork_entry_records_version_and_checkout(sample_region, run_dir):
    built = build_manifest(sample_region, run_dir, {"region_dir": "x"}, started=STARTED, run_id="r")
    assert built["kpwork"]["version"] == metadata.version("kpwork")
    commit, dirty = built["kpwork"]["git_commit"], built["kpwork"]["git_dirty"]
    assert (commit is None and dirty is None) or (len(commit) == 40 and isinstance(dirty, bool))


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return folder


GOOD = {"manifest_version": 2, "run_id": "r", "parameters": {"region_dir": "/data/x"}, "inputs": [], "started": "2025-03-01T08:00:00+00:00"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"run_id": "r", ', r"manifest.json: not a valid manifest \(Expecting"),
        ("[1, 2]", r"not a valid manifest \(expected a JSON object, got list\)"),
        (json.dumps({"run_id": "r", "parameters": {}}), r"not a valid manifest \(missing inputs, started, parameters.region_dir\)"),
        (json.dumps({**GOOD, "manifest_version": 3}), r"manifest_version 3 is newer than this kpwork reads \(2\); update kpwork"),
    ],
)
def test_a_malformed_manifest_says_what_is_wrong(tmp_path, text, message):
    with pytest.raises(KpworkError, match=message):
        read_manifest(_write(tmp_path / "run", text))


def test_a_folder_without_manifest_is_not_a_run(tmp_path):
    with pytest.raises(KpworkError, match=r"no manifest.json; expected a run folder written by `kpwork run`"):
        read_manifest(tmp_path)


def test_the_reference_date_is_recorded_or_the_start(tmp_path):
    assert reference_date(read_manifest(_write(tmp_path / "a", json.dumps({**GOOD, "parameters": {"region_dir": "x", "today": "2024-12-31"}})))) == dt.date(2024, 12, 31)
    assert reference_date(read_manifest(_write(tmp_path / "b", json.dumps(GOOD)))) == dt.date(2025, 3, 1), "manifests before `today` was recorded"
    with pytest.raises(KpworkError, match=r"parameters.today: expected a date such as 2025-03-01, got '1. 3. 2025'"):
        reference_date({**GOOD, "parameters": {"region_dir": "x", "today": "1. 3. 2025"}})
