"""A datasource that yields no object does not read as a clean run (issue 18, point 6).

Through the real CLI: an empty folder, and an ``include`` of ``*.csv`` whose files all sit in sub-folders, end with
exit 4 and an error naming the datasource; ``**/*.csv`` finds them, and a folder that yields objects exits 0.
"""

from __future__ import annotations

from pathlib import Path

from tests.cliutil import run as _run


def _job(tmp: Path, include: str) -> Path:
    job = tmp / "job.yaml"
    job.write_text(f"name: empty\ndatasources:\n  - id: exports\n    type: filesystem\n    path: {tmp / 'exports'}\n"
                   f"    include: {include}\n  - id: notes\n    type: filesystem\n    path: {tmp / 'notes'}\n")
    return job


def test_a_datasource_without_objects_is_a_partial_run(tmp_path: Path) -> None:
    (tmp_path / "exports" / "2026").mkdir(parents=True)
    (tmp_path / "exports" / "2026" / "crm.csv").write_text("name,city\nbob,Leeds\n")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("nothing here\n")
    db = str(tmp_path / "s.db")
    top_only = _run("scan", "--job", str(_job(tmp_path, '["*.csv"]')), "--workers", "1", "--db", db)
    assert top_only.returncode == 4, top_only.stderr
    assert "datasource(s) exports gave no object" in top_only.stderr and "**/*.csv" in top_only.stderr
    every_folder = _run("scan", "--job", str(_job(tmp_path, '["**/*.csv"]')), "--workers", "1", "--db", db)
    assert every_folder.returncode == 0, every_folder.stderr
    (tmp_path / "notes" / "a.txt").unlink()  # now an empty folder
    empty = _run("scan", "--job", str(_job(tmp_path, '["**/*.csv"]')), "--workers", "1", "--db", db)
    assert empty.returncode == 4 and "datasource(s) notes gave no object" in empty.stderr, empty.stderr
