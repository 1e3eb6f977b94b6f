# Invekto: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo .tools/uv/bin/uv)
BIN := $(VENV)/bin

.PHONY: install run test bench lint clean

$(UV):
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/pip install --quiet "uv==0.13.9"

$(BIN)/invekto: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: $(BIN)/invekto

run: install
	$(BIN)/invekto migrate
	$(BIN)/invekto seed
	$(BIN)/invekto serve

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install
	$(BIN)/invekto bench

lint: install
	$(BIN)/ruff check invekto tests

clean:
	rm -rf $(VENV) .tools .invekto
