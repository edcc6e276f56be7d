"""restock requests without a store are unique

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import core.types  # noqa: F401  (UTCDateTime columns)

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ANYWHERE = sa.text("store_id IS NULL")

# Of each shopper's duplicate requests for a product without a store, keep one: the oldest
# still waiting (so nobody loses a wish), else the oldest.
DROP_DUPLICATES_WITHOUT_STORE = """
DELETE FROM restock_requests
WHERE store_id IS NULL AND id <> (
    SELECT keep.id FROM restock_requests AS keep
    WHERE keep.store_id IS NULL AND keep.member_id = restock_requests.member_id
      AND keep.product_id = restock_requests.product_id
    ORDER BY CASE WHEN keep.notified_at IS NULL THEN 0 ELSE 1 END, keep.id
    LIMIT 1)
"""


def upgrade():
    op.execute(DROP_DUPLICATES_WITHOUT_STORE)
    with op.batch_alter_table('restock_requests', schema=None) as batch_op:
        batch_op.create_index('uq_restock_requests_member_id_product_id_anywhere',
                              ['member_id', 'product_id'], unique=True,
                              sqlite_where=ANYWHERE, postgresql_where=ANYWHERE)


def downgrade():
    with op.batch_alter_table('restock_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_restock_requests_member_id_product_id_anywhere')
