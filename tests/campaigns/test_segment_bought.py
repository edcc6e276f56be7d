"""'Bought product / category X within N days' read the copies of the purchase that each line
carries (member, time, still completed: PurchaseLine). Each count must equal what the plain
query over the purchases gives: after sales, returns and voids, across the window's edge at
midnight business time, after a product moves to another category, and combined with spend."""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select

from campaigns import segments
from catalog.models import Product
from core.settings import ROOT
from purchases.models import Purchase, PurchaseLine, PurchaseStatus
from purchases.receipts import LineInput, Receipt
from purchases.returns import reverse_purchase
from purchases.service import record_purchase

TOKYO = ZoneInfo("Asia/Tokyo")
DAYS = (1, 2, 7, 10, 11, 30, 365)


def tokyo(*fields):
    return datetime(*fields, tzinfo=TOKYO).astimezone(UTC)


@pytest.fixture
def shop(make):
    store = make.store()
    products = {sku: make.product(sku=sku, category=category, price=1000) for sku, category in (
        ("TEE", "tops"), ("CAP", "tops"), ("BUDS", "audio"), ("AMP", "audio"))}
    return store, products


def buy(session, shop, member, at, *skus) -> str:
    store, products = shop
    number = uuid.uuid4().hex[:12]
    lines = [LineInput(code=products[sku].sku, quantity=1, unit_price=1000) for sku in skus]
    receipt = Receipt(receipt_number=number, purchased_at=at, total=1000 * len(skus),
                      lines=lines, fingerprint=number)
    record_purchase(store=shop[0], receipt=receipt, member=member, notify=False)
    session.commit()
    return number


def reverse(session, shop, number, status):
    reverse_purchase(store=shop[0], receipt_number=number, status=status)
    session.commit()


def definition(*conditions, match="all"):
    return {"match": "all", "groups": [{"match": match, "conditions": [
        {"field": f, "op": o, "value": v} for f, o, v in conditions]}]}


def who(session, *conditions, match="all"):
    return set(session.scalars(segments.matching(definition(*conditions, match=match))))


def day_start(now, days):
    today = now.astimezone(TOKYO).date()
    return datetime.combine(today - timedelta(days=days), time(0), tzinfo=TOKYO).astimezone(UTC)


def plain_buyers(session, now, days, *criteria):
    """The reference: members with a completed purchase in the window holding such a line,
    joined through the purchases (none of the lines' copies read)."""
    return set(session.scalars(
        select(Purchase.member_id).join(PurchaseLine, PurchaseLine.purchase_id == Purchase.id)
        .join(Product, Product.id == PurchaseLine.product_id)
        .where(Purchase.status == PurchaseStatus.COMPLETED, Purchase.member_id.is_not(None),
               Purchase.purchased_at >= day_start(now, days), *criteria)))


def assert_exact(session, clock, shop):
    """Every category, product and window of the grid against the reference."""
    session.expire_all()
    _store, products = shop
    for days in DAYS:
        for category in ("tops", "audio"):
            got = who(session, ("bought_category", "within_days",
                                {"category": category, "days": days}))
            assert got == plain_buyers(session, clock.now, days, Product.category == category), \
                (category, days)
        for product in products.values():
            got = who(session, ("bought_product", "within_days",
                                {"product": product.id, "days": days}))
            assert got == plain_buyers(session, clock.now, days, Product.id == product.id), \
                (product.sku, days)
        counted = segments.counts(definition(("bought_category", "within_days",
                                              {"category": "tops", "days": days})))
        assert counted["matching"] == len(plain_buyers(session, clock.now, days,
                                                       Product.category == "tops"))


def test_bought_conditions_equal_the_plain_query_after_sales_returns_and_voids(
        session, make, shop, clock):
    ann, ben, cho, dan = (make.member() for _ in range(4))
    now = clock.now
    buy(session, shop, ann, now - timedelta(days=3), "TEE", "BUDS")
    kept = buy(session, shop, ann, now - timedelta(days=20), "TEE")
    returned = buy(session, shop, ben, now - timedelta(hours=5), "CAP", "AMP")
    buy(session, shop, ben, now - timedelta(days=40), "CAP")
    voided = buy(session, shop, cho, now - timedelta(days=1), "BUDS")
    buy(session, shop, dan, now - timedelta(days=400), "AMP")
    buy(session, shop, None, now - timedelta(days=1), "TEE")  # no member: nobody's purchase
    assert_exact(session, clock, shop)
    tops_week = ("bought_category", "within_days", {"category": "tops", "days": 7})
    assert who(session, tops_week) == {ann.id, ben.id}

    reverse(session, shop, returned, PurchaseStatus.RETURNED)
    reverse(session, shop, voided, PurchaseStatus.VOIDED)
    assert who(session, tops_week) == {ann.id}
    assert who(session, ("bought_category", "within_days",
                         {"category": "audio", "days": 7})) == {ann.id}
    assert_exact(session, clock, shop)

    reverse(session, shop, kept, PurchaseStatus.RETURNED)  # ann's other TEE still counts
    assert who(session, ("bought_product", "within_days",
                         {"product": shop[1]["TEE"].id, "days": 30})) == {ann.id}
    assert_exact(session, clock, shop)


