"""subscribers.active_since: when the chat last switched alerts on

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

Nullable on purpose: making it NOT NULL would make SQLite copy the table, and dropping the old
copy with foreign keys on cascades into subscriptions and event_alerts. The code always sets it
(reading a NULL as created_at).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD/DROP COLUMN (no batch copy; see above).
    op.add_column(
        "subscribers",
        sa.Column("active_since", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE subscribers SET active_since = created_at")


def downgrade() -> None:
    op.drop_column("subscribers", "active_since")
