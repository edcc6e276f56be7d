"""Member tables. Only members.service writes them."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime, str_enum


class Membership(enum.StrEnum):
    LIGHT = "light"  # ライト会員: a LINE friend, no form
    FULL = "full"  # 本会員: name, email and consent given


class FollowStatus(enum.StrEnum):
    FOLLOWED = "followed"
    BLOCKED = "blocked"
    WITHDRAWN = "withdrawn"  # 退会: personal data erased, never messaged again


class Rank(enum.StrEnum):
    REGULAR = "regular"
    SILVER = "silver"
    GOLD = "gold"



class Member(db.Model):
    __tablename__ = "members"
    # Segments (campaigns.segments) filter on these first.
    __table_args__ = (Index("ix_members_follow_membership", "follow_status", "membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null once withdrawn: the LINE user id is personal data.
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    member_number: Mapped[str] = mapped_column(String(13), unique=True)
    membership: Mapped[Membership] = mapped_column(str_enum(Membership, "membership"),
                                                   default=Membership.LIGHT)
    rank: Mapped[Rank] = mapped_column(str_enum(Rank, "member_rank"), default=Rank.REGULAR)
    follow_status: Mapped[FollowStatus] = mapped_column(str_enum(FollowStatus, "follow_status"),
                                                        default=FollowStatus.FOLLOWED)
    display_name: Mapped[str | None] = mapped_column(String(100))
    # Seed of the rotating (TOTP) card code; base32.
    card_secret: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str | None] = mapped_column(String(100))
    full_name_kana: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    birthday: Mapped[date | None]
    points_balance: Mapped[int] = mapped_column(default=0)  # cache of sum(point_entries)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    upgraded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # LINE's time of the follow or block last applied: an older one processed later is stale.
    follow_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consents: Mapped[list["Consent"]] = relationship(back_populates="member",
                                                      cascade="all, delete-orphan")

    @property
    def can_be_messaged(self) -> bool:
        return self.follow_status == FollowStatus.FOLLOWED

    def __str__(self) -> str:
        return f"{self.member_number} {self.display_name or ''}".strip()


class Consent(db.Model):
    """One row per consent decision, with the exact version of the text the member saw."""

    __tablename__ = "consents"
    # A member's latest decision of a kind (segments' marketing-consent test).
    __table_args__ = (Index("ix_consents_member_kind_time", "member_id", "kind", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "terms", "marketing"
    text_version: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(back_populates="consents")


class PointEntry(db.Model):
    """Append-only points ledger; a member's balance is the sum of their entries."""

    __tablename__ = "point_entries"
    __table_args__ = (Index("ix_point_entries_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))  # earn, redeem, reverse, adjust, expire
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("purchases.id"))
    # Makes each business fact post once, e.g. "earn:purchase:42".
    entry_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                 server_default=func.now())


class LoyaltySettings(db.Model):
    """Points rate, rank thresholds and multipliers; one row, edited in the console."""

    __tablename__ = "loyalty_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    yen_per_point: Mapped[int] = mapped_column(default=100)  # 1 pt per this many yen paid
    silver_threshold: Mapped[int] = mapped_column(default=30_000)  # rolling 12-month spend
    gold_threshold: Mapped[int] = mapped_column(default=100_000)
    # Percent of base points per rank (integers: no float rounding surprises).
    regular_multiplier_pct: Mapped[int] = mapped_column(default=100)
    silver_multiplier_pct: Mapped[int] = mapped_column(default=150)
    gold_multiplier_pct: Mapped[int] = mapped_column(default=200)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return "ポイント・ランク設定"
