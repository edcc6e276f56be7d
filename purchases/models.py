"""Purchases and their lines, in stores and online. Only purchases.service and
purchases.returns write them."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
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


class PurchaseLine(db.Model):
    __tablename__ = "purchase_lines"
    # "Bought product X": the lines of a product, with their purchase, from the index alone.
    __table_args__ = (Index("ix_purchase_lines_product_purchase", "product_id", "purchase_id"),)

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

    purchase: Mapped[Purchase] = relationship(back_populates="lines")
    product: Mapped["Product"] = relationship()  # noqa: F821 (catalog.models)

