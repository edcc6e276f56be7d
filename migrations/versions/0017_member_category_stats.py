"""purchase lines carry their purchase's member, time and status, for "bought product/category
within N days" segments

Revision ID: 0017_member_category_stats
Revises: 0016
Create Date: 2026-11-25 12:00:00

(The id is the one allotted for a per-member-per-category rollup; copying three columns of the
purchase onto its lines does the same job, exactly and without a rebuild: see
campaigns.segment_fields._bought_lines.)

Existing lines are filled from their purchases in one statement, which rewrites every line:
on a large table run it in a quiet hour. Also an index of purchases by time, for the few days
of purchases that correct the 365-day figures between daily refreshes (purchases.stats.rolling).
"""
import sqlalchemy as sa
from alembic import op

import core.types  # noqa: F401  (UTCDateTime columns)

revision = '0017_member_category_stats'
down_revision = '0016'
branch_labels = None
depends_on = None

BOUGHT = sa.text("completed AND member_id IS NOT NULL")


def upgrade():
    op.add_column('purchase_lines', sa.Column('member_id', sa.Integer(), nullable=True))
    op.add_column('purchase_lines', sa.Column('purchased_at', core.types.UTCDateTime(),
                                              nullable=True))
    op.add_column('purchase_lines', sa.Column('completed', sa.Boolean(), nullable=True))
    op.execute("UPDATE purchase_lines SET member_id = p.member_id, "
               "purchased_at = p.purchased_at, completed = (p.status = 'completed') "
               "FROM purchases p WHERE p.id = purchase_lines.purchase_id")
    with op.batch_alter_table('purchase_lines') as batch:
        batch.alter_column('purchased_at', existing_type=core.types.UTCDateTime(),
                           nullable=False)
        batch.alter_column('completed', existing_type=sa.Boolean(), nullable=False)
    op.create_index('ix_purchases_time', 'purchases', ['purchased_at'],
                    postgresql_include=['member_id', 'status', 'total'])
    op.create_index('ix_purchase_lines_bought', 'purchase_lines',
                    ['product_id', 'purchased_at', 'member_id'],
                    postgresql_where=BOUGHT, sqlite_where=BOUGHT)


def downgrade():
    op.drop_index('ix_purchase_lines_bought', table_name='purchase_lines')
    op.drop_index('ix_purchases_time', table_name='purchases')
    with op.batch_alter_table('purchase_lines') as batch:
        batch.drop_column('completed')
        batch.drop_column('purchased_at')
        batch.drop_column('member_id')
