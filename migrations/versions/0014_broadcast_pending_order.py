"""broadcast recipients: the pending index ends with id

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 12:00:00

The formation of batches reads a broadcast's pending recipients in id order, a chunk at a time:
with id at the end of the (broadcast_id, status) index that is an ordered index range scan
instead of a sort of every pending row (a million of them) for each chunk.
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_broadcast_recipients_status', table_name='broadcast_recipients')
    op.create_index('ix_broadcast_recipients_status', 'broadcast_recipients',
                    ['broadcast_id', 'status', 'id'])


def downgrade():
    op.drop_index('ix_broadcast_recipients_status', table_name='broadcast_recipients')
    op.create_index('ix_broadcast_recipients_status', 'broadcast_recipients',
                    ['broadcast_id', 'status'])
