"""Purchases and their lines, in stores and online. Only purchases.service and
purchases.returns write them."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Store
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime, str_enum


class Channel(enum.StrEnum):
    STORE = "store"
    ONLINE = "online"


class PurchaseStatus(enum.StrEnum):
    COMPLETED = "completed"
    RETURNED = "returned"
    VOIDED = "voided"


class Purchase(db.Model):
    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("store_id", "receipt_number"),
        Index("ix_purchases_member_time", "member_id", "purchased_at"),
        # Segments (campaigns.segments): a member's completed purchases in a window, with what
        # counting and summing need in the index; and a store's purchases in a window.
        Index("ix_purchases_member_status_time", "member_id", "status", "purchased_at",
              postgresql_include=["store_id", "total", "channel"]),
        Index("ix_purchases_store_time", "store_id", "purchased_at",
              postgresql_include=["member_id", "status"]),
        # The purchases of a few days, whoever bought them (purchases.stats.rolling).
        Index("ix_purchases_time", "purchased_at",
              postgresql_include=["member_id", "status", "total"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "purchase_channel"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    # Receipt number for store sales, order id for online orders; unique per store.
    receipt_number: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    total: Mapped[int]  # yen
    payment_method: Mapped[str | None] = mapped_column(String(32))
    coupon_discount: Mapped[int] = mapped_column(default=0, server_default="0")  # yen, coupons
    status: Mapped[PurchaseStatus] = mapped_column(str_enum(PurchaseStatus, "purchase_status"),
                                                   default=PurchaseStatus.COMPLETED)
    # Hash of the request that created it: a resend with another body is a conflict.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list["PurchaseLine"]] = relationship(back_populates="purchase",
                                                       cascade="all, delete-orphan",
                                                       order_by="PurchaseLine.id")
    store: Mapped[Store] = relationship()
    member: Mapped["Member | None"] = relationship()  # noqa: F821 (members.models)


class PurchaseLine(db.Model):
    __tablename__ = "purchase_lines"
    __table_args__ = (
        Index("ix_purchase_lines_product_purchase", "product_id", "purchase_id"),
        # Segments' "bought product / category X within N days": the buyers of a product in a
        # window, from this index alone (members' lines of purchases still completed).
        Index("ix_purchase_lines_bought", "product_id", "purchased_at", "member_id",
              postgresql_where=text("completed AND member_id IS NOT NULL"),
              sqlite_where=text("completed AND member_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"),
                                             index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[int]
    discount: Mapped[int] = mapped_column(default=0)
    line_total: Mapped[int]
    # The warranty's last day (business date, purchases.warranty), fixed by the terms at the sale;
    # indexed so that the daily warranty sweep finds the lines ending soon without a scan.
    warranty_ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Copies of the purchase's member, time and "still completed" (not returned or voided),
    # written with it (purchases.service) and with its return or void (purchases.returns), so
    # a segment finds a product's buyers in a window without visiting each line's purchase.
    member_id: Mapped[int | None]
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed: Mapped[bool] = mapped_column(default=True)

    purchase: Mapped[Purchase] = relationship(back_populates="lines")
    product: Mapped["Product"] = relationship()  # noqa: F821 (catalog.models)



class MemberStats(db.Model):
    """One member's completed purchases summed up (purchases.stats keeps it), so that segments
    read one row per member instead of aggregating purchases for every member in every count.

    The 365-day figures count the purchases from `window_start` (00:00 business time 365 days
    before the business date they were computed on); `version` goes up with every write, so a
    full refresh never overwrites a row that a sale rewrote while it ran; `rescore` says the
    figures changed after the R, F, M quintiles were last ranked."""

    __tablename__ = "member_stats"
    __table_args__ = (
        Index("ix_member_stats_window_start", "window_start"),
        Index("ix_member_stats_rescore", "rescore", postgresql_where=text("rescore"),
              sqlite_where=text("rescore")),
        # The R, F, M rankings (purchases.stats.ranked_at): members who bought in the window.
        *(Index(f"ix_member_stats_rank_{letter}", column, "member_id",
                postgresql_where=text("purchases_365 > 0"),
                sqlite_where=text("purchases_365 > 0"))
          for letter, column in (("r", "last_purchase_at"), ("f", "purchases_365"),
                                 ("m", "spend_365"))),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    first_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_purchase_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    purchases_365: Mapped[int] = mapped_column(default=0)
    spend_365: Mapped[int] = mapped_column(BigInteger, default=0)  # yen
    purchases_total: Mapped[int] = mapped_column(default=0)
    spend_total: Mapped[int] = mapped_column(BigInteger, default=0)  # yen
    r: Mapped[int | None] = mapped_column(SmallInteger)  # 1-5, None: no purchase in 365 days
    f: Mapped[int | None] = mapped_column(SmallInteger)
    m: Mapped[int | None] = mapped_column(SmallInteger)
    rescore: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
