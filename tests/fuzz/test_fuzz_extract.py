"""Fuzzing the extraction entry points with mutated real fixtures and random bytes: ``core.extract_bytes`` (what
the extraction subprocess runs) in-process, and ``ContentExtractor`` (the worker's entry point, across the real
subprocess) for a tenth as many examples. Brief in ``make test``; ``make fuzz`` sets DATASCAN_FUZZ_EXAMPLES much
higher.

A malformed input may only end as ExtractionError (skipped/partial with a reason) or RecursionError (which the
subprocess reports as "nested too deeply"); any other exception is a bug in our handling of that format.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ExtractionConfig  # noqa: E402
from scanner.exceptions import ExtractionError  # noqa: E402
from scanner.extract import ContentExtractor, ExtractionReport  # noqa: E402
from scanner.extract.core import Ctx, extract_bytes  # noqa: E402
from scanner.extract.limits import Budget  # noqa: E402

EXAMPLES = int(os.environ.get("DATASCAN_FUZZ_EXAMPLES", "40"))
SANDBOX_EXAMPLES = max(8, EXAMPLES // 10)  # each crosses the process boundary twice
CFG = ExtractionConfig(max_total_uncompressed_mb=64, max_file_mb=16, max_text_chars=2_000_000)


def _seeds() -> list[tuple[str, bytes]]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        fx.build_formats(Path(d))
        return [(p.name, p.read_bytes()) for p in sorted(Path(d).iterdir()) if p.stat().st_size < 200_000]


SEEDS = _seeds()


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SEEDS))
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        if not buf:
            break
        i = draw(st.integers(0, len(buf) - 1))
        if op == "flip":
            buf[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del buf[i: i + draw(st.integers(1, 4096))]
        elif op == "insert":
            buf[i:i] = draw(st.binary(min_size=1, max_size=64))
        else:
            j = draw(st.integers(i, min(len(buf), i + 512)))
            buf[i:i] = buf[i:j]
    return name, bytes(buf)


def _extract(name: str, data: bytes) -> None:
    budget = Budget(CFG)
    try:
        for comp in extract_bytes(data, Ctx(budget, name)):
            assert isinstance(comp.text, str)
            assert comp.member is None or not comp.member.startswith("/")
    except (ExtractionError, RecursionError):
        pass
    assert budget.inflated <= CFG.max_total_uncompressed_mb * 1024 * 1024 + (1 << 20)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_fixtures_never_crash(sample):
    _extract(*sample)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 100)
@given(st.sampled_from(["x.txt", "x.pdf", "x.docx", "x.zip", "x.eml", "x.html", "x.msg"]),
       st.sampled_from([b"", b"PK\x03\x04", b"%PDF-1.4\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf1",
                        b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x01\x00",
                        b"From: a\nTo: b\nSubject: c\n\n"]),
       st.binary(max_size=4096))
def test_random_bytes_behind_magic_never_crash(name, magic, body):
    _extract(name, magic + body)


@pytest.fixture(scope="module")
def sandboxed():
    """One event loop and one extractor (one long-lived subprocess) for every example, as in a worker."""
    loop = asyncio.new_event_loop()
    ex = ContentExtractor(CFG.model_copy(update={"timeout_s": 20.0}))
    yield loop, ex
    loop.run_until_complete(ex.aclose())
    loop.close()


async def _through_sandbox(ex: ContentExtractor, name: str, data: bytes) -> tuple[str, str]:
    report = ExtractionReport()
    try:
        async for comp in ex.extract(name, data, report):
            assert isinstance(comp.text, str)
            assert comp.member is None or not comp.member.startswith("/")
    except ExtractionError as exc:
        return "skipped", str(exc)
    assert report.inflated <= CFG.max_total_uncompressed_mb * 1024 * 1024 + (1 << 20)
    return ("partial", report.partial_reason) if report.partial_reason else ("done", "")


_CANARY = fx._zip({"c.txt": f"card {fx.card(999)}".encode()})


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=SANDBOX_EXAMPLES, deadline=None, derandomize=SANDBOX_EXAMPLES <= 100,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_fixtures_through_the_sandbox(sandboxed, sample):
    """Whatever the input, the worker-side call ends with an outcome and a reason, and the next object works."""
    loop, ex = sandboxed
    outcome, reason = loop.run_until_complete(_through_sandbox(ex, *sample))
    assert outcome == "done" or reason
    assert loop.run_until_complete(_through_sandbox(ex, "canary.zip", _CANARY)) == ("done", "")


# ------------------------------------------------------------------ the compiled paths give the old path's text

_TAGS = ["p", "h", "t", "delText", "instrText", "tab", "br", "cr", "line-break", "s", "annotation", "span", "r"]
_TEXTS = st.sampled_from(["", "", "x", "ab c", " ", "\n", "1 2", "&amp;", "é", "&lt;t&gt;"])


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag, ns = draw(st.sampled_from(_TAGS)), draw(st.integers(0, 2))
    prefix = f"n{ns}:" if ns < 2 else ""
    attrs = f' n{ns % 2}:c="{draw(st.sampled_from(["2", "0", "7"]))}"' if tag == "s" and draw(st.booleans()) else ""
    kids = "".join(draw(_element(depth + 1)) + draw(_TEXTS) for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))))
    comment = "<!--c-->" if draw(st.integers(0, 9)) == 0 else ""
    return f"<{prefix}{tag}{attrs}>{draw(_TEXTS)}{comment}{kids}</{prefix}{tag}>"


@settings(max_examples=EXAMPLES * 2, deadline=None, derandomize=EXAMPLES <= 100)
@given(st.lists(_element(), min_size=1, max_size=4), _TEXTS)
def test_xslt_paragraphs_equal_the_elementtree_walk(elements, tail):
    """office's XSLT path (lxml) gives exactly the lines of its ElementTree walk, for every paragraph spec: nested
    paragraphs, skipped and special elements, names in any namespace and in none, comments."""
    import io as _io

    import defusedxml.ElementTree as DET

    from scanner.extract import office
    from scanner.extract.xmltext import paragraph_text, parse_part

    xml = ('<?xml version="1.0"?><root xmlns:n0="urn:a" xmlns:n1="urn:b">' + "".join(elements) + tail
           + "</root>").encode()
    root = parse_part(xml)
    assert root is not None
    for spec in (office.WORD_SPEC, office.DRAWING_SPEC, office.ODF_SPEC):
        old = "\n".join(office.paragraph_lines(DET.iterparse(_io.BytesIO(xml), events=("start", "end")), spec))
        assert paragraph_text(xml, root, spec.para, spec.text, spec.mixed, spec.skip) == old, spec
