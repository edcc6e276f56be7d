"""A sale from the register or the online shop: who the shopper is (a scan's member token,
a static member number, an email online), then the purchases domain records it.

The caller commits; on any PosError it must roll back, so a refused sale writes nothing.
"""

from sqlalchemy import select

from catalog.models import Store
from core.extensions import db
from members.cards import CardCodeError, resolve_scanned_card
from members.models import FollowStatus, Member, Membership
from pos.errors import bad_request, unprocessable
from pos.tokens import member_id_from_token
from purchases import service as purchases
from purchases.models import Channel, Purchase
from purchases.receipts import Receipt


def record_purchase(*, store: Store, receipt: Receipt, till: str, register_id: int | None = None,
                    channel: Channel = Channel.STORE, notify: bool = True) -> Purchase:
    """Store a sale once: a resend of the same receipt returns the purchase already stored
    (before the shopper is identified again: the scan's token may have expired since).

    notify=False (an import of history): the shopper is sent nothing about it."""
    existing = purchases.find_purchase(store_id=store.id, receipt_number=receipt.receipt_number)
    if existing:
        return purchases.replayed(existing, receipt)
    member = identify_member(receipt=receipt, store=store, till=till, channel=channel)
    return purchases.record_purchase(store=store, receipt=receipt, member=member,
                                     register_id=register_id, channel=channel, notify=notify)


def identify_member(*, receipt: Receipt, store: Store, till: str,
                    channel: Channel) -> Member | None:
    """The shopper: a scan's member token, a static member number, or (online) an email."""
    if receipt.member_token:
        return _usable(db.session.get(Member, member_id_from_token(token=receipt.member_token,
                                                                   till=till)))
    if receipt.member_number and channel == Channel.ONLINE:
        return _usable(db.session.scalar(
            select(Member).where(Member.member_number == receipt.member_number)))
    if receipt.member_number:
        return _static_card(receipt.member_number, store)
    if receipt.email and channel == Channel.ONLINE:
        return db.session.scalar(select(Member).where(
            Member.email == receipt.email.lower(), Member.membership == Membership.FULL,
            Member.follow_status != FollowStatus.WITHDRAWN))
    return None


def _static_card(number: str, store: Store) -> Member:
    if len(number) != 13:
        raise bad_request("invalid_field", "member_number は13桁の会員番号です。")
    try:
        return resolve_scanned_card(number, accept_static=store.accepts_static_code).member
    except CardCodeError as exc:
        raise unprocessable(exc.code, str(exc)) from exc


def _usable(member: Member | None) -> Member:
    if member is None:
        raise unprocessable("unknown_code", "この会員は見つかりません。")
    if member.follow_status == FollowStatus.WITHDRAWN:
        raise unprocessable("member_unavailable", "この会員は退会済みです。")
    return member
