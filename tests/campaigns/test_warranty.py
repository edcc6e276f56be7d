"""Warranty end dates are business (Asia/Tokyo) dates: the date of purchase there plus N months."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from campaigns.triggers import daily_sweep
from catalog.models import Stock
from core.extensions import db
from core.settings import ROOT
from line.models import Delivery
from purchases.models import PurchaseLine
from purchases.warranty import warranty_end
from tests.support.chat import texts

TOKYO = ZoneInfo("Asia/Tokyo")
MIGRATIONS = str(ROOT / "migrations")


def test_a_purchase_at_eight_in_the_morning_in_tokyo_is_covered_until_the_same_day_next_month(
        app):
    bought = datetime(2026, 5, 1, 8, 0, tzinfo=TOKYO)  # 30 April 23:00 UTC
    assert warranty_end(bought, 1) == date(2026, 6, 1)
    assert warranty_end(bought.astimezone(UTC), 12) == date(2027, 5, 1)


def test_a_day_the_month_lacks_becomes_its_last_day(app):
    assert warranty_end(datetime(2027, 1, 31, 10, 0, tzinfo=TOKYO), 1) == date(2027, 2, 28)
    assert warranty_end(datetime(2028, 1, 31, 10, 0, tzinfo=TOKYO), 1) == date(2028, 2, 29)
    assert warranty_end(datetime(2026, 1, 31, 23, 30, tzinfo=UTC), 1) == date(2026, 3, 1)


@pytest.fixture
def cable(make, shop, products, session):
    """A product with a one-month warranty, in stock in the shop."""
    products["CABLE"] = make.product(sku="CABLE", name="ケーブル", category="audio", price=1500,
                                     warranty_months=1)
    session.add(Stock(store_id=shop.id, product_id=products["CABLE"].id, quantity=10))
    session.commit()


def test_the_notice_the_sweep_and_the_history_page_use_the_business_date(
        member_of, buy, cable, clock, worker, follow_ups, session, client):
    hanako, member = member_of()
    clock.set_tokyo(2026, 5, 1, 8, 0)
    buy(member, "CABLE")  # covered until 1 June 2026 (Tokyo)

    clock.set_tokyo(2026, 5, 1, 10, 0)  # 31 days before the end: too early
    worker.call(daily_sweep)
    assert session.query(Delivery).filter_by(member_id=member.id, flow="warranty").count() == 0

    clock.set_tokyo(2026, 5, 2, 10, 0)  # 30 days before
    worker.call(daily_sweep)
    hanako.new_messages()
    follow_ups()

    [notice] = [t for t in texts(hanako.new_messages()) if "保証" in t]
    assert "「ケーブル」のメーカー保証は2026年6月1日で終了します" in notice
    page = client.get("/members/history/" + notice.rsplit("/members/history/", 1)[1])
    assert "保証 2026/06/01まで" in page.get_data(as_text=True)


def test_lines_sold_before_the_migration_get_their_business_end_date(make, session):
    store, product = make.store(), make.product(warranty_months=1)
    member_id, store_id, product_id = make.member().id, store.id, product.id
    session.commit()
    session.close()
    downgrade(directory=MIGRATIONS, revision="0007")
    with db.engine.begin() as conn:
        purchase_id = conn.execute(sa.text(
            "INSERT INTO purchases (channel, store_id, receipt_number, member_id, purchased_at,"
            " total, coupon_discount, status, created_at) VALUES ('store', :store, 'OLD-1',"
            " :member, :at, 1500, 0, 'completed', :at) RETURNING id"),
            {"store": store_id, "member": member_id, "at": datetime(2026, 4, 30, 23, 0)}
        ).scalar_one()  # 1 May 08:00 in Tokyo, stored as UTC
        conn.execute(sa.text(
            "INSERT INTO purchase_lines (purchase_id, product_id, quantity, unit_price, discount,"
            " line_total) VALUES (:purchase, :product, 1, 1500, 0, 1500)"),
            {"purchase": purchase_id, "product": product_id})
    upgrade(directory=MIGRATIONS)

    line = session.scalar(sa.select(PurchaseLine))
    assert line.warranty_ends_on == date(2026, 6, 1)
