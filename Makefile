# OGI Reports: the two commands a new user needs are `make demo` and `make test`.
# Everything is installed from this repository's own files (pyproject.toml + requirements.lock).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast bench services system-packages lint clean

# A virtualenv with the pinned stack; bytecode compiled at install time (GX imports 3x faster).
$(STAMP): pyproject.toml requirements.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
	@[ -x $(PY) ] || uv venv -q $(VENV) --python 3.11
	UV_COMPILE_BYTECODE=1 uv pip install -q --python $(PY) -r requirements.lock
	UV_COMPILE_BYTECODE=1 uv pip install -q --python $(PY) --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# Start the local services the tests use (idempotent; this machine kind usually has them up).
services:
	@bash scripts/services.sh

# Debian packages for the PDF producer matrix (Chromium, LibreOffice Writer, Noto CJK); only what is missing.
system-packages:
	@bash scripts/system-packages.sh

# Main job, end to end on the embedded default: SQLite for Airflow and the warehouse, demo portal.
demo: install
	$(VENV)/bin/ogi demo

# The test suite (what CI runs).
test: install system-packages services
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The quick tier: the suite without the tests marked slow (pyproject.toml [tool.pytest.ini_options] markers).
test-fast: install services
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow" $(PYTEST_ARGS)

# Benchmarks: figures for docs/benchmarks.md; not part of CI.
bench: install services
	$(VENV)/bin/ogi bench

# Lint and layout: ruff's rules, and `ruff format` (run `$(VENV)/bin/ruff format .` to fix the layout).
lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf var/ .pytest_cache
