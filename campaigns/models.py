"""Follow-up flow settings and clicks on tracked links (the ledger itself is line.models)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


class FlowSetting(db.Model):
    """A marketer's switch and parameters for one follow-up flow (defaults in campaigns.flows)."""

    __tablename__ = "flow_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow: Mapped[str] = mapped_column(String(40), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.flow


class DeliveryClick(db.Model):
    """A tap on a tracked link in a follow-up (e.g. a recommended product)."""

    __tablename__ = "delivery_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"),
                                             index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Segment(db.Model):
    """A saved audience (配信対象): conditions in AND / OR groups (campaigns.segments compiles
    them to one SQL query)."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # {"match": "all"|"any", "groups": [{"match": "all"|"any", "conditions": [
    #     {"field": "membership", "op": "is", "value": "light"}, ...]}]}
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.name


class Broadcast(db.Model):
    """A broadcast campaign (一斉配信): one message (or 2-3 A/B variants) to a segment's
    reachable members, now or at a set time, each recipient reached once."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id", ondelete="SET NULL"))
    # The segment's conditions as they were when the audience was frozen.
    segment_snapshot: Mapped[dict | None] = mapped_column(JSON)
    # draft -> (awaiting_approval ->) scheduled -> sending <-> paused -> completed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    promotional: Mapped[bool] = mapped_column(default=True)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: at once when confirmed
    holdout_percent: Mapped[int] = mapped_column(default=0)
    coupon_definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("coupon_definitions.id", ondelete="SET NULL"))
    over_quota: Mapped[str] = mapped_column(String(12), default="stop")  # stop | send_all
    attribution_days: Mapped[int] = mapped_column(default=7)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # audience fixed
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients_total: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    variants: Mapped[list["BroadcastVariant"]] = relationship(
        back_populates="broadcast", cascade="all, delete-orphan",
        order_by="BroadcastVariant.label")

    def __str__(self) -> str:
        return self.name


class BroadcastVariant(db.Model):
    """One version of a broadcast's message (A, B, C): up to 5 LINE messages, sent alike to
    every recipient drawn for it."""

    __tablename__ = "broadcast_variants"
    __table_args__ = (UniqueConstraint("broadcast_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(1), default="A")
    # What the marketer wrote: [{"type": "text", "text": ...}, {"type": "image", "url": ...},
    # {"type": "products", "product_ids": [...]}]; built into LINE messages when sent.
    content: Mapped[list] = mapped_column(JSON, default=list)
    # Taps on its product links: a multicast is one message for all, so a tap is known per
    # variant, not per recipient.
    clicks: Mapped[int] = mapped_column(default=0, server_default="0")

    broadcast: Mapped[Broadcast] = relationship(back_populates="variants")


class BroadcastRecipient(db.Model):
    """The frozen audience, one row per member (the unique key is the exactly-once guard):
    drawn into a variant or the holdout group and placed in one planned multicast batch, all
    in the statement that freezes the audience; later skipped (and taken out of its batch) if
    the send-time checks say so.

    No foreign keys, on purpose: the freeze inserts up to millions of rows in one statement
    and PostgreSQL would check each key row by row (3.7x the insert's time, measured). The rows
    come from the rows the freeze has just read, and none of the referenced rows is ever
    deleted (a withdrawn member's row stays, erased)."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "member_id"),
                      Index("ix_broadcast_recipients_member", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column()
    member_id: Mapped[int | None] = mapped_column()
    variant_id: Mapped[int | None] = mapped_column()  # None: holdout
    holdout: Mapped[bool] = mapped_column(default=False)
    # The random draw (0-9999) made in SQL when the audience was frozen; holdout and variant
    # follow from it, so the split can be checked afterwards.
    draw: Mapped[int | None] = mapped_column()
    # batched (placed in a multicast batch: the batch's status is this row's outcome, see
    # campaigns.outcomes) | skipped (blocked, withdrawn, cap: skip_reason; out of its batch) |
    # held_out
    status: Mapped[str] = mapped_column(String(12), default="batched")
    skip_reason: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[int | None] = mapped_column(index=True)
    issued_coupon_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_coupons.id", ondelete="SET NULL"))
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def recipient_outcome(status: str, skip_reason: str | None,
                      batch_status: str | None) -> tuple[str, str | None]:
    """What became of a recipient, from its row and its batch's status: ("sent" | "failed" |
    "pending" | "held_out" | "skipped", the skip reason). A recipient's batch decides for it
    unless the recipient was skipped (and taken out of it)."""
    if status == "skipped":
        return "skipped", skip_reason or "unknown"
    if status == "held_out":
        return "held_out", None
    if batch_status in ("sent", "failed"):
        return batch_status, None
    if batch_status == "cancelled":
        return "skipped", "cancelled"
    return "pending", None
