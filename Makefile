# Invekto: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo .tools/uv/bin/uv)
BIN := $(VENV)/bin

.PHONY: install run test eval bench lint clean

# deepeval reports usage to its vendor unless told not to; nothing of ours leaves the machine.
export DEEPEVAL_TELEMETRY_OPT_OUT := 1
# The trained intent model, shared by the tests and the eval gate (trained once, ~1 min).
export INVEKTO_NLU_CACHE_DIR ?= $(CURDIR)/.cache/nlu
EVAL_DATASET ?= invekto/evals/datasets
EVAL_OUT ?= build/eval

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
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)
	$(MAKE) --no-print-directory eval

# The release gate: every eval dataset through the webhook; fails when a total misses gates.yaml.
eval: install
	$(BIN)/invekto eval --dataset $(EVAL_DATASET) --gate \
		--report $(EVAL_OUT)/report.json --html $(EVAL_OUT)/report.html
	@echo "eval report: $(EVAL_OUT)/report.html"

bench: install
	$(BIN)/invekto bench

lint: install
	$(BIN)/ruff check invekto tests
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .tools .invekto build .cache
