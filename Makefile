# Two commands a user needs: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned in the same pip command as pql: an unpinned torch (asked for by torch-geometric
# dependants) would otherwise pull a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test install install-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet "$(TORCH)" -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet "$(TORCH)" -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/python -m examples.demo

test: install-dev
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build dist .pytest_cache
