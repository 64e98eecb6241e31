"""The progress display counts the bytes of a big file while it is being read, not only finished objects: a job
whose first file is big must not sit at 0 MB until that file is done."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil

from tests.cliutil import DATASCAN, env, job_file, worker_processes

_LINE = re.compile(r"\[progress\] objects 0/1 .*?([\d.]+)/([\d.]+) MB")


def _read_position(pid: int, path: Path) -> int | None:
    """How far process ``pid`` has read ``path`` (its descriptor's offset), or None when it has it not open."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            try:
                if os.readlink(fd) == str(path):
                    info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                    return int(re.search(r"pos:\s*(\d+)", info).group(1))  # type: ignore[union-attr]
            except OSError:
                continue
    except OSError:
        return None
    return None


def test_progress_moves_while_a_big_file_is_read(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    big = corpus / "big.txt"
    big.write_bytes(b"nothing to see on this line\n" * ((64 << 20) // 28))  # streamed: well above 8 MB
    db = tmp_path / "s.db"
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job_file(tmp_path, corpus)), "--workers", "1",
                                        "--db", str(db)], env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    stopped: list[psutil.Process] = []
    try:
        # Freeze the worker once it has read 16 MB of the file: the object is then unfinished for as long as the
        # test likes, and whatever the display shows of it can only come from the bytes read so far.
        deadline = time.monotonic() + 120
        while not stopped:
            assert time.monotonic() < deadline and proc.poll() is None, "the scan never read the big file"
            for w in worker_processes(proc.pid):
                pos = _read_position(w.pid, big)
                if pos is not None and pos >= 16 << 20:
                    w.send_signal(signal.SIGSTOP)
                    stopped.append(w)
            time.sleep(0.01)  # polling interval of the wait above, not a stand-in for synchronisation
        # The plain display prints a line every 5 s: the first lines after the stop must show the bytes read.
        seen = []
        for _ in range(3):
            line = proc.stderr.readline()  # type: ignore[union-attr]
            m = _LINE.search(line)
            if m:
                seen.append(float(m.group(1)))
                if seen[-1] > 0:
                    break
        assert seen and seen[-1] >= 10, seen
    finally:
        for p in [*stopped, *(psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else [])]:
            try:
                p.kill()
            except psutil.Error:
                pass
        proc.kill()
        proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]
