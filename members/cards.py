"""Member card codes: the static member number and the rotating code of the card page.

The rotating code is the member number followed by a 6-digit TOTP (30 s steps, per-member
secret), as Google Wallet's rotating barcodes do: a screenshot stops working within a minute.
A register accepts it within ±1 step and only once (enforced by a unique row per step).
"""

import hmac
from dataclasses import dataclass

import pyotp
from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime
from members.models import FollowStatus, Member
from members.numbers import is_valid_member_number

STEP_SECONDS = 30
DIGITS = 6
ROTATING_LENGTH = 13 + DIGITS


class CardCodeUse(db.Model):
    """A rotating code that a register accepted; the unique key makes it single-use."""

    __tablename__ = "card_code_uses"
    __table_args__ = (UniqueConstraint("member_id", "time_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    time_step: Mapped[int]
    used_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class CardCodeError(ValueError):
    """A scanned code that cannot identify a member; `code` is the machine-readable reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ScannedCard:
    member: Member
    kind: str  # "static" or "rotating"


def new_card_secret() -> str:
    return pyotp.random_base32()


def rotating_code(member: Member, at=None) -> str:
    """The code the card page shows now (or at `at`)."""
    moment = at or utcnow()
    return member.member_number + _totp(member).at(moment)


def seconds_left_in_step(at=None) -> int:
    moment = at or utcnow()
    return STEP_SECONDS - int(moment.timestamp()) % STEP_SECONDS


def looks_like_card_code(value: str) -> bool:
    return value.isdigit() and len(value) in (13, ROTATING_LENGTH)


def resolve_scanned_card(value: str, *, accept_static: bool) -> ScannedCard:
    """The member a scanned card code belongs to; a rotating code is used up by this call.

    Raises CardCodeError: unknown_code, static_code_not_accepted, stale_code, replayed_code,
    member_unavailable. The caller commits (the use is recorded in its transaction).
    """
    value = value.strip()
    if len(value) == 13:
        return ScannedCard(_member_for(value, static=True, accept_static=accept_static), "static")
    if len(value) == ROTATING_LENGTH and value.isdigit():
        member = _member_for(value[:13], static=False, accept_static=accept_static)
        _consume_rotating_code(member, value[13:])
        return ScannedCard(member, "rotating")
    raise CardCodeError("unknown_code", "読み取ったコードは会員証ではありません。")


def _member_for(number: str, *, static: bool, accept_static: bool) -> Member:
    if not is_valid_member_number(number):
        raise CardCodeError("unknown_code", "会員番号が正しくありません。")
    member = db.session.scalar(select(Member).where(Member.member_number == number))
    if member is None:
        raise CardCodeError("unknown_code", "この会員番号の会員はいません。")
    if member.follow_status == FollowStatus.WITHDRAWN:
        raise CardCodeError("member_unavailable", "この会員は退会済みです。")
    if static and not accept_static:
        raise CardCodeError("static_code_not_accepted",
                            "この店舗では会員証ページの変わるコードをスキャンしてください。")
    return member


def _consume_rotating_code(member: Member, otp: str) -> None:
    step = _matching_step(member, otp)
    if step is None:
        raise CardCodeError("stale_code",
                            "コードの有効期限が切れています。画面を更新してください。")
    try:
        with db.session.begin_nested():
            db.session.add(CardCodeUse(member_id=member.id, time_step=step))
    except IntegrityError as exc:
        raise CardCodeError("replayed_code", "このコードは使用済みです。") from exc


def _matching_step(member: Member, otp: str) -> int | None:
    now_step = int(utcnow().timestamp()) // STEP_SECONDS
    totp = _totp(member)
    for step in (now_step, now_step - 1, now_step + 1):
        # Constant time: how long a wrong guess takes must not tell how many digits were right.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS).encode(), otp.encode()):
            return step
    return None


def _totp(member: Member) -> pyotp.TOTP:
    return pyotp.TOTP(member.card_secret, digits=DIGITS, interval=STEP_SECONDS)
