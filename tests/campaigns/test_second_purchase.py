"""The second-purchase coupon (f2): planned by the first purchase itself, checked at send time."""

import pytest

from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery
from purchases.models import PurchaseStatus
from purchases.returns import reverse_purchase
from tests.support.chat import flex_texts


@pytest.fixture
def f2_coupon(session):
    session.add(CouponDefinition(code="SECOND", name="SECONDクーポン", purpose="f2",
                                 discount_type=DiscountType.PERCENT, discount_value=10,
                                 valid_days=14))
    session.commit()


def _f2_row(session, member_id):
    session.expire_all()
    return session.query(Delivery).filter_by(member_id=member_id, flow="f2").one_or_none()


def test_two_purchases_before_the_worker_runs_still_plan_the_coupon_and_it_is_skipped_at_send(
        member_of, buy, clock, follow_ups, session, f2_coupon):
    _, member = member_of()
    buy(member, "CAP")
    clock.advance(hours=1)
    buy(member, "CAP")  # both recorded before the worker handles the first
    follow_ups()
    assert _f2_row(session, member.id).status == "pending"

    clock.advance(days=3)
    follow_ups()
    assert _f2_row(session, member.id).status == "skipped"  # the second purchase stands
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 0


def test_a_second_purchase_voided_before_the_coupon_is_due_lets_the_coupon_go(
        member_of, buy, clock, follow_ups, session, shop, f2_coupon):
    hanako, member = member_of()
    buy(member, "CAP")
    clock.advance(hours=1)
    second = buy(member, "CAP")
    follow_ups()  # both purchases are handled while both stand
    reverse_purchase(store=shop, receipt_number=second.receipt_number,
                     status=PurchaseStatus.VOIDED)
    session.commit()
    hanako.new_messages()

    clock.advance(days=3)
    follow_ups()

    coupons = [m for m in hanako.new_messages()
               if m.get("contents", {}).get("type") == "carousel"
               and "SECONDクーポン" in flex_texts(m)]
    assert len(coupons) == 1
    assert _f2_row(session, member.id).status == "sent"
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 1


def test_no_coupon_when_the_only_purchase_was_voided(
        member_of, buy, clock, follow_ups, session, shop, f2_coupon):
    _, member = member_of()
    first = buy(member, "CAP")
    follow_ups()
    reverse_purchase(store=shop, receipt_number=first.receipt_number,
                     status=PurchaseStatus.VOIDED)
    session.commit()

    clock.advance(days=3)
    follow_ups()
    assert _f2_row(session, member.id).status == "skipped"
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 0
