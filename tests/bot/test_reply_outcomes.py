"""What a refused reply means: only LINE's "Invalid reply token" says the token is gone; any
other refusal of a reply is a failure a marketer sees as an alert."""

import pytest

from bot.events import process_event
from bot.models import WebhookEvent
from campaigns.models import CampaignAlert, Delivery

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
