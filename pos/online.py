"""Online orders: the web shop's orders join the same purchase history and earn points."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog.models import Store, StoreKind
from core.extensions import db
from pos.errors import PosError
from pos.purchases import record_purchase
from pos.receipts import parse_receipt
from purchases.models import Channel, Purchase
from purchases.service import find_purchase

TILL = "online"


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def online_store() -> Store | None:
    stmt = select(Store).where(Store.kind == StoreKind.ONLINE).order_by(Store.id)
    return db.session.scalars(stmt).first()


def record_online_order(*, store: Store, body: dict, notify: bool = True) -> Purchase:
    """Store an order (idempotent by order id), matched to a member by number or email.
    notify=False: history, the shopper is sent nothing about it."""
    mapped = {**body, "receipt_number": body.get("order_id"),
              "purchased_at": body.get("ordered_at")}
    mapped.pop("order_id", None)
    mapped.pop("ordered_at", None)
    return record_purchase(store=store, receipt=parse_receipt(mapped), till=TILL,
                           channel=Channel.ONLINE, notify=notify)


def import_orders_csv(*, text: str, notify: bool = False) -> ImportReport:
    """Import a CSV of order lines (one row per line), committing order by order.

    An import is history: shoppers hear nothing of it unless `notify` is asked for, and even
    then only what is still timely (follow-ups are planned from each order's own time)."""
    store, report = online_store(), ImportReport()
    if store is None:
        report.errors.append("オンラインストア(kind=online)の店舗がありません。")
        return report
    for order_id, body in _orders(text).items():
        _import_one(store, order_id, body, report, notify)
    return report


def _import_one(store: Store, order_id: str, body: dict, report: ImportReport,
                notify: bool) -> None:
    known = find_purchase(store_id=store.id, receipt_number=order_id) is not None
    try:
        record_online_order(store=store, body=body, notify=notify)
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        report.errors.append(f"{order_id}: {exc.code} {exc.message}")
        return
    if known:
        report.unchanged += 1
    else:
        report.created += 1


def _orders(text: str) -> dict[str, dict]:
    orders: dict[str, dict] = {}
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        order = orders.setdefault(row["order_id"], _order_head(row))
        order["lines"].append({"sku": row.get("sku") or None, "jan": row.get("jan") or None,
                               "quantity": _int(row.get("quantity")),
                               "unit_price": _int(row.get("unit_price")),
                               "discount": _int(row.get("discount") or "0")})
    return orders


def _order_head(row: dict) -> dict:
    head = {"order_id": row["order_id"], "ordered_at": row.get("ordered_at"),
            "total": _int(row.get("total")), "payment_method": row.get("payment_method") or None,
            "member_number": row.get("member_number") or None,
            "email": row.get("email") or None, "lines": []}
    return {k: v for k, v in head.items() if v is not None}


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # parse_receipt names the bad field
