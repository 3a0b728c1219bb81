"""The monitoring notebook runs through papermill on the sample plan."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpwork import KpworkWarning, load_region
from kpwork.plan import plan_results
from kpwork.results import write_results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "monitoring.ipynb"

#: Target groups whose gap a service type closes, for the stand-in gap table.
_GROUPS = {"40": ("seniori", "ozp"), "44": ("seniori",), "39": ("ozp",), "69": ("vylouceni",), "65": ("rodiny",)}


def sample_gaps(region) -> pd.DataFrame:
    """A plausible gap table for the sample (the run computes the real one in kpwork.gaps)."""
    population = region.latest_population()
    names = region.member_names()
    rows = []
    for code in region.members:
        people = population.loc[code, "obyvatele"]
        reach = 1.1 if people > 5000 else 0.5
        for druh, groups in _GROUPS.items():
            for group in groups:
                need = round(people * 0.004, 1)
                capacity = round(need * reach, 1)
                rows.append((code, names[code], group, druh, need, capacity))
    gaps = pd.DataFrame(rows, columns=["kod_obce", "nazev", "cilova_skupina", "druh", "potreba", "kapacita_dosazitelna"])
    gaps["mezera"] = gaps["potreba"] - gaps["kapacita_dosazitelna"]
    gaps["pokryti"] = gaps["kapacita_dosazitelna"] / gaps["potreba"]
    gaps["stav"] = ["dostatek" if p >= 1 else "nedostatek" for p in gaps["pokryti"]]
    return gaps


def write_sample_results(folder: Path) -> Path:
    region = load_region(ROOT / "data" / "otrokovicko")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KpworkWarning)
        tables = plan_results(region.extras["plan"], sample_gaps(region), names=region.member_names(), today=date(2026, 1, 15))
    write_results(tables, {}, {"id": region.id, "name": region.name}, folder)
    return folder


def test_notebook_is_committed_thin_and_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any("def " in c.source or "import pandas" in c.source for c in code)
    assert nb.metadata["kernelspec"]["name"] == "kpwork"


@pytest.mark.e2e
@pytest.mark.parametrize("lang", ["cs", "en"])
def test_monitoring_notebook_runs(tmp_path, lang):
    import papermill

    results = write_sample_results(tmp_path / "results")
    out = tmp_path / "monitoring.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="kpwork", progress_bar=False,
        parameters={"results_dir": str(results), "rok": 2025, "lang": lang},
    )
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert html.count('src="data:image/png;base64,') == 3, "three charts, inlined in the page"
    expected = ("Plnění plánu v roce 2025", "Silné stránky", "Připomínek: 6") if lang == "cs" else ("Plan fulfilment in 2025", "Strengths", "Comments: 6")
    for text in expected:
        assert text in html
