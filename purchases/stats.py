"""Per-member purchase summary (`MemberStats`): first and last purchase, purchases and spend over
the rolling 365 days and over the member's lifetime, and R, F, M quintiles, read by the segments
(campaigns.segment_fields) instead of aggregating purchases for every member in every count.

Kept exact:
- one member's row is recomputed in the transaction of each completion, return and void
  (`refresh_member`, from purchases.service and purchases.returns), under the member's row lock,
  so two sales of one member cannot write figures that miss each other;
- `refresh_all` (daily, just after midnight business time) recomputes every row set-based and
  ranks R, F, M over everyone; a row a sale rewrote while it ran is left as the sale wrote it;
- between two refreshes the 365-day window moves on at midnight: `rolling` corrects a
  row computed on an earlier business date by the purchases between its window start and today's
  (see there);
- the stored R, F, M are read only while no row changed since they were ranked
  (`ranking_current`); after a sale the segments find each quintile's first member in the
  ranking instead (`ranked_at`), and before the daily refresh they rank in the query.
"""

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from core import jobs
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime
from members.models import Member
from purchases.models import MemberStats, Purchase, PurchaseStatus

WINDOW_DAYS = 365
FIGURES = ("first_purchase_at", "last_purchase_at", "purchases_365", "spend_365",
           "purchases_total", "spend_total")


def window_start(now: datetime) -> datetime:
    """00:00 business time, 365 days before the business date of `now` (UTC)."""
    tz = current_app.config["SETTINGS"].tz
    today = now.astimezone(tz).date()
    return datetime.combine(today - timedelta(days=WINDOW_DAYS), time(0), tzinfo=tz).astimezone(UTC)


# --- writing -----------------------------------------------------------------------------------

def _per_member(since: datetime):
    """SELECT of (member_id, FIGURES...) from the purchases, one row per member who has any."""
    completed = Purchase.status == PurchaseStatus.COMPLETED
    in_window = and_(completed, Purchase.purchased_at >= since)
    return (select(Purchase.member_id.label("member_id"),
                   func.min(case((completed, Purchase.purchased_at))).label("first_purchase_at"),
                   func.max(case((completed, Purchase.purchased_at))).label("last_purchase_at"),
                   func.count(case((in_window, 1))).label("purchases_365"),
                   func.coalesce(func.sum(case((in_window, Purchase.total))), 0)
                   .label("spend_365"),
                   func.count(case((completed, 1))).label("purchases_total"),
                   func.coalesce(func.sum(case((completed, Purchase.total))), 0)
                   .label("spend_total"))
            .where(Purchase.member_id.is_not(None)).group_by(Purchase.member_id))


def _insert():
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(MemberStats)


def refresh_member(member_id: int) -> None:
    """Recompute one member's row now, in the caller's transaction. Their R, F, M scores stay
    as ranked (they depend on everyone): the row is marked for re-ranking instead."""
    # NO KEY UPDATE: serialises the member's sales (as the points balance update does) without
    # waiting for the key-share locks that every purchase row's foreign key holds on the member.
    db.session.execute(select(Member.id).where(Member.id == member_id)
                       .with_for_update(key_share=True))
    now = utcnow()
    since = window_start(now)
    source = _per_member(since).where(Purchase.member_id == member_id).subquery()
    columns = ["member_id", *FIGURES, "window_start", "rescore", "version", "computed_at"]
    rows = select(source.c.member_id, *(source.c[name] for name in FIGURES),
                  literal(since, UTCDateTime()), literal(True), literal(1),
                  literal(now, UTCDateTime())).where(source.c.member_id.is_not(None))
    stmt = _insert().from_select(columns, rows)
    stmt = stmt.on_conflict_do_update(index_elements=["member_id"], set_={
        **{name: stmt.excluded[name] for name in (*FIGURES, "window_start", "computed_at")},
        "rescore": True, "version": MemberStats.version + 1})
    db.session.execute(stmt)


def refresh_all() -> int:
    """Recompute every member's row and rank R, F, M over everyone, in one statement (an upsert
    of INSERT ... SELECT). A row whose version moved since this statement's snapshot (a sale
    committed meanwhile) is skipped: the sale's figures are newer, and it stays marked for
    re-ranking. Returns the number of rows."""
    now = utcnow()
    since = window_start(now)
    per_member = _per_member(since).cte("per_member")
    p = per_member.c
    ranked = select(
        p.member_id,
        func.ntile(5).over(order_by=(p.last_purchase_at, p.member_id)).label("r"),
        func.ntile(5).over(order_by=(p.purchases_365, p.member_id)).label("f"),
        func.ntile(5).over(order_by=(p.spend_365, p.member_id)).label("m"),
    ).where(p.last_purchase_at >= since).cte("ranked")
    columns = ["member_id", *FIGURES, "window_start", "r", "f", "m", "rescore", "version",
               "computed_at"]
    rows = (select(p.member_id, *(p[name] for name in FIGURES), literal(since, UTCDateTime()),
                   ranked.c.r, ranked.c.f, ranked.c.m, literal(False),
                   func.coalesce(MemberStats.version, 0) + 1, literal(now, UTCDateTime()))
            .select_from(per_member
                         .outerjoin(ranked, ranked.c.member_id == p.member_id)
                         .outerjoin(MemberStats, MemberStats.member_id == p.member_id))
            .where(p.member_id.is_not(None)))  # a WHERE also settles SQLite's upsert grammar
    stmt = _insert().from_select(columns, rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["member_id"],
        set_={name: stmt.excluded[name] for name in columns if name != "member_id"},
        where=MemberStats.version == stmt.excluded.version - 1)
    db.session.execute(stmt)
    return db.session.scalar(select(func.count()).select_from(MemberStats))


