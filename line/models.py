"""The delivery ledger (every message to LINE, sent at most once) and the alerts sending
raises for a marketer (the monthly quota ran out, a message LINE refused)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


class Delivery(db.Model):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_member_created", "member_id", "created_at"),
                      Index("ix_deliveries_status_send_after", "status", "send_after"),
                      # the day's promotional messages, read by every daily-cap decision
                      Index("ix_deliveries_promotional_sent_at", "sent_at",
                            postgresql_where=text("promotional"), sqlite_where=text("promotional")))

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "welcome:member:7" or "winback-30:member:7:2026-11-23"; the unique key is the guard.
    delivery_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    flow: Mapped[str] = mapped_column(String(40), index=True)
    # Fixed before the first attempt so every retry is recognised by LINE as the same request.
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="push")  # reply, push, multicast
    promotional: Mapped[bool] = mapped_column(default=False)
    messages: Mapped[list | None] = mapped_column(JSON)  # built at send time for flows
    # Flows: what the message is about (e.g. {"purchase_id": 42}) and when it may go out.
    context: Mapped[dict | None] = mapped_column(JSON)
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending -> sending (claimed by one job) -> sent | failed | skipped (blocked, cap, condition
    # no longer holds), or back to pending (deferred, retried later)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # The job sending it (core.processes.owner_token) and until when: one row, one sender; a
    # lapsed lease (its sender died) lets another job take it, with the same retry key.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    # Replies (no retry key): the attempts LINE surely did not take (a 4xx answer, or no
    # connection). Any other attempt (5xx, timeout, worker killed mid-call) may have used the
    # reply token, so the reply is never pushed on top of it.
    attempts_not_accepted: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped["Member | None"] = relationship()  # noqa: F821 (members.models)


class CampaignAlert(db.Model):
    """Something a marketer must see: the monthly quota ran out, a message LINE refused."""

    __tablename__ = "campaign_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # quota, refused
    message: Mapped[str] = mapped_column(String(500))
    # For quota: sending is paused until then (start of next month in business time).
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MulticastBatch(db.Model):
    """One multicast request (≤ 500 recipients): its recipients and body are fixed, with its
    X-Line-Retry-Key, before the first attempt, so every retry is the same request to LINE."""

    __tablename__ = "multicast_batches"
    __table_args__ = (Index("ix_multicast_batches_status_send_after", "status", "send_after"),
                      Index("ix_multicast_batches_sent_at", "sent_at"),
                      UniqueConstraint("source", "slot"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who made it (e.g. "broadcast:7"): its outcomes are read by that producer.
    source: Mapped[str] = mapped_column(String(40), index=True)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    to: Mapped[list] = mapped_column(JSON)  # LINE user ids
    messages: Mapped[list] = mapped_column(JSON)
    promotional: Mapped[bool] = mapped_column(default=True)
    # planned (its producer fills in who and what; not sendable yet) -> pending -> sending
    # (claimed) -> sent | failed, or back to pending (deferred, retried); a planned batch may
    # end empty (everyone in it skipped) or cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Its place in its producer's plan (unique per source: a plan is made once), or None.
    slot: Mapped[int | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
