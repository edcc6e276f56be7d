"""welcome coupons given: once per LINE user ever, kept as a keyed one-way hash

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-23 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('welcome_coupons_given',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_digest', sa.String(length=64), nullable=False),
    sa.Column('given_at', core.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_welcome_coupons_given')),
    sa.UniqueConstraint('line_user_digest', name=op.f('uq_welcome_coupons_given_line_user_digest'))
    )


def downgrade():
    op.drop_table('welcome_coupons_given')
