"""What staff see beside a thread: who the member is (rank, points, last purchases, coupons)
and their usual store (where they bought most often; the latest wins a tie)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from core.extensions import db
from coupons.service import usable_coupons
from members.models import Member
from purchases.models import Purchase, PurchaseStatus

LAST_PURCHASES = 3


@dataclass(frozen=True)
class MemberCard:
    member: Member
    purchases: list
    coupons: list
    usual_store_id: int | None


def card_of(member: Member) -> MemberCard:
    purchases = db.session.scalars(
        select(Purchase).where(Purchase.member_id == member.id,
                               Purchase.status == PurchaseStatus.COMPLETED)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
        .limit(LAST_PURCHASES)).all()
    return MemberCard(member, list(purchases), usable_coupons(member_id=member.id),
                      db.session.scalar(usual_store(member.id)))


def usual_store(member_id):
    """SELECT the store of most of the member's completed purchases (`member_id` may be a
    column: as a scalar subquery it correlates in a query over threads)."""
    return (select(Purchase.store_id)
            .where(Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED)
            .group_by(Purchase.store_id)
            .order_by(func.count(Purchase.id).desc(), func.max(Purchase.purchased_at).desc())
            .limit(1))
