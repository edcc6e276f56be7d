"""Returns and voids: the sale stays on record, its effects are reversed by new entries."""

from catalog import service as catalog
from catalog.models import Store
from core import events
from core.extensions import db
from coupons import redemption
from members import points
from members.models import Member
from purchases import ranks, stats
from purchases.errors import PurchaseError
from purchases.models import Purchase, PurchaseStatus
from purchases.service import find_purchase


def reverse_purchase(*, store: Store, receipt_number: str, status: PurchaseStatus) -> Purchase:
    """Return or void a purchase of this store; asking twice changes nothing the second time."""
    purchase = _locked(store, receipt_number)
    if purchase.status == status:
        return purchase
    if purchase.status != PurchaseStatus.COMPLETED:
        raise PurchaseError("purchase_already_reversed",
                       f"この取引は既に{_word(purchase.status)}済みです。", 409)
    purchase.status = status
    for line in purchase.lines:
        line.completed = False  # no longer bought, for the segments (PurchaseLine.completed)
        catalog.adjust_stock(store_id=store.id, product_id=line.product_id, delta=line.quantity)
    # A void undoes a mistake, so its coupons always come back; a return follows the rules.
    redemption.reinstate_for(purchase_id=purchase.id, always=status == PurchaseStatus.VOIDED)
    if purchase.member_id:
        _reverse_loyalty(purchase)
    events.record(f"purchase.{status.value}", member_id=purchase.member_id,
                  subject_id=purchase.id, payload={"store_id": store.id})
    return purchase


def _locked(store: Store, receipt_number: str) -> Purchase:
    purchase = find_purchase(store_id=store.id, receipt_number=receipt_number)
    if purchase is None:
        raise PurchaseError("purchase_not_found", "このレシートの取引は見つかりません。", 404)
    # Lock the row so two concurrent returns cannot both see it completed (PostgreSQL).
    db.session.refresh(purchase, with_for_update=True)
    return purchase


def _reverse_loyalty(purchase: Purchase) -> None:
    db.session.flush()  # the rank below must see this purchase as no longer completed
    points.reverse_for_purchase(member_id=purchase.member_id, purchase_id=purchase.id)
    ranks.recompute_rank(member=db.session.get(Member, purchase.member_id))
    stats.refresh_member(purchase.member_id)


def _word(status: PurchaseStatus) -> str:
    return {PurchaseStatus.RETURNED: "返品", PurchaseStatus.VOIDED: "取消"}.get(status, "処理")
