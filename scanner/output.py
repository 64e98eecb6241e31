"""Where the commands' output goes: a terminal (rich, wrapped to its width) or a pipe, file or cron mail (lines as
long as their content: a finding is one line, a path is never cut), and a reader that stops early (``| head``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

# Wide enough that no table cell or line is ever folded or cut when nobody reads the output on a terminal (the
# tables are only as wide as their content: this is a limit, not a padding).
_UNWRAPPED = 1 << 16


class _Console(Console):
    """rich's console, except that a reader going away is left to :func:`reader_may_leave` (rich itself would
    exit 1, turning a completed scan piped into ``head`` into a failure)."""

    def on_broken_pipe(self) -> None:
        """Hand the error to the command, which still ends with its own exit code."""
        self.quiet = True
        raise BrokenPipeError


def stdout_console(stderr: bool = False) -> Console:
    """A console for standard output (or error): rich's own on a terminal, unwrapped lines without colours
    otherwise."""
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return _Console(stderr=stderr)
    return _Console(stderr=stderr, width=_UNWRAPPED, soft_wrap=True, no_color=True, highlight=False)


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """Around a command's output: when its reader goes away (``datascan scan ... | head -1``), the rest of the
    output is dropped and the command still ends with its own exit code, not a broken-pipe error."""
    try:
        yield
    except BrokenPipeError:
        _drop_stdout()
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _drop_stdout()


def _drop_stdout() -> None:
    # Later writes (and the interpreter's last flush) go nowhere instead of failing again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class OutputGroup(click.Group):
    """The ``datascan`` group: every command's output survives a reader that stops early."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command inside :func:`reader_may_leave`."""
        with reader_may_leave():
            return super().invoke(ctx)


def aligned(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Rows (the first one the header) as lines whose columns line up: each cell padded to its column's widest,
    two spaces between columns, the last column not padded; ``right``: indexes of columns aligned right (numbers).

    Plain lines rather than a drawn table: the same on a terminal, in a pipe and in cron mail, and a row stays one
    line that grep finds whole.
    """
    from rich.cells import cell_len

    ncols = max((len(r) for r in rows), default=0)
    widths = [max((cell_len(r[i]) for r in rows if i < len(r)), default=0) for i in range(ncols)]
    lines = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            pad = " " * (widths[i] - cell_len(c))
            last = i == len(r) - 1
            cells.append(pad + c if i in right else c + ("" if last else pad))
        lines.append("  ".join(cells))
    return lines
