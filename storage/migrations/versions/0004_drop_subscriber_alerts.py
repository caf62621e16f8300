"""subscribers.alerts dropped: it always equalled subscribers.active

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:00:00

Plain ALTER TABLE DROP/ADD COLUMN, no batch copy (see 0002 for why that matters on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("subscribers", "alerts")


def downgrade() -> None:
    op.add_column(
        "subscribers",
        sa.Column("alerts", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute("UPDATE subscribers SET alerts = active")
