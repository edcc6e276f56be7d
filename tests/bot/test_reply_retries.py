"""The welcome is a reply; when LINE's answer to it is lost, it still arrives exactly once."""

from bot.events import process_event
from bot.models import WebhookEvent
from line import client as line_client
from line.models import Delivery
from tests.support.waiting import wait_until


def _follow_and_fail_once(shopper, linesim, worker, session, monkeypatch, **faults):
    # linesim's faults hit every endpoint: keep them off the profile call, on the reply.
    monkeypatch.setattr(line_client, "get_display_name", lambda user_id: "山田花子")
    hanako = shopper()
    linesim.set_faults(**faults)
    linesim.follow(hanako.user_id)
    worker.drain()  # the reply attempt fails; RQ will retry the event job later
    linesim.clear_faults()
    session.expire_all()
    return hanako, session.query(WebhookEvent).one()


def test_a_reply_refused_with_a_server_error_is_retried_and_arrives_once(
        shopper, linesim, worker, session, monkeypatch):
    hanako, event = _follow_and_fail_once(shopper, linesim, worker, session, monkeypatch,
                                          error_rate=1.0)
    assert event.status == "pending"

    worker.call(process_event, event.id)  # RQ's retry

    received = linesim.inbox(hanako.user_id)
    assert {item["endpoint"] for item in received} == {"reply"}
    assert len([i for i in received if i["message"]["type"] == "flex"]) == 1
    session.expire_all()
    reply = session.query(Delivery).filter_by(channel="reply").one()
    assert (reply.status, reply.attempts) == ("sent", 2)


def test_a_reply_line_accepted_but_whose_answer_was_lost_is_not_sent_again(
        shopper, linesim, worker, session, monkeypatch):
    monkeypatch.setattr(line_client, "TIMEOUT", (1.0, 0.5))
    hanako, event = _follow_and_fail_once(shopper, linesim, worker, session, monkeypatch,
                                          latency_ms=1500)
    wait_until(lambda: linesim.counters()["in_flight"] == 0,
               what="LINE to finish the reply our side gave up on")

    session.expire_all()
    assert session.query(Delivery).filter_by(channel="reply").one().attempts == 1

    worker.call(process_event, event.id)

    received = linesim.inbox(hanako.user_id)
    assert {item["endpoint"] for item in received} == {"reply"}  # no push on top
    assert len([i for i in received if i["message"]["type"] == "flex"]) == 1
    session.expire_all()
    assert session.query(Delivery).filter_by(channel="reply").one().status == "sent"
    assert session.query(Delivery).filter_by(channel="push").count() == 0
    replies = linesim.calls(path_prefix="/v2/bot/message/reply")
    assert [c["status"] for c in replies] == [200, 400]  # accepted (answer lost), then used
