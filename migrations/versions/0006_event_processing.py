"""event processing: webhook event attempts and sweep times, members' follow event time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('due_at', core.types.UTCDateTime(), nullable=True))
    # Events already waiting are due for the sweep at once.
    op.execute("UPDATE webhook_events SET due_at = received_at")
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.alter_column('due_at', existing_type=core.types.UTCDateTime(), nullable=False)
        batch_op.create_index('ix_webhook_events_status_due_at', ['status', 'due_at'],
                              unique=False)
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_status_at', core.types.UTCDateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('follow_status_at')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_status_due_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('attempts')
