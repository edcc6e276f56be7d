"""Products and per-store stock. Every stock change is recorded as a domain event."""

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from catalog.models import Product, Stock
from core import events
from core.extensions import db

MAX_CODE_LENGTH = 64  # products.sku


def find_product(*, code: str) -> Product | None:
    """The active product with this SKU or JAN (what a scanner or a cashier types)."""
    code = (code or "").strip()
    if not _could_be_product_code(code):
        return None  # NUL bytes or lone surrogates would be refused by the database itself
    stmt = select(Product).where(or_(Product.sku == code, Product.jan == code),
                                 Product.active.is_(True))
    return db.session.scalar(stmt)


def _could_be_product_code(code: str) -> bool:
    return 0 < len(code) <= MAX_CODE_LENGTH and code.isprintable()


def stock_quantity(*, store_id: int, product_id: int) -> int | None:
    stmt = select(Stock.quantity).where(Stock.store_id == store_id,
                                        Stock.product_id == product_id)
    return db.session.scalar(stmt)


def set_stock(*, store_id: int, product_id: int, quantity: int) -> tuple[int, int]:
    """Set a store's stock of a product (a count or a delivery); returns (before, after)."""
    before = _locked_quantity(store_id, product_id)
    _write(store_id, product_id, quantity)
    _record_change(store_id, product_id, before, quantity)
    return before, quantity


def adjust_stock(*, store_id: int, product_id: int, delta: int) -> tuple[int, int]:
    """Move stock by `delta` (a sale is negative, a return positive); returns (before, after)."""
    after = _increment(store_id, product_id, delta)
    if after is None:
        after = _create_or_increment(store_id, product_id, delta)
    _record_change(store_id, product_id, after - delta, after)
    return after - delta, after


def _increment(store_id: int, product_id: int, delta: int) -> int | None:
    # One atomic UPDATE ... RETURNING: concurrent sales of one product never lose a count.
    stmt = (update(Stock).where(Stock.store_id == store_id, Stock.product_id == product_id)
            .values(quantity=Stock.quantity + delta).returning(Stock.quantity)
            .execution_options(synchronize_session=False))
    return db.session.execute(stmt).scalar()


def _create_or_increment(store_id: int, product_id: int, delta: int) -> int:
    try:
        with db.session.begin_nested():
            db.session.add(Stock(store_id=store_id, product_id=product_id, quantity=delta))
        return delta
    except IntegrityError:  # another sale created the row first: move it instead
        return _increment(store_id, product_id, delta)


def _locked_quantity(store_id: int, product_id: int) -> int:
    stmt = select(Stock.quantity).where(Stock.store_id == store_id,
                                        Stock.product_id == product_id).with_for_update()
    return db.session.scalar(stmt) or 0


def _write(store_id: int, product_id: int, quantity: int) -> None:
    row = db.session.scalar(select(Stock).where(Stock.store_id == store_id,
                                                Stock.product_id == product_id))
    if row is not None:
        row.quantity = quantity
        return
    try:
        with db.session.begin_nested():
            db.session.add(Stock(store_id=store_id, product_id=product_id, quantity=quantity))
    except IntegrityError:  # created concurrently: fall back to setting it
        _write(store_id, product_id, quantity)


def _record_change(store_id: int, product_id: int, before: int, after: int) -> None:
    if before == after:
        return
    payload = {"store_id": store_id, "before": before, "after": after}
    events.record("stock.changed", subject_id=product_id, payload=payload)
    if before <= 0 < after:
        events.record("stock.restocked", subject_id=product_id, payload=payload)
