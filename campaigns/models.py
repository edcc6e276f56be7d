"""The message delivery ledger: one row per (flow, member, occurrence), sent at most once."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


class Delivery(db.Model):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "welcome:member:7" or "winback-30:member:7:2026-11-23"; the unique key is the guard.
    delivery_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    flow: Mapped[str] = mapped_column(String(40), index=True)
    # Fixed before the first attempt so every retry is recognised by LINE as the same request.
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="push")  # reply, push, multicast
    promotional: Mapped[bool] = mapped_column(default=False)
    messages: Mapped[list | None] = mapped_column(JSON)
    # pending -> sent | failed | skipped
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
