"""``ContentExtractor``: the worker-side entry point of extraction.

Plain text is decoded in the worker as a stream (linear, cannot hang, never held whole: a 200 MB single-line file
costs about one component of memory). Every other format is detected by content and parsed in the extraction
subprocess (:mod:`scanner.extract.sandbox`) under the object's wall-time and memory limits. What could not be
read is reported through an :class:`ExtractionReport`: nothing read at all raises ExtractionError (the object
is skipped with the reason); something read but not all of it leaves notes (the object is partially scanned).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionAborted, ExtractionError
from scanner.extract.detect import STREAMED, sniff
from scanner.extract.sandbox import (
    End,
    Failed,
    Next,
    SandboxDied,
    SandboxProcess,
    SandboxProtocolError,
    SandboxTimeout,
    Start,
    death_reason,
)
from scanner.extract.text import COMPONENT_CHARS, StreamDecoder, TextChunker
from scanner.models import ContentComponent

_HEAD_BYTES = 65536


@dataclass
class ExtractionReport:
    """What happened to one object: its detected format, how many components it gave, and what was left out."""

    format: str | None = None
    components: int = 0
    notes: list[str] = field(default_factory=list)
    inflated: int = 0  # bytes decompressed from archive members and document parts (-1: unknown, child died)

    def note(self, reason: str) -> None:
        if reason not in self.notes:
            self.notes.append(reason)

    @property
    def partial_reason(self) -> str | None:
        """The notes as one reason (bounded: it is stored per object and counted per distinct value)."""
        if not self.notes:
            return None
        shown = "; ".join(self.notes[:3])
        if len(self.notes) > 3:
            shown += f"; and {len(self.notes) - 3} more"
        return shown if len(shown) <= 480 else shown[:477] + "..."


class ContentExtractor:
    """Yields the text components of one object at a time. One per worker; :meth:`aclose` when done."""

    def __init__(self, cfg: ExtractionConfig, component_chars: int = COMPONENT_CHARS,
                 child_module: str = "scanner.extract.sandbox"):
        self.cfg = cfg
        self.component_chars = component_chars
        self.child_module = child_module  # the module the extraction process runs (tests run probes through it)
        self._sandbox: SandboxProcess | None = None
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract-io")

    async def extract(self, name: str, data: bytes,
                      report: ExtractionReport | None = None) -> AsyncIterator[ContentComponent]:
        """Components of the object called ``name`` whose bytes are ``data``."""

        async def one() -> AsyncIterator[bytes]:
            yield data

        async for comp in self.extract_stream(name, one(), report):
            yield comp

    async def extract_stream(self, name: str, chunks: AsyncIterator[bytes],
                             report: ExtractionReport | None = None) -> AsyncIterator[ContentComponent]:
        """Components of an object read as a stream of byte chunks (the connector's ``stream_object``)."""
        report = report if report is not None else ExtractionReport()
        it = chunks.__aiter__()
        head = bytearray()
        done = False
        while len(head) < _HEAD_BYTES:
            try:
                head += await it.__anext__()
            except StopAsyncIteration:
                done = True
                break
        fmt = sniff(name, bytes(head[:_HEAD_BYTES]))
        report.format = fmt
        if fmt == "empty":
            raise ExtractionError("empty (0 bytes)")
        if fmt.startswith("opaque:"):
            raise ExtractionError(f"no text to extract ({fmt[7:]})")
        if fmt in STREAMED:
            async for comp in self._stream_text(bytes(head), it, done, report):
                yield comp
            return
        buf = head
        while not done:  # every other format needs the whole object (bounded by max_file_mb at the connector)
            try:
                buf += await it.__anext__()
            except StopAsyncIteration:
                done = True
        async for comp in self._sandboxed(name, bytes(buf), report):
            yield comp

    async def _stream_text(self, head: bytes, it: AsyncIterator[bytes], done: bool,
                           report: ExtractionReport) -> AsyncIterator[ContentComponent]:
        dec = StreamDecoder(head, complete=done)
        chunker = TextChunker(size=self.component_chars)
        left = self.cfg.max_text_chars
        chunk: bytes | None = head
        while True:
            final = chunk is None
            text = dec.decode(chunk or b"", final=final)
            if len(text) > left:
                text = text[:left]
                report.note(f"text limit reached (max_text_chars={self.cfg.max_text_chars})")
                final = True
            left -= len(text)
            for comp in chunker.feed(text):
                report.components += 1
                yield comp
            if final:
                break
            if done:
                chunk = None
                continue
            try:
                chunk = await it.__anext__()
            except StopAsyncIteration:
                done, chunk = True, None
        if report.notes:
            aclose = getattr(it, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()  # stop reading the rest of the object
        for comp in chunker.finish():
            report.components += 1
            yield comp

    async def _ensure_sandbox(self) -> SandboxProcess:
        sb = self._sandbox
        if sb is not None and sb.alive():
            return sb
        if sb is not None:
            await asyncio.get_running_loop().run_in_executor(self._io, sb.kill)
        # Popen runs here, on the loop's thread: PR_SET_PDEATHSIG ties the child to this (long-lived) thread.
        sb = SandboxProcess(self.cfg, self.child_module)
        self._sandbox = sb
        try:
            await sb.wait_ready()
        except BaseException:
            self._sandbox = None
            raise
        return sb

    async def _sandboxed(self, name: str, data: bytes,
                         report: ExtractionReport) -> AsyncIterator[ContentComponent]:
        loop = asyncio.get_running_loop()
        sb = await self._ensure_sandbox()
        left = self.cfg.timeout_s
        reason: str | None = None
        aborted = False  # the child died, overran or ran out of memory: another attempt may pass
        try:
            reply, dt = await sb.request(Start(name, data), left)
            del data
            left -= dt
            while True:
                for comp in reply.comps:
                    report.components += 1
                    yield comp
                if isinstance(reply, End):
                    for n in reply.notes:
                        report.note(n)
                    report.inflated = reply.inflated
                    break
                if isinstance(reply, Failed):
                    reason = reply.reason
                    report.inflated = reply.inflated
                    if reply.restart:
                        aborted = True
                        await loop.run_in_executor(self._io, self._drop)
                    break
                reply, dt = await sb.request(Next(), left)
                left -= dt
        except SandboxTimeout:
            await loop.run_in_executor(self._io, self._drop)
            reason = f"extraction timed out after {self.cfg.timeout_s:g} s"
            aborted = True
        except SandboxDied:
            code = await loop.run_in_executor(self._io, self._drop)
            reason = death_reason(code)
            aborted = True
        except SandboxProtocolError as exc:
            # The child broke the protocol: it may be compromised. Nothing of the reply was used; replace it.
            await loop.run_in_executor(self._io, self._drop)
            reason = f"extraction process sent an invalid reply ({exc}); process replaced"
        except GeneratorExit:
            raise  # the consumer stopped between requests: the child is idle and the next Start resets it
        except BaseException:
            # Cancelled (or the consumer failed) while a request may be in flight: the child's state is unknown.
            self._drop()
            raise
        if reason is None:
            if report.components == 0 and report.notes:
                raise ExtractionError(report.partial_reason or "nothing could be extracted")
            return
        if report.components:
            report.note(reason)  # what came before the failure was classified: a partial scan
            return
        raise ExtractionAborted(reason) if aborted else ExtractionError(reason)

    def _drop(self) -> int | None:
        sb, self._sandbox = self._sandbox, None
        return sb.kill() if sb is not None else None

    async def aclose(self) -> None:
        """Stop the extraction subprocess, if one runs."""
        self._drop()
        self._io.shutdown(wait=False, cancel_futures=True)
