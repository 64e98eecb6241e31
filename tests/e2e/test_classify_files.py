"""`datascan classify FILE` finds in office files, mail and archives what `scan` finds there, at the same places.

Issue 18, point 8: it used to read every file as plain text (nothing in a .docx, exit 0). Through the real CLI:
one folder of such files is scanned, then each file is classified on its own, and the two agree row for row.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from tests.cliutil import DATASCAN  # noqa: E402
from tests.cliutil import env as _env  # noqa: E402
from tests.cliutil import findings as _findings  # noqa: E402
from tests.cliutil import job_file as _job  # noqa: E402
from tests.cliutil import run as _run  # noqa: E402

FILES = ("report.docx", "book.xlsx", "bundle.zip", "mail.eml")


def _row(r: dict) -> tuple[str, str, str, str]:
    return r["object"], r["location"], r["entity"], r["masked"]


def test_classify_a_file_reports_what_scan_reports(tmp_path: Path) -> None:
    share = tmp_path / "share"
    planted = fx.build_formats(share)
    for p in share.iterdir():
        if p.name not in FILES:
            p.unlink()
    db = tmp_path / "s.db"
    scan = _run("scan", "--job", str(_job(tmp_path, share)), "--workers", "1", "--db", str(db))
    assert scan.returncode == 0, scan.stderr
    scanned = sorted(_row(r) for r in _findings(db))
    classified = []
    for name in FILES:
        r = subprocess.run(DATASCAN + ["classify", name], capture_output=True, text=True, env=_env(), cwd=share,
                           timeout=120)
        assert r.returncode == 0, r.stderr
        classified += [_row(json.loads(line)) for line in r.stdout.splitlines()]
    assert sorted(classified) == scanned
    # And what was planted is there, at its member and place (Sheet!B2, a.zip!/b.txt, the document's header).
    for p in (p for p in planted if p.file in FILES):
        obj = p.file + (f"!/{p.member}" if p.member else "")
        assert any(o == obj and p.matches(p.member, loc) and e == p.entity for o, loc, e, _ in classified), p
