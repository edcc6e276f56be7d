"""Transcripts: adding the account as a friend makes a light member with a card."""

import io

import pytest
import zxingcpp
from PIL import Image

from coupons.models import CouponDefinition, DiscountType, IssuedCoupon, WelcomeCouponGiven
from members.models import FollowStatus, Member, Membership
from members.numbers import is_valid_member_number
from tests.support.chat import actions, fetch, flex_texts, image_urls, texts


@pytest.fixture
def welcome_coupon(session):
    definition = CouponDefinition(code="WELCOME", name="友だち追加クーポン", purpose="welcome",
                                  discount_type=DiscountType.AMOUNT, discount_value=500,
                                  minimum_spend=3000, valid_days=30)
    session.add(definition)
    session.commit()
    return definition


def _decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_adding_the_friend_makes_a_light_member_and_replies_with_the_card(
        shopper, session, client, welcome_coupon):
    hanako = shopper("山田花子")

    replies = hanako.adds_friend()

    member = session.query(Member).one()
    assert member.line_user_id == hanako.user_id
    assert member.display_name == "山田花子"  # from the profile API
    assert member.membership == Membership.LIGHT
    assert is_valid_member_number(member.member_number)
    assert texts(replies)[0].startswith("山田花子さん、友だち追加ありがとうございます")
    assert "友だち追加クーポン" in texts(replies)[1]
    card = replies[-1]
    assert card["type"] == "flex"
    shown = flex_texts(card)
    assert "山田花子 さま" in shown and "ライト会員" in shown and "0 pt" in shown
    assert member.member_number in shown
    assert "🎁 友だち追加クーポン" in shown
    assert {"会員証", "ポイント", "クーポン", "本会員登録", "ヘルプ"} <= {
        a["label"] for a in actions(card)}
    barcode = fetch(client, image_urls(card)[0])
    assert barcode.status_code == 200
    assert _decode(barcode.data) == [member.member_number]


def test_the_welcome_is_a_free_reply_with_the_events_reply_token(shopper, linesim):
    hanako = shopper()
    hanako.adds_friend()
    received = linesim.inbox(hanako.user_id)
    assert {item["endpoint"] for item in received} == {"reply"}
    assert linesim.counters()["quota_used"] == 0


def test_block_marks_the_member_blocked_and_unblock_restores_the_same_card(shopper, session):
    hanako = shopper()
    hanako.adds_friend()
    number = session.query(Member).one().member_number

    assert hanako.blocks() == []
    session.expire_all()
    assert session.query(Member).one().follow_status == FollowStatus.BLOCKED

    replies = hanako.adds_friend()
    session.expire_all()
    member = session.query(Member).one()
    assert member.follow_status == FollowStatus.FOLLOWED
    assert member.member_number == number
    assert texts(replies)[0].startswith("山田花子さん、おかえりなさい")
    assert number in flex_texts(replies[-1])


def test_ten_block_unblock_cycles_leave_one_member_and_one_welcome_coupon(
        shopper, session, welcome_coupon):
    hanako = shopper()
    hanako.adds_friend()
    for _ in range(10):
        hanako.blocks()
        hanako.adds_friend()
    assert session.query(Member).count() == 1
    assert session.query(IssuedCoupon).count() == 1


def test_five_copies_of_one_follow_event_arriving_at_once_are_acted_on_once(
        shopper, linesim, worker, session, welcome_coupon):
    from bot.models import WebhookEvent

    hanako = shopper()
    first = linesim.follow(hanako.user_id)
    answers = linesim.duplicate(first["event"]["webhookEventId"], 5)

    assert answers["statuses"] == [200] * 5
    worker.drain()
    assert session.query(WebhookEvent).count() == 1
    assert session.query(Member).count() == 1
    assert session.query(IssuedCoupon).count() == 1
    assert len([m for m in hanako.new_messages() if m["type"] == "flex"]) == 1


def test_a_redelivered_event_is_not_acted_on_again(shopper, linesim, worker, session):
    hanako = shopper()
    event_id = linesim.follow(hanako.user_id)["event"]["webhookEventId"]
    worker.drain()
    first = hanako.new_messages()

    again = linesim.redeliver(event_id)

    assert again["status"] == 200
    worker.drain()
    assert first and hanako.new_messages() == []


def _withdraws(shopper):
    shopper.says("退会")
    shopper.taps("action=withdraw_confirm")


def test_withdrawing_blocking_and_adding_the_friend_again_gives_no_second_welcome_coupon(
        shopper, session, welcome_coupon):
    hanako = shopper("山田花子")
    assert "友だち追加クーポン" in texts(hanako.adds_friend())[1]
    _withdraws(hanako)
    hanako.blocks()

    replies = hanako.adds_friend()

    assert texts(replies)[0].startswith("山田花子さん、友だち追加ありがとうございます")
    assert not any("クーポン" in text for text in texts(replies))
    assert "🎁 友だち追加クーポン" not in flex_texts(replies[-1])
    session.expire_all()
    assert session.query(Member).count() == 2  # a new member: the old one was erased
    assert session.query(IssuedCoupon).count() == 1
    withdrawn = session.query(Member).filter_by(follow_status=FollowStatus.WITHDRAWN).one()
    assert withdrawn.line_user_id is None
    [given] = session.query(WelcomeCouponGiven).all()
    assert hanako.user_id not in given.line_user_digest  # a keyed hash, not the id


def test_a_member_welcomed_before_welcomes_were_recorded_is_remembered_at_withdrawal(
        shopper, session, welcome_coupon):
    hanako = shopper()
    hanako.adds_friend()
    session.query(WelcomeCouponGiven).delete()  # as for members enrolled before the record
    session.commit()
    _withdraws(hanako)
    hanako.blocks()

    replies = hanako.adds_friend()

    assert not any("クーポン" in text for text in texts(replies))
    assert session.query(IssuedCoupon).count() == 1
