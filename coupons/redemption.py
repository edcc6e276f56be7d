"""Redeeming issued coupons at the register, exactly once, and giving them back on returns."""

from sqlalchemy import select, update

from core.clock import utcnow
from core.extensions import db
from coupons.models import DiscountType, IssuedCoupon


class CouponError(ValueError):
    """A coupon that cannot be used; `code` is the machine-readable reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_usable(*, coupon: IssuedCoupon | None, member_id: int | None) -> IssuedCoupon:
    """The coupon if `member_id` may use it now; raises CouponError otherwise."""
    if coupon is None:
        raise CouponError("coupon_unknown", "このクーポンは見つかりません。")
    if member_id is not None and coupon.member_id != member_id:
        raise CouponError("coupon_not_owned", "このクーポンは別の会員のものです。")
    if coupon.redeemed_at is not None:
        raise CouponError("coupon_used", "このクーポンは使用済みです。")
    if coupon.expires_at <= utcnow():
        raise CouponError("coupon_expired", "このクーポンは有効期限切れです。")
    return coupon


def discount_for(*, coupon: IssuedCoupon, subtotal: int) -> int:
    """Yen off `subtotal` (after line discounts); raises if the minimum spend is not met."""
    definition = coupon.definition
    if subtotal < definition.minimum_spend:
        raise CouponError("coupon_minimum_not_met",
                          f"{definition.minimum_spend}円以上のお買い上げで使えます。")
    if definition.discount_type == DiscountType.PERCENT:
        return subtotal * definition.discount_value // 100
    return min(definition.discount_value, subtotal)


def redeem(*, coupon_id: int, purchase_id: int) -> None:
    """Mark the coupon used by this purchase; raises coupon_used if anyone got there first."""
    # Conditional UPDATE: of any number of concurrent redemptions exactly one matches a row.
    result = db.session.execute(
        update(IssuedCoupon)
        .where(IssuedCoupon.id == coupon_id, IssuedCoupon.redeemed_at.is_(None))
        .values(redeemed_at=utcnow(), redeemed_purchase_id=purchase_id)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise CouponError("coupon_used", "このクーポンは使用済みです。")


def redeemed_by(*, purchase_id: int) -> list[IssuedCoupon]:
    """The coupons a purchase used."""
    stmt = select(IssuedCoupon).where(IssuedCoupon.redeemed_purchase_id == purchase_id)
    return list(db.session.scalars(stmt.order_by(IssuedCoupon.id)))


def reinstate_for(*, purchase_id: int, always: bool = False) -> list[str]:
    """Give back the unexpired coupons of a returned purchase whose rules say so (all if
    `always`, for voids); returns their codes."""
    codes = []
    for coupon in redeemed_by(purchase_id=purchase_id):
        if (always or coupon.definition.reinstate_on_return) and coupon.expires_at > utcnow():
            coupon.redeemed_at = None
            coupon.redeemed_purchase_id = None
            codes.append(coupon.code)
    return codes
