"""feeds.last_success_at; subscribers: language, link_previews, listed_events, thread_id,
managed_by; outbox: previews, thread_id; event_alerts: told, message_key, follow; outbox: target_key

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:50:00

Plain ADD COLUMN only (no batch copy; see 0002 for why that matters on SQLite). link_previews
and previews are NOT NULL with a server default, which SQLite accepts in a plain ADD COLUMN.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "feeds",
        sa.Column("last_success_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE feeds SET last_success_at = last_polled_at WHERE last_error IS NULL")
    op.add_column("subscribers", sa.Column("language", sa.String(length=16), nullable=True))
    op.add_column(
        "subscribers",
        sa.Column("link_previews", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("subscribers", sa.Column("listed_events", sa.Text(), nullable=True))
    op.add_column("subscribers", sa.Column("thread_id", sa.BigInteger(), nullable=True))
    op.add_column("subscribers", sa.Column("managed_by", sa.BigInteger(), nullable=True))
    op.add_column("outbox", sa.Column("thread_id", sa.BigInteger(), nullable=True))
    op.add_column("event_alerts", sa.Column("told", sa.Text(), nullable=True))
    op.add_column(
        "event_alerts", sa.Column("message_key", sa.String(length=200), nullable=True)
    )
    op.add_column("outbox", sa.Column("target_key", sa.String(length=200), nullable=True))
    op.add_column("event_alerts", sa.Column("follow", sa.String(length=10), nullable=True))
    op.add_column(
        "outbox",
        sa.Column("previews", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("event_alerts", "follow")
    op.drop_column("outbox", "target_key")
    op.drop_column("event_alerts", "message_key")
    op.drop_column("event_alerts", "told")
    op.drop_column("outbox", "thread_id")
    op.drop_column("subscribers", "managed_by")
    op.drop_column("subscribers", "thread_id")
    op.drop_column("outbox", "previews")
    op.drop_column("subscribers", "listed_events")
    op.drop_column("subscribers", "link_previews")
    op.drop_column("subscribers", "language")
    op.drop_column("feeds", "last_success_at")
