"""The extraction subprocess: parsing of untrusted non-text formats happens here, never in the worker.

A pure-Python timer cannot stop C code stuck in a loop, and a parser that allocates without bound would take the
worker down with it. So each worker keeps one long-lived child process (``python -m scanner.extract.sandbox``,
a fresh interpreter like the ``spawn`` start method: the worker is a daemonic multiprocessing child and may not
use multiprocessing to start children of its own) with an address-space limit (``RLIMIT_AS``). The parent
pulls components one batch at a time and only for as long as the object's wall-time budget lasts; when the
budget runs out it SIGKILLs the child and starts a new one on the next object. A killed extraction costs one
object, never the worker. The child also dies with its parent (``PR_SET_PDEATHSIG`` and EOF on its socket).

Protocol (pickled tuples over a socketpair, see :class:`multiprocessing.connection.Connection`):
parent ``("start", name, data, cfg)`` -> child ``("ok",)``; parent ``("next",)`` -> child ``("more", comps)`` |
``("end", comps, notes, inflated)`` | ``("error", comps, reason, restart, inflated)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionError

_BATCH_CHARS = 1 << 20
_BATCH_ITEMS = 256
_START_TIMEOUT_S = 120.0


class SandboxTimeout(Exception):
    """The child did not answer within the object's remaining wall time."""


class SandboxDied(Exception):
    """The child exited or was killed while working."""


class SandboxProcess:
    """Parent-side handle of one extraction child. Blocking methods: call them from a thread."""

    def __init__(self, memory_mb: int, temp_dir: str | None = None):
        self.memory_mb = memory_mb
        try:
            self._tmp = tempfile.TemporaryDirectory(prefix="datascan-extract-", dir=temp_dir)
        except OSError as exc:  # a full or missing temp file system costs the objects that need it
            where = temp_dir or tempfile.gettempdir()
            raise ExtractionError(f"cannot create the extraction temp directory in {where}: {exc.strerror}") from None
        parent_sock, child_sock = socket.socketpair()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "scanner.extract.sandbox", str(child_sock.fileno()), str(memory_mb)],
                pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                # Parser libraries print diagnostics that may quote document content: never let them out.
                stderr=subprocess.DEVNULL, cwd=self._tmp.name, close_fds=True,
                env={**os.environ, "TMPDIR": self._tmp.name, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except OSError as exc:
            parent_sock.close()
            self._tmp.cleanup()
            raise ExtractionError(f"extraction subprocess could not start: {exc.strerror}") from None
        finally:
            child_sock.close()
        self.conn = Connection(parent_sock.detach())
        self.ready = False

    def wait_ready(self) -> None:
        if not self.conn.poll(_START_TIMEOUT_S):
            self.kill()
            raise ExtractionError("extraction subprocess did not start in time")
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            code = self.kill()
            raise ExtractionError(f"extraction subprocess failed to start (exit code {code})") from None
        if msg[0] != "ready":
            self.kill()
            raise ExtractionError("extraction subprocess failed to start")
        self.ready = True

    def request(self, msg: tuple[Any, ...], timeout: float) -> tuple[tuple[Any, ...], float]:
        """Send one message and wait for the reply; returns it with the time it took."""
        t0 = time.monotonic()
        try:
            self.conn.send(msg)
            if not self.conn.poll(max(0.0, timeout)):
                raise SandboxTimeout
            reply = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise SandboxDied from exc
        return reply, time.monotonic() - t0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> int | None:
        """SIGKILL the child (it may be stuck in C code) and reap it; returns its exit status."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        with contextlib.suppress(OSError):
            self.conn.close()
        # ignore_cleanup_errors is not enough on a file system that vanished; nothing else can be done then.
        with contextlib.suppress(OSError):
            self._tmp.cleanup()
        return code


def death_reason(code: int | None) -> str:
    """Why a child ended, in words."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"extraction process died ({name})"
    return f"extraction process died (exit code {code})"


# ----------------------------------------------------------------------------------------------------- the child

def _set_pdeathsig() -> None:
    """Ask the kernel to SIGKILL us when the worker that started us dies (Linux only; best effort)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _batch(gen: Iterator[Any]) -> tuple[list[Any], bool]:
    items: list[Any] = []
    size = 0
    for comp in gen:
        items.append(comp)
        size += len(comp.text)
        if size >= _BATCH_CHARS or len(items) >= _BATCH_ITEMS:
            return items, False
    return items, True


def child_main(fd: int, memory_mb: int) -> None:
    """The child's loop: one object at a time, components handed out on request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group; the worker decides
    _set_pdeathsig()
    import logging

    logging.disable(logging.CRITICAL)  # libraries' log lines may quote content; reasons travel back instead
    # Import every format module before limiting memory: the limit is what one extraction may add.
    from scanner.extract import archives, core, mail, office, ole, pdf  # noqa: F401
    from scanner.extract.core import Ctx, extract_bytes
    from scanner.extract.limits import Budget, LimitExceeded

    for mod in ("pypdf", "py7zr", "rarfile", "olefile", "xlrd", "striprtf.striprtf", "defusedxml.ElementTree",
                "charset_normalizer"):
        with contextlib.suppress(ImportError):
            __import__(mod)
    import resource

    limit = _vm_size() + memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn = Connection(fd)
    conn.send(("ready", os.getpid()))
    gen: Iterator[Any] | None = None
    budget: Budget | None = None
    items: list[Any] = []
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # the object alone does not fit in the memory limit
            with contextlib.suppress(Exception):
                conn.send(("error", [], f"extraction exceeded memory limit ({memory_mb} MB)", True, -1))
            os._exit(3)
        if msg[0] == "start":
            if gen is not None:
                with contextlib.suppress(Exception):
                    gen.close()  # type: ignore[attr-defined]
            _, name, data, cfg = msg
            budget = Budget(ExtractionConfig.model_validate(cfg))
            gen = extract_bytes(data, Ctx(budget, name))
            del data
            conn.send(("ok",))
            continue
        if msg[0] != "next" or gen is None or budget is None:
            conn.send(("error", [], "extraction protocol error", True, 0))
            continue
        items = []
        try:
            items, done = _batch(gen)
            if done:
                gen = None
                conn.send(("end", items, budget.notes, budget.inflated))
            else:
                conn.send(("more", items))
        except LimitExceeded as exc:
            gen = None
            conn.send(("end", items, [*budget.notes, str(exc)], budget.inflated))
        except ExtractionError as exc:
            gen = None
            conn.send(("error", items, str(exc), False, budget.inflated))
        except MemoryError:
            gen = items = None  # type: ignore[assignment]
            # The heap may be fragmented or half-freed: report, then let the parent start a fresh child.
            with contextlib.suppress(Exception):
                conn.send(("error", [], f"extraction exceeded memory limit ({memory_mb} MB)", True, -1))
            os._exit(3)
        except RecursionError:
            gen = None
            conn.send(("error", items, "content nested too deeply to extract", False, budget.inflated))
        except Exception as exc:  # noqa: BLE001 - any parser bug on hostile input costs this object only
            gen = None
            conn.send(("error", items, f"cannot extract ({exc.__class__.__name__})", False, budget.inflated))


if __name__ == "__main__":
    child_main(int(sys.argv[1]), int(sys.argv[2]))
