"""Products to suggest after a purchase: "bought together" over all purchase history, topped
up with the best-sellers of the same categories. Never what was just bought, nor what the
member bought recently in any channel (shop or online), never out of stock."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from catalog.models import Product, Stock
from core.clock import utcnow
from core.extensions import db
from purchases.models import Purchase, PurchaseLine

RECENTLY = timedelta(days=90)


def for_purchase(*, purchase_id: int, limit: int) -> list[Product]:
    bought = _products_of(purchase_id)
    if not bought:
        return []
    owned = bought | _bought_recently_by_the_member(purchase_id)
    picks = _bought_together(bought, exclude=owned, limit=limit)
    if len(picks) < limit:
        picks += _category_best_sellers(bought, exclude=owned | {p.id for p in picks},
                                        limit=limit - len(picks))
    return picks


def _bought_recently_by_the_member(purchase_id: int) -> set[int]:
    """Whatever the member bought in the last RECENTLY, in a shop or online."""
    member_id = db.session.scalar(select(Purchase.member_id).where(Purchase.id == purchase_id))
    if member_id is None:
        return set()
    return set(db.session.scalars(
        select(PurchaseLine.product_id).join(Purchase, Purchase.id == PurchaseLine.purchase_id)
        .where(Purchase.member_id == member_id, Purchase.purchased_at >= utcnow() - RECENTLY)))


def _products_of(purchase_id: int) -> set[int]:
    return set(db.session.scalars(select(PurchaseLine.product_id)
                                  .where(PurchaseLine.purchase_id == purchase_id)))


def _in_stock():
    return select(Stock.product_id).where(Stock.quantity > 0)


def _bought_together(bought: set[int], *, exclude: set[int], limit: int) -> list[Product]:
    """Products most often in the same purchase as any of `bought` (co-purchase counts)."""
    mine, other = aliased(PurchaseLine), aliased(PurchaseLine)
    together = func.count(func.distinct(other.purchase_id)).label("together")
    stmt = (select(Product, together)
            .join(other, other.product_id == Product.id)
            .join(mine, mine.purchase_id == other.purchase_id)
            .where(mine.product_id.in_(bought), Product.id.not_in(exclude),
                   Product.active.is_(True), Product.id.in_(_in_stock()))
            .group_by(Product.id).order_by(together.desc(), Product.id).limit(limit))
    return [product for product, _ in db.session.execute(stmt)]


def _category_best_sellers(bought: set[int], *, exclude: set[int], limit: int) -> list[Product]:
    categories = select(Product.category).where(Product.id.in_(bought))
    sold = func.coalesce(func.sum(PurchaseLine.quantity), 0).label("sold")
    stmt = (select(Product, sold).outerjoin(PurchaseLine, PurchaseLine.product_id == Product.id)
            .where(Product.category.in_(categories), Product.id.not_in(exclude),
                   Product.active.is_(True), Product.id.in_(_in_stock()))
            .group_by(Product.id).order_by(sold.desc(), Product.id).limit(limit))
    return [product for product, _ in db.session.execute(stmt)]
