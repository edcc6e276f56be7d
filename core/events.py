"""Domain events: facts other packages react to (a rank-up, a restock, a first purchase).

Recorded in the same transaction as the change they describe, so none is lost. After commit
each is handed to the subscribed dispatcher job; a sweep re-dispatches any whose hand-off was
lost (dispatched_at still empty), and handlers are idempotent, so a double hand-off is harmless.
"""

from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime

# kind -> job (with .enqueue(event_id)); filled by the packages that react, at start-up.
SUBSCRIBERS: dict[str, object] = {}
REDISPATCH_AFTER = timedelta(minutes=2)


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


def subscribe(kind: str, job) -> None:
    SUBSCRIBERS[kind] = job


def record(kind: str, *, member_id: int | None = None, subject_id: int | None = None,
           payload: dict | None = None) -> DomainEvent:
    """Add an event to the current transaction; the caller commits."""
    event = DomainEvent(kind=kind, member_id=member_id, subject_id=subject_id,
                        payload=payload or {}, occurred_at=utcnow())
    db.session.add(event)
    job = SUBSCRIBERS.get(kind)
    if job is None:
        event.dispatched_at = event.occurred_at  # nobody listens: nothing to hand off
    else:
        db.session.flush()
        after_commit(lambda event_id=event.id: job.enqueue(event_id))
    return event


def undispatched(limit: int = 1000) -> list[DomainEvent]:
    """Events that should have been handed off a while ago but were not."""
    return list(db.session.scalars(
        select(DomainEvent).where(DomainEvent.dispatched_at.is_(None),
                                  DomainEvent.occurred_at < utcnow() - REDISPATCH_AFTER)
        .order_by(DomainEvent.id).limit(limit)))
