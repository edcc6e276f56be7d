"""Coupon tables. Only coupons.service writes them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime, str_enum
from coupons.rules import check_definition


class DiscountType(enum.StrEnum):
    AMOUNT = "amount"  # yen off
    PERCENT = "percent"


class CouponDefinition(db.Model):
    __tablename__ = "coupon_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. WELCOME
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32), default="general")  # welcome, f2, winback...
    discount_type: Mapped[DiscountType] = mapped_column(str_enum(DiscountType, "discount_type"))
    discount_value: Mapped[int]
    minimum_spend: Mapped[int] = mapped_column(default=0)
    valid_days: Mapped[int] = mapped_column(default=30)  # from issue
    # Whether a returned purchase gives the coupon back.
    reinstate_on_return: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@event.listens_for(CouponDefinition, "before_insert")
@event.listens_for(CouponDefinition, "before_update")
def _refuse_impossible_values(mapper, connection, definition: CouponDefinition) -> None:
    """Whoever stores a definition (console, seed, script), 150 % off is never stored."""
    check_definition(purpose=definition.purpose, discount_type=definition.discount_type,
                     discount_value=definition.discount_value,
                     minimum_spend=definition.minimum_spend, valid_days=definition.valid_days)


class IssuedCoupon(db.Model):
    """One coupon in one member's hands; redeemed at most once."""

    __tablename__ = "issued_coupons"
    __table_args__ = (Index("ix_issued_coupons_member", "member_id", "redeemed_at"),
                      Index("ix_issued_coupons_definition_member", "definition_id", "member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("coupon_definitions.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), unique=True)  # what the register scans
    # Makes each grant happen once, e.g. "welcome:member:7".
    issue_key: Mapped[str] = mapped_column(String(80), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"))

    definition: Mapped[CouponDefinition] = relationship()
    member: Mapped["Member"] = relationship()  # noqa: F821 (members.models)


class WelcomeCouponGiven(db.Model):
    """The welcome coupon is once per LINE user ever, withdrawn or not. Only a keyed one-way
    hash of the LINE user id is kept for that (coupons.service.line_user_digest): a withdrawn
    member's row keeps no LINE id, and this table cannot be read back into one."""

    __tablename__ = "welcome_coupons_given"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_digest: Mapped[str] = mapped_column(String(64), unique=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
