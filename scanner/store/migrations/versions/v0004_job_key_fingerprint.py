"""Version 4: ``jobs.key_fingerprint``, the HMAC key a job's value hashes were made with.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE jobs ADD COLUMN key_fingerprint VARCHAR(64)")


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
