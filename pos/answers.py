"""The JSON shapes the register API and the cashier page answer with (see pos/openapi.py)."""

from coupons import redemption
from coupons.models import IssuedCoupon
from coupons.service import usable_coupons
from members import points
from members.models import Member, Membership
from purchases.models import Purchase


def member_answer(member: Member) -> dict:
    """What the till may show: the full name only for full members, who gave it for this."""
    full = member.membership == Membership.FULL and member.full_name
    return {"member_number": member.member_number,
            "name": member.full_name if full else member.display_name,
            "membership": member.membership.value, "rank": member.rank.value,
            "points_balance": member.points_balance}


def coupon_answer(coupon: IssuedCoupon) -> dict:
    definition = coupon.definition
    return {"code": coupon.code, "name": definition.name,
            "discount_type": definition.discount_type.value,
            "discount_value": definition.discount_value,
            "minimum_spend": definition.minimum_spend,
            "expires_at": coupon.expires_at.isoformat()}


def scan_answer(*, member: Member, kind: str, token: str, max_age: int,
                coupon: IssuedCoupon | None = None) -> dict:
    return {"kind": kind, "member": member_answer(member),
            "coupons": [coupon_answer(c) for c in usable_coupons(member_id=member.id)],
            "scanned_coupon": coupon.code if coupon else None,
            "member_token": token, "member_token_expires_in": max_age}


def purchase_answer(purchase: Purchase, member: Member | None) -> dict:
    return {"purchase_id": purchase.id, "receipt_number": purchase.receipt_number,
            "status": purchase.status.value, "total": purchase.total,
            "coupon_discount": purchase.coupon_discount,
            "points_earned": points.earned_for_purchase(purchase_id=purchase.id),
            "redeemed_coupons": [c.code for c in
                                 redemption.redeemed_by(purchase_id=purchase.id)],
            "member": member_answer(member) if member else None}
