"""The hostile set through the real extraction subprocess: every file ends skipped, partial or with its values
found; inflation stays within budget; time-outs and memory exhaustion cost one object, never the caller."""

from __future__ import annotations

import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ClassificationConfig, ExtractionConfig  # noqa: E402
from scanner.exceptions import ExtractionError  # noqa: E402
from scanner.extract import ContentExtractor, ExtractionReport  # noqa: E402
from scanner.extract.limits import MB  # noqa: E402
from scanner.runtime.findings import component_findings  # noqa: E402

READ_SLACK = 1 * MB  # a limit is checked after each inflated chunk: it may be passed by at most one chunk


async def run(ex: ContentExtractor, name: str, data: bytes):
    """(outcome, reason, report, components) the way the worker accounts for an object."""
    report = ExtractionReport()
    comps = []
    try:
        async for c in ex.extract(name, data, report):
            comps.append(c)
    except ExtractionError as exc:
        return "skipped", str(exc), report, comps
    if report.partial_reason:
        return "partial", report.partial_reason, report, comps
    return "done", "", report, comps


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    expect, planted = fx.build_hostile(root / "h", big_mb=0)
    return root / "h", expect, planted


def _datascan_temp_dirs() -> set[str]:
    # Only the extraction's own prefixes: other datascan tests create temporary directories concurrently.
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith(("datascan-extract-", "datascan-rar-"))}


async def test_hostile_files_are_each_accounted_for(hostile, tmp_path, monkeypatch):
    root, expect, planted = hostile
    monkeypatch.chdir(tmp_path)  # a zip slip would land relative to here (or at an absolute path)
    before = _datascan_temp_dirs()
    cfg = ExtractionConfig(timeout_s=30)
    ex = ContentExtractor(cfg)
    outcomes = {}
    try:
        for name, want in sorted(expect.items()):
            outcome, reason, report, comps = await run(ex, name, (root / name).read_bytes())
            outcomes[name] = (outcome, reason)
            assert report.inflated <= cfg.max_total_uncompressed_mb * MB + READ_SLACK, name
            if want in ("skipped", "partial", "done"):
                assert outcome == want, (name, outcome, reason)
            elif want == "limited":
                assert outcome in ("skipped", "partial") and "limit" in reason, (name, outcome, reason)
            elif want == "skipped_or_partial":
                assert outcome in ("skipped", "partial"), (name, outcome, reason)
            if outcome != "done":
                assert reason, name
            for p in (p for p in planted if p.file == name):
                assert any(p.value in c.text and c.member == p.member for c in comps), (name, p.member)
    finally:
        await ex.aclose()
    assert "unsafe XML" in outcomes["laughs.docx"][1] and "unsafe XML" in outcomes["xxe.xlsx"][1]
    assert "overlap" in outcomes["bomb-overlap.zip"][1]
    assert "link member not followed" in outcomes["symlink.zip"][1]
    assert "evil-link" in outcomes["symlink.tar"][1] and "hard-link" in outcomes["symlink.tar"][1]
    assert outcomes["empty.txt"][1] == "empty (0 bytes)"
    assert list(tmp_path.iterdir()) == []            # nothing extracted to the working directory
    assert "abs.txt" not in os.listdir("/tmp") and "evil.txt" not in os.listdir("/etc")
    assert _datascan_temp_dirs() == before           # the subprocess's private directory is gone


async def test_nested_bomb_stops_at_the_inflation_budget_when_depth_allows_it(hostile):
    root, _, _ = hostile
    cfg = ExtractionConfig(max_archive_depth=10, max_total_uncompressed_mb=64, max_compression_ratio=1e6)
    ex = ContentExtractor(cfg)
    try:
        outcome, reason, report, _ = await run(ex, "bomb.zip", (root / "bomb-nested.zip").read_bytes())
    finally:
        await ex.aclose()
    assert outcome == "skipped" and "uncompressed size limit exceeded" in reason
    assert 0 < report.inflated <= 65 * MB + READ_SLACK


