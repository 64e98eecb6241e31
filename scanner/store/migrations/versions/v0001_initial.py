"""Version 1: the first release's tables. A store at version 0 is empty and created from tables.py, so this
revision only marks where stores of release 1 stand.

Revision ID: 0001
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: see the module docstring."""


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
