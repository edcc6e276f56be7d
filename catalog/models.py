"""Products, stores, stock per store and restock requests."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from catalog.links import shop_link_problem
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime, str_enum


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    jan: Mapped[str | None] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), index=True)
    price: Mapped[int]  # yen, tax included
    warranty_months: Mapped[int] = mapped_column(default=0)
    image_url: Mapped[str | None] = mapped_column(String(500))
    online_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("online_url")
    def _only_web_shop_links(self, key, url):
        """Whoever sets it (console, CSV import, script), a javascript: link is never stored."""
        url = url.strip() if url else None
        if (problem := shop_link_problem(url)) is not None:
            raise ValueError(problem)
        return url or None

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Stock(db.Model):
    __tablename__ = "stock"
    __table_args__ = (UniqueConstraint("store_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
    store: Mapped["Store"] = relationship()


class StoreKind(enum.StrEnum):
    SHOP = "shop"
    ONLINE = "online"


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


class RestockRequest(db.Model):
    """A shopper asked to be told when a product is back (in a store, or anywhere if none)."""

    __tablename__ = "restock_requests"
    __table_args__ = (
        UniqueConstraint("member_id", "product_id", "store_id"),
        # NULL differs from NULL in the constraint above: requests without a store need their
        # own unique index, or two at once make two rows and two notices.
        Index("uq_restock_requests_member_id_product_id_anywhere", "member_id", "product_id",
              unique=True, sqlite_where=text("store_id IS NULL"),
              postgresql_where=text("store_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    product: Mapped[Product] = relationship()
    store: Mapped["Store | None"] = relationship()

