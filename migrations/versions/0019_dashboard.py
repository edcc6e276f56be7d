"""dashboard: runs of the daily aggregates, their figures, the RFM thresholds

Revision ID: 0019_dashboard
Revises: 0018_audit_events
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import core.types  # noqa: F401  (UTCDateTime columns)

revision = '0019_dashboard'
down_revision = '0018_audit_events'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.String(length=254), nullable=True),
        sa.Column('as_of', core.types.UTCDateTime(), nullable=True),
        sa.Column('parameters', sa.JSON(), nullable=True),
        sa.Column('requested_at', core.types.UTCDateTime(), nullable=False),
        sa.Column('started_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('finished_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_dashboard_runs_status_id', 'dashboard_runs', ['status', 'id'])
    op.create_table(
        'dashboard_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('figure', sa.String(length=80), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('offset', sa.Integer(), nullable=False),
        sa.Column('dimension', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['dashboard_runs.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'figure', 'period', 'offset', 'dimension',
                            name='uq_dashboard_figures_key'))
    op.create_table(
        'dashboard_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('active_days', sa.Integer(), nullable=False),
        sa.Column('at_risk_days', sa.Integer(), nullable=False),
        sa.Column('dormant_days', sa.Integer(), nullable=False),
        sa.Column('loyal_purchases', sa.Integer(), nullable=False),
        sa.Column('stable_purchases', sa.Integer(), nullable=False),
        sa.Column('updated_at', core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))


def downgrade():
    op.drop_table('dashboard_settings')
    op.drop_table('dashboard_figures')
    op.drop_index('ix_dashboard_runs_status_id', table_name='dashboard_runs')
    op.drop_table('dashboard_runs')
