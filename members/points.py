"""The points ledger: append-only entries, each business fact posted once by its entry key.

`Member.points_balance` is a cache of the sum of a member's entries; every posting updates
both in the caller's transaction.
"""

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from members.models import LoyaltySettings, Member, PointEntry, Rank


def get_loyalty_settings() -> LoyaltySettings:
    """The settings row, or the defaults when nobody has saved any yet."""
    row = db.session.scalar(select(LoyaltySettings).order_by(LoyaltySettings.id).limit(1))
    return row or _defaults()


def _defaults() -> LoyaltySettings:
    columns = LoyaltySettings.__table__.columns
    return LoyaltySettings(**{c.name: c.default.arg for c in columns
                              if c.default is not None and not callable(c.default.arg)})


def points_for(*, paid: int, rank: Rank, settings: LoyaltySettings) -> int:
    """Points earned on a paid total: the base rate times the rank's multiplier, rounded down."""
    base = max(paid, 0) // settings.yen_per_point
    return base * getattr(settings, f"{rank.value}_multiplier_pct") // 100


def post_entry(*, member_id: int, delta: int, reason: str, entry_key: str,
               purchase_id: int | None = None) -> PointEntry | None:
    """Post one ledger entry and move the cached balance; None if `entry_key` already posted."""
    if delta == 0 or _entry(entry_key):
        return None
    entry = PointEntry(member_id=member_id, delta=delta, reason=reason, entry_key=entry_key,
                       purchase_id=purchase_id)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        return None  # a concurrent request posted the same fact first
    _move_balance(member_id, delta)
    return entry


def _entry(entry_key: str) -> PointEntry | None:
    return db.session.scalar(select(PointEntry).where(PointEntry.entry_key == entry_key))


def _move_balance(member_id: int, delta: int) -> None:
    # An increment in SQL, not read-modify-write: concurrent postings must not lose updates.
    db.session.execute(update(Member).where(Member.id == member_id)
                       .values(points_balance=Member.points_balance + delta)
                       .execution_options(synchronize_session=False))
    member = db.session.get(Member, member_id)
    if member is not None:
        db.session.expire(member, ["points_balance"])


def earn_for_purchase(*, member: Member, purchase_id: int, paid: int) -> int:
    """Post the points a purchase earns at the member's current rank; returns them."""
    points = points_for(paid=paid, rank=member.rank, settings=get_loyalty_settings())
    post_entry(member_id=member.id, delta=points, reason="earn",
               entry_key=f"earn:purchase:{purchase_id}", purchase_id=purchase_id)
    return points


def reverse_for_purchase(*, member_id: int, purchase_id: int) -> int:
    """Cancel what a purchase earned with a negative entry (never an edit); returns the delta."""
    earned = earned_for_purchase(purchase_id=purchase_id)
    post_entry(member_id=member_id, delta=-earned, reason="reverse",
               entry_key=f"reverse:purchase:{purchase_id}", purchase_id=purchase_id)
    return -earned


def earned_for_purchase(*, purchase_id: int) -> int:
    """What the purchase's earn entry posted (0 if none)."""
    entry = _entry(f"earn:purchase:{purchase_id}")
    return entry.delta if entry else 0


def spend(*, member_id: int, points: int, entry_key: str) -> PointEntry | None:
    """Use points (e.g. for a reward); refuses to take the balance below zero."""
    member = db.session.get(Member, member_id)
    if points <= 0 or member is None or member.points_balance < points:
        raise ValueError("not enough points")
    return post_entry(member_id=member_id, delta=-points, reason="redeem", entry_key=entry_key)


def ledger_sum(*, member_id: int) -> int:
    """The balance according to the ledger (what the cache must equal)."""
    stmt = select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
        PointEntry.member_id == member_id)
    return db.session.scalar(stmt)
