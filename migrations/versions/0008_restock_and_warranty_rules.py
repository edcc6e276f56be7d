"""restock requests without a store are unique; purchase lines keep their warranty end date

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
BATCH = 5000

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

lines = sa.table('purchase_lines', sa.column('id', sa.Integer()),
                 sa.column('purchase_id', sa.Integer()), sa.column('product_id', sa.Integer()),
                 sa.column('warranty_ends_on', sa.Date()))
purchases = sa.table('purchases', sa.column('id', sa.Integer()),
                     sa.column('purchased_at', core.types.UTCDateTime()))
products = sa.table('products', sa.column('id', sa.Integer()),
                    sa.column('warranty_months', sa.Integer()))


def upgrade():
    op.execute(DROP_DUPLICATES_WITHOUT_STORE)
    with op.batch_alter_table('restock_requests', schema=None) as batch_op:
        batch_op.create_index('uq_restock_requests_member_id_product_id_anywhere',
                              ['member_id', 'product_id'], unique=True,
                              sqlite_where=ANYWHERE, postgresql_where=ANYWHERE)

    with op.batch_alter_table('purchase_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warranty_ends_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_purchase_lines_warranty_ends_on'),
                              ['warranty_ends_on'], unique=False)
    _date_existing_warranties()


def _date_existing_warranties():
    """Lines sold before: the same business-date rule as new sales, in batches by id."""
    from purchases.warranty import warranty_end

    conn, after = op.get_bind(), 0
    update = (lines.update().where(lines.c.id == sa.bindparam('line_id'))
              .values(warranty_ends_on=sa.bindparam('ends_on')))
    while True:
        rows = conn.execute(
            sa.select(lines.c.id, purchases.c.purchased_at, products.c.warranty_months)
            .join(purchases, purchases.c.id == lines.c.purchase_id)
            .join(products, products.c.id == lines.c.product_id)
            .where(products.c.warranty_months > 0, lines.c.id > after)
            .order_by(lines.c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(update, [{'line_id': line_id, 'ends_on': warranty_end(at, months)}
                              for line_id, at, months in rows])
        after = rows[-1][0]


def downgrade():
    with op.batch_alter_table('purchase_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_lines_warranty_ends_on'))
        batch_op.drop_column('warranty_ends_on')

    with op.batch_alter_table('restock_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_restock_requests_member_id_product_id_anywhere')