@jobs.job("maintenance", timeout=1800)
def refresh_member_stats() -> int:
    """Daily, just after midnight business time: the 365-day windows have moved on a day, and
    R, F, M are ranked again over everyone."""
    return refresh_all()


def ensure_built() -> None:
    """Build the table on first use (a new install, or purchases loaded before it existed):
    an empty table beside purchases of members would read as 'nobody bought anything'."""
    if db.session.scalar(select(exists().where(MemberStats.member_id.is_not(None)))):
        return
    if db.session.scalar(select(exists().where(Purchase.member_id.is_not(None)))):
        refresh_all()


# --- reading -----------------------------------------------------------------------------------

def windows_current(since: datetime) -> bool:
    """Every row's 365-day figures are over the window starting at `since` (today's)."""
    return not db.session.scalar(select(exists().where(or_(
        MemberStats.window_start < since, MemberStats.window_start > since))))


def ranking_current() -> bool:
    """No row changed after the daily ranking: the stored R, F, M are everyone's today (when
    the windows are current too)."""
    return not db.session.scalar(select(exists().where(MemberStats.rescore)))


def rolling(since: datetime, *, current: bool):
    """The summary's rows with their 365-day figures over the window starting at `since`
    (today's): member_id, last_purchase_at, purchases_365, spend_365. `current`: every row is
    over that window (windows_current), so it is the table itself.

    Exact: a row counts the member's completed purchases from its own `window_start` on, and
    reflects every completion, return and void up to now (each one rewrites the row in its own
    transaction). So when the row's window starts at `since` its figures are today's; when it
    was computed on an earlier business date (before the daily refresh has reached it), the
    purchases in [window_start, since) have left the window since, and are taken off (added
    back if the clock was set back). Those purchases are found set-based, as one range of
    ix_purchases_time joined to their members' rows: a few days of purchases, not a look at
    every member's."""
    if current:
        return MemberStats.__table__
    moved = _moved(since)
    return (select(MemberStats.member_id, MemberStats.last_purchase_at,
                   (MemberStats.purchases_365 + func.coalesce(moved.c.purchases, 0))
                   .label("purchases_365"),
                   (MemberStats.spend_365 + func.coalesce(moved.c.spend, 0)).label("spend_365"))
            .outerjoin(moved, moved.c.member_id == MemberStats.member_id).subquery("rolling"))


def _moved(since: datetime):
    """Per member: (purchases, spend) to add to a row over an earlier window to make it today's."""
    lowest, highest = db.session.execute(select(func.min(MemberStats.window_start),
                                                func.max(MemberStats.window_start))).one()
    at = Purchase.purchased_at
    left = and_(at >= MemberStats.window_start, at < since)
    came_back = and_(at >= since, at < MemberStats.window_start)
    sign = case((at < since, -1), else_=1)
    return (select(MemberStats.member_id.label("member_id"), func.sum(sign).label("purchases"),
                   func.sum(sign * Purchase.total).label("spend"))
            .join(Purchase, Purchase.member_id == MemberStats.member_id)
            .where(Purchase.status == PurchaseStatus.COMPLETED,
                   at >= min(lowest or since, since), at < max(highest or since, since),
                   or_(left, came_back))
            .group_by(MemberStats.member_id).subquery("moved"))


# R, F and M rank members by these (then by id), among those who bought in the window.
RANKED_BY = {"r": MemberStats.last_purchase_at, "f": MemberStats.purchases_365,
             "m": MemberStats.spend_365}
RANKED = MemberStats.purchases_365 > 0  # with current windows: bought in the last 365 days


def ranked_count() -> int:
    return db.session.scalar(select(func.count()).where(RANKED))


def bucket_starts(ranked: int) -> list[int]:
    """Where quintiles 1..5 (and the end) start in the ranking of `ranked` members, as ntile(5)
    cuts it: the first `ranked % 5` quintiles have one member more."""
    size, extra = divmod(ranked, 5)
    starts = [0]
    for bucket in range(5):
        starts.append(starts[-1] + size + (bucket < extra))
    return starts


def ranked_at(letter: str, position: int, ranked: int):
    """(figure, member_id) of the member at `position` (0 first) in the letter's ranking of
    `ranked` members, or None past the end: a walk of the ranking's partial index, from
    whichever end is nearer."""
    if position >= ranked:
        return None
    key = RANKED_BY[letter]
    order, offset = (key, MemberStats.member_id), position
    if position * 2 > ranked:
        order, offset = (key.desc(), MemberStats.member_id.desc()), ranked - 1 - position
    return db.session.execute(select(key, MemberStats.member_id).where(RANKED)
                              .order_by(*order).offset(offset).limit(1)).one()
