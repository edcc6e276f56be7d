"""Ranks by rolling 12-month spend; recomputed after each purchase, return or void."""

from datetime import timedelta

from sqlalchemy import func, select

from core import events
from core.clock import utcnow
from core.extensions import db
from members.models import LoyaltySettings, Member, Rank
from members.points import get_loyalty_settings

WINDOW = timedelta(days=365)
ORDER = (Rank.REGULAR, Rank.SILVER, Rank.GOLD)


def rank_for(*, spend: int, settings: LoyaltySettings) -> Rank:
    """The rank a 12-month spend earns."""
    if spend >= settings.gold_threshold:
        return Rank.GOLD
    if spend >= settings.silver_threshold:
        return Rank.SILVER
    return Rank.REGULAR


def rolling_spend(*, member_id: int) -> int:
    """Yen spent in completed purchases over the last 12 months."""
    from pos.models import Purchase, PurchaseStatus

    stmt = select(func.coalesce(func.sum(Purchase.total), 0)).where(
        Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED,
        Purchase.purchased_at >= utcnow() - WINDOW)
    return db.session.scalar(stmt)


def recompute_rank(*, member: Member) -> Rank:
    """Set the member's rank from their spend; a rise is recorded as a "rank.up" event."""
    before = member.rank
    after = rank_for(spend=rolling_spend(member_id=member.id), settings=get_loyalty_settings())
    member.rank = after
    if ORDER.index(after) > ORDER.index(before):
        events.record("rank.up", member_id=member.id,
                      payload={"from": before.value, "to": after.value})
    return after
