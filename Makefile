# The course's everyday commands. `make lab` to learn, `make test` to check everything.
SHELL := /bin/bash
# The newest Python the course supports that this machine has (pyenv's or on PATH), else python3:
# the default venv then sits at the newest end of the tested range, so `make test` runs the
# newest-Python suite once instead of twice (see test-newest-python below).
SUPPORTED_PYTHONS := 3.13 3.12 3.11
PYTHON ?= $(firstword $(foreach v,$(SUPPORTED_PYTHONS),$(wildcard $(HOME)/.pyenv/versions/$(v)*/bin/python$(v)) \
	$(shell command -v python$(v))) python3)
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

.PHONY: help setup lab test unit notebooks browser lint format execute bench claims clean \
	test-oldest test-newest-python system-data system-browser

help:
	@echo "make lab      set everything up and open the course in JupyterLab"
	@echo "make test     set everything up and run every test (unit, ruff, notebooks, browser)"
	@echo "make execute  re-run notebooks in full mode and store their outputs (NB=notebooks/03_*.ipynb for one)"
	@echo "make bench    measure run times, memory, accuracies and slider latency"
	@echo "make claims   run every notebook under five seeds and report every checked claim"
	@echo "make book     build the course website (build/book/html); make book-open to read it"
	@echo "make lint     ruff over helpers, tests, notebooks;  make format  to fix what it can"
	@echo "make test-oldest / test-newest-python   the tests at both ends of the version ranges"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) --version)."; exit 1; }
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

# The oldest-pins venv is built in the background while the default suite runs (uv mostly waits
# on the network); the browser tests run two notebooks at a time, each worker with its own
# JupyterLab and Chromium. With a browser at hand, the default environment's notebooks run once,
# in JupyterLab (tests/browser/test_notebooks_run.py: every cell, claims strict, the
# NBVAL_CHECK_OUTPUT cells compared), not a second time under nbval; without one, nbval runs them.
CHROMIUM ?= $(or $(DNN_BROWSER_CHROMIUM),/usr/bin/chromium)
test: setup system-browser book
	$(BIN)/ruff check .
	@mkdir -p .work; $(MAKE) --no-print-directory .venv-oldest/.installed > .work/venv-oldest.log 2>&1 & \
		venv_build=$$!; \
		if [ -x "$(CHROMIUM)" ]; then \
			echo "Notebooks in the default environment: run in JupyterLab by tests/browser (nbval runs them at the oldest pins)."; \
			$(BIN)/pytest -n 2 --dist load tests --ignore=tests/browser && \
			$(BIN)/pytest -n 2 --dist loadgroup tests/browser; \
		else \
			$(BIN)/pytest -n 2 --dist loadfile --ignore=tests/browser && \
			$(BIN)/pytest -n 2 --dist loadgroup tests/browser; \
		fi; status=$$?; \
		wait $$venv_build || { cat .work/venv-oldest.log; exit 1; }; cat .work/venv-oldest.log; \
		exit $$status
	$(MAKE) --no-print-directory test-oldest test-newest-python

unit: setup
	$(BIN)/pytest tests --ignore=tests/browser -n 2

notebooks: setup
	$(BIN)/pytest notebooks -n 2 --dist loadfile

browser: setup system-browser book
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

# --- The course as a website (issue 17) ---------------------------------------------------------
# Sphinx + MyST-NB render the stored notebooks (nothing runs) into build/book/html; MathJax
# comes from npm (book/package-lock.json) and is served by the site itself, never a CDN.
BOOK_STAMP := $(VENV)/.installed-book
BOOK_NODE := book/node_modules/.package-lock.json
BOOK_PORT ?= 8000

.PHONY: book book-open

$(BOOK_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,book]'
	@touch $@

$(BOOK_NODE): book/package.json book/package-lock.json
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian package npm…"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		else \
			echo "make book needs Node.js and npm (MathJax is an npm package)."; \
			echo "  On Debian/Ubuntu: sudo apt-get install npm"; exit 1; \
		fi; }
	npm ci --prefix book --no-audit --no-fund --loglevel=error
	@touch $@

book: $(BOOK_STAMP) $(BOOK_NODE)
	$(BIN)/python book/build.py

book-open: book
	@echo "The course website: http://127.0.0.1:$(BOOK_PORT)/  (Ctrl-C stops it)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory build/book/html $(BOOK_PORT)

# --- Both ends of the version ranges (issue 13) -----------------------------------------------
# test-oldest: every dependency at the floor pyproject.toml allows (tests/constraints/oldest.txt)
# on the oldest Python it allows; test-newest-python: the newest releases on the newest Python.
# Each builds its own venv and runs the unit tests and every notebook in quick mode (nbval).
PY_OLDEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) \
	$(shell command -v python3.11))
PY_NEWEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) \
	$(shell command -v python3.13))

# $(call version_venv,folder,python,what,variable,install options). uv, not pip: it fetches in
# parallel (measured on this machine under load: 2 min for the Python 3.13 venv, pip 31 min).
define version_venv
	@test -n "$(2)" || { echo "$(3) was not found: install it (pyenv install $(3)) or set" \
		"$(4)=/path/to/python$(3)"; exit 1; }
	rm -rf $(1)
	$(BIN)/uv venv --quiet --python $(2) $(1)
	$(BIN)/uv pip install --quiet --python $(1)/bin/python $(5) -e '.[dev]'
	@$(1)/bin/python -c 'import sys, importlib.metadata as m; print("$(1):", "Python", \
		sys.version.split()[0], *(f"{p} {m.version(p)}" for p in ("tensorflow-cpu", "keras", \
		"numpy", "scipy", "matplotlib", "jupyterlab", "ipywidgets")))'
	@touch $(1)/.installed
endef

.venv-oldest/.installed: pyproject.toml tests/constraints/oldest.txt | $(STAMP)
	$(call version_venv,.venv-oldest,$(PY_OLDEST),3.11,PY_OLDEST,-c tests/constraints/oldest.txt)

.venv-newest/.installed: pyproject.toml | $(STAMP)
	$(call version_venv,.venv-newest,$(PY_NEWEST),3.13,PY_NEWEST,--upgrade)

test-oldest: .venv-oldest/.installed system-data
	.venv-oldest/bin/pytest -n 2 --dist loadfile --ignore=tests/browser

# When the default venv already is on the newest Python with the newest releases (make setup
# picks the newest supported Python it finds), its suite above was this run: say so, skip it.
test-newest-python: system-data
	@if [ -n "$(PY_NEWEST)" ] && [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.version_info[:2])')" = \
		"$$($(PY_NEWEST) -c 'import sys; print(sys.version_info[:2])')" ]; then \
		echo "test-newest-python: the default venv already runs $$($(BIN)/python --version) with the newest releases;" \
			"make test ran its unit tests and every notebook there."; \
	else $(MAKE) --no-print-directory .venv-newest/.installed && \
		.venv-newest/bin/pytest -n 2 --dist loadfile --ignore=tests/browser; fi
