"""Conversation tables. Only conversations' services write them."""

from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime

MAX_TEXT = 5000  # LINE's limit for a text message


class Thread(db.Model):
    """One per member: what the shopper wrote and what staff answered."""

    __tablename__ = "conversation_threads"
    __table_args__ = (Index("ix_conversation_threads_last", "last_message_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           unique=True)
    unread_count: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Until then the bot does not chat with this member: staff do.
    staff_mode_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The opening the "we answer from 10:00" notice was sent for: once per closed period.
    after_hours_notice_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped["Member"] = relationship()  # noqa: F821 (members.models)
    messages: Mapped[list["ThreadMessage"]] = relationship(
        back_populates="thread", order_by="ThreadMessage.id", cascade="all, delete-orphan")


class ThreadMessage(db.Model):
    """A message in a thread: in (the shopper), out (staff or an auto-reply), note (for staff
    only, e.g. a low survey rating)."""

    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("conversation_threads.id",
                                                      ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # in, out, note
    body: Mapped[str] = mapped_column(Text)
    # In: the webhook event it came with (stored once per event); out: the form's own key
    # (a double submit records one answer).
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    reply_token: Mapped[str | None] = mapped_column(String(100))
    reply_token_used: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Out: who answered (console user's email; None for the bot) and how it went to LINE.
    author: Mapped[str | None] = mapped_column(String(254))
    channel: Mapped[str | None] = mapped_column(String(16))  # reply (free) or push (quota)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id",
                                                               ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[Thread] = relationship(back_populates="messages")
    delivery: Mapped["Delivery | None"] = relationship()  # noqa: F821 (line.models)


class AutoReply(db.Model):
    """A keyword (e.g. 営業時間) the bot answers by itself before a message reaches staff."""

    __tablename__ = "conversation_auto_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    keyword: Mapped[str] = mapped_column(String(50), unique=True)
    answer: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboxSettings(db.Model):
    """One row: business hours (business time), staff mode length, and whether cashiers of a
    member's usual store may answer."""

    __tablename__ = "conversation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    opens_at: Mapped[time] = mapped_column(Time, default=time(10, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(19, 0))
    staff_mode_minutes: Mapped[int] = mapped_column(default=60)
    cashiers_may_answer: Mapped[bool] = mapped_column(default=False)


class SurveyAnswer(db.Model):
    """A shopper's feedback on one purchase: a rating, then optionally a comment and NPS."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_member_time", "member_id", "answered_at"),
                      Index("ix_survey_answers_store_time", "store_id", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("purchases.id", ondelete="CASCADE"),
                                             unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    # What the survey waits for next: comment, nps, or done.
    waiting_for: Mapped[str] = mapped_column(String(16), default="comment")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store: Mapped["Store"] = relationship()  # noqa: F821 (catalog.models)
    purchase: Mapped["Purchase"] = relationship()  # noqa: F821 (purchases.models)
