"""events.first_reported / last_reported: when the news first told of an event and last updated it

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00

The times come from the articles (datelines, headers, feeds, page metadata); existing events
start with the times they were first seen and last updated here. Nullable columns added with
ALTER TABLE, so no table is copied on SQLite.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("first_reported", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "events",
        sa.Column("last_reported", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE events SET first_reported = first_seen, last_reported = last_updated")
    op.create_index(op.f("ix_events_last_reported"), "events", ["last_reported"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_last_reported"), table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("last_reported")
        batch.drop_column("first_reported")
