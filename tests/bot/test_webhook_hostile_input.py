"""Correctly signed webhook bodies LINE would never send: never a 500. Each request's usable
events are stored for processing; what is unusable is recorded with the reason.

A generated set (each field of a real follow, message and postback event replaced by a hostile
value or dropped) and hypothesis-generated events, each sent beside a valid event.
"""

import base64
import hashlib
import hmac
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import WebhookEvent
from tests.conftest import LINE_CHANNEL_SECRET

USER = "U" + "a" * 32
HOSTILE_VALUES = [
    None, True, -1, 0, 1.5, 2**31, 2**63, 10**40, -(10**40), "", "\x00", "U\x00",
    "\ud800", "a\udfffb", "x" * 10_000, [], {}, [None], {"\x00": 1}, {"\ud800": "a"},
    [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],
]
_ids = itertools.count(1)


def _event_id() -> str:
    return f"01JFUZZ{next(_ids):019d}"


def _base(event_type: str) -> dict:
    event = {"type": event_type, "mode": "active", "timestamp": 1763870000000,
             "webhookEventId": _event_id(), "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": USER}}
    if event_type != "unfollow":
        event["replyToken"] = "r" * 32
    if event_type == "follow":
        event["follow"] = {"isUnblocked": False}
    if event_type == "message":
        event["message"] = {"type": "text", "id": "1", "text": "会員証", "quoteToken": "q"}
    if event_type == "postback":
        event["postback"] = {"data": "action=card"}
    return event


def _post(client, body) -> int:
    raw = json.dumps(body, ensure_ascii=True).encode()  # lone surrogates travel escaped
    signature = base64.b64encode(hmac.new(LINE_CHANNEL_SECRET.encode(), raw,
                                          hashlib.sha256).digest()).decode()
    return client.post("/callback", data=raw, headers={
        "X-Line-Signature": signature, "Content-Type": "application/json"}).status_code


def _hostile_events():
    """Every field of each acted-on event type, and its nested objects' fields, replaced by
    each hostile value, then dropped."""
    for event_type in ("follow", "unfollow", "message", "postback"):
        for path in _paths(_base(event_type)):
            for value in [*HOSTILE_VALUES, _DROP]:
                event = _base(event_type)
                _set(event, path, value)
                yield event


_DROP = object()


def _paths(node, prefix=()):
    for key, value in node.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))


def _set(event, path, value):
    *parents, last = path
    for key in parents:
        event = event[key]
    if value is _DROP:
        del event[last]
    else:
        event[last] = value


def _assert_valid_event_stored(session, valid):
    session.expire_all()
    row = session.query(WebhookEvent).filter_by(
        webhook_event_id=valid["webhookEventId"]).one()
    assert row.status == "pending"


def test_every_hostile_field_beside_a_valid_event_never_answers_500(client, session):
    answers = set()
    for hostile in _hostile_events():
        valid = _base("follow")
        status = _post(client, {"destination": "Ubot", "events": [hostile, valid]})
        answers.add(status)
        assert status == 200, hostile
        _assert_valid_event_stored(session, valid)
    assert answers == {200}
    rejected = session.query(WebhookEvent).filter_by(status="rejected").all()
    assert rejected and all(row.error for row in rejected)


@pytest.mark.parametrize("body", [
    None, [], "events", 7, {"events": None}, {"events": "x"}, {"events": {}},
    {"destination": "\x00"},
])
def test_a_body_that_is_no_webhook_is_refused_with_400(client, session, body):
    assert _post(client, body) == 400
    assert session.query(WebhookEvent).count() == 0


def test_a_body_nested_past_any_parser_limit_is_refused_with_400(client, session):
    raw = b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    signature = base64.b64encode(hmac.new(LINE_CHANNEL_SECRET.encode(), raw,
                                          hashlib.sha256).digest()).decode()
    status = client.post("/callback", data=raw, headers={"X-Line-Signature": signature})
    assert status.status_code in (200, 400)
    assert session.query(WebhookEvent).filter(WebhookEvent.status != "rejected").count() == 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
FIELDS = st.sampled_from(["type", "timestamp", "webhookEventId", "source", "replyToken",
                          "mode", "deliveryContext", "message", "postback", "follow"])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event_type=st.sampled_from(["follow", "unfollow", "message", "postback", "beacon"]),
       changes=st.dictionaries(FIELDS, JSON_VALUES, max_size=3),
       whole=st.one_of(st.none(), JSON_VALUES))
def test_generated_events_never_answer_500_and_valid_neighbours_are_kept(
        client, session, event_type, changes, whole):
    hostile = whole if whole is not None else {**_base(event_type), **changes}
    valid = _base("message")
    assert _post(client, {"destination": "Ubot", "events": [hostile, valid]}) == 200
    _assert_valid_event_stored(session, valid)
