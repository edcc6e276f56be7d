"""Restock (再入荷) requests from the chat: a shopper names a product, and if it is out of
stock asks to be told when it is back."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from catalog.models import Product, RestockRequest, Stock
from core.extensions import db


def find_product(code: str) -> Product | None:
    code = code.strip().upper()
    return db.session.scalar(select(Product).where(
        Product.active.is_(True), (func.upper(Product.sku) == code) | (Product.jan == code)))


def total_stock(product_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Stock.quantity), 0))
                             .where(Stock.product_id == product_id))


def request_notice(*, member_id: int, product_id: int, store_id: int | None = None) -> None:
    """Remember the wish once (asking twice changes nothing). Caller commits."""
    existing = db.session.scalar(select(RestockRequest).where(
        RestockRequest.member_id == member_id, RestockRequest.product_id == product_id,
        RestockRequest.notified_at.is_(None)))
    if existing is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(RestockRequest(member_id=member_id, product_id=product_id,
                                          store_id=store_id))
    except IntegrityError:
        _renew(member_id, product_id, store_id)


def _renew(member_id: int, product_id: int, store_id: int | None) -> None:
    """Asked again after an earlier notice: wait for the next restock."""
    old = db.session.scalar(select(RestockRequest).where(
        RestockRequest.member_id == member_id, RestockRequest.product_id == product_id,
        RestockRequest.store_id.is_(store_id) if store_id is None
        else RestockRequest.store_id == store_id))
    if old is not None:
        old.notified_at = None
