"""Domain events: facts other packages react to (a rank-up, a restock, a first purchase).

Recorded in the same transaction as the change they describe, so none is lost; the follow-up
engine reads them.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


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


def record(kind: str, *, member_id: int | None = None, subject_id: int | None = None,
           payload: dict | None = None) -> DomainEvent:
    """Add an event to the current transaction; the caller commits."""
    event = DomainEvent(kind=kind, member_id=member_id, subject_id=subject_id,
                        payload=payload or {}, occurred_at=utcnow())
    db.session.add(event)
    return event
