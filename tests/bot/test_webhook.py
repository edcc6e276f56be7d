"""POST /callback: signature, event ledger, and what LINE gets back."""

import base64
import hashlib
import hmac
import json

from bot.models import WebhookEvent
from tests.conftest import LINE_CHANNEL_SECRET


def _signed(body: dict, secret: str = LINE_CHANNEL_SECRET) -> tuple[bytes, dict]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest())
    return raw, {"X-Line-Signature": signature.decode(), "Content-Type": "application/json"}


def _signed_raw(raw: bytes, secret: str = LINE_CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def _event(event_type="follow", event_id="01JEXAMPLE0000000000000001", **extra):
    event = {"type": event_type, "mode": "active", "timestamp": 1763870000000,
             "webhookEventId": event_id, "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": "U" + "a" * 32}, **extra}
    if event_type == "follow":
        event = {"replyToken": "r" * 32, "follow": {"isUnblocked": False}, **event}
    return event


def test_a_bad_signature_is_refused_with_400_and_nothing_is_written(client, session):
    raw, headers = _signed({"destination": "Ubot", "events": [_event()]}, secret="wrong")
    answer = client.post("/callback", data=raw, headers=headers)
    assert answer.status_code == 400
    assert session.query(WebhookEvent).count() == 0


def test_a_missing_signature_is_refused(client, session):
    raw, _ = _signed({"destination": "Ubot", "events": [_event()]})
    answer = client.post("/callback", data=raw, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert session.query(WebhookEvent).count() == 0


def test_lines_connection_check_with_no_events_gets_200(client, session):
    raw, headers = _signed({"destination": "Ubot", "events": []})
    assert client.post("/callback", data=raw, headers=headers).status_code == 200
    assert session.query(WebhookEvent).count() == 0


def test_events_are_saved_once_before_they_are_acted_on(client, session, redis):
    from rq import Queue

    raw, headers = _signed({"destination": "Ubot", "events": [_event()]})
    assert client.post("/callback", data=raw, headers=headers).status_code == 200
    assert client.post("/callback", data=raw, headers=headers).status_code == 200

    row = session.query(WebhookEvent).one()
    assert (row.event_type, row.status) == ("follow", "pending")
    assert len(Queue("realtime", connection=redis).jobs) == 1


def test_unknown_event_types_are_recorded_and_ignored(client, session, worker):
    raw, headers = _signed({"destination": "Ubot", "events": [
        _event("membership", "01JEXAMPLE0000000000000002", membership={"type": "joined"})]})
    assert client.post("/callback", data=raw, headers=headers).status_code == 200
    worker.drain()
    session.expire_all()
    assert session.query(WebhookEvent).one().status == "ignored"


def test_an_event_without_webhook_event_id_is_recorded_as_rejected_and_the_rest_processed(
        client, session):
    event = _event(event_id="01JEXAMPLE0000000000000009")
    del event["webhookEventId"]
    raw, headers = _signed({"destination": "Ubot", "events": [_event(), event]})
    assert client.post("/callback", data=raw, headers=headers).status_code == 200
    rows = {row.status: row for row in session.query(WebhookEvent)}
    assert set(rows) == {"pending", "rejected"}
    assert rows["pending"].webhook_event_id == "01JEXAMPLE0000000000000001"
    assert "webhookEventId" in rows["rejected"].error
    assert client.post("/callback", data=raw, headers=headers).status_code == 200
    assert session.query(WebhookEvent).count() == 2  # a redelivered copy is recorded once


def test_a_body_that_is_not_a_webhook_is_refused_whole(client, session):
    for body in ({"destination": "Ubot"}, {"events": {"a": 1}}, [1, 2]):
        raw, headers = _signed(body)
        assert client.post("/callback", data=raw, headers=headers).status_code == 400
    raw, headers = _signed({"events": []})
    answer = client.post("/callback", data=b"{not json", headers={
        **headers, "X-Line-Signature": _signed_raw(b"{not json")})
    assert answer.status_code == 400
    assert session.query(WebhookEvent).count() == 0
