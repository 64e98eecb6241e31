"""Discovery split by folder and page (issue 17, point 3), with real worker processes: a tree walked by several
discovery tasks, a big folder listed in pages by tasks of their own, and a rescan that notices what changed."""

from __future__ import annotations

from pathlib import Path

from tests import storeview
from tests.cliutil import run


def _tree(root: Path) -> None:
    for d in range(4):
        for s in range(3):
            p = root / f"d{d}" / f"s{s}"
            p.mkdir(parents=True)
            for i in range(4):
                (p / f"f{i}.txt").write_text(f"mail j{d}{s}{i}@example.com\n")
    big = root / "big"
    big.mkdir()
    for i in range(45):
        (big / f"b{i:03d}.txt").write_text("nothing to see\n")


def test_a_split_walk_lists_everything_once_and_a_rescan_sees_what_changed(tmp_path):
    root = tmp_path / "tree"
    _tree(root)
    job = tmp_path / "split.yaml"
    job.write_text(f"name: split\ndatasources:\n  - id: c\n    type: filesystem\n    path: {root}\n"
                   "runtime:\n  discovery_page: 10\n  discovery_fanout: 3\n")
    db = tmp_path / "s.db"
    r = run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert r.returncode == 0, r.stderr
    p = storeview.progress(db, 1)
    assert (p.objects, p.objects_done, p.findings) == (93, 93, 48)
    assert set(storeview.task_counts(db, 1)) == {"COMPLETED"}
    (root / "big" / "b020.txt").unlink()  # in the third page
    (root / "d1" / "s1" / "f2.txt").unlink()
    (root / "big" / "b999.txt").write_text("new\n")  # in the last page
    r = run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert r.returncode == 0, r.stderr
    p = storeview.progress(db, 2)
    assert (p.objects, p.objects_unchanged, p.objects_removed, p.objects_done, p.findings) == (92, 91, 2, 1, 47)
