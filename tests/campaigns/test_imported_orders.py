"""Orders imported or recorded late: history tells the shopper nothing unless asked, and even
then follow-ups count from the order's own time, so one whose moment has passed is not sent."""

from datetime import timedelta

import pytest

from catalog.models import StoreKind
from core.extensions import db
from line.models import Delivery
from members.models import Rank
from pos.online import import_orders_csv
from pos.purchases import record_purchase
from purchases.receipts import LineInput, Receipt
from tests.support.chat import texts

HEADER = ("order_id,ordered_at,member_number,email,sku,jan,quantity,unit_price,discount,total,"
          "payment_method")


@pytest.fixture
def online_store(make):
    return make.store(kind=StoreKind.ONLINE, code="ONLINE", name="オンラインストア")


def _csv(*orders) -> str:
    """orders: (order_id, ordered_at, member, sku, quantity, unit_price)."""
    rows = [f"{order_id},{at.isoformat()},{member.member_number},,{sku},,{quantity},{price},0,"
            f"{quantity * price},card" for order_id, at, member, sku, quantity, price in orders]
    return "\n".join([HEADER, *rows]) + "\n"


def _flows_planned(session, member_id) -> list[str]:
    session.expire_all()
    return sorted(d.flow for d in session.query(Delivery).filter_by(member_id=member_id)
                  if d.flow not in ("welcome", "chat"))


def test_imported_order_history_sends_the_shopper_nothing(
        member_of, online_store, products, clock, follow_ups, session):
    hanako, member = member_of()
    hanako.new_messages()

    report = import_orders_csv(text=_csv(
        ("WEB-1", clock.now - timedelta(days=3), member, "SHIRT", 5, 6000),  # to silver
        ("WEB-2", clock.now - timedelta(hours=1), member, "CAP", 1, 2000)))
    follow_ups()
    clock.advance(days=4)  # past any second-purchase or after-purchase delay
    follow_ups()

    assert report.created == 2
    assert hanako.new_messages() == []
    assert _flows_planned(session, member.id) == []
    session.expire_all()
    assert session.get(type(member), member.id).rank == Rank.SILVER  # the facts are recorded
    assert session.get(type(member), member.id).points_balance > 0


def test_an_import_asked_to_notify_sends_only_what_is_still_timely(
        app, member_of, online_store, products, clock, follow_ups, tmp_path):
    hanako, member = member_of()
    hanako.new_messages()
    path = tmp_path / "orders.csv"
    path.write_text(_csv(("WEB-OLD", clock.now - timedelta(days=3), member, "TEE", 1, 3000),
                         ("WEB-NEW", clock.now - timedelta(hours=1), member, "CAP", 1, 2000)),
                    encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["pos", "import-orders", str(path), "--notify"])
    follow_ups()

    assert "created 2" in result.output
    receipts = [t for t in texts(hanako.new_messages()) if "お買い上げ" in t]
    assert len(receipts) == 1 and "¥2,000" in receipts[0]  # the 3-day-old one: too late


def test_a_store_sale_recorded_days_late_gets_no_after_purchase_follow_up(
        member_of, shop, products, clock, follow_ups, session):
    hanako, member = member_of()
    hanako.new_messages()

    lines = [LineInput(code="TEE", quantity=1, unit_price=3000)]
    receipt = Receipt(receipt_number="OFFLINE-1", purchased_at=clock.now - timedelta(days=3),
                      lines=lines, total=3000, fingerprint="offline-1",
                      member_number=member.member_number)
    record_purchase(store=shop, receipt=receipt, till="test")  # a register back online
    db.session.commit()
    follow_ups()
    clock.advance(hours=2)
    follow_ups()

    assert [t for t in texts(hanako.new_messages()) if "ありがとう" in t] == []
    assert "after_purchase" not in _flows_planned(session, member.id)
    assert "receipt" not in _flows_planned(session, member.id)
