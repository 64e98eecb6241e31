"""The store's newest revision, as datascan reads it without Alembic, is Alembic's head."""

from __future__ import annotations

import subprocess
import sys

from scanner.store.migrations import LATEST, alembic_head


def test_latest_is_alembics_head():
    assert LATEST == alembic_head()


def test_opening_a_current_store_does_not_import_alembic(tmp_path):
    # Alembic (and every revision module) is only for stores that need creating or upgrading.
    code = (
        "import asyncio, sys\n"
        "from scanner.store import DatabaseInterface\n"
        "async def go():\n"
        f"    await (await DatabaseInterface.open({str(tmp_path / 'store.db')!r})).close()\n"
        "asyncio.run(go())\n"
        "print(any(m.startswith('alembic') for m in sys.modules))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], check=True, timeout=120, capture_output=True, text=True)
            for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]  # created (stamped by Alembic), then just opened
