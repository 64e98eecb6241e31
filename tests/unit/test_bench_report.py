"""benchmarks.report.run_measured: peak RSS per benchmark row, from real child processes.

Each row must report its own peak, not the largest of every child so far (which is what
``getrusage(RUSAGE_CHILDREN)`` in the parent would give), and a row's peak includes what its own children used.
"""

import sys
import textwrap
from pathlib import Path

from benchmarks.report import run_measured

MIB = 1 << 20

# Touches every page of a buffer of argv[1] MB, so it is resident; with argv[2], first runs itself with that size
# as a child (and waits for it).
EAT = textwrap.dedent("""
    import subprocess, sys
    if len(sys.argv) > 2:
        subprocess.run([sys.executable, sys.argv[0], sys.argv[2]], check=True)
    buf = bytearray(int(sys.argv[1]) * 1048576)
    buf[::4096] = b"x" * len(buf[::4096])
    print("done", len(buf) // 1048576)
""")


def _eat(tmp_path: Path) -> str:
    path = tmp_path / "eat.py"
    path.write_text(EAT)
    return str(path)


def test_each_run_reports_its_own_peak(tmp_path: Path) -> None:
    eat = _eat(tmp_path)
    big = run_measured([sys.executable, eat, "150"])
    small = run_measured([sys.executable, eat, "10"])
    assert big.returncode == small.returncode == 0
    assert big.stdout.strip() == b"done 150"
    assert big.peak_rss >= 150 * MIB
    # A 10 MB child is a Python interpreter plus 10 MB: far below the 150 MB row before it.
    assert small.peak_rss < 80 * MIB
    assert big.cpu_s > 0 and big.wall_s > 0
    assert big.tree_peak_rss >= big.peak_rss


def test_a_row_includes_the_processes_it_started(tmp_path: Path) -> None:
    eat = _eat(tmp_path)
    run = run_measured([sys.executable, eat, "5", "120"])  # a 5 MB process that first runs a 120 MB one
    assert run.returncode == 0
    assert run.peak_rss >= 120 * MIB
    assert run.peak_mb() >= 120


def test_exit_code_and_error_output_come_back(tmp_path: Path) -> None:
    run = run_measured([sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"])
    assert run.returncode == 3
    assert run.stderr == b"boom"


def test_a_big_parent_does_not_inflate_a_small_row(tmp_path: Path) -> None:
    # Linux hands a vfork+exec'd child its parent's high-water mark as its own starting ru_maxrss: a benchmark
    # that has loaded its corpora must still see a small child as small.
    ballast = bytearray(200 * MIB)
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run_measured([sys.executable, _eat(tmp_path), "10"])
    assert small.returncode == 0
    assert small.peak_rss < 80 * MIB
    del ballast
