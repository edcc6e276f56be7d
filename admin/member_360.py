"""The member page (会員カルテ): everything about one member on one page, composed from each
domain's read functions, and the member links other lists show instead of member ids."""

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from admin.display import NONE
from admin.filters import MemberFilter
from campaigns import records as campaign_records
from catalog import records as catalog_records
from core.clock import utcnow
from coupons import records as coupon_records
from members import records as member_records
from purchases import records as purchase_records

COUPON_STATES = {"used": "利用済み", "expired": "期限切れ", "usable": "利用可能"}
MESSAGE_STATUSES = {"sent": "送信済み", "failed": "失敗", "pending": "送信待ち",
                    "sending": "送信中", "skipped": "送信せず", "held_out": "比較用に送らず"}
MESSAGE_KINDS = {"flow": "フォローアップ・返信", "broadcast": "一斉配信"}
CHANNELS = {"reply": "応答", "push": "プッシュ", "multicast": "一斉"}
POINT_REASONS = {"earn": "購入で付与", "redeem": "利用", "reverse": "返品・取消で戻し",
                 "adjust": "調整", "expire": "失効"}
CONSENT_KINDS = {"terms": "会員規約", "privacy": "プライバシーポリシー",
                 "marketing": "お知らせ配信"}


@dataclass(frozen=True)
class Karte:
    purchases: list
    points: list
    coupons: list  # (coupon, state label)
    messages: list
    consents: list
    restock_requests: list
    warranties: list


def karte_of(member_id: int) -> Karte:
    now = utcnow()
    coupons = [(c, COUPON_STATES[coupon_records.coupon_state(c, now)])
               for c in coupon_records.coupons_of(member_id)]
    return Karte(purchases=purchase_records.purchases_of(member_id),
                 points=member_records.point_entries_of(member_id),
                 coupons=coupons,
                 messages=campaign_records.messages_of(member_id),
                 consents=member_records.consents_of(member_id),
                 restock_requests=catalog_records.restock_requests_of(member_id),
                 warranties=purchase_records.warranties_of(member_id))


def member_name(member) -> str:
    if member is None:
        return NONE
    return member.display_name or f"会員 {member.member_number}"


def member_link(view, context, row, name):
    """A list column naming the row's member, linked to the member page."""
    member = getattr(row, "member", None)
    if member is None:
        return NONE
    href = url_for("member.details_view", id=member.id)
    return Markup('<a href="{}">{}</a>').format(href, member_name(member))


def list_of_member_url(console, endpoint: str, member_number: str) -> str | None:
    """The URL of another list (purchases, coupons, deliveries) filtered to one member."""
    view = next((v for v in console._views if v.endpoint == endpoint), None)
    for index, flt in enumerate(getattr(view, "_filters", None) or ()):
        if isinstance(flt, MemberFilter):
            return url_for(f"{endpoint}.index_view",
                           **{f"flt0_{view.get_filter_arg(index, flt)}": member_number})
    return None
