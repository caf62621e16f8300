"""events.analysis_due: placements whose analysis (signature, changed_at) is still to do

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00

Storing an article no longer analyses its event's claims and edits: the event is marked with
the moment of its first placement not analysed yet, and analysed when it is read or alerted.
A nullable column added with ALTER TABLE, so no table is copied on SQLite; existing events are
analysed already (NULL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("analysis_due", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_events_analysis_due"), "events", ["analysis_due"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_analysis_due"), table_name="events")
    # A plain DROP COLUMN: a batch copy of events would break the foreign keys of stored rows
    op.drop_column("events", "analysis_due")
