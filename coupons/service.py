"""Issuing coupons and listing the ones a member can use."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import utcnow
from core.extensions import db
from coupons.models import CouponDefinition, IssuedCoupon, WelcomeCouponGiven

CODE_PREFIX = "C"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: cashiers may type them


def new_coupon_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(11))


def looks_like_coupon_code(value: str) -> bool:
    return len(value) == 12 and value.startswith(CODE_PREFIX)


def get_active_definition(*, purpose: str) -> CouponDefinition | None:
    stmt = (select(CouponDefinition)
            .where(CouponDefinition.purpose == purpose, CouponDefinition.active.is_(True))
            .order_by(CouponDefinition.id))
    return db.session.scalars(stmt).first()


def issue_once(*, definition: CouponDefinition, member_id: int, issue_key: str) -> IssuedCoupon:
    """Issue a coupon for `issue_key` (e.g. "welcome:member:7"), or return the one already
    issued for it: the unique key makes a grant happen once, even under concurrency."""
    existing = _by_issue_key(issue_key)
    if existing:
        return existing
    now = utcnow()
    coupon = IssuedCoupon(definition_id=definition.id, member_id=member_id,
                          code=new_coupon_code(), issue_key=issue_key, issued_at=now,
                          expires_at=now + timedelta(days=definition.valid_days))
    try:
        with db.session.begin_nested():
            db.session.add(coupon)
    except IntegrityError:
        return _by_issue_key(issue_key)
    return coupon


def issue_welcome_coupon(*, definition: CouponDefinition, member_id: int,
                         line_user_id: str) -> IssuedCoupon | None:
    """The welcome coupon for a new member, unless this LINE user had one before (e.g. as a
    member who withdrew and added the friend again): once per LINE user ever."""
    issue_key = f"welcome:member:{member_id}"
    existing = _by_issue_key(issue_key)
    if existing:
        return existing
    if not _claim_welcome(line_user_id):
        return None
    return issue_once(definition=definition, member_id=member_id, issue_key=issue_key)


def remember_welcome_given(*, member_id: int, line_user_id: str | None) -> None:
    """Before a member's LINE id is erased: keep (as a one-way hash) that it had its welcome
    coupon, for members enrolled before that was recorded at issue time. Caller commits."""
    if line_user_id and _by_issue_key(f"welcome:member:{member_id}"):
        _claim_welcome(line_user_id)


def line_user_digest(line_user_id: str) -> str:
    """A keyed one-way hash of a LINE user id: the same user always hashes the same, and the
    id cannot be recovered from it (nor guessed without the app's secret key)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = b"welcome-coupon:" + line_user_id.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _claim_welcome(line_user_id: str) -> bool:
    """Record the welcome as given; False if it already was (the unique digest decides)."""
    digest = line_user_digest(line_user_id)
    if db.session.scalar(select(WelcomeCouponGiven.id)
                         .where(WelcomeCouponGiven.line_user_digest == digest)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(WelcomeCouponGiven(line_user_digest=digest, given_at=utcnow()))
    except IntegrityError:
        return False
    return True


def _by_issue_key(issue_key: str) -> IssuedCoupon | None:
    return db.session.scalar(select(IssuedCoupon).where(IssuedCoupon.issue_key == issue_key))


def usable_coupons(*, member_id: int) -> list[IssuedCoupon]:
    """Unredeemed, unexpired coupons of a member, soonest expiry first."""
    stmt = (select(IssuedCoupon)
            .where(IssuedCoupon.member_id == member_id, IssuedCoupon.redeemed_at.is_(None),
                   IssuedCoupon.expires_at > utcnow())
            .order_by(IssuedCoupon.expires_at))
    return list(db.session.scalars(stmt))


def find_by_code(*, code: str) -> IssuedCoupon | None:
    return db.session.scalar(select(IssuedCoupon).where(IssuedCoupon.code == code.strip()))