def test_the_window_moves_on_at_midnight_business_time(session, make, shop, clock):
    clock.set_tokyo(2026, 11, 24, 23, 59)
    edge, inside = make.member(), make.member()
    buy(session, shop, edge, tokyo(2026, 11, 14, 0, 0), "TEE")  # the 10-day window's first instant
    buy(session, shop, inside, tokyo(2026, 11, 15, 9, 0), "BUDS")
    tops = ("bought_category", "within_days", {"category": "tops", "days": 10})
    assert who(session, tops) == {edge.id}
    assert_exact(session, clock, shop)

    clock.set_tokyo(2026, 11, 25, 0, 0)  # a new business day: the 14th has left the window
    assert who(session, tops) == set()
    assert who(session, ("bought_category", "within_days",
                         {"category": "tops", "days": 11})) == {edge.id}
    assert who(session, ("bought_product", "within_days",
                         {"product": shop[1]["BUDS"].id, "days": 10})) == {inside.id}
    assert_exact(session, clock, shop)

    clock.set_tokyo(2026, 11, 24, 23, 59)  # set back: inside again
    assert who(session, tops) == {edge.id}


def test_a_product_moved_to_another_category_counts_there_at_once(session, make, shop, clock):
    ann = make.member()
    buy(session, shop, ann, clock.now - timedelta(days=2), "CAP")
    shop[1]["CAP"].category = "audio"  # edited in the console
    session.commit()
    assert who(session, ("bought_category", "within_days",
                         {"category": "audio", "days": 7})) == {ann.id}
    assert_exact(session, clock, shop)


def test_category_or_product_and_spend_equal_the_plain_query(session, make, shop, clock):
    members = [make.member() for _ in range(8)]
    for n, member in enumerate(members):
        for k in range(n % 3 + 1):
            buy(session, shop, member, clock.now - timedelta(days=25 * k + n),
                *(["TEE", "BUDS", "AMP", "CAP"][(n + k) % 4:][:1 + k]))
    reverse(session, shop, buy(session, shop, members[0], clock.now, "BUDS", "AMP"),
            PurchaseStatus.RETURNED)
    for days in (30, 90, 365):
        segment = definition(
            ("bought_category", "within_days", {"category": "audio", "days": 60}),
            ("bought_product", "within_days", {"product": shop[1]["TEE"].id, "days": 10}),
            match="any")
        segment["groups"].append({"match": "all", "conditions": [
            {"field": "spend", "op": "gte", "value": {"days": days, "amount": 2000}}]})
        either = (plain_buyers(session, clock.now, 60, Product.category == "audio")
                  | plain_buyers(session, clock.now, 10, Product.id == shop[1]["TEE"].id))
        expected = {m for m in either if spent(session, m, day_start(clock.now, days)) >= 2000}
        assert set(session.scalars(segments.matching(segment))) == expected, days
        assert segments.counts(segment)["matching"] == len(expected)


def spent(session, member_id, since):
    return sum(p.total for p in session.scalars(select(Purchase).where(
        Purchase.member_id == member_id, Purchase.status == PurchaseStatus.COMPLETED,
        Purchase.purchased_at >= since)))


def test_the_migration_fills_the_lines_of_earlier_purchases(db, session, make):
    from flask_migrate import downgrade

    migrations = str(ROOT / "migrations")
    store, product, member = make.store(), make.product(category="tops"), make.member()
    session.commit()
    store_id, product_id, member_id = store.id, product.id, member.id
    session.close()
    downgrade(directory=migrations, revision="0016")
    at = datetime(2026, 11, 20, 3, 0)
    with db.engine.begin() as conn:
        for number, status, buyer in (("M-1", "completed", member_id),
                                      ("M-2", "returned", member_id), ("M-3", "completed", None)):
            purchase_id = conn.execute(sa.text(
                "INSERT INTO purchases (channel, store_id, receipt_number, member_id,"
                " purchased_at, total, coupon_discount, status, created_at) VALUES ('store',"
                " :store, :number, :member, :at, 1000, 0, :status, :at) RETURNING id"),
                {"store": store_id, "number": number, "member": buyer, "at": at,
                 "status": status}).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO purchase_lines (purchase_id, product_id, quantity, unit_price,"
                " discount, line_total) VALUES (:purchase, :product, 1, 1000, 0, 1000)"),
                {"purchase": purchase_id, "product": product_id})
    upgrade(directory=migrations)

    copies = {(line.purchase.receipt_number, line.member_id, line.purchased_at, line.completed)
              for line in session.scalars(select(PurchaseLine))}
    assert copies == {("M-1", member_id, at.replace(tzinfo=UTC), True),
                      ("M-2", member_id, at.replace(tzinfo=UTC), False),
                      ("M-3", None, at.replace(tzinfo=UTC), True)}
