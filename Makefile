# What CI runs is what developers run: `make test` (see .ci/run).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install install-test system-packages demo test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel Cython

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python setup.py -q build_ext --inplace

# PostgreSQL for the store tests (installing starts no server: the tests start their own cluster).
system-packages:
	@if ! [ -x /usr/lib/postgresql/15/bin/initdb ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; fi

demo: install
	cd examples && ../$(BIN)/datascan scan --job demo.yaml --workers 2 --db ../datascan.db --full

test: install system-packages
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check scanner tests benchmarks
	$(BIN)/mypy scanner

bench: install
	$(BIN)/python -m benchmarks.bench_scan

clean:
	rm -rf build *.egg-info scanner/_fast/*.so scanner/_fast/*.c datascan.db*
