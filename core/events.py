"""Domain events: facts other packages react to (a rank-up, a restock, a first purchase).

Recorded in the same transaction as the change they describe, so none is lost. After commit
each is handed to the dispatcher job, which runs every handler subscribed to the event's kind
when it runs on the worker (the process that recorded it need not know the subscribers). A
sweep dispatches any whose hand-off was lost (Redis down, a worker killed).

Each event is dispatched once: a conditional UPDATE claims it, and its handlers run in that
same transaction, so either all of them take effect together with the claim, or none does and
the event is dispatched again later (by RQ's retry or the sweep). Handlers only write rows in
that transaction (they plan; sending happens after commit), so a rolled-back run leaves no trace.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from rq import Retry
from sqlalchemy import JSON, ForeignKey, Index, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core import jobs
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime

log = logging.getLogger(__name__)

# kind -> handlers, each a function taking the event; filled by the packages that react.
SUBSCRIBERS: dict[str, list[Callable]] = {}
REDISPATCH_AFTER = timedelta(minutes=2)
DISPATCH_RETRY = Retry(max=3, interval=[5, 30, 60])


class DomainEvent(db.Model):
    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_kind_time", "kind", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "rank.up", "stock.restocked"
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"),
                                                  index=True)
    subject_id: Mapped[int | None]  # the purchase, product ... the event is about
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def subscribe(kind: str, handler: Callable) -> None:
    """Run `handler(event)` for every event of `kind`, alongside the kind's other handlers."""
    handlers = SUBSCRIBERS.setdefault(kind, [])
    if handler not in handlers:
        handlers.append(handler)


def record(kind: str, *, member_id: int | None = None, subject_id: int | None = None,
           payload: dict | None = None) -> DomainEvent:
    """Add an event to the current transaction; the caller commits."""
    event = DomainEvent(kind=kind, member_id=member_id, subject_id=subject_id,
                        payload=payload or {}, occurred_at=utcnow())
    db.session.add(event)
    db.session.flush()
    after_commit(lambda event_id=event.id: _hand_off(event_id))
    return event


def _hand_off(event_id: int) -> None:
    """After the commit the event is safe: if Redis is down, the sweep dispatches it."""
    try:
        dispatch_event.enqueue(event_id, retry=DISPATCH_RETRY)
    except Exception:
        log.exception("could not queue domain event %s; the sweep will dispatch it", event_id)


@jobs.job("followups", timeout=120)
def dispatch_event(event_id: int) -> str:
    """Run the handlers subscribed to this event's kind, once."""
    return _dispatch(event_id)


@jobs.job("maintenance", timeout=300)
def redispatch_lost_events() -> int:
    """Dispatch the events whose hand-off was lost; returns how many were dispatched."""
    lost_ids = db.session.scalars(
        select(DomainEvent.id).where(DomainEvent.dispatched_at.is_(None),
                                     DomainEvent.occurred_at < utcnow() - REDISPATCH_AFTER)
        .order_by(DomainEvent.id).limit(1000)).all()
    return sum(_dispatch_in_own_transaction(event_id) for event_id in lost_ids)


def _dispatch_in_own_transaction(event_id: int) -> bool:
    """One event's failure leaves it for the next sweep and does not hold back the others."""
    try:
        outcome = _dispatch(event_id)
        db.session.commit()
        return outcome != "already dispatched"
    except Exception:
        db.session.rollback()
        log.exception("domain event %s could not be dispatched; the next sweep retries", event_id)
        return False


def _dispatch(event_id: int) -> str:
    """Claim the event and run its handlers in this transaction; the caller commits."""
    if not _claim(event_id):
        return "already dispatched"
    event = db.session.get(DomainEvent, event_id)
    handlers = SUBSCRIBERS.get(event.kind, [])
    for handler in handlers:
        handler(event)
    log.info("domain event %s %s: ran %d handlers", event_id, event.kind, len(handlers))
    return f"{event.kind}: {len(handlers)} handlers"


def _claim(event_id: int) -> bool:
    # On PostgreSQL a concurrent claimer waits on the row, then finds it taken (or, if this
    # transaction rolls back, takes it); SQLite runs one writer at a time.
    claimed = db.session.execute(
        update(DomainEvent).where(DomainEvent.id == event_id, DomainEvent.dispatched_at.is_(None))
        .values(dispatched_at=utcnow())).rowcount
    return claimed == 1
