"""Product and stock tables. Only catalog.service writes them."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from catalog.links import shop_link_problem
from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


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
    store: Mapped["Store"] = relationship()  # noqa: F821 (pos.models)
