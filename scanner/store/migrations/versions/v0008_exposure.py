"""Version 8: exposure (issue 19): who could read an object when a run read it, on its version of that run.

``object_versions.exposure`` (everyone, authenticated, group, owner, unknown), ``readers`` (a JSON list of
principal names) and ``exposure_reason``. Versions written before are left NULL: reports show them as unknown.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE object_versions ADD COLUMN exposure VARCHAR(16)")
    op.execute("ALTER TABLE object_versions ADD COLUMN readers TEXT")
    op.execute("ALTER TABLE object_versions ADD COLUMN exposure_reason TEXT")


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
