"""SQL scan throughput on PostgreSQL: `datascan scan` of N tables, rows per second and tables per minute.

    python -m benchmarks.bench_sql [--tables 40] [--rows 20000] [--sample 1000] [--workers 1,2]

Starts a throwaway PostgreSQL cluster (the test suite's own fixture code), fills it with generate_series, scans
it with the CLI, and merges the figures under "sql" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.report import merge_results, timed_scan
from tests.conftest import postgres_url


def _psql(url: str, sql: str, db: str) -> None:
    u = make_url(url)
    subprocess.run(["psql", "-h", u.host or "127.0.0.1", "-p", str(u.port), "-U", "postgres", "-d", db, "-X", "-q",
                    "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True, capture_output=True)


def fill(url: str, tables: int, rows: int) -> None:
    """``tables`` tables of ``rows`` rows: an e-mail, an SSN-like and three clean text columns, an integer id."""
    _psql(url, "CREATE DATABASE bench", "datascan")
    stmts = []
    for t in range(tables):
        stmts.append(
            f"CREATE TABLE t{t:03d} (id BIGINT PRIMARY KEY, email TEXT, ssn TEXT, name TEXT, city TEXT, note TEXT);"
            f"INSERT INTO t{t:03d} SELECT g, 'user' || g || '@example.com', "
            f"lpad(((g % 500) + 101)::text, 3, '0') || '-' || lpad(((g % 80) + 10)::text, 2, '0') || '-' || "
            f"lpad(((g % 8000) + 1000)::text, 4, '0'), 'Name ' || g, 'City ' || (g % 97), "
            f"'note about order ' || g FROM generate_series(1, {rows}) g;")
    _psql(url, "\n".join(stmts) + "\nANALYZE;", "bench")


def run_once(url: str, tmp: Path, workers: int, sample: int) -> float:
    job = tmp / f"sql-{workers}.yaml"
    job.write_text(f"name: benchsql\ndatasources:\n  - id: pg\n    type: sql\n    url: {url}\n"
                   f"    sample_rows: {sample}\n")
    return timed_scan(job, workers, tmp / f"sql-{workers}.db")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=40)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    out = []
    with contextlib.contextmanager(postgres_url._get_wrapped_function())() as url, \
            tempfile.TemporaryDirectory(prefix="datascan-bench-sql-") as d:
        fill(url, args.tables, args.rows)
        bench_url = str(make_url(url).set(database="bench"))
        fetched = args.tables * min(args.rows, args.sample or args.rows)
        for w in (int(x) for x in args.workers.split(",")):
            wall = run_once(bench_url, Path(d), w, args.sample)
            out.append({"workers": w, "tables": args.tables, "rows_per_table": args.rows, "sample_rows": args.sample,
                        "seconds": round(wall, 2), "rows_per_s": round(fetched / wall, 1),
                        "tables_per_min": round(args.tables / wall * 60, 1)})
    print(f"{'workers':>7} {'tables':>6} {'sample':>6} {'seconds':>8} {'rows/s':>9} {'tables/min':>10}")
    for r in out:
        print(f"{r['workers']:>7} {r['tables']:>6} {r['sample_rows']:>6} {r['seconds']:>8} {r['rows_per_s']:>9} "
              f"{r['tables_per_min']:>10}")
    path = merge_results("sql", {"postgresql": out, "cpus": len(os.sched_getaffinity(0))})
    print(f"wrote {path} (key 'sql')")


if __name__ == "__main__":
    main()
