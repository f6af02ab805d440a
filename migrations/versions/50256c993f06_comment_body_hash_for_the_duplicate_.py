"""comment body hash for the duplicate defence

The duplicate defence found the same text on an article by reading every
comment the article had in the last day (ix_comments_article_created), which
grows with a busy article. Now it probes (article_id, body_hash): a hash of
the stored text, filled in on insert (widget.models.body_hash). Existing
comments get theirs here.

Revision ID: 50256c993f06
Revises: 1e69e3bca1dd
Create Date: 2026-11-24 22:05:40.951526

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '50256c993f06'
down_revision = '1e69e3bca1dd'
branch_labels = None
depends_on = None

BATCH = 1000


def _body_hash(body):
    # The same as widget.models.body_hash, frozen here as migrations must be.
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_hash', sa.String(length=32), nullable=True))
        batch_op.drop_index(batch_op.f('ix_comments_article_created'))
        batch_op.create_index('ix_comments_article_body_hash', ['article_id', 'body_hash'], unique=False)

    comments = sa.table(
        'comments',
        sa.column('id', sa.Integer()),
        sa.column('body', sa.Text()),
        sa.column('body_hash', sa.String(32)),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comments.c.id, comments.c.body)
            .where(comments.c.id > last)
            .order_by(comments.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            comments.update()
            .where(comments.c.id == sa.bindparam('row_id'))
            .values(body_hash=sa.bindparam('hash')),
            [{'row_id': row.id, 'hash': _body_hash(row.body)} for row in rows],
        )
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_article_body_hash')
        batch_op.create_index(batch_op.f('ix_comments_article_created'), ['article_id', 'created_at'], unique=False)
        batch_op.drop_column('body_hash')
