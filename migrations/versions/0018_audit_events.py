"""audit_events: the append-only audit trail (操作ログ)

Revision ID: 0018_audit_events
Revises: 0021_conversations
Create Date: 2026-12-07 12:40:00

The database refuses UPDATE, DELETE and TRUNCATE of the table (PostgreSQL: a trigger function
raising an error; SQLite: triggers with RAISE(ABORT)), so the trail cannot be rewritten through
the product or a stray statement; only dropping the triggers, a schema change, could.
"""
import sqlalchemy as sa
from alembic import op

import core.types  # noqa: F401  (UTCDateTime columns)

revision = '0018_audit_events'
down_revision = '0021_conversations'
branch_labels = None
depends_on = None

REFUSAL = "audit_events is append-only"
POSTGRESQL_GUARD = [
    f"""CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = '{REFUSAL}: ' || TG_OP || ' refused',
                              ERRCODE = 'insufficient_privilege';
    END $$""",
    "CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()",
]
SQLITE_GUARD = [
    f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END",
    f"CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END",
]


def upgrade():
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', core.types.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_email', sa.String(length=254), nullable=True),
        sa.Column('actor_role', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=True),
        sa.Column('target_table', sa.String(length=64), nullable=True),
        sa.Column('target_id', sa.String(length=64), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_events_occurred_at', 'audit_events', ['occurred_at'])
    op.create_index('ix_audit_events_kind_time', 'audit_events', ['kind', 'occurred_at'])
    op.create_index('ix_audit_events_actor_time', 'audit_events', ['actor_id', 'occurred_at'])
    op.create_index('ix_audit_events_target', 'audit_events', ['target_table', 'target_id'])
    guard = POSTGRESQL_GUARD if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARD
    for statement in guard:
        op.execute(statement)


def downgrade():
    op.drop_table('audit_events')  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_change()")
