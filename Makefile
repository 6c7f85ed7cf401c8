# Trading Agents: the commands the README names. Needs only Python 3.11 and pip; uv is
# installed with pip on first use when it is not on PATH.

.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.8
# `uv` from PATH if there is one; otherwise the pip-installed copy, run as a module, which
# works wherever pip put its console script (~/.local/bin may not be on PATH).
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
# --frozen: install exactly what uv.lock says; never re-resolve or rewrite the lock.
UV_RUN := $(UV) run --frozen

PATHS := src tests benchmarks tools

.PHONY: help install compile pure run test lint format bench uv client llm-model

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

uv: ## Install the pinned uv with pip unless a uv is already available.
	@if ! $(UV) --version >/dev/null 2>&1; then \
		echo "uv not found: installing uv==$(UV_VERSION) with pip"; \
		PIP_BREAK_SYSTEM_PACKAGES=1 $(PYTHON) -m pip install --quiet --disable-pip-version-check \
			"uv==$(UV_VERSION)"; \
	fi

install: uv ## Create .venv with the locked dependencies (uv sync --frozen) on the fastest Python 3.11 here, compile the hot path (mypyc, Cython) and write the bytecode, npm ci for the TypeScript client.
	python=$$($(PYTHON) tools/pick_python.py) && $(UV) sync --frozen --compile-bytecode --python "$$python"
	$(UV_RUN) python tools/build_compiled.py
	@if command -v npm >/dev/null 2>&1; then \
		(cd clients/typescript && npm ci --no-audit --no-fund); \
	else \
		echo "npm not found: the TypeScript client's tests will be skipped (install Node.js 20+)"; \
	fi

compile: uv ## Compile the hot path again (after editing it; until then its sources run as pure Python).
	$(UV_RUN) python tools/build_compiled.py

pure: uv ## Remove the compiled hot path: every module runs as pure Python.
	$(UV_RUN) python tools/build_compiled.py clean

llm-model: ## Build llama-server and the local model (scripts/llm-server) into this machine's cache: about 25 minutes once, seconds after.
	$(PYTHON) scripts/llm-server/install.py

client: uv ## Regenerate the TypeScript client's OpenAPI document and types after an API change.
	$(UV_RUN) trading-agents openapi --out clients/typescript/openapi.json
	cd clients/typescript && npm run generate

run: uv ## Start the service on embedded defaults (REST API on 127.0.0.1:8003, paper venue).
	$(UV_RUN) trading-agents serve

# Every check runs even when an earlier one fails, so one run shows every problem; the
# target fails if any check failed.
lint: uv ## ruff check, ruff format --check, mypy --strict, import contracts, Dockerfile, compose file.
	@failed=""; \
	echo "==> ruff check $(PATHS)"; \
	$(UV_RUN) ruff check $(PATHS) || failed="$$failed ruff-check"; \
	echo "==> ruff format --check $(PATHS)"; \
	$(UV_RUN) ruff format --check $(PATHS) || failed="$$failed ruff-format"; \
	echo "==> mypy --strict src"; \
	$(UV_RUN) mypy --strict src || failed="$$failed mypy"; \
	echo "==> lint-imports"; \
	$(UV_RUN) lint-imports || failed="$$failed import-contracts"; \
	echo "==> hadolint Dockerfile"; \
	$(UV_RUN) hadolint Dockerfile || failed="$$failed hadolint"; \
	echo "==> docker-compose.yml against the Compose specification"; \
	$(UV_RUN) python -c "from compose_spec import PyCompose; PyCompose.from_yaml(open('docker-compose.yml').read())" \
		|| failed="$$failed compose"; \
	if [ -n "$$failed" ]; then echo "lint FAILED:$$failed" >&2; exit 1; fi; \
	echo "lint passed"

test: uv ## The README's test command: lint, then pytest; fails if any step failed.
	@failed=""; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	echo "==> pytest"; \
	$(UV_RUN) pytest || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test passed"

format: uv ## Fix what ruff can fix and reformat (changes files).
	$(UV_RUN) ruff check --fix $(PATHS)
	$(UV_RUN) ruff format $(PATHS)

bench: uv ## Run every benchmarks/bench_*.py and rewrite the table in docs/BENCHMARKS.md.
	$(UV_RUN) python benchmarks/run.py
