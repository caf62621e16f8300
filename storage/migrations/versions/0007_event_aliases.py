"""event_aliases: ids of events merged away by a revision, pointing at the event that absorbed them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00

A new table only, so no existing table is copied (see 0002 for why that matters on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_aliases",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(
        op.f("ix_event_aliases_target_id"), "event_aliases", ["target_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_event_aliases_target_id"), table_name="event_aliases")
    op.drop_table("event_aliases")
