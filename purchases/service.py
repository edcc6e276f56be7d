"""Recording a sale: purchase, lines, stock, coupons, points, rank and events in one transaction.

The caller commits; on any PurchaseError it must roll back, so a refused sale writes nothing.
Who the shopper is was settled by the caller (the register's scan, a member number, an email).
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog import service as catalog
from catalog.models import Store
from core import events
from core.extensions import db
from coupons import redemption
from coupons.service import find_by_code
from members import points
from members.models import Member
from purchases import ranks, stats
from purchases.errors import PurchaseError, unprocessable
from purchases.models import Channel, Purchase, PurchaseLine
from purchases.receipts import Receipt
from purchases.warranty import warranty_end


def record_purchase(*, store: Store, receipt: Receipt, member: Member | None,
                    register_id: int | None = None, channel: Channel = Channel.STORE,
                    notify: bool = True) -> Purchase:
    """Store a sale once: a resend of the same receipt returns the purchase already stored.

    notify=False (an import of history): the shopper is sent nothing about it."""
    existing = find_purchase(store_id=store.id, receipt_number=receipt.receipt_number)
    if existing:
        return replayed(existing, receipt)
    priced = [(_product(line.code), line) for line in receipt.lines]
    subtotal = sum(line.line_total for _, line in priced)
    coupons = _coupons(receipt.coupon_codes, member, subtotal)
    discount = sum(off for _, off in coupons)
    if subtotal - discount != receipt.total:
        raise unprocessable("total_mismatch",
                            f"合計が合いません: 明細{subtotal}円 − クーポン{discount}円 "
                            f"≠ {receipt.total}円")
    purchase = _insert(store, receipt, member, register_id, channel, discount)
    if purchase is None:  # lost a race to a concurrent resend
        return replayed(_winner(store.id, receipt.receipt_number), receipt)
    _complete(purchase, priced, coupons, member, notify)
    return purchase


def find_purchase(*, store_id: int, receipt_number: str) -> Purchase | None:
    stmt = select(Purchase).where(Purchase.store_id == store_id,
                                  Purchase.receipt_number == receipt_number)
    return db.session.scalar(stmt)


def _winner(store_id: int, receipt_number: str) -> Purchase:
    purchase = find_purchase(store_id=store_id, receipt_number=receipt_number)
    if purchase is None:  # the other request failed after all: the register may retry
        raise PurchaseError("receipt_busy",
                            "同じレシートを処理中でした。もう一度送ってください。", 409)
    return purchase


def replayed(purchase: Purchase, receipt: Receipt) -> Purchase:
    if purchase.request_fingerprint != receipt.fingerprint:
        raise PurchaseError("receipt_conflict",
                       "このレシート番号は別の内容で登録済みです。", 409)
    return purchase


def _product(code: str):
    product = catalog.find_product(code=code)
    if product is None:
        raise unprocessable("unknown_product", f"商品 {code} は登録されていません。")
    return product


def _coupons(codes: list[str], member: Member | None, subtotal: int) -> list[tuple]:
    if codes and member is None:
        raise unprocessable("coupon_needs_member", "クーポンの利用には会員証が必要です。")
    chosen = []
    for code in codes:
        try:
            coupon = redemption.check_usable(coupon=find_by_code(code=code), member_id=member.id)
            chosen.append((coupon, redemption.discount_for(coupon=coupon, subtotal=subtotal)))
        except redemption.CouponError as exc:
            raise unprocessable(exc.code, str(exc)) from exc
    return chosen


def _insert(store, receipt, member, register_id, channel, discount) -> Purchase | None:
    purchase = Purchase(channel=channel, store_id=store.id, register_id=register_id,
                        receipt_number=receipt.receipt_number,
                        member_id=member.id if member else None,
                        purchased_at=receipt.purchased_at, total=receipt.total,
                        payment_method=receipt.payment_method, coupon_discount=discount,
                        request_fingerprint=receipt.fingerprint)
    db.session.add(purchase)
    try:
        db.session.flush()
    except IntegrityError:  # unique (store_id, receipt_number): a concurrent resend won
        # Nothing of ours is written yet, so a full rollback loses nothing. (Not a savepoint:
        # pysqlite would commit a savepoint that opens the transaction when releasing it.)
        db.session.rollback()
        return None
    return purchase


def _complete(purchase: Purchase, priced: list, coupons: list, member: Member | None,
              notify: bool) -> None:
    for coupon, _off in coupons:
        try:
            redemption.redeem(coupon_id=coupon.id, purchase_id=purchase.id)
        except redemption.CouponError as exc:
            raise unprocessable(exc.code, str(exc)) from exc
    # Stock rows in product order: concurrent sales lock them in the same order, no deadlock.
    for product, line in sorted(priced, key=lambda pair: pair[0].id):
        db.session.add(PurchaseLine(
            purchase_id=purchase.id, product_id=product.id, quantity=line.quantity,
            unit_price=line.unit_price, discount=line.discount, line_total=line.line_total,
            warranty_ends_on=warranty_end(purchase.purchased_at, product.warranty_months),
            member_id=purchase.member_id, purchased_at=purchase.purchased_at, completed=True))
        catalog.adjust_stock(store_id=purchase.store_id, product_id=product.id,
                             delta=-line.quantity)
    if member:
        points.earn_for_purchase(member=member, purchase_id=purchase.id, paid=purchase.total)
        ranks.recompute_rank(member=member, notify=notify)
        stats.refresh_member(member.id)
    events.record("purchase.completed", member_id=purchase.member_id, subject_id=purchase.id,
                  payload={"channel": purchase.channel.value, "store_id": purchase.store_id,
                           "total": purchase.total, **({} if notify else {"notify": False})})
