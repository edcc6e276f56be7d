"""Follow-up flow settings and clicks on tracked links (the ledger itself is line.models)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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
