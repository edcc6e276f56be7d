"""conversations: the staff inbox (threads, messages, auto-replies, settings) and survey answers

Revision ID: 0021_conversations
Revises: 0020_promotional_day_indexes
Create Date: 2026-12-07 12:30:00
"""
import sqlalchemy as sa
from alembic import op

import core.types  # noqa: F401  (UTCDateTime columns)

revision = '0021_conversations'
down_revision = '0020_promotional_day_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'conversation_threads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('unread_count', sa.Integer(), nullable=False),
        sa.Column('last_message_at', core.types.UTCDateTime(), nullable=False),
        sa.Column('staff_mode_until', core.types.UTCDateTime(), nullable=True),
        sa.Column('after_hours_notice_for', core.types.UTCDateTime(), nullable=True),
        sa.Column('created_at', core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_conversation_threads_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_threads')),
        sa.UniqueConstraint('member_id', name=op.f('uq_conversation_threads_member_id')),
    )
    op.create_index('ix_conversation_threads_last', 'conversation_threads', ['last_message_at'])
    op.create_table(
        'conversation_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('source_key', sa.String(length=80), nullable=True),
        sa.Column('reply_token', sa.String(length=100), nullable=True),
        sa.Column('reply_token_used', sa.Boolean(), nullable=False),
        sa.Column('read_at', core.types.UTCDateTime(), nullable=True),
        sa.Column('author', sa.String(length=254), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('delivery_id', sa.Integer(), nullable=True),
        sa.Column('created_at', core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['conversation_threads.id'],
                                name=op.f('fk_conversation_messages_thread_id_conversation_threads'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'],
                                name=op.f('fk_conversation_messages_delivery_id_deliveries'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages')),
        sa.UniqueConstraint('source_key', name=op.f('uq_conversation_messages_source_key')),
    )
    op.create_index('ix_conversation_messages_thread', 'conversation_messages',
                    ['thread_id', 'id'])
    op.create_table(
        'conversation_auto_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('keyword', sa.String(length=50), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', core.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_auto_replies')),
        sa.UniqueConstraint('keyword', name=op.f('uq_conversation_auto_replies_keyword')),
    )
    op.create_table(
        'conversation_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opens_at', sa.Time(), nullable=False),
        sa.Column('closes_at', sa.Time(), nullable=False),
        sa.Column('staff_mode_minutes', sa.Integer(), nullable=False),
        sa.Column('cashiers_may_answer', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_settings')),
    )
    op.create_table(
        'survey_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purchase_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.SmallInteger(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('nps', sa.SmallInteger(), nullable=True),
        sa.Column('waiting_for', sa.String(length=16), nullable=False),
        sa.Column('answered_at', core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['purchase_id'], ['purchases.id'],
                                name=op.f('fk_survey_answers_purchase_id_purchases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_survey_answers_member_id_members'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'],
                                name=op.f('fk_survey_answers_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
        sa.UniqueConstraint('purchase_id', name=op.f('uq_survey_answers_purchase_id')),
    )
    op.create_index('ix_survey_answers_member_time', 'survey_answers',
                    ['member_id', 'answered_at'])
    op.create_index('ix_survey_answers_store_time', 'survey_answers', ['store_id', 'answered_at'])


def downgrade():
    op.drop_index('ix_survey_answers_store_time', table_name='survey_answers')
    op.drop_index('ix_survey_answers_member_time', table_name='survey_answers')
    op.drop_table('survey_answers')
    op.drop_table('conversation_settings')
    op.drop_table('conversation_auto_replies')
    op.drop_index('ix_conversation_messages_thread', table_name='conversation_messages')
    op.drop_table('conversation_messages')
    op.drop_index('ix_conversation_threads_last', table_name='conversation_threads')
    op.drop_table('conversation_threads')
