"""reply mails in the reader's language: reply_watches.language

The language the reader wrote the watched comment in (a Babel locale such as
``pt_BR``); the watches made before are English.

Revision ID: d41f0c7e2b95
Revises: b7c2e91f4a10
Create Date: 2026-12-01 05:40:12.118604

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd41f0c7e2b95'
down_revision = 'b7c2e91f4a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reply_watches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))


def downgrade():
    with op.batch_alter_table('reply_watches', schema=None) as batch_op:
        batch_op.drop_column('language')
