"""Version 7: discovery split by folder and page (issue 17, point 3).

``tasks.scope_folder``, ``page_from``, ``page_to``: what a DISCOVERY task lists (a folder's subtree, or one page of a
big folder); ``spawn_key``, unique per job: a child task is spawned once, however often its parent runs;
``counted``: what a discovery task counted for unchanged objects, taken back when it is leased again.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for col in ("scope_folder", "page_from", "page_to", "spawn_key", "counted"):
        op.add_column("tasks", sa.Column(col, sa.Text, nullable=True))
    op.create_index("uq_tasks_spawn_key", "tasks", ["job_id", "spawn_key"], unique=True)


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
