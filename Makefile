# The course's everyday commands. `make lab` to learn, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Quiet, reproducible TensorFlow for every command below (helpers.config sets them too).
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_ENABLE_ONEDNN_OPTS := 0
export OPENBLAS_NUM_THREADS := 1
# Debian packages: the data set for everyone, a browser for the browser tests.
DATA_PACKAGE := dataset-fashion-mnist
BROWSER_PACKAGE := chromium
NB ?= notebooks/*.ipynb

.PHONY: help setup lab test unit notebooks browser lint format execute bench claims clean system-data system-browser

help:
	@echo "make lab      set everything up and open the course in JupyterLab"
	@echo "make test     set everything up and run every test (unit, ruff, notebooks, browser)"
	@echo "make execute  re-run notebooks in full mode and store their outputs (NB=notebooks/03_*.ipynb for one)"
	@echo "make bench    measure run times, memory, accuracies and slider latency"
	@echo "make claims   run every notebook under five seeds and report every checked claim"
	@echo "make lint     ruff over helpers, tests, notebooks;  make format  to fix what it can"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "Could not create a virtual environment: on Debian/Ubuntu run"; \
		echo "  sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Install a Debian package when we are root on a Debian/Ubuntu machine; otherwise say how.
define apt_install
	@if dpkg -s $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian package $(1)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
		echo "Note: Debian package $(1) is not installed. $(2)"; \
		echo "      On Debian/Ubuntu: sudo apt-get install $(1)"; \
	fi
endef

system-data:
	$(call apt_install,$(DATA_PACKAGE),Without it, Fashion-MNIST must come from FASHION_MNIST_DIR or a Keras download.)

system-browser:
	$(call apt_install,$(BROWSER_PACKAGE),The browser tests need /usr/bin/chromium and are skipped without it.)

setup: $(STAMP) system-data

lab: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: setup system-browser
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadfile --ignore=tests/browser
	$(BIN)/pytest tests/browser

unit: setup
	$(BIN)/pytest tests --ignore=tests/browser -n 2

notebooks: setup
	$(BIN)/pytest notebooks -n 2 --dist loadfile

browser: setup system-browser
	$(BIN)/pytest tests/browser

lint: setup
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format helpers tests

# Stored outputs always come from here: a full-mode run, top to bottom, one kernel per notebook.
execute: setup
	@for nb in $(NB); do \
		echo "== $$nb"; \
		DNN_QUICK=0 $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=3600 "$$nb" || exit 1; \
	done

bench: setup
	$(BIN)/python benchmarks/run.py

# Every notebook in quick mode under five seed shifts: does every checked claim still hold?
claims: setup
	$(BIN)/python benchmarks/claims.py --mode quick --seeds 0 1 2 3 4

clean:
	rm -rf .work .pytest_cache .ruff_cache
