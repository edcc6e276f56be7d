"""Follow-up tests: a movable clock, purchases through the register's service, and a way to
let the worker run whatever has come due."""

import pytest

from catalog.models import Stock
from core.extensions import db
from line.sending import release_due_deliveries
from members.models import Member
from pos.purchases import record_purchase
from purchases.receipts import LineInput, Receipt
from tests.campaigns.broadcasting import draft, everyone, line_friends, marketer  # noqa: F401


@pytest.fixture
def shop(make):
    store = make.store(name="渋谷店")
    return store


@pytest.fixture
def products(make, shop):
    """A small catalogue with stock in the shop."""
    items = {sku: make.product(sku=sku, name=name, category=category, price=price,
                               warranty_months=warranty, online_url=f"https://shop.example/{sku}")
             for sku, name, category, price, warranty in [
                 ("TEE", "Tシャツ", "tops", 3000, 0), ("CHINO", "チノパン", "bottoms", 5000, 0),
                 ("SHIRT", "シャツ", "tops", 6000, 0), ("CAP", "キャップ", "tops", 2000, 0),
                 ("EARBUDS", "イヤホン", "audio", 12000, 12)]}
    for product in items.values():
        db.session.add(Stock(store_id=shop.id, product_id=product.id, quantity=10))
    db.session.commit()
    return items


@pytest.fixture
def buy(shop, products, clock):
    counter = iter(range(1, 10_000))

    def purchase(member, *skus, store=None):
        lines = [LineInput(code=sku, quantity=1, unit_price=products[sku].price) for sku in skus]
        receipt = Receipt(receipt_number=f"T-{next(counter)}", purchased_at=clock.now,
                          lines=lines, total=sum(line.line_total for line in lines),
                          fingerprint=f"fp-{next(counter)}",
                          member_number=member.member_number if member else None)
        purchase = record_purchase(store=store or shop, receipt=receipt, till="test")
        db.session.commit()
        return purchase

    return purchase


@pytest.fixture
def member_of(shopper, session, clock):
    """A shopper who added the friend; returns (shopper, member). On the pinned clock, so the
    follow is not later in LINE's time than what the test does next."""

    def make_member(name="山田花子"):
        person = shopper(name)
        person.adds_friend()
        return person, session.query(Member).filter_by(line_user_id=person.user_id).one()

    return make_member


@pytest.fixture
def follow_ups(worker, clock):
    """Let the worker hand off events and send whatever is due now; returns the number due.

    "Now" is the pinned clock (sending hours unless a test moves it): what is due, deferred or
    capped depends on the time of day, never on the wall clock's."""

    def run() -> int:
        worker.drain()  # domain events -> planned deliveries
        due = worker.call(release_due_deliveries)
        worker.drain()
        return due

    return run
