# Two commands on a fresh machine (Python 3.11+, no conda):
#   make run    set up .venv from requirements.lock, then run the whole workbook on the bundled sample
#   make test   set up .venv from requirements-test.lock (+ Debian chromium for browser tests), ruff, pytest
# Both install exact versions with hashes (pip --require-hashes), so every fresh
# clone gets the same environment; `make lock` refreshes the lock files from
# pyproject.toml (loose bounds, for people who install kpwork as a library).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
RUN_STAMP := $(VENV)/.kpwork-run
TEST_STAMP := $(VENV)/.kpwork-test
REGION ?= data/otrokovicko
PORT ?= 8888
# the lock tool, in its own venv (never in .venv, whose packages the run manifests record)
UV_VERSION := 0.13.9
UV_VENV := .lock-tools
UV := $(UV_VENV)/bin/uv
UV_COMPILE = $(UV) pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet $(if $(UPGRADE),--upgrade)

.PHONY: run test setup setup-test chromium lint lab lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

setup: $(RUN_STAMP)

# runtime only: no test packages (pytest, playwright, ruff, hypothesis, access)
$(RUN_STAMP): $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# the kernel the notebooks name, installed inside the venv (no change to ~/.local)
	$(BIN)/python -m ipykernel install --sys-prefix --name kpwork --display-name "kpwork (Python 3)" >/dev/null
	@touch $(RUN_STAMP)

setup-test: $(TEST_STAMP)

# the test lock holds the runtime lock's versions plus the test packages
$(TEST_STAMP): $(TEST_LOCK) $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	@touch $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/kpwork run $(REGION)

# the coordinator's JupyterLab (in Czech, with Voilà preview) on the kpwork kernel, in the project;
# the notebooks read outputs/otrokovicko/latest/results by default, so the sample is run once first
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
lab: $(RUN_STAMP) $(LAB_SETTINGS)
	@test -d outputs/otrokovicko/latest/results || $(BIN)/kpwork run data/otrokovicko
	$(BIN)/jupyter lab --notebook-dir=. --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) \
	  --MappingKernelManager.default_kernel_name=kpwork notebooks/municipality.ipynb

# JupyterLab's defaults: Czech (Nastavení > Jazyk switches it for one user); no news or
# update checks from the internet
$(LAB_SETTINGS): | $(RUN_STAMP)
	@mkdir -p $(dir $(LAB_SETTINGS))
	printf '%s\n' '{"@jupyterlab/translation-extension:plugin": {"locale": "cs_CZ"},' \
	  ' "@jupyterlab/apputils-extension:notification": {"checkForUpdates": false, "fetchNews": "false"}}' > $(LAB_SETTINGS)

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { echo "installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(TEST_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

$(UV):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)

# refresh the locks after a change of pyproject.toml (keeps the pinned versions
# that still fit); `make lock UPGRADE=1` moves every package to its newest version
lock: $(UV)
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra test --constraint $(LOCK) -o $(TEST_LOCK)

clean:
	rm -rf $(VENV) $(UV_VENV) outputs/*/
