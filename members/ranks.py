"""Ranks by rolling 12-month spend; recomputed after each purchase, return or void, and
lowered by a daily job once old purchases leave the 12-month window."""

from datetime import timedelta

from sqlalchemy import func, select

from core import events, jobs
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


def recompute_rank(*, member: Member, notify: bool = True) -> Rank:
    """Set the member's rank from their spend; a rise is recorded as a "rank.up" event
    (marked not to be announced when `notify` is off, e.g. for imported history)."""
    before = member.rank
    after = rank_for(spend=rolling_spend(member_id=member.id), settings=get_loyalty_settings())
    member.rank = after
    if ORDER.index(after) > ORDER.index(before):
        events.record("rank.up", member_id=member.id,
                      payload={"from": before.value, "to": after.value,
                               **({} if notify else {"notify": False})})
    return after


@jobs.job("maintenance", timeout=900)
def lapse_ranks() -> int:
    """Lower the ranks that the rolling 12-month spend no longer earns (daily).

    No message goes to the shopper: a lapse is not news they asked for, and the card and the
    points screen show the current rank. Each change is recorded as a "rank.down" event."""
    candidates = db.session.scalars(_lapse_candidates()).all()
    return sum(_lower_rank(member_id) for member_id in candidates)


def _lapse_candidates():
    """One query: silver and gold members whose spend is now below their rank's threshold."""
    from pos.models import Purchase, PurchaseStatus

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
    before = member.rank
    after = rank_for(spend=rolling_spend(member_id=member_id), settings=get_loyalty_settings())
    if ORDER.index(after) >= ORDER.index(before):
        return False
    member.rank = after
    events.record("rank.down", member_id=member_id,
                  payload={"from": before.value, "to": after.value, "reason": "lapse"})
    return True
