"""Webhook event objects, shaped as LINE sends them (see webhook.yml)."""

import secrets

from ulid import ULID


def _event(kind, user_id, now_s, reply_token=None):
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": int(now_s * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": str(ULID()),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token is not None:
        event["replyToken"] = reply_token
    return event


def follow_event(user_id, now_s, reply_token, is_unblocked):
    event = _event("follow", user_id, now_s, reply_token)
    event["follow"] = {"isUnblocked": is_unblocked}
    return event


def unfollow_event(user_id, now_s):
    """Blocking carries no reply token: there is nobody left to answer."""
    return _event("unfollow", user_id, now_s)


def text_event(user_id, now_s, reply_token, text):
    event = _event("message", user_id, now_s, reply_token)
    event["message"] = {
        "type": "text",
        "id": str(secrets.randbelow(10**18 - 10**17) + 10**17),
        "quoteToken": secrets.token_urlsafe(32),
        "text": text,
    }
    return event


def postback_event(user_id, now_s, reply_token, data, params=None):
    event = _event("postback", user_id, now_s, reply_token)
    event["postback"] = {"data": data}
    if params:
        event["postback"]["params"] = params
    return event
