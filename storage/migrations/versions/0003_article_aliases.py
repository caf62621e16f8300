"""article_aliases: identities of syndicated copies, kept so they stay duplicates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00

A new table only, so no existing table is copied (see 0002 for why that matters on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "article_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=2000), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
    )
    op.create_index(
        op.f("ix_article_aliases_article_id"), "article_aliases", ["article_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_aliases_article_id"), table_name="article_aliases")
    op.drop_table("article_aliases")
