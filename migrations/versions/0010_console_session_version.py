"""console users' session version: signing out ends the sessions issued before

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-23 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
