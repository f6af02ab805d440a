"""sessions revocable, network bans, form tokens of a few uses

- admins.session_generation: part of every admin session's key; signing out
  adds one, which ends every copy of every session of that admin.
- bans.network: a ban of a range wider than one client (IPv4 /32, IPv6 /64),
  checked at post time only while such a ban exists.
- comments.token_digest / token_use: the form token a comment was posted with
  and which of its few uses it took (unique together), so a replayed token is
  held however many replays arrive at once.

Revision ID: f44bced2acfa
Revises: 50256c993f06
Create Date: 2026-11-30 15:02:37.283576

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f44bced2acfa'
down_revision = '50256c993f06'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_bans_network'), ['network'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_digest', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('token_use', sa.SmallInteger(), nullable=True))
        batch_op.create_index('ix_comments_token_use', ['token_digest', 'token_use'], unique=True)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_token_use')
        batch_op.drop_column('token_use')
        batch_op.drop_column('token_digest')

    with op.batch_alter_table('bans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bans_network'))
        batch_op.drop_column('network')

    with op.batch_alter_table('admins', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
