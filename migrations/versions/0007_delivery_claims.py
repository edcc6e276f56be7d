"""delivery claims and reply outcomes: the job sending a row and its lease; reply attempts
LINE surely did not take

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('lease_until', core.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempts_not_accepted', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('attempts_not_accepted')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
