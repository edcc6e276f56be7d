"""What a refused reply means. Only LINE's "Invalid reply token" says the token is gone: used by
an earlier attempt whose answer was lost (then the reply was sent), or expired before any attempt
reached LINE (then it is pushed instead). A rate limit or a server error while the token lives is
retried as a reply; any other refusal is a failure a marketer sees as an alert."""

import pytest

from bot.events import process_event
from bot.models import WebhookEvent
from line import client as line_client
from line.client import LineApiError
from line.models import CampaignAlert, Delivery
from tests.support.waiting import wait_until

REPLY = "/v2/bot/message/reply"


@pytest.fixture
def line_refuses_http_images(linesim):
    """LINE itself takes only https media: the test card's http://127.0.0.1 images are refused."""
    linesim.configure(allow_http_loopback=False)
    yield
    linesim.configure(allow_http_loopback=True)


def test_a_retried_reply_line_refuses_for_its_content_fails_and_raises_an_alert(
        shopper, linesim, worker, session, clock, line_refuses_http_images):
    hanako = shopper()
    linesim.set_faults(error_rate=1.0, path_prefix=REPLY)
    linesim.follow(hanako.user_id)
    worker.drain()  # the first reply attempt meets a server error; the event job will retry
    linesim.clear_faults()
    session.expire_all()
    event = session.query(WebhookEvent).one()

    worker.call(process_event, event.id)  # RQ's retry, seconds later: LINE refuses the card

    assert [c["status"] for c in linesim.calls(path_prefix=REPLY)] == [500, 400]
    session.expire_all()
    reply = session.query(Delivery).filter_by(channel="reply").one()
    assert reply.status == "failed"
    assert "The request body has" in reply.last_error
    alert = session.query(CampaignAlert).filter_by(kind="refused").one()
    assert f"#{reply.id}" in alert.message
    assert session.query(Delivery).filter_by(channel="push").count() == 0
    assert linesim.inbox(hanako.user_id) == []


def _follow(shopper, linesim, worker, session, **reply_faults):
    """A shopper adds the friend; the first reply attempt meets `reply_faults`."""
    hanako = shopper()
    linesim.set_faults(path_prefix=REPLY, **reply_faults)
    linesim.follow(hanako.user_id)
    worker.drain()
    wait_until(lambda: linesim.counters()["in_flight"] == 0,
               what="LINE to finish what it was doing with the reply")
    linesim.clear_faults()
    session.expire_all()
    return hanako, session.query(WebhookEvent).one()


def _welcomes(linesim, user_id):
    return [(i["endpoint"], i["message"]["type"]) for i in linesim.inbox(user_id)
            if i["message"]["type"] == "flex"]


def test_a_rate_limited_reply_is_retried_as_a_reply_while_its_token_lives(
        shopper, linesim, worker, session, clock):
    hanako, event = _follow(shopper, linesim, worker, session, burst_429=1)
    assert event.status == "pending"  # RQ retries the event

    worker.call(process_event, event.id)

    assert _welcomes(linesim, hanako.user_id) == [("reply", "flex")]
    assert [c["status"] for c in linesim.calls(path_prefix=REPLY)] == [429, 200]
    session.expire_all()
    assert session.query(Delivery).filter_by(channel="push").count() == 0


def test_a_rate_limited_retry_of_a_reply_line_had_accepted_is_not_pushed(
        shopper, linesim, worker, session, clock, monkeypatch):
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.5))
    hanako, event = _follow(shopper, linesim, worker, session, latency_ms=800)
    assert _welcomes(linesim, hanako.user_id) == [("reply", "flex")]  # accepted, answer lost

    linesim.set_faults(path_prefix=REPLY, burst_429=1)
    with pytest.raises(LineApiError):
        worker.call(process_event, event.id)  # 429 while the token lives: retried as a reply
    linesim.clear_faults()
    worker.call(process_event, event.id)  # "invalid reply token": the first attempt used it
    worker.drain()

    assert _welcomes(linesim, hanako.user_id) == [("reply", "flex")]
    assert [c["status"] for c in linesim.calls(path_prefix=REPLY)] == [200, 429, 400]
    session.expire_all()
    assert session.query(Delivery).filter_by(channel="reply").one().status == "sent"
    assert session.query(Delivery).filter_by(channel="push").count() == 0


def test_a_reply_an_unsettled_attempt_may_have_used_is_not_pushed_after_the_token_expired(
        shopper, linesim, worker, session, clock, monkeypatch):
    # LINE accepted the first attempt; our side never learnt it (the answer was lost; a worker
    # killed mid-call leaves the ledger the same way). The event is tried again minutes later.
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.5))
    hanako, event = _follow(shopper, linesim, worker, session, latency_ms=800)
    clock.advance(minutes=5)

    worker.call(process_event, event.id)
    worker.drain()

    assert _welcomes(linesim, hanako.user_id) == [("reply", "flex")]
    session.expire_all()
    reply = session.query(Delivery).filter_by(channel="reply").one()
    assert (reply.status, reply.attempts, reply.attempts_not_accepted) == ("sent", 2, 1)
    assert session.query(Delivery).filter_by(channel="push").count() == 0


def test_a_reply_no_attempt_of_which_reached_line_is_pushed_once_its_token_expired(
        shopper, linesim, worker, session, clock):
    hanako, event = _follow(shopper, linesim, worker, session, burst_429=1)
    clock.advance(seconds=70)  # RQ's retries did not get through before the token expired

    worker.call(process_event, event.id)
    worker.drain()

    assert _welcomes(linesim, hanako.user_id) == [("push", "flex")]
    assert [c["status"] for c in linesim.calls(path_prefix=REPLY)] == [429, 400]
    session.expire_all()
    reply = session.query(Delivery).filter_by(channel="reply").one()
    assert (reply.status, reply.attempts_not_accepted) == ("failed", 2)
