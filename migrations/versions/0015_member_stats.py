"""member_stats: a per-member purchase summary for segments (purchases.stats)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 13:00:00

Empty at first: the daily refresh (or the first segment count, purchases.stats.ensure_built)
fills it.
"""
import sqlalchemy as sa
from alembic import op

import core.types  # noqa: F401  (UTCDateTime columns)

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_stats',
        sa.Column('member_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('first_purchase_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('last_purchase_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('window_start', core.types.UTCDateTime(), nullable=False),
        sa.Column('purchases_365', sa.Integer(), nullable=False),
        sa.Column('spend_365', sa.BigInteger(), nullable=False),
        sa.Column('purchases_total', sa.Integer(), nullable=False),
        sa.Column('spend_total', sa.BigInteger(), nullable=False),
        sa.Column('r', sa.SmallInteger(), nullable=True),
        sa.Column('f', sa.SmallInteger(), nullable=True),
        sa.Column('m', sa.SmallInteger(), nullable=True),
        sa.Column('rescore', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('computed_at', core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_member_stats_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_stats')),
    )
    op.create_index('ix_member_stats_window_start', 'member_stats', ['window_start'])
    op.create_index('ix_member_stats_rescore', 'member_stats', ['rescore'],
                    postgresql_where=sa.text('rescore'), sqlite_where=sa.text('rescore'))
    for letter, column in (('r', 'last_purchase_at'), ('f', 'purchases_365'),
                           ('m', 'spend_365')):
        op.create_index(f'ix_member_stats_rank_{letter}', 'member_stats', [column, 'member_id'],
                        postgresql_where=sa.text('purchases_365 > 0'),
                        sqlite_where=sa.text('purchases_365 > 0'))


def downgrade():
    for letter in ('m', 'f', 'r'):
        op.drop_index(f'ix_member_stats_rank_{letter}', table_name='member_stats')
    op.drop_index('ix_member_stats_rescore', table_name='member_stats')
    op.drop_index('ix_member_stats_window_start', table_name='member_stats')
    op.drop_table('member_stats')
