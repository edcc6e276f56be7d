"""The webhook event ledger: every event LINE sent, saved once before it is acted on."""

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime

# pending -> processing -> done | ignored | superseded | failed (or back to pending to retry);
# superseded: a follow or block older than one LINE sent later and already applied;
# rejected: an event LINE would never send (bot.intake), kept with the reason, never acted on.
FINISHED_STATUSES = ("done", "ignored", "superseded", "failed", "rejected")


class WebhookEvent(db.Model):
    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(32), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    payload: Mapped[dict] = mapped_column(JSON)
    event_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # pending: when the sweep may take it up; processing: when its claim lapses (a dead worker).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(500))
