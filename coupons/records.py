"""One member's coupons as the console's member page reads them, and issued coupons as the
export streams them."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from coupons.models import CouponDefinition, IssuedCoupon
from members.models import Member


def coupon_state(coupon: IssuedCoupon, now: datetime) -> str:
    """used / expired / usable"""
    if coupon.redeemed_at is not None:
        return "used"
    return "expired" if coupon.expires_at <= now else "usable"


def coupons_of(member_id: int, limit: int = 200) -> list[IssuedCoupon]:
    """Every coupon issued to the member (used, expired or usable), newest first."""
    return list(db.session.scalars(
        select(IssuedCoupon).where(IssuedCoupon.member_id == member_id)
        .options(selectinload(IssuedCoupon.definition))
        .order_by(IssuedCoupon.issued_at.desc(), IssuedCoupon.id.desc()).limit(limit)))


def issued_coupons_for_export() -> Select:
    return (select(IssuedCoupon.id, IssuedCoupon.code, CouponDefinition.code.label("coupon"),
                   CouponDefinition.name.label("coupon_name"), Member.member_number,
                   IssuedCoupon.issued_at, IssuedCoupon.expires_at, IssuedCoupon.redeemed_at,
                   IssuedCoupon.redeemed_purchase_id)
            .join(CouponDefinition, CouponDefinition.id == IssuedCoupon.definition_id)
            .join(Member, Member.id == IssuedCoupon.member_id)
            .order_by(IssuedCoupon.id))
