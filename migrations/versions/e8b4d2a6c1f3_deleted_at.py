"""deleted comments' time of deletion: comments.deleted_at

When a comment became deleted, for COMMENTS_RETENTION_DAYS and
``flask purge-deleted``; NULL while a comment is not deleted. Comments
deleted before have no such time: they take their last edit's, else their
posting's (the latest time known of them).

Plain ADD/DROP COLUMN, not batch mode: batch mode on SQLite copies the table
into a new one, which would drop the full-text search triggers the previous
revision put on it (SQLite 3.35 and later drop a column in place).

Revision ID: e8b4d2a6c1f3
Revises: c3a9f1e7d2b4
Create Date: 2026-12-01 07:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b4d2a6c1f3'
down_revision = 'c3a9f1e7d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    comments = sa.table(
        'comments',
        sa.column('status', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('edited_at', sa.DateTime(timezone=True)),
        sa.column('deleted_at', sa.DateTime(timezone=True)),
    )
    op.execute(
        comments.update()
        .where(comments.c.status == 'deleted')
        .values(deleted_at=sa.func.coalesce(comments.c.edited_at, comments.c.created_at))
    )


def downgrade():
    op.drop_column('comments', 'deleted_at')
