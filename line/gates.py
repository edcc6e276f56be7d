"""Checks made at send time, never earlier: quiet hours, the daily promotional cap, and a
sending pause when LINE's monthly quota has run out."""

from collections.abc import Callable
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, and_, func, or_, select, union_all

from core import locks
from core.bulk import among
from core.clock import to_business_time, utcnow
from core.extensions import db
from line.models import CampaignAlert, Delivery

QUIET_START, QUIET_END = time(21, 0), time(9, 0)
DAILY_PROMOTIONAL_CAP = 2


def quiet_hours_end(now: datetime) -> datetime | None:
    """If `now` is in quiet hours (business time), when they end; else None. A demo may turn
    them off (QUIET_HOURS=off, refused in production) to show the flows at any hour."""
    if not current_app.config["SETTINGS"].quiet_hours:
        return None
    local = to_business_time(now)
    if QUIET_END <= local.time() < QUIET_START:
        return None
    morning = local.replace(hour=QUIET_END.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_START:
        morning += timedelta(days=1)
    return morning.astimezone(now.tzinfo)


# Other promotional sends counted in the one daily cap (e.g. campaigns' broadcasts). line/
# cannot read campaigns' tables, so campaigns registers two readers of its messages here:
# counter(member_ids, day_start) -> {member_id: messages sent today or being sent}, and
# todays_rows(day_start, leaving_out) -> a SELECT of one member_id row per such message, all
# members at once, leaving out those of the source `leaving_out`.
PromotionalCounter = Callable[[list[int], datetime], dict[int, int]]
PromotionalRows = Callable[[datetime, str | None], Select]
PROMOTIONAL_COUNTERS: list[PromotionalCounter] = []
PROMOTIONAL_ROWS: list[PromotionalRows] = []

# Past this many promotional messages in a day, one pass over all of them costs more than
# counting per member for the few thousand a broadcast chunk decides for.
DAY_PASS_LIMIT = 50_000


def count_promotional_with(counter: PromotionalCounter, todays_rows: PromotionalRows) -> None:
    if counter not in PROMOTIONAL_COUNTERS:
        PROMOTIONAL_COUNTERS.append(counter)
        PROMOTIONAL_ROWS.append(todays_rows)


def promotional_room(member_id: int, now: datetime, *, sender: str) -> int:
    """How many more promotional messages the member may get today (business date)."""
    return promotional_rooms([member_id], now, sender=sender)[member_id]


def promotional_rooms(member_ids: list[int], now: datetime, *,
                      sender: str | None = None) -> dict[int, int]:
    """Per member, the cap less the follow-ups sent today or other senders are sending now,
    and every registered counter's (broadcasts) messages of today."""
    day_start = business_day_start(now)
    taken = dict(db.session.execute(
        select(Delivery.member_id, func.count(Delivery.id)).where(
            among(Delivery.member_id, member_ids), Delivery.promotional.is_(True),
            or_(and_(Delivery.status == "sent", Delivery.sent_at >= day_start),
                and_(Delivery.status == "sending", _other_sender(sender))))
        .group_by(Delivery.member_id)).all())
    for counter in PROMOTIONAL_COUNTERS:
        for member_id, count in counter(member_ids, day_start).items():
            taken[member_id] = taken.get(member_id, 0) + count
    return {m: max(0, DAILY_PROMOTIONAL_CAP - taken.get(m, 0)) for m in member_ids}


def members_at_cap(now: datetime, *, leaving_out: str | None = None) -> set[int] | None:
    """Members with no promotional room left today, from one pass over the day's promotional
    messages of every sender but the source `leaving_out` (a broadcast reaches a member once,
    so its own messages never decide for its remaining recipients). None when the day had more
    than DAY_PASS_LIMIT such messages: then ask promotional_rooms per member."""
    day_start = business_day_start(now)
    # Two reads, not one with an OR: each then has its index (the promotional sent_at one,
    # the status one).
    sent = select(Delivery.member_id.label("member_id")).where(
        Delivery.promotional.is_(True), Delivery.sent_at >= day_start, Delivery.status == "sent")
    sending = select(Delivery.member_id.label("member_id")).where(
        Delivery.status == "sending", Delivery.promotional.is_(True), _other_sender(None))
    day = union_all(sent, sending, *(rows(day_start, leaving_out) for rows in PROMOTIONAL_ROWS)) \
        .subquery("day")
    seen = db.session.scalar(select(func.count()).select_from(
        select(day.c.member_id).limit(DAY_PASS_LIMIT + 1).subquery()))
    if seen > DAY_PASS_LIMIT:
        return None
    return set(db.session.scalars(select(day.c.member_id).group_by(day.c.member_id)
                                  .having(func.count() >= DAILY_PROMOTIONAL_CAP)))


def _other_sender(sender: str | None):
    return Delivery.claimed_by.is_not(None) if sender is None else Delivery.claimed_by != sender


def business_day_start(now: datetime) -> datetime:
    local = to_business_time(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(now.tzinfo)


# Cap decisions are serialised per bucket of members, not per member: a broadcast decides for
# thousands of members in one transaction, and PostgreSQL's shared lock table (about
# max_locks_per_transaction x max_connections entries) must not fill with one lock per member.
# A bucket serialises more than one member's decisions, never fewer, so the cap holds as before.
DAILY_CAP_LOCK_BUCKETS = 1024


# A broadcast chunk decides for thousands of members at once: it holds this one name
# exclusively instead of every bucket, and every per-member decision holds it shared first.
ALL_MEMBERS_CAP_LOCK = "daily-cap:all"


def lock_daily_cap(member_ids: list[int]) -> None:
    """Serialise cap decisions per member until commit (on SQLite the sender's claim already
    holds the database's single write lock)."""
    if not member_ids:
        return
    locks.hold_shared_until_commit(ALL_MEMBERS_CAP_LOCK)
    locks.hold_until_commit(*{f"daily-cap:{member_id % DAILY_CAP_LOCK_BUCKETS}"
                              for member_id in member_ids})


def lock_daily_cap_for_all() -> None:
    """Serialise cap decisions for every member until commit: per-member deciders wait, and
    they never hold this before a bucket, so no one waits in a circle."""
    locks.hold_until_commit(ALL_MEMBERS_CAP_LOCK)


def paused_until(now: datetime) -> datetime | None:
    """While a quota alert is open, pushes wait (LINE would refuse them all)."""
    return db.session.scalar(
        select(CampaignAlert.paused_until).where(
            CampaignAlert.kind == "quota", CampaignAlert.resolved_at.is_(None),
            CampaignAlert.paused_until > now).order_by(CampaignAlert.paused_until.desc()))


def pause_for_quota(message: str) -> None:
    """Open a quota alert pausing pushes until the 1st of next month (business time)."""
    if paused_until(utcnow()):
        return
    db.session.add(CampaignAlert(kind="quota", message=message[:500],
                                 paused_until=next_month_start()))


def next_month_start() -> datetime:
    """When LINE's monthly quota renews: the 1st of next month, business time."""
    local = to_business_time(utcnow())
    start = (local.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(utcnow().tzinfo)


def record_refusal(delivery: Delivery, message: str) -> None:
    db.session.add(CampaignAlert(kind="refused",
                                 message=f"{delivery.flow} #{delivery.id}: {message}"[:500]))
