"""Returns and voids reverse points with new entries, recompute the rank, and are idempotent."""

from sqlalchemy import select

from catalog.models import Stock
from coupons.models import IssuedCoupon
from members.models import LoyaltySettings, Member, PointEntry, Rank
from purchases.models import Purchase, PurchaseStatus
from tests.pos.helpers import coupon_for, fresh, receipt


def _sell(api, token_for, member, number="R-1", **extra):
    answer = api.purchase(receipt(number, member_token=token_for(member), **extra))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_return_reverses_points_with_a_new_entry_and_drops_the_rank(
        api, session, tee, member, token_for):
    session.add(LoyaltySettings(silver_threshold=5000))
    session.commit()
    _sell(api, token_for, member)
    assert fresh(session, Member, member.id).rank == Rank.SILVER
    answer = api.call("POST", "/api/v1/purchases/R-1/return")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "returned"
    entries = session.scalars(select(PointEntry).order_by(PointEntry.id)).all()
    assert [(e.reason, e.delta) for e in entries] == [("earn", 60), ("reverse", -60)]
    refreshed = fresh(session, Member, member.id)
    assert (refreshed.points_balance, refreshed.rank) == (0, Rank.REGULAR)


def test_returning_twice_changes_nothing_the_second_time(api, session, shop, tee, member,
                                                        token_for):
    session.add(Stock(store_id=shop.id, product_id=tee.id, quantity=10))
    session.commit()
    _sell(api, token_for, member)
    first = api.call("POST", "/api/v1/purchases/R-1/return").get_json()
    second = api.call("POST", "/api/v1/purchases/R-1/return").get_json()
    assert first == second
    assert session.query(PointEntry).count() == 2
    assert session.scalar(select(Stock.quantity)) == 10  # sold 2, returned 2


def test_return_gives_the_coupon_back_when_its_rules_say_so(api, session, tee, member,
                                                           token_for):
    kept = coupon_for(session, member, value=500, reinstate=False)
    given_back = coupon_for(session, member, value=500)
    _sell(api, token_for, member, total=5000, coupon_codes=[kept.code, given_back.code])
    api.call("POST", "/api/v1/purchases/R-1/return")
    assert fresh(session, IssuedCoupon, given_back.id).redeemed_at is None
    assert fresh(session, IssuedCoupon, kept.id).redeemed_at is not None


def test_void_always_gives_coupons_back(api, session, tee, member, token_for):
    coupon = coupon_for(session, member, value=500, reinstate=False)
    _sell(api, token_for, member, total=5500, coupon_codes=[coupon.code])
    assert api.call("POST", "/api/v1/purchases/R-1/void").get_json()["status"] == "voided"
    assert fresh(session, IssuedCoupon, coupon.id).redeemed_at is None
    assert fresh(session, Purchase, 1).status == PurchaseStatus.VOIDED


def test_a_returned_sale_cannot_then_be_voided_and_unknown_receipts_are_404(
        api, session, tee, member, token_for):
    _sell(api, token_for, member)
    api.call("POST", "/api/v1/purchases/R-1/return")
    assert api.call("POST", "/api/v1/purchases/R-1/void").status_code == 409
    assert api.call("POST", "/api/v1/purchases/NOPE/return").status_code == 404


def test_another_stores_key_cannot_return_this_stores_sale(api, make, session, tee, member,
                                                          token_for):
    from tests.pos.helpers import keyed_register

    _sell(api, token_for, member)
    _, foreign_key = keyed_register(make, session)
    answer = api.call("POST", "/api/v1/purchases/R-1/return", key=foreign_key)
    assert answer.status_code == 404
    assert fresh(session, Purchase, 1).status == PurchaseStatus.COMPLETED
