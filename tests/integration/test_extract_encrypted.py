"""Password-protected files, made with the real tools, through the real extraction subprocess: each is skipped (or
partially scanned, for a zip with some encrypted members) with a reason naming encryption, and what is readable
is still found. Also: legacy .doc/.ppt read inside the subprocess, and a temp directory that cannot be created
costing the object, not the extractor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ExtractionConfig  # noqa: E402
from scanner.exceptions import ExtractionError  # noqa: E402
from scanner.extract import ContentExtractor, ExtractionReport  # noqa: E402


async def run(ex: ContentExtractor, name: str, data: bytes):
    report = ExtractionReport()
    comps = []
    try:
        async for c in ex.extract(name, data, report):
            comps.append(c)
    except ExtractionError as exc:
        return "skipped", str(exc), comps
    if report.partial_reason:
        return "partial", report.partial_reason, comps
    return "done", "", comps


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory):
    root = tmp_path_factory.mktemp("encrypted")
    expect, planted = fx.build_encrypted(root)
    return root, expect, planted


async def test_encrypted_files_are_skipped_with_the_reason_and_the_rest_goes_on(encrypted):
    root, expect, planted = encrypted
    assert len(expect) >= 10
    ex = ContentExtractor(ExtractionConfig(timeout_s=30))
    problems = []
    try:
        for name, (want, words) in sorted(expect.items()):
            outcome, reason, comps = await run(ex, name, (root / name).read_bytes())
            if outcome != want or words not in reason:
                problems.append(f"{name}: {outcome} {reason!r}, expected {want} {words!r}")
            if want != "done" and "encrypted" not in reason:
                problems.append(f"{name}: reason does not name encryption: {reason!r}")
            for p in (p for p in planted if p.file == name):
                if not any(p.value in c.text and (c.member or "") == p.member for c in comps):
                    problems.append(f"{name}: readable value at {p.member!r} not extracted")
            # No component of an encrypted part may come out (ciphertext decoded as text would be noise).
            if want == "skipped" and comps:
                problems.append(f"{name}: {len(comps)} component(s) from a skipped file")
    finally:
        await ex.aclose()
    assert not problems, "\n".join(problems)


def test_the_encrypted_fixtures_really_are_encrypted(encrypted):
    """The fixtures are made by the real tools: other readers refuse them without the password too."""
    import msoffcrypto
    import py7zr
    import pypdf

    root, _, _ = encrypted
    assert pypdf.PdfReader(root / "secret.pdf").is_encrypted
    for name in ("secret.docx", "secret.xlsx"):
        with (root / name).open("rb") as f:
            assert msoffcrypto.OfficeFile(f).is_encrypted()
    with py7zr.SevenZipFile(root / "secret.7z") as z:
        assert z.needs_password()
    unzip = subprocess.run(["bsdtar", "-xOf", str(root / "secret.zip"), "--passphrase", "wrong"],
                           capture_output=True)
    assert unzip.returncode != 0


async def test_legacy_word_and_powerpoint_inside_the_subprocess():
    assert shutil.which("catdoc"), "catdoc missing: run make system-packages"
    ex = ContentExtractor(ExtractionConfig(timeout_s=30))
    try:
        for name, values in fx.LEGACY_VALUES.items():
            outcome, reason, comps = await run(ex, name, (fx.LEGACY_DIR / name).read_bytes())
            assert (outcome, reason) == ("done", ""), name
            text = "\n".join(c.text for c in comps)
            assert all(v in text for _, _, v in values), name
    finally:
        await ex.aclose()


async def test_a_temp_directory_that_cannot_be_made_costs_the_object_only(tmp_path):
    missing = tmp_path / "not-there"
    ex = ContentExtractor(ExtractionConfig(temp_dir=str(missing)))
    try:
        outcome, reason, _ = await run(ex, "a.zip", fx._zip({"a.txt": b"card " + fx.card(1).encode()}))
        assert outcome == "skipped" and "cannot create the extraction temp directory" in reason
        assert str(missing) in reason
        # Plain text never needs the subprocess: it is still read.
        outcome, _, comps = await run(ex, "a.txt", b"card " + fx.card(2).encode())
        assert outcome == "done" and fx.card(2) in comps[0].text
        missing.mkdir()
        outcome, _, comps = await run(ex, "b.zip", fx._zip({"b.txt": b"card " + fx.card(3).encode()}))
        assert outcome == "done" and fx.card(3) in comps[0].text  # once it exists, the next object works
        assert [p.name.startswith("datascan-extract-") for p in missing.iterdir()] == [True]
    finally:
        await ex.aclose()
    assert list(missing.iterdir()) == []  # the private directory is removed with the subprocess
