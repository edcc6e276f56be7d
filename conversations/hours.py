"""The inbox's settings (one row): business hours in business time, how long staff mode lasts,
whether cashiers may answer the members of their store. Edited in the console."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from conversations.models import InboxSettings
from core.clock import to_business_time
from core.extensions import db

MAX_STAFF_MODE_MINUTES = 7 * 24 * 60


class InvalidInboxSettings(ValueError):
    """Settings that cannot be saved; the message is for staff, in Japanese."""


def current() -> InboxSettings:
    """The settings row, with its defaults until someone saves it (not added to the session)."""
    row = db.session.scalar(select(InboxSettings).order_by(InboxSettings.id).limit(1))
    return row or InboxSettings(opens_at=time(10, 0), closes_at=time(19, 0),
                                staff_mode_minutes=60, cashiers_may_answer=False)


def save(*, opens_at: time, closes_at: time, staff_mode_minutes: int,
         cashiers_may_answer: bool) -> InboxSettings:
    """Store the settings, checked first (nothing changes when refused). Caller commits."""
    if opens_at >= closes_at:
        raise InvalidInboxSettings("受付終了は受付開始より後の時刻にしてください。")
    if not 1 <= staff_mode_minutes <= MAX_STAFF_MODE_MINUTES:
        raise InvalidInboxSettings(
            f"スタッフ対応の時間は1〜{MAX_STAFF_MODE_MINUTES:,}分で入力してください。")
    row = db.session.scalar(select(InboxSettings).order_by(InboxSettings.id).limit(1))
    row = row or InboxSettings()
    row.opens_at, row.closes_at = opens_at, closes_at
    row.staff_mode_minutes, row.cashiers_may_answer = staff_mode_minutes, cashiers_may_answer
    db.session.add(row)
    return row


@dataclass(frozen=True)
class Hours:
    open: bool
    next_opening: datetime | None  # when closed: the opening staff answer from


def at(now: datetime) -> Hours:
    """Whether the shop answers now (business time), and if not, from when."""
    settings = current()
    local = to_business_time(now)
    if settings.opens_at <= local.time() < settings.closes_at:
        return Hours(True, None)
    opening = local.replace(hour=settings.opens_at.hour, minute=settings.opens_at.minute,
                            second=0, microsecond=0)
    if local.time() >= settings.closes_at:
        opening += timedelta(days=1)
    return Hours(False, opening.astimezone(now.tzinfo))
