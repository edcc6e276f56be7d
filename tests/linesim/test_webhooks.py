"""Webhook events: LINE's shape (webhook.yml), LINE's signature, redelivery and duplicates."""

import json

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.webhooks import FollowEvent, MessageEvent, PostbackEvent, UnfollowEvent

from linesim.spec import webhook_schemas
from tests.linesim.helpers import CHANNEL_SECRET


def parse_delivery(delivery):
    """Check the body against webhook.yml and verify it the way the product does."""
    body = json.loads(delivery["body"])
    assert webhook_schemas().errors("CallbackRequest", body) == []
    signature = delivery["headers"]["X-Line-Signature"]
    return WebhookParser(CHANNEL_SECRET).parse(delivery["body"].decode(), signature)


def test_follow_event(sim, receiver):
    user = sim.add_user("佐藤 花子")
    result = sim.follow(user["userId"])
    assert result["delivery"]["status"] == 200
    [event] = parse_delivery(receiver.wait_for(1)[0])
    assert isinstance(event, FollowEvent)
    assert event.follow.is_unblocked is False
    assert event.source.user_id == user["userId"]
    assert event.reply_token and event.webhook_event_id == result["event"]["webhookEventId"]
    assert event.delivery_context.is_redelivery is False
    assert event.mode.value == "active"


def test_block_sends_unfollow_without_reply_token(sim, receiver, friend):
    sim.block(friend["userId"])
    [event] = parse_delivery(receiver.wait_for(2)[1])
    assert isinstance(event, UnfollowEvent)
    assert "replyToken" not in json.loads(receiver.received[1]["body"])["events"][0]
    assert sim.user(friend["userId"])["state"] == "blocked"


def test_unblock_is_a_follow_event_flagged_unblocked(sim, receiver, friend):
    sim.block(friend["userId"])
    sim.follow(friend["userId"])
    [event] = parse_delivery(receiver.wait_for(3)[2])
    assert isinstance(event, FollowEvent)
    assert event.follow.is_unblocked is True


def test_text_message_event(sim, receiver, friend):
    sim.send_text(friend["userId"], "ポイントを確認")
    [event] = parse_delivery(receiver.wait_for(2)[1])
    assert isinstance(event, MessageEvent)
    assert event.message.text == "ポイントを確認"
    assert event.message.id and event.message.quote_token


def test_postback_event_with_params(sim, receiver, friend):
    sim.postback(friend["userId"], "action=reserve&item=42", params={"date": "2026-12-01"})
    [event] = parse_delivery(receiver.wait_for(2)[1])
    assert isinstance(event, PostbackEvent)
    assert event.postback.data == "action=reserve&item=42"
    assert event.postback.params == {"date": "2026-12-01"}


def test_failed_delivery_is_logged_and_redelivered_with_the_same_id(sim, receiver, friend):
    receiver.status = 500
    first = sim.send_text(friend["userId"], "hello")
    assert first["delivery"]["status"] == 500
    event_id = first["event"]["webhookEventId"]
    failed = [entry for entry in sim.webhooks() if entry["webhookEventId"] == event_id]
    assert failed[0]["status"] == 500 and failed[0]["error"]
    receiver.status = 200
    assert sim.redeliver(event_id)["status"] == 200
    [event] = parse_delivery(receiver.wait_for(3)[2])
    assert event.webhook_event_id == event_id
    assert event.delivery_context.is_redelivery is True


def test_duplicate_sends_identical_bodies_concurrently(sim, receiver, friend):
    event_id = sim.send_text(friend["userId"], "二重送信")["event"]["webhookEventId"]
    assert sim.duplicate(event_id, 5) == {"statuses": [200] * 5}
    bodies = [item["body"] for item in receiver.wait_for(7)[1:]]
    assert len(bodies) == 6 and len(set(bodies)) == 1
    assert json.loads(bodies[0])["events"][0]["webhookEventId"] == event_id


def test_unreachable_webhook_is_recorded_as_an_error(sim, friend):
    sim.configure(webhook_url="http://127.0.0.1:9/callback")
    result = sim.send_text(friend["userId"], "hello")
    assert result["delivery"]["status"] is None
    assert result["delivery"]["error"]


def test_actions_need_a_friend(sim):
    user = sim.add_user("not yet a friend")
    with pytest.raises(Exception, match="409"):
        sim.send_text(user["userId"], "hi")
