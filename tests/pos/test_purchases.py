"""Recording sales: one transaction, once per receipt, points and coupons exactly once."""

import pytest
from sqlalchemy import select

from catalog.models import Stock
from core.events import DomainEvent
from coupons.models import DiscountType, IssuedCoupon
from members.models import LoyaltySettings, Member, PointEntry, Rank
from purchases.models import Purchase, PurchaseLine
from tests.pos.helpers import card_member, count, coupon_for, fresh, receipt


def test_sale_with_a_scanned_member_links_the_purchase_and_earns_points(
        api, session, tee, member, token_for):
    answer = api.purchase(receipt(member_token=token_for(member)))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["total"], body["points_earned"]) == (6000, 60)
    assert body["member"]["points_balance"] == 60
    purchase = session.scalar(select(Purchase))
    assert purchase.member_id == member.id and purchase.register_id is not None
    [line] = purchase.lines
    assert (line.quantity, line.unit_price, line.line_total) == (2, 3000, 6000)
    [event] = session.scalars(select(DomainEvent).where(DomainEvent.kind == "purchase.completed"))
    assert (event.member_id, event.subject_id) == (member.id, purchase.id)
    assert event.payload == {"channel": "store", "store_id": purchase.store_id, "total": 6000}


def test_same_receipt_twice_posts_points_once_and_answers_the_same(
        api, session, tee, member, token_for):
    body = receipt(member_token=token_for(member))
    first, second = api.purchase(body), api.purchase(body)
    assert second.status_code == 200
    assert second.get_json() == first.get_json()
    assert count(session, Purchase) == 1 and count(session, PointEntry) == 1
    assert fresh(session, Member, member.id).points_balance == 60


def test_same_receipt_number_with_another_body_is_a_conflict(api, session, tee):
    api.purchase(receipt())
    other = api.purchase(receipt(lines=[{"sku": "SKU-TEE", "quantity": 1, "unit_price": 3000}]))
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "receipt_conflict"
    assert count(session, PurchaseLine) == 1


def test_sale_without_a_member_is_stored_unlinked(api, session, tee):
    body = api.purchase(receipt()).get_json()
    assert (body["member"], body["points_earned"]) == (None, 0)
    assert session.scalar(select(Purchase)).member_id is None


def test_static_member_number_identifies_the_member_too(api, session, tee, member):
    body = api.purchase(receipt(member_number=member.member_number)).get_json()
    assert body["member"]["member_number"] == member.member_number


def test_sale_lowers_stock_by_jan_or_sku(api, session, shop, tee):
    session.add(Stock(store_id=shop.id, product_id=tee.id, quantity=5))
    session.commit()
    lines = [{"jan": tee.jan, "quantity": 2, "unit_price": 3000}]
    assert api.purchase(receipt(lines=lines)).status_code == 200
    assert session.scalar(select(Stock.quantity)) == 3


def test_coupon_is_redeemed_and_its_discount_reconciled(api, session, tee, member, token_for):
    coupon = coupon_for(session, member, value=10, kind=DiscountType.PERCENT)
    body = api.purchase(receipt(member_token=token_for(member), total=5400,
                                coupon_codes=[coupon.code])).get_json()
    assert (body["coupon_discount"], body["redeemed_coupons"]) == (600, [coupon.code])
    assert body["points_earned"] == 54  # on the paid total
    assert fresh(session, IssuedCoupon, coupon.id).redeemed_at is not None


def test_coupon_discount_that_does_not_add_up_is_refused(api, session, tee, member, token_for):
    coupon = coupon_for(session, member, value=500)
    answer = api.purchase(receipt(member_token=token_for(member), total=6000,
                                  coupon_codes=[coupon.code]))
    assert answer.get_json()["error"]["code"] == "total_mismatch"
    assert fresh(session, IssuedCoupon, coupon.id).redeemed_at is None


def test_a_coupon_of_another_member_or_used_twice_is_refused(api, session, make, tee, member,
                                                            token_for):
    stranger_coupon = coupon_for(session, card_member(make), value=500)
    refused = api.purchase(receipt(member_token=token_for(member), total=5500,
                                   coupon_codes=[stranger_coupon.code]))
    assert refused.get_json()["error"]["code"] == "coupon_not_owned"
    mine = coupon_for(session, member, value=500)
    api.purchase(receipt("R-1", member_token=token_for(member), total=5500,
                         coupon_codes=[mine.code]))
    again = api.purchase(receipt("R-2", member_token=token_for(member), total=5500,
                                 coupon_codes=[mine.code]))
    assert again.get_json()["error"]["code"] == "coupon_used"
    assert count(session, Purchase) == 1


def test_rank_up_is_recorded_and_gold_earns_more(api, session, make, tee, member, token_for):
    session.add(LoyaltySettings(silver_threshold=5000, gold_threshold=10000))
    session.commit()
    api.purchase(receipt("R-1", member_token=token_for(member)))
    assert fresh(session, Member, member.id).rank == Rank.SILVER
    second = api.purchase(receipt("R-2", member_token=token_for(member))).get_json()
    assert second["points_earned"] == 90  # 60 base at silver's 150%
    assert fresh(session, Member, member.id).rank == Rank.GOLD
    ups = session.scalars(select(DomainEvent).where(DomainEvent.kind == "rank.up")
                          .order_by(DomainEvent.id))
    assert [e.payload for e in ups] == [{"from": "regular", "to": "silver"},
                                        {"from": "silver", "to": "gold"}]


def test_member_token_from_another_register_is_refused(api, make, session, shop, tee, member,
                                                      token_for):
    from tests.pos.helpers import keyed_register

    _, other_key = keyed_register(make, session, store=shop)
    answer = api.purchase(receipt(member_token=token_for(member)), key=other_key)
    assert answer.get_json()["error"]["code"] == "member_token_invalid"


BAD_BODIES = {
    "unknown_sku": receipt(lines=[{"sku": "NOPE", "quantity": 1, "unit_price": 100}]),
    "zero_quantity": receipt(lines=[{"sku": "SKU-TEE", "quantity": 0, "unit_price": 3000}]),
    "negative_quantity": receipt(lines=[{"sku": "SKU-TEE", "quantity": -1,
                                         "unit_price": 3000}], total=0),
    "bool_quantity": receipt(lines=[{"sku": "SKU-TEE", "quantity": True, "unit_price": 3000}]),
    "wrong_total": receipt(total=5999),
    "no_lines": {**receipt(), "lines": []},
    "missing_receipt_number": {k: v for k, v in receipt().items() if k != "receipt_number"},
    "naive_time": receipt(purchased_at="2026-11-23T15:30:00"),
    "forged_token": receipt(member_token="abc.def.ghi"),
    "coupon_without_member": receipt(coupon_codes=["CAAAAAAAAAAA"]),
    "discount_above_price": receipt(lines=[{"sku": "SKU-TEE", "quantity": 1, "unit_price": 10,
                                            "discount": 11}], total=0),
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_bad_input_gets_a_4xx_error_and_writes_nothing(api, session, tee, name):
    answer = api.purchase(BAD_BODIES[name])
    assert 400 <= answer.status_code < 500
    assert answer.get_json()["error"]["code"]
    assert count(session, Purchase) == count(session, PurchaseLine) == 0


def test_malformed_json_and_a_wrong_key_write_nothing(api, session, tee):
    assert api.call("POST", "/api/v1/purchases", data='{"receipt_number": ').status_code == 400
    wrong = api.purchase(receipt(), key="rk_nothere_" + "x" * 32)
    assert wrong.status_code == 401
    assert count(session, Purchase) == 0
