"""indexes for segment queries

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 10:00:00

"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_members_follow_membership', 'members', ['follow_status', 'membership'])
    op.create_index('ix_consents_member_kind_time', 'consents',
                    ['member_id', 'kind', 'recorded_at'])
    op.create_index('ix_issued_coupons_definition_member', 'issued_coupons',
                    ['definition_id', 'member_id'])
    op.create_index('ix_purchases_member_status_time', 'purchases',
                    ['member_id', 'status', 'purchased_at'],
                    postgresql_include=['store_id', 'total', 'channel'])
    op.create_index('ix_purchases_store_time', 'purchases', ['store_id', 'purchased_at'],
                    postgresql_include=['member_id', 'status'])
    op.create_index('ix_purchase_lines_product_purchase', 'purchase_lines',
                    ['product_id', 'purchase_id'])


def downgrade():
    op.drop_index('ix_purchase_lines_product_purchase', table_name='purchase_lines')
    op.drop_index('ix_purchases_store_time', table_name='purchases')
    op.drop_index('ix_purchases_member_status_time', table_name='purchases')
    op.drop_index('ix_issued_coupons_definition_member', table_name='issued_coupons')
    op.drop_index('ix_consents_member_kind_time', table_name='consents')
    op.drop_index('ix_members_follow_membership', table_name='members')
