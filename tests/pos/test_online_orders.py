"""Online orders join the purchase history: JSON from the web shop or a CSV, once per order."""

import pytest
from sqlalchemy import select

from catalog.models import StoreKind
from members.models import Member, Membership
from purchases.models import Channel, Purchase
from tests.pos.helpers import Api, card_member, count, fresh, keyed_register, recently

ORDER = {"order_id": "WEB-1001", "ordered_at": recently(days=3),
         "lines": [{"sku": "SKU-TEE", "quantity": 1, "unit_price": 3000}], "total": 3000,
         "payment_method": "card"}
HEADER = "order_id,ordered_at,member_number,email,sku,jan,quantity,unit_price,discount,total"
CSV = HEADER + """,payment_method
WEB-1,{three_days_ago},,hana@example.com,SKU-TEE,,2,3000,0,8000,card
WEB-1,{three_days_ago},,hana@example.com,SKU-TEE,,1,3000,1000,8000,card
WEB-2,{two_days_ago},,,SKU-TEE,,1,3000,0,3000,card
WEB-3,{two_days_ago},,,NOPE,,1,3000,0,3000,card
""".format(three_days_ago=recently(days=3), two_days_ago=recently(days=2))


@pytest.fixture
def online_api(client, make, session):
    _, key = keyed_register(make, session, store=make.store(kind=StoreKind.ONLINE,
                                                            code="ONLINE"))
    return Api(client, key)


def test_order_matched_by_member_number_earns_points(online_api, session, tee, make):
    member = card_member(make)
    answer = online_api.call("POST", "/api/v1/online-orders",
                             json={**ORDER, "member_number": member.member_number})
    assert answer.status_code == 200
    assert answer.get_json()["points_earned"] == 30
    purchase = session.scalar(select(Purchase))
    assert (purchase.channel, purchase.receipt_number) == (Channel.ONLINE, "WEB-1001")
    assert fresh(session, Member, member.id).points_balance == 30


def test_email_matches_full_members_only(online_api, session, tee, make):
    card_member(make, email="light@example.com")
    full = card_member(make, email="full@example.com", membership=Membership.FULL)
    light_order = {**ORDER, "order_id": "WEB-1", "email": "light@example.com"}
    full_order = {**ORDER, "order_id": "WEB-2", "email": "full@example.com"}
    assert online_api.call("POST", "/api/v1/online-orders",
                           json=light_order).get_json()["member"] is None
    matched = online_api.call("POST", "/api/v1/online-orders", json=full_order).get_json()
    assert matched["member"]["member_number"] == full.member_number


def test_the_same_order_twice_is_stored_once(online_api, session, tee):
    first = online_api.call("POST", "/api/v1/online-orders", json=ORDER).get_json()
    assert online_api.call("POST", "/api/v1/online-orders", json=ORDER).get_json() == first
    assert count(session, Purchase) == 1


def test_a_shop_register_key_cannot_post_online_orders(api, session, tee):
    answer = api.call("POST", "/api/v1/online-orders", json=ORDER)
    assert answer.status_code == 403
    assert count(session, Purchase) == 0


def test_csv_import_is_idempotent_and_reports_bad_orders(app, session, make, tee, tmp_path):
    make.store(kind=StoreKind.ONLINE, code="ONLINE")
    hana = card_member(make, email="hana@example.com", membership=Membership.FULL)
    path = str(tmp_path / "orders.csv")
    with open(path, "w", encoding="utf-8-sig") as handle:
        handle.write(CSV)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pos", "import-orders", path])
    assert "created 2, unchanged 0, errors 1" in first.output
    assert "WEB-3: unknown_product" in first.output
    second = runner.invoke(args=["pos", "import-orders", path])
    assert "created 0, unchanged 2, errors 1" in second.output
    assert count(session, Purchase) == 2
    assert fresh(session, Member, hana.id).points_balance == 80


def test_marketer_uploads_orders_in_the_console(client, login, make, session, tee):
    import io

    from tests.factories import csrf_token_from

    make.store(kind=StoreKind.ONLINE, code="ONLINE")
    login(role="marketer")
    token = csrf_token_from(client.get("/admin/onlineorders/").get_data(as_text=True))
    answer = client.post("/admin/onlineorders/", data={
        "csrf_token": token, "file": (io.BytesIO(CSV.encode()), "orders.csv")},
        content_type="multipart/form-data")
    assert "作成 2" in answer.get_data(as_text=True)
    assert count(session, Purchase) == 2
