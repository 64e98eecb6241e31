# What CI runs is what developers run: `make test` (see .ci/run).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install install-test system-packages demo test lint bench fuzz reliability clean

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
	@# Samba for the SMB connector tests (smbd, smbpasswd, smbstatus; the tests start their own server).
	@if ! [ -x /usr/sbin/smbd ] || ! command -v smbclient >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q samba smbclient; fi
	@# Multi-host tests: redis-server (the Redis coordinator), iproute2 (`ip netns` for worker hosts).
	@if ! [ -x /usr/bin/redis-server ] || ! command -v ip >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server iproute2; fi
	@# bsdtar (libarchive-tools) decompresses RAR members for rarfile; Debian's 7zz cannot open RAR.
	@if ! command -v bsdtar >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libarchive-tools; fi
	@# catdoc reads legacy Word .doc files; zip -P makes the encrypted-zip test fixture.
	@if ! command -v catdoc >/dev/null || ! command -v zip >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q catdoc zip; fi
	@# SQL connector tests: unixODBC with the PostgreSQL and SQLite3 ODBC drivers (the aioodbc path), MariaDB.
	@if ! [ -f /usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so ] || ! [ -f /usr/lib/x86_64-linux-gnu/odbc/libsqlite3odbc.so ] \
	  || ! [ -x /usr/sbin/mariadbd ]; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q unixodbc odbc-postgresql \
	  libsqliteodbc mariadb-server; fi
	@# Headless Chromium for the HTML report test (tests/e2e/test_report_e2e.py).
	@if ! command -v chromium >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; fi

demo: install
	cd examples && ../$(BIN)/datascan scan --job demo.yaml --workers 2 --db ../datascan.db --full

test: install system-packages
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check scanner tests benchmarks
	$(BIN)/mypy scanner

# Every benchmark prints its table and merges its figures into benchmarks/results/latest.json (one key each).
# SMB, SQL and multi-host start their own smbd / PostgreSQL, hence system-packages (and root for smbd).
bench: install system-packages
	@# ripgrep: the classify benchmark's "how fast can plain regex search go" reference column.
	@if ! command -v rg >/dev/null; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ripgrep; fi
	@# datafog-core: the classify benchmark's peer column (bench-only: not a dependency of datascan).
	$(BIN)/pip install -q 'datafog-core==0.4.4'
	$(BIN)/python -m benchmarks.bench_scan
	$(BIN)/python -m benchmarks.bench_startup
	@# The store at scale (issue 17): 100,000 files on SQLite and PostgreSQL, 1,000,000 synthetic objects, 10 runs.
	$(BIN)/python -m benchmarks.bench_store
	$(BIN)/python -m benchmarks.bench_classify
	$(BIN)/python -m benchmarks.bench_extract
	$(BIN)/python -m benchmarks.bench_smb
	$(BIN)/python -m benchmarks.bench_sql
	$(BIN)/python -m benchmarks.bench_multihost
	$(BIN)/python -m benchmarks.bench_quality

# The long form of the reliability suite (500 kills, a 60 s store outage, a 200 MB line ...) plus the SIGSTOP case
# of the multi-host tests; prints the figures table and merges it into benchmarks/results/reliability.json (make
# reliability RELIABILITY_K=expr runs only the matching cases). `make test` runs the short form of the same cases.
reliability: install system-packages
	DATASCAN_RELIABILITY=long $(BIN)/python -m pytest -q -p no:cacheprovider tests/reliability \
	  tests/e2e/test_multihost.py::test_a_worker_host_stopped_past_its_lease_cannot_write --timeout=7200 \
	  $(if $(RELIABILITY_K),-k "$(RELIABILITY_K)")

# The extraction fuzz targets, run much longer than in `make test`.
fuzz: install
	DATASCAN_FUZZ_EXAMPLES=$${DATASCAN_FUZZ_EXAMPLES:-20000} $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/fuzz --timeout=3600

clean:
	rm -rf build *.egg-info scanner/_fast/*.so scanner/_fast/*.c datascan.db*
