"""What a scan at the till means: a member card (static or rotating) or a coupon."""

from catalog.models import Store
from core.extensions import db
from coupons import redemption
from coupons.service import find_by_code, looks_like_coupon_code
from members.cards import CardCodeError, looks_like_card_code, resolve_scanned_card
from members.models import FollowStatus, Member
from pos.answers import scan_answer
from pos.errors import PosError
from pos.tokens import MAX_AGE_SECONDS, issue_member_token

NOT_FOUND = {"unknown_code", "coupon_unknown"}


def scan_code(*, code: str, store: Store, till: str) -> dict:
    """The member behind a scanned value, their usable coupons and a member token.

    A rotating card code is used up here; the caller commits.
    """
    code, coupon = (code or "").strip().upper(), None
    if looks_like_coupon_code(code):
        coupon = _coupon(code)
        member, kind = _available(db.session.get(Member, coupon.member_id)), "coupon"
    elif looks_like_card_code(code):
        member = _card(code, store)
        kind = "rotating" if len(code) > 13 else "static"
    else:
        raise PosError("unknown_code", "会員証またはクーポンのコードではありません。", 404)
    token = issue_member_token(member_id=member.id, till=till)
    return scan_answer(member=member, kind=kind, token=token, max_age=MAX_AGE_SECONDS,
                       coupon=coupon)


def _card(code: str, store: Store) -> Member:
    try:
        return resolve_scanned_card(code, accept_static=store.accepts_static_code).member
    except CardCodeError as exc:
        raise _refusal(exc.code, str(exc)) from exc


def _coupon(code: str):
    try:
        return redemption.check_usable(coupon=find_by_code(code=code), member_id=None)
    except redemption.CouponError as exc:
        raise _refusal(exc.code, str(exc)) from exc


def _available(member: Member) -> Member:
    if member.follow_status == FollowStatus.WITHDRAWN:
        raise _refusal("member_unavailable", "この会員は退会済みです。")
    return member


def _refusal(code: str, message: str) -> PosError:
    return PosError(code, message, 404 if code in NOT_FOUND else 422)
