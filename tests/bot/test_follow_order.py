"""Follow and block are applied in LINE's order per user, whatever order they are processed in:
a block is applied at once in the webhook, a follow later on the worker."""

from datetime import timedelta

import pytest

from bot.models import WebhookEvent
from coupons.models import CouponDefinition, DiscountType
from line.models import Delivery
from members.models import FollowStatus, Member
from tests.bot.test_webhook import _event, _signed
from tests.support.chat import flex_texts, texts


@pytest.fixture
def welcome_coupon(session):
    session.add(CouponDefinition(code="WELCOME", name="友だち追加クーポン", purpose="welcome",
                                 discount_type=DiscountType.AMOUNT, discount_value=500,
                                 minimum_spend=3000, valid_days=30))
    session.commit()


def _statuses(session, user_id) -> dict[str, str]:
    session.expire_all()
    rows = session.query(WebhookEvent).filter_by(line_user_id=user_id).order_by(WebhookEvent.id)
    return {row.event_type: row.status for row in rows}


def _member(session, user_id) -> Member:
    session.expire_all()
    return session.query(Member).filter_by(line_user_id=user_id).one()


def test_a_follow_processed_after_a_later_block_makes_the_member_blocked_and_sends_nothing(
        shopper, linesim, worker, session, welcome_coupon):
    hanako = shopper()
    linesim.follow(hanako.user_id)  # stored; the worker has not run it yet
    linesim.advance_clock(1)
    linesim.block(hanako.user_id)  # applied at once, before the member even exists

    worker.drain()  # now the follow

    member = _member(session, hanako.user_id)
    assert member.follow_status == FollowStatus.BLOCKED
    assert hanako.new_messages() == []
    assert session.query(Delivery).count() == 0
    assert _statuses(session, hanako.user_id) == {"follow": "superseded", "unfollow": "done"}

    replies = hanako.adds_friend()  # coming back later restores the same member and card

    assert _member(session, hanako.user_id).follow_status == FollowStatus.FOLLOWED
    assert texts(replies)[0].startswith("山田花子さん、おかえりなさい")
    assert member.member_number in flex_texts(replies[-1])


def test_an_unblock_processed_after_a_later_block_leaves_the_member_blocked(
        shopper, linesim, worker, session):
    hanako = shopper()
    hanako.adds_friend()
    hanako.blocks()
    linesim.advance_clock(1)
    linesim.follow(hanako.user_id)  # the unblock waits on the worker
    linesim.advance_clock(1)
    linesim.block(hanako.user_id)

    worker.drain()

    assert _member(session, hanako.user_id).follow_status == FollowStatus.BLOCKED
    assert hanako.new_messages() == []


def test_a_block_older_than_an_applied_follow_changes_nothing(
        client, shopper, linesim, worker, session):
    hanako = shopper()
    hanako.adds_friend()
    followed_at = session.query(WebhookEvent).one().event_time
    stale_millis = int((followed_at - timedelta(seconds=1)).timestamp() * 1000)
    stale_block = {**_event("unfollow", "01JSTALEBLOCK0000000000001"), "timestamp": stale_millis,
                   "source": {"type": "user", "userId": hanako.user_id}}

    raw, headers = _signed({"destination": "Ubot", "events": [stale_block]})
    assert client.post("/callback", data=raw, headers=headers).status_code == 200

    assert _member(session, hanako.user_id).follow_status == FollowStatus.FOLLOWED
    assert _statuses(session, hanako.user_id)["unfollow"] == "superseded"
