"""The welcome card answers the shopper's own friend-add: when its reply token has expired and
it goes as a push instead, it goes at once, at any hour."""

from line.models import Delivery


def test_a_friend_added_at_night_whose_reply_token_expired_gets_the_card_at_once(
        shopper, linesim, worker, session, clock):
    clock.set_tokyo(2026, 11, 24, 22, 0)  # quiet hours for promotions
    hanako = shopper()
    linesim.follow(hanako.user_id)
    clock.advance(seconds=70)  # the worker gets to the event after the reply token expired
    worker.drain()

    received = linesim.inbox(hanako.user_id)
    assert {item["endpoint"] for item in received} == {"push"}
    assert len([i for i in received if i["message"]["type"] == "flex"]) == 1
    session.expire_all()
    push = session.query(Delivery).filter_by(channel="push").one()
    assert (push.flow, push.status) == ("welcome", "sent")
