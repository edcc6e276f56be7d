"""Member lifecycle: a LINE friend becomes a light member, may upgrade to full, block,
come back, or withdraw (personal data erased)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import events, locks
from core.clock import utcnow
from core.extensions import db
from members import policies
from members.cards import new_card_secret
from members.models import Consent, FollowStatus, Member, Membership
from members.numbers import new_member_number

TERMS_VERSION = policies.current_version(policies.TERMS)
PRIVACY_VERSION = policies.current_version(policies.PRIVACY)
MARKETING_VERSION = "2026-11"  # the checkbox's own wording


class EmailInUse(ValueError):
    pass


@dataclass(frozen=True)
class Enrollment:
    member: Member
    is_new: bool


def get_by_line_user_id(*, line_user_id: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.line_user_id == line_user_id))


def enroll_friend(*, line_user_id: str, display_name: str | None,
                  followed_at: datetime | None = None) -> Enrollment:
    """The member for a LINE user who added the account (at LINE's time `followed_at`):
    existing (unblocked, unless LINE sent a block after this follow) or new.

    Idempotent under concurrency: the unique LINE user id lets only one insert win.
    """
    _serialize_follow_changes(line_user_id)
    member = get_by_line_user_id(line_user_id=line_user_id)
    if member is not None:
        if _is_later(followed_at, member.follow_status_at):
            _mark_followed(member, display_name, followed_at)
        return Enrollment(member, is_new=False)
    try:
        with db.session.begin_nested():
            member = _new_light_member(line_user_id, display_name, followed_at)
    except IntegrityError:
        return Enrollment(get_by_line_user_id(line_user_id=line_user_id), is_new=False)
    return Enrollment(member, is_new=True)


def _is_later(at: datetime | None, last_applied: datetime | None, *, or_same=False) -> bool:
    """LINE may deliver (or we may process) follow and block out of order: only an event at
    least as recent as the last one applied changes the follow status. Unknown times apply."""
    if at is None or last_applied is None:
        return True
    return at >= last_applied if or_same else at > last_applied


def _serialize_follow_changes(line_user_id: str) -> None:
    """One follow or block of a user at a time, until the transaction ends. Otherwise a block
    committed while a follow is being processed could miss the member being created, and the
    follow miss the block."""
    locks.hold_until_commit(f"follow:{line_user_id}")


def _new_light_member(line_user_id: str, display_name: str | None,
                      followed_at: datetime | None) -> Member:
    member = Member(line_user_id=line_user_id, display_name=display_name,
                    member_number=_unused_member_number(), card_secret=new_card_secret(),
                    membership=Membership.LIGHT, follow_status=FollowStatus.FOLLOWED,
                    follow_status_at=followed_at)
    db.session.add(member)
    db.session.flush()
    return member


def _unused_member_number() -> str:
    while True:  # 10 random digits: a clash is rare, but possible
        number = new_member_number()
        if db.session.scalar(select(Member.id).where(Member.member_number == number)) is None:
            return number


def _mark_followed(member: Member, display_name: str | None,
                   followed_at: datetime | None) -> None:
    member.follow_status = FollowStatus.FOLLOWED
    member.follow_status_at = followed_at or member.follow_status_at
    member.blocked_at = None
    if display_name:
        member.display_name = display_name


def mark_blocked(*, line_user_id: str, blocked_at: datetime | None = None) -> bool:
    """The user blocked the account (at LINE's time `blocked_at`): from now on nothing is sent
    to them. False when a follow LINE sent later was already applied (this block is stale)."""
    _serialize_follow_changes(line_user_id)
    member = get_by_line_user_id(line_user_id=line_user_id)
    if member is None:
        return True
    if not _is_later(blocked_at, member.follow_status_at, or_same=True):
        return False
    if member.follow_status == FollowStatus.FOLLOWED:
        member.follow_status = FollowStatus.BLOCKED
        member.blocked_at = utcnow()
    member.follow_status_at = blocked_at or member.follow_status_at
    return True


def upgrade_to_full(*, member: Member, full_name: str, email: str, birthday: date | None,
                    phone: str | None, marketing_consent: bool,
                    full_name_kana: str | None = None) -> Member:
    """Make a light member a full member (本会員), recording each consent with the version of
    the text shown (members.policies)."""
    email = email.strip().lower()
    other = db.session.scalar(select(Member).where(Member.email == email, Member.id != member.id))
    if other is not None:
        raise EmailInUse(email)
    member.full_name, member.email = full_name.strip(), email
    member.full_name_kana = full_name_kana.strip() if full_name_kana else None
    member.birthday, member.phone = birthday, (phone or None)
    if member.membership != Membership.FULL:
        events.record("member.upgraded", member_id=member.id)
    member.membership = Membership.FULL
    member.upgraded_at = member.upgraded_at or utcnow()
    member.consents.append(Consent(kind="terms", text_version=TERMS_VERSION, granted=True))
    member.consents.append(Consent(kind="privacy", text_version=PRIVACY_VERSION, granted=True))
    member.consents.append(Consent(kind="marketing", text_version=MARKETING_VERSION,
                                   granted=marketing_consent))
    return member


def withdraw(*, member: Member) -> None:
    """退会: never message again and erase personal data; purchases stay as anonymous history."""
    member.follow_status = FollowStatus.WITHDRAWN
    member.withdrawn_at = utcnow()
    member.line_user_id = None
    member.display_name = member.full_name = member.full_name_kana = None
    member.email = member.phone = member.birthday = None
    member.card_secret = new_card_secret()  # any card code still on a screen stops working
    member.consents.clear()
