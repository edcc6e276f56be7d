"""Japanese labels for the stored values the console shows, filters by and offers in forms."""

import enum

from admin.models import Role
from catalog.models import StoreKind
from coupons.models import DiscountType
from line.messages import MEMBERSHIP_LABELS, RANK_LABELS
from members.models import FollowStatus, Membership, Rank
from purchases.models import Channel, PurchaseStatus

ENUM_LABELS: dict[type[enum.Enum], dict] = {
    Membership: MEMBERSHIP_LABELS,  # the words the chat uses
    Rank: {Rank(value): label for value, label in RANK_LABELS.items()},
    FollowStatus: {FollowStatus.FOLLOWED: "友だち", FollowStatus.BLOCKED: "ブロック中",
                   FollowStatus.WITHDRAWN: "退会済み"},
    Channel: {Channel.STORE: "店舗", Channel.ONLINE: "オンライン"},
    PurchaseStatus: {PurchaseStatus.COMPLETED: "完了", PurchaseStatus.RETURNED: "返品",
                     PurchaseStatus.VOIDED: "取消"},
    StoreKind: {StoreKind.SHOP: "店舗", StoreKind.ONLINE: "オンラインストア"},
    DiscountType: {DiscountType.AMOUNT: "円引き", DiscountType.PERCENT: "％引き"},
    Role: {Role.ADMIN: "管理者", Role.MARKETER: "マーケター", Role.CASHIER: "レジ担当"},
}


def enum_label(value: enum.Enum) -> str:
    return ENUM_LABELS.get(type(value), {}).get(value, str(value.value))


def enum_choices(enum_class: type[enum.Enum]) -> list[tuple[str, str]]:
    """(stored value, label) for a select: what the database holds, in Japanese."""
    return [(member.value, enum_label(member)) for member in enum_class]
