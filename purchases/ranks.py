"""Ranks by rolling 12-month spend; recomputed after each purchase, return or void, and
lowered by a daily job once old purchases leave the 12-month window."""

from datetime import timedelta

from sqlalchemy import func, select

from core import jobs
from core.clock import utcnow
from core.extensions import db
from members import ranks
from members.models import Member, Rank
from members.points import get_loyalty_settings
from purchases.models import Purchase, PurchaseStatus

WINDOW = timedelta(days=365)


def rolling_spend(*, member_id: int) -> int:
    """Yen spent in completed purchases over the last 12 months."""
    stmt = select(func.coalesce(func.sum(Purchase.total), 0)).where(
        Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED,
        Purchase.purchased_at >= utcnow() - WINDOW)
    return db.session.scalar(stmt)


def recompute_rank(*, member: Member, notify: bool = True) -> Rank:
    """Set the member's rank from their spend (a rise is a "rank.up" event; members.ranks)."""
    return ranks.set_rank_for_spend(member=member, spend=rolling_spend(member_id=member.id),
                                    notify=notify)


@jobs.job("maintenance", timeout=900)
def lapse_ranks() -> int:
    """Lower the ranks that the rolling 12-month spend no longer earns (daily).

    No message goes to the shopper: a lapse is not news they asked for, and the card and the
    points screen show the current rank. Each change is recorded as a "rank.down" event."""
    candidates = db.session.scalars(_lapse_candidates()).all()
    return sum(_lower_rank(member_id) for member_id in candidates)


def _lapse_candidates():
    """One query: silver and gold members whose spend is now below their rank's threshold."""
    settings = get_loyalty_settings()
    spend = (select(func.coalesce(func.sum(Purchase.total), 0))
             .where(Purchase.member_id == Member.id,
                    Purchase.status == PurchaseStatus.COMPLETED,
                    Purchase.purchased_at >= utcnow() - WINDOW)
             .scalar_subquery())
    return select(Member.id).where(
        ((Member.rank == Rank.GOLD) & (spend < settings.gold_threshold))
        | ((Member.rank == Rank.SILVER) & (spend < settings.silver_threshold)))


def _lower_rank(member_id: int) -> bool:
    """Recheck under the member's row lock: a sale committing meanwhile may keep the rank."""
    member = db.session.get(Member, member_id, with_for_update=True, populate_existing=True)
    return ranks.lower_for_lapse(member=member, spend=rolling_spend(member_id=member_id))
