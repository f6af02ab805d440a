"""signed-in readers: comments.verified and comments.staff

- comments.verified: posted by a reader signed in through the publisher
  (the name is the publisher's);
- comments.staff: posted by the publisher's staff, published unscreened.

Both false for every comment written before.

Revision ID: b7c2e91f4a10
Revises: a5fd84cd4436
Create Date: 2026-12-01 05:10:11.204518

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c2e91f4a10'
down_revision = 'a5fd84cd4436'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('staff', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('staff')
        batch_op.drop_column('verified')
