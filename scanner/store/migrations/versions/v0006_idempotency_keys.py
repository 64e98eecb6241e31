"""Version 6: idempotency keys (issue 17, point 5).

``jobs.idempotency_key`` (unique where set): a ``create_job`` request sent again after its answer was lost finds
the job it made. ``tasks.last_request``: the key of the last lease or fenced write applied to a task, so the same
request re-sent after a lost acknowledgement is recognised and not applied twice.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("idempotency_key", sa.String(64), nullable=True))
    op.create_index("uq_jobs_idempotency_key", "jobs", ["idempotency_key"], unique=True)
    op.add_column("tasks", sa.Column("last_request", sa.String(32), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
