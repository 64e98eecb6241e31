"""Version 2: ``objects.marker``, a connector's change marker (SMB file id, table rowversion).

Revision ID: 0002
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE objects ADD COLUMN marker VARCHAR(256)")


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
