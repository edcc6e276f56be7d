"""The store's registers and their API keys (pos.keys)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Store
from core.extensions import db
from core.types import UTCDateTime


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
