"""One object's extracted components -> its findings: what a worker does per file, and `datascan classify FILE` too.

Kept in one place so that trying a file with ``classify`` reports what ``scan`` would: the same extraction, the
same table-column context (header words) and column verdicts, the same locations (``line=3,col=5``,
``Sheet1!B2``, ``page=2``), with archive members named.
"""

from __future__ import annotations

import bisect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from scanner.config import ExtractionConfig
from scanner.models import ContentComponent, Finding
from scanner.runtime.columns import ComponentColumns, FileTables, TextTables

Detect = Callable[[str, Any], Awaitable[list[Any]]]


def component_findings(datasource_id: str, object_path: str, comp: ContentComponent,
                       dets: Sequence[Any]) -> list[tuple[Finding, int]]:
    """Findings of one component, with their offsets in its text: those starting in its own part (the overlap
    belongs to a neighbour)."""
    out: list[tuple[Finding, int]] = []
    text = comp.text
    hi = len(text) if comp.keep_to is None else comp.keep_to
    seg_starts = [s for s, _ in comp.segments] if comp.segments else None
    line, pos = comp.start_line, 0
    for d in sorted(dets, key=lambda d: d.start):
        if not comp.keep_from <= d.start < hi:
            continue
        if seg_starts is not None and comp.segments:
            k = bisect.bisect_right(seg_starts, d.start) - 1
            loc = comp.segments[k][1] if k >= 0 else comp.location
        else:
            line += text.count("\n", pos, d.start)  # C-speed counting between consecutive findings
            pos = d.start
            nl = text.rfind("\n", 0, d.start)
            col = d.start - nl if nl >= 0 else comp.start_col + d.start
            lc = f"line={line},col={col}"
            loc = f"{comp.location};{lc}" if comp.location else lc
        out.append((Finding(
            datasource_id=datasource_id, object_path=object_path, member=comp.member or "",
            location=loc, entity=d.entity, score=float(d.score), masked=d.masked, value_hash=d.value_hash,
            value=d.value,
        ), d.start))
    return out


async def object_findings(components: AsyncIterator[ContentComponent], detect: Detect, datasource_id: str,
                          object_path: str, entities: Sequence[str], hmac_key: bytes) -> list[Finding]:
    """Every finding of one object: per component (a table's header words are context for its column, in tabular
    files and in tables written in text), then the column verdicts of its tables (CSV/TSV, sheets).
    ``detect(text, context)`` runs the classifier."""
    findings: list[Finding] = []
    tables = FileTables()
    async for comp in components:
        cols = ComponentColumns(comp) if comp.table is not None else None
        # Other text may hold tables too (Markdown, tab or space aligned): their headers are context as well.
        ctx = cols if cols is not None else TextTables(comp.text)
        found = component_findings(datasource_id, object_path, comp, await detect(comp.text, ctx))
        findings.extend(f for f, _ in found)
        if cols is not None:
            tables.add(cols, found)
    findings.extend(tables.finish(datasource_id, object_path, entities, hmac_key))
    return findings


async def file_findings(path: str, classifier: Any, extraction: ExtractionConfig, hmac_key: bytes,
                        chunk_bytes: int = 1 << 20) -> tuple[list[Finding], str | None]:
    """A local file's findings as ``scan`` finds them (``datascan classify FILE``), and why they may be partial.

    Raises :class:`~scanner.exceptions.ExtractionError` when the file cannot be extracted (``scan`` would skip it)
    and :class:`OSError` when it cannot be read.
    """
    from scanner.extract import ContentExtractor, ExtractionReport

    limit = int(extraction.max_file_mb * 1024 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        # A local file read by this one command: blocking reads cost nothing here.
        with open(path, "rb") as fh:  # noqa: ASYNC230
            left = limit
            while left > 0 and (data := fh.read(min(chunk_bytes, left))):
                left -= len(data)
                yield data

    async def detect(text: str, cols: Any) -> list[Any]:
        return list(classifier.detect(text, cols))

    extractor = ContentExtractor(extraction)
    report = ExtractionReport()
    try:
        found = await object_findings(extractor.extract_stream(path, chunks(), report), detect, "-", path,
                                      classifier.entities, hmac_key)
    finally:
        await extractor.aclose()
    return found, report.partial_reason
