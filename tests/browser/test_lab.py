"""The coordinator's JupyterLab (docs/jupyterlab.md): open the municipality notebook, Run All, see the map and the charts.

JupyterLab runs in a subprocess (as ``make lab`` starts it) on a copy of the
project's layout: ``notebooks/municipality.ipynb`` beside
``outputs/otrokovicko/latest/results``, which the notebook's default
``results_dir`` names.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO, free_port, map_drawn, screenshot, stop_server, write_run

TIMEOUT = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[tuple[str, str]]:
    project = tmp_path_factory.mktemp("project")
    (project / "notebooks").mkdir()
    shutil.copy(REPO / "notebooks" / "municipality.ipynb", project / "notebooks")
    write_run(project / "outputs", REPO / "data" / "otrokovicko")
    # every cell rendered (JupyterLab 4 otherwise draws only the cells in view)
    settings = project / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}', encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    log = project / "lab.log"
    command = [
        str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--notebook-dir={project}", "--MappingKernelManager.default_kernel_name=kpwork",
        f"--LabApp.user_settings_dir={project / 'settings'}", f"--LabApp.workspaces_dir={project / 'workspaces'}",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "JUPYTER_RUNTIME_DIR": str(project / "runtime")}
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=project, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(f"jupyter lab did not start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    yield url, token
    stop_server(process)


def test_run_all_of_the_municipality_notebook_shows_the_map_and_the_charts(lab, page):
    url, token = lab
    page.goto(f"{url}/lab/tree/notebooks/municipality.ipynb?token={token}", timeout=TIMEOUT)
    notebook = page.locator(".jp-NotebookPanel").first
    notebook.wait_for(timeout=TIMEOUT)
    # the kernel the notebook names: kpwork (the kernel indicator shows its display name)
    page.locator(".jp-NotebookPanel-toolbar", has_text="kpwork (Python 3)").wait_for(timeout=TIMEOUT)
    page.locator(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=TIMEOUT)
    # Restart the kernel and run all cells (the toolbar button, whatever the interface's language), then confirm
    page.locator(".jp-NotebookPanel-toolbar [data-command='notebook:restart-run-all']").click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    code_cells = notebook.locator(".jp-CodeCell")
    last_prompt = code_cells.last.locator(".jp-InputArea-prompt")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not last_prompt.inner_text().strip()[1:-2].isdigit():
        if time.monotonic() > deadline:
            screenshot(page, "lab-municipality-failed", height=1000)
            pytest.fail(f"the last cell did not run: {last_prompt.inner_text()!r}")
        page.wait_for_timeout(500)
    prompts = [p.strip() for p in code_cells.locator(".jp-InputArea-prompt").all_inner_texts()]
    assert len(prompts) == 10 and all(p[1:-2].isdigit() for p in prompts), prompts
    assert notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0, "no error or warning"
    # the charts (matplotlib images with their Czech alt text) and the map (folium in an iframe, Leaflet drawing the municipalities)
    assert notebook.locator("img[alt='Věková struktura obcí']").count() == 1
    assert notebook.locator("img[alt^='Jak velkou část potřeby']").count() == 1
    map_frame = map_drawn(notebook.locator("iframe[srcdoc]"), timeout=TIMEOUT)
    assert map_frame.locator("path.leaflet-interactive").count() >= 7  # the members of Otrokovicko
    assert notebook.locator(".kp-table").count() >= 3
    screenshot(page, "lab-municipality", height=1000)
