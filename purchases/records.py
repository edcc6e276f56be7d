"""One member's purchases as the console's member page reads them, and purchases with their
lines as the export streams them."""

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from catalog.models import Product, Store
from core.extensions import db
from members.models import Member
from purchases.models import Purchase, PurchaseLine


def purchases_of(member_id: int, limit: int = 100) -> list[Purchase]:
    """Store and online purchases with their lines, products and store, newest first."""
    return list(db.session.scalars(
        select(Purchase).where(Purchase.member_id == member_id)
        .options(selectinload(Purchase.lines).selectinload(PurchaseLine.product),
                 selectinload(Purchase.store))
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc()).limit(limit)))


def warranties_of(member_id: int) -> list[PurchaseLine]:
    """The member's purchase lines that carry a warranty, the soonest to end first."""
    return list(db.session.scalars(
        select(PurchaseLine).where(PurchaseLine.member_id == member_id,
                                   PurchaseLine.warranty_ends_on.is_not(None))
        .options(selectinload(PurchaseLine.product), selectinload(PurchaseLine.purchase))
        .order_by(PurchaseLine.warranty_ends_on, PurchaseLine.id)))


def purchase_lines_for_export() -> Select:
    """One row per purchase line (a purchase without lines gets one row), by purchase."""
    return (select(Purchase.id.label("purchase_id"), Purchase.channel, Store.code.label("store"),
                   Purchase.receipt_number, Member.member_number, Purchase.purchased_at,
                   Purchase.status, Purchase.total, Purchase.coupon_discount,
                   Purchase.payment_method, Product.sku, Product.jan,
                   Product.name.label("product_name"), PurchaseLine.quantity,
                   PurchaseLine.unit_price, PurchaseLine.discount, PurchaseLine.line_total,
                   PurchaseLine.warranty_ends_on)
            .join(Store, Store.id == Purchase.store_id)
            .outerjoin(Member, Member.id == Purchase.member_id)
            .outerjoin(PurchaseLine, PurchaseLine.purchase_id == Purchase.id)
            .outerjoin(Product, Product.id == PurchaseLine.product_id)
            .order_by(Purchase.id, PurchaseLine.id))