async def test_timeout_kills_the_child_and_the_next_object_still_works(hostile):
    root, _, _ = hostile
    # Unbounded inflation that cannot end in half a second: only killing the child stops it.
    cfg = ExtractionConfig(timeout_s=0.5, max_archive_depth=10, max_total_uncompressed_mb=10_000_000,
                           max_compression_ratio=1e6, max_file_mb=100_000, max_members=1_000_000)
    ex = ContentExtractor(cfg)
    try:
        await run(ex, "warm.txt.gz", fx.gzip.compress(b"warm up\n"))  # start the child outside the timed part
        pid = ex._sandbox.proc.pid
        outcome, reason, _, _ = await run(ex, "bomb.zip", (root / "bomb-nested.zip").read_bytes())
        assert (outcome, reason) == ("skipped", "extraction timed out after 0.5 s")
        assert ex._sandbox is None  # killed; a new one starts on demand
        value = fx.card(555)
        outcome, _, _, comps = await run(ex, "after.zip", fx._zip({"a.txt": f"card {value}".encode()}))
        assert outcome == "done" and value in comps[0].text
        assert ex._sandbox.proc.pid != pid
    finally:
        await ex.aclose()


async def test_extraction_process_killed_mid_object_is_an_aborted_extraction(hostile):
    """The extraction subprocess dies by a real SIGKILL while it parses (as under the kernel's OOM killer): the
    object's extraction is aborted (so the worker tries it again), and the next object gets a fresh process."""
    import asyncio
    import signal

    import psutil

    from scanner.exceptions import ExtractionAborted

    root, _, _ = hostile
    cfg = ExtractionConfig(timeout_s=120, max_archive_depth=10, max_total_uncompressed_mb=10_000_000,
                           max_compression_ratio=1e6, max_file_mb=100_000, max_members=1_000_000)
    ex = ContentExtractor(cfg)
    try:
        await run(ex, "warm.txt.gz", fx.gzip.compress(b"warm up\n"))
        child = psutil.Process(ex._sandbox.proc.pid)
        busy_from = sum(child.cpu_times()[:2])
        bomb = (root / "bomb-nested.zip").read_bytes()

        async def consume() -> None:
            async for _ in ex.extract("bomb.zip", bomb, ExtractionReport()):
                pass

        job = asyncio.ensure_future(consume())
        # Kill once the child is visibly working on the bomb (half a CPU second spent on it).
        while sum(child.cpu_times()[:2]) - busy_from < 0.5:
            assert not job.done()
            await asyncio.sleep(0.02)  # polling interval of the watch on the child's CPU time
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(ExtractionAborted) as info:
            await job
        assert str(info.value) == "extraction process died (SIGKILL)"
        assert ex._sandbox is None
        value = fx.card(557)
        outcome, _, _, comps = await run(ex, "after.zip", fx._zip({"a.txt": f"card {value}".encode()}))
        assert outcome == "done" and value in comps[0].text
        assert ex._sandbox.proc.pid != child.pid
    finally:
        await ex.aclose()


async def test_memory_limit_costs_one_object(hostile):
    cfg = ExtractionConfig(max_memory_mb=64, max_compression_ratio=1e6, max_file_mb=4096,
                           max_total_uncompressed_mb=4096)
    ex = ContentExtractor(cfg)
    try:
        zeros = fx._zip({"zeros.bin": b"\x00" * (256 << 20)})
        outcome, reason, _, _ = await run(ex, "zeros.zip", zeros)
        assert (outcome, reason) == ("skipped", "extraction exceeded memory limit (64 MB)")
        value = fx.card(556)
        outcome, _, _, comps = await run(ex, "after.zip", fx._zip({"a.txt": f"card {value}".encode()}))
        assert outcome == "done" and value in comps[0].text
    finally:
        await ex.aclose()


async def test_long_single_line_is_streamed_in_bounded_memory():
    """64 MB on one line, fed in 1 MB chunks: peak Python allocation stays near one component, not the file."""
    from scanner.classify import Classifier

    values = [fx.card(600), fx.card(601), fx.card(602)]
    path_mb = 64
    block = b"lorem ipsum dolor sit amet " * 38836

    async def chunks():
        yield f"card {values[0]} ".encode()
        for i in range(path_mb):
            yield block
            if i == 31:
                yield f" {values[1]} ".encode()
        yield f" card {values[2]}".encode()

    ex = ContentExtractor(ExtractionConfig(max_text_chars=1 << 30))
    clf = Classifier(ClassificationConfig(), b"k" * 32, store_raw=True)
    found = []
    tracemalloc.start()
    try:
        async for comp in ex.extract_stream("big.txt", chunks()):
            assert len(comp.text) <= ex.component_chars + 2 * 4096 + 1
            found += [f for f, _ in component_findings("ds", "big.txt", comp, clf.detect(comp.text))]
            del comp
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await ex.aclose()
    assert sorted(f.value for f in found) == sorted(values)
    assert all(f.location.startswith("line=1,col=") for f in found)
    assert peak < 24 * MB, peak
