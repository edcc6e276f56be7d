"""The birthday-month coupon the upgrade form promises: planned by the daily sweep at the start
of the member's birthday month, once a year, with quiet hours and the promotional cap."""

from datetime import date

import pytest

from campaigns import flows
from campaigns.triggers import daily_sweep
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from line.models import Delivery
from members import service
from tests.support.chat import flex_texts, texts

CONGRATULATIONS = "山田花子さん、お誕生日月おめでとうございます！"


@pytest.fixture
def birthday_coupon(session):
    definition = CouponDefinition(code="BIRTHDAY", name="お誕生日クーポン", purpose="birthday",
                                  discount_type=DiscountType.AMOUNT, discount_value=1000,
                                  valid_days=31)
    session.add(definition)
    session.commit()
    return definition


@pytest.fixture
def full_member(member_of, session, follow_ups):
    """A full member born on 15 December, past the upgrade's own congratulation."""

    def register(birthday=date(1990, 12, 15), name="山田花子"):
        shopper, member = member_of(name)
        service.upgrade_to_full(member=member, full_name=name, full_name_kana="ヤマダ ハナコ",
                                email=f"{member.id}@example.jp", birthday=birthday, phone=None,
                                marketing_consent=False)
        session.commit()
        follow_ups()  # the chat's answer to member.upgraded: full-member menu, congratulation
        shopper.new_messages()
        return shopper, member

    return register


def _sweep_and_send(worker, follow_ups, shopper) -> list[dict]:
    worker.call(daily_sweep)
    follow_ups()
    return shopper.new_messages()


def test_the_birthday_coupon_comes_on_the_first_sweep_of_the_birthday_month_once_a_year(
        full_member, birthday_coupon, clock, worker, follow_ups, session):
    hanako, member = full_member()

    clock.set_tokyo(2026, 11, 30, 10, 0)
    assert _sweep_and_send(worker, follow_ups, hanako) == []

    clock.set_tokyo(2026, 12, 1, 10, 0)
    greeting, carousel = _sweep_and_send(worker, follow_ups, hanako)
    assert greeting["text"] == (CONGRATULATIONS
                                + "日ごろの感謝をこめて「お誕生日クーポン」をお届けします。")
    assert "お誕生日クーポン" in flex_texts(carousel)

    for day in (2, 15, 31):
        clock.set_tokyo(2026, 12, day, 10, 0)
        assert _sweep_and_send(worker, follow_ups, hanako) == []

    clock.set_tokyo(2027, 12, 1, 10, 0)
    assert CONGRATULATIONS in texts(_sweep_and_send(worker, follow_ups, hanako))[0]
    assert session.query(IssuedCoupon).filter_by(member_id=member.id).count() == 2


def test_only_full_members_born_this_month_get_it(
        full_member, member_of, birthday_coupon, clock, worker, follow_ups):
    born_in_june, _ = full_member(birthday=date(1990, 6, 1), name="六月生まれ")
    no_birthday, _ = full_member(birthday=None, name="誕生日なし")
    light, _ = member_of("ライト会員")
    light.new_messages()

    clock.set_tokyo(2026, 12, 1, 10, 0)
    for shopper in (born_in_june, no_birthday, light):
        assert _sweep_and_send(worker, follow_ups, shopper) == []


def test_quiet_hours_hold_it_until_the_morning(
        full_member, birthday_coupon, clock, worker, follow_ups):
    hanako, _ = full_member()
    clock.set_tokyo(2026, 12, 1, 21, 30)  # a sweep run late, in quiet hours
    assert _sweep_and_send(worker, follow_ups, hanako) == []

    clock.set_tokyo(2026, 12, 2, 9, 0)
    follow_ups()
    assert CONGRATULATIONS in texts(hanako.new_messages())[0]


def test_it_counts_against_the_daily_promotional_cap(
        full_member, birthday_coupon, clock, worker, follow_ups, session):
    assert flows.FLOWS["birthday"].promotional
    hanako, member = full_member()
    clock.set_tokyo(2026, 12, 1, 10, 0)
    for n in range(2):  # two promotional messages already today
        session.add(Delivery(delivery_key=f"test:{n}", member_id=member.id, flow="test",
                             retry_key=f"00000000-0000-0000-0000-00000000000{n}",
                             promotional=True, status="sent", sent_at=clock.now))
    session.commit()

    assert _sweep_and_send(worker, follow_ups, hanako) == []
    session.expire_all()
    row = session.query(Delivery).filter_by(flow="birthday").one()
    assert (row.status, row.last_error) == ("skipped", "daily promotional cap reached")


def test_nothing_is_planned_without_a_birthday_coupon_to_give(
        full_member, clock, worker, follow_ups, session):
    hanako, _ = full_member()
    clock.set_tokyo(2026, 12, 1, 10, 0)
    assert worker.call(daily_sweep)["birthday"] == 0
    assert session.query(Delivery).filter_by(flow="birthday").count() == 0
