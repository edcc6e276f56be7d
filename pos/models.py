"""Store, register and purchase tables. Only pos.service writes them."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime, str_enum


class StoreKind(enum.StrEnum):
    SHOP = "shop"
    ONLINE = "online"


class Channel(enum.StrEnum):
    STORE = "store"
    ONLINE = "online"


class PurchaseStatus(enum.StrEnum):
    COMPLETED = "completed"
    RETURNED = "returned"
    VOIDED = "voided"



class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[StoreKind] = mapped_column(str_enum(StoreKind, "store_kind"),
                                            default=StoreKind.SHOP)
    # Whether the printed/static member number is still accepted, or only the rotating code.
    accepts_static_code: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Register(db.Model):
    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(String(100))
    # Only a hash of the API key is kept; the prefix lets the console show which key is which.
    api_key_hash: Mapped[str | None] = mapped_column(String(255))
    api_key_prefix: Mapped[str | None] = mapped_column(String(16), unique=True)
    api_key_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_key_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship()

    def __str__(self) -> str:
        return f"{self.store.code}/{self.code}" if self.store else self.code


class Purchase(db.Model):
    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("store_id", "receipt_number"),
        Index("ix_purchases_member_time", "member_id", "purchased_at"),
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

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"),
                                             index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[int]
    discount: Mapped[int] = mapped_column(default=0)
    line_total: Mapped[int]
    # The warranty's last day (business date, pos.warranty), fixed by the terms at the sale;
    # indexed so that the daily warranty sweep finds the lines ending soon without a scan.
    warranty_ends_on: Mapped[date | None] = mapped_column(Date, index=True)

    purchase: Mapped[Purchase] = relationship(back_populates="lines")
    product: Mapped["Product"] = relationship()  # noqa: F821 (catalog.models)
