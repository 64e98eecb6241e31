"""Per-object budgets shared by every format module: inflated bytes, members, characters, nesting depth.

One :class:`Budget` lives for the extraction of one discovered object, whatever it holds (an archive and all the
archives inside it are one object). A hit limit either raises :class:`LimitExceeded` (the current member or
object cannot go on) or is recorded with :meth:`Budget.note` so the object ends "partially scanned" with why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionError

MB = 1024 * 1024
# The compression-ratio limit is only applied past this many inflated bytes: tiny members (an empty-ish XML part,
# a short log) legitimately compress 1000:1, bombs only matter once they are big.
RATIO_GRACE_BYTES = 1 * MB
READ_CHUNK = 1 << 20


class LimitExceeded(ExtractionError):
    """A configured extraction limit was reached."""


@dataclass
class Budget:
    """What one object may still cost, and the notes explaining what was left out."""

    cfg: ExtractionConfig
    inflated: int = 0
    members: int = 0
    chars: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def max_inflated(self) -> int:
        return int(self.cfg.max_total_uncompressed_mb * MB)

    @property
    def max_member_bytes(self) -> int:
        """No single member (or attachment) may be larger than a whole object may be."""
        return int(self.cfg.max_file_mb * MB)

    def note(self, reason: str) -> None:
        """Record why part of the object was not classified (kept once, in order)."""
        if reason not in self.notes and len(self.notes) < 50:
            self.notes.append(reason)

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.cfg.max_members:
            raise LimitExceeded(f"member count limit exceeded (max_members={self.cfg.max_members})")

    def inflate(self, n: int, compressed: int | None = None, produced: int | None = None) -> None:
        """Account ``n`` more inflated bytes; ``produced``/``compressed`` are the current member's totals."""
        self.inflated += n
        if self.inflated > self.max_inflated:
            raise LimitExceeded(
                f"uncompressed size limit exceeded (max_total_uncompressed_mb={self.cfg.max_total_uncompressed_mb:g})")
        if produced is not None and compressed is not None and produced > RATIO_GRACE_BYTES:
            if produced > self.cfg.max_compression_ratio * max(compressed, 1):
                raise LimitExceeded(
                    f"compression ratio limit exceeded (max_compression_ratio={self.cfg.max_compression_ratio:g})")
        if produced is not None and produced > self.max_member_bytes:
            raise LimitExceeded(f"member larger than max_file_mb ({self.cfg.max_file_mb:g} MB)")

    def fits(self, n: int, compressed: int) -> bool:
        """Whether ``n`` more inflated bytes from a member of ``compressed`` bytes would pass :meth:`inflate`
        (for a parser that inflates members itself, checked against their declared sizes first)."""
        if self.inflated + n > self.max_inflated or n > self.max_member_bytes:
            return False
        return n <= RATIO_GRACE_BYTES or n <= self.cfg.max_compression_ratio * max(compressed, 1)

    def remaining_chars(self) -> int:
        return max(0, self.cfg.max_text_chars - self.chars)


def safe_member_name(name: str) -> str:
    """An archive member or attachment name reduced to a harmless relative label.

    Names are only ever used as labels (nothing is written to the file system under them), but they end up in
    reports: no absolute paths, no ``..``, no backslashes, no control characters, bounded length.
    """
    name = name.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    out = "/".join(parts)
    out = "".join(ch if ch.isprintable() else "?" for ch in out)
    if len(out) > 512:
        out = out[:500] + "..." + out[-9:]
    return out or "(unnamed)"


def join_member(prefix: str | None, name: str) -> str:
    """``inner.zip`` + ``x/file.txt`` -> ``inner.zip!/x/file.txt`` (the top level has no prefix)."""
    return f"{prefix}!/{name}" if prefix else name
