"""Names an attacker chooses, through the CLI: a file name that is not UTF-8 is scanned and shown escaped, names
made of rich markup or terminal escape sequences are printed as plain text by `report` and `diff`, and symlinks
not followed are listed as skipped with the reason. Two real runs of one job over one hostile folder."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from scanner.connectors.filesystem import LINK_NOT_FOLLOWED
from scanner.models import ObjectStatus
from scanner.store import DatabaseInterface
from tests.cliutil import findings, job_file, run

pytestmark = pytest.mark.timeout(300)

CARD = "4111 1111 1111 1111"
NAMES = {
    b"bad\xff\xfe.txt": "bad\ufffdFF\ufffdFE.txt",          # not UTF-8: the stored (escaped) form
    b"[/]x.txt": "[/]x.txt",  # folder "[", file "]x.txt": rich markup that does not parse (MarkupError)
    b"[bold red]y[/bold red].txt": "[bold red]y[/bold red].txt",  # markup that would render
    b"\x1b[2J\x1b[31mevil.txt": "\x1b[2J\x1b[31mevil.txt",  # clears the screen and turns it red
}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for raw in NAMES:
        path = os.path.join(os.fsencode(corpus), raw)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(f"card {CARD}\n".encode())
    (corpus / "plain.txt").write_text(f"card {CARD}\n")
    os.symlink("plain.txt", corpus / "link.txt")
    db = tmp / "s.db"
    job = job_file(tmp, corpus, name="hostile")
    for _ in range(2):  # the second run carries the findings over: diff has unchanged rows to print
        r = run("scan", "--job", str(job), "--workers", "1", "--db", str(db), timeout=120)
        assert r.returncode == 0, r.stderr
    return tmp, db


def test_a_name_that_is_not_utf8_is_scanned_and_stored_escaped(scanned):
    _, db = scanned
    objects = {f["object"] for f in findings(db)}
    assert objects == {*NAMES.values(), "plain.txt"}


async def _skipped(db: Path) -> list[tuple[str, str, str, str | None]]:
    store = await DatabaseInterface.open(str(db))
    try:
        return list(await store.objects_in_status(1, [ObjectStatus.SKIPPED]))
    finally:
        await store.close()


def test_symlinks_not_followed_are_listed_as_skipped_with_the_reason(scanned):
    _, db = scanned
    assert asyncio.run(_skipped(db)) == [("corpus", "link.txt", "SKIPPED", LINK_NOT_FOLLOWED)]
    r = run("report", "1", "--db", str(db))
    assert LINK_NOT_FOLLOWED in " ".join(r.stdout.split()), r.stdout


def _no_terminal_control(text: str) -> None:
    assert not any(ord(c) < 0x20 and c not in "\n" for c in text), repr(text)


@pytest.mark.parametrize("command", [["report", "latest", "--top", "50"], ["diff", "1", "2", "--unchanged"]])
def test_report_and_diff_print_hostile_names_as_plain_escaped_text(scanned, command):
    _, db = scanned
    r = run(*command, "--db", str(db), env=None)
    assert r.returncode == 0, r.stderr
    _no_terminal_control(r.stdout)
    flat = "".join(r.stdout.split())  # table cells may fold a long name over two lines
    for shown in ("bad\ufffdFF\ufffdFE.txt", "[/]x.txt", "[boldred]y[/boldred].txt", "\\x1b[2J\\x1b[31mevil.txt"):
        assert shown in flat, (shown, r.stdout)
