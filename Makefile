# Invekto: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
UV := $(shell command -v uv 2>/dev/null || echo .tools/uv/bin/uv)
BIN := $(VENV)/bin

.PHONY: install run test eval bench lint clean web api-types vitest chromium

# deepeval reports usage to its vendor unless told not to; nothing of ours leaves the machine.
export DEEPEVAL_TELEMETRY_OPT_OUT := 1
# The intent model ships with the package (invekto/nlu/model/); after editing the examples,
# `invekto understand --ship` retrains it (~10 s) into .invekto/nlu and the package.
EVAL_DATASET ?= invekto/evals/datasets
EVAL_OUT ?= build/eval

$(UV):
	$(PYTHON) -m venv .tools/uv
	.tools/uv/bin/pip install --quiet "uv==0.13.9"

$(BIN)/invekto: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

# The web app (frontend/): node packages from the lock, then the build the API serves.
WEB := frontend
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) $(WEB)/index.html \
	$(WEB)/vite.config.ts $(wildcard $(WEB)/tsconfig*.json)
# Debian's chromium drives the browser tests (tests/e2e); installed by `make test` when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

$(WEB)/dist/index.html: $(WEB)/node_modules/.package-lock.json $(WEB_SOURCES)
	cd $(WEB) && npx --no-install tsc -b && npx --no-install vite build
	@touch $@

web: $(WEB)/dist/index.html

# Regenerate the API's TypeScript types after changing an endpoint (checked by
# tests/integration/test_webapp.py).
api-types: $(BIN)/invekto $(WEB)/node_modules/.package-lock.json
	$(BIN)/python $(WEB)/scripts/openapi.py
	cd $(WEB) && npx --no-install openapi-typescript src/api/openapi.json -o src/api/schema.d.ts

vitest: $(WEB)/node_modules/.package-lock.json
	cd $(WEB) && npx --no-install vitest run

chromium:
	@test -x $(CHROMIUM) || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-core)

install: $(BIN)/invekto $(WEB)/dist/index.html

run: install
	$(BIN)/invekto migrate
	$(BIN)/invekto seed
	$(BIN)/invekto serve

# Two pytest workers (pytest-xdist), each with its own embedded PostgreSQL and template database:
# most tests wait on HTTP, jobs and the browser, so two share two cores well (14:45 against ~25
# min in one process, 2026-12-02). `make test PYTEST_ARGS=` runs in one process.
PYTEST_ARGS ?= -n 2

test: install chromium
	$(BIN)/lint-imports
	cd $(WEB) && npx --no-install vitest run
	INVEKTO_E2E_REQUIRED=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)
	$(MAKE) --no-print-directory eval

# The release gate: every eval dataset through the webhook; fails when a total misses gates.yaml.
eval: install
	$(BIN)/invekto eval --dataset $(EVAL_DATASET) --gate \
		--report $(EVAL_OUT)/report.json --html $(EVAL_OUT)/report.html
	@echo "eval report: $(EVAL_OUT)/report.html"

bench: install
	$(BIN)/invekto bench
	$(BIN)/invekto bench-outbound

lint: install
	$(BIN)/ruff check invekto tests
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .tools .invekto build .cache $(WEB)/dist $(WEB)/node_modules
