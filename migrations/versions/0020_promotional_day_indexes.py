"""the day's promotional messages by index; broadcast recipients lose their status index

Revision ID: 0020_promotional_day_indexes
Revises: 0017_member_category_stats
Create Date: 2026-12-07 13:00:00

A broadcast chunk decides the daily promotional cap for thousands of members from one pass
over the day's promotional messages: follow-ups by `sent_at` among promotional deliveries (a
partial index), broadcast batches by `sent_at`. `ix_broadcast_recipients_status` goes: the
freeze writes every recipient through each index (up to millions of rows in one statement)
and no query needs it since batches are planned with the audience (the unique
(broadcast_id, member_id) index serves the per-broadcast reads).
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_promotional_day_indexes'
down_revision = '0017_member_category_stats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_deliveries_promotional_sent_at', 'deliveries', ['sent_at'],
                    postgresql_where=sa.text('promotional'), sqlite_where=sa.text('promotional'))
    op.create_index('ix_multicast_batches_sent_at', 'multicast_batches', ['sent_at'])
    op.drop_index('ix_broadcast_recipients_status', table_name='broadcast_recipients')


def downgrade():
    op.create_index('ix_broadcast_recipients_status', 'broadcast_recipients',
                    ['broadcast_id', 'status', 'id'])
    op.drop_index('ix_multicast_batches_sent_at', table_name='multicast_batches')
    op.drop_index('ix_deliveries_promotional_sent_at', table_name='deliveries')
