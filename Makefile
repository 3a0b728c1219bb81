# Two commands on a fresh machine (Python 3.11+, no conda):
#   make run    set up .venv, then run the whole workbook on the bundled sample
#   make test   set up .venv (+ Debian chromium for browser tests), ruff, pytest
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kpwork-installed
REGION ?= data/otrokovicko

.PHONY: run test setup chromium lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# the kernel the notebooks name, installed inside the venv (no change to ~/.local)
	$(BIN)/python -m ipykernel install --sys-prefix --name kpwork --display-name "kpwork (Python 3)"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/kpwork run $(REGION)

chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { echo "installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) outputs/*/
