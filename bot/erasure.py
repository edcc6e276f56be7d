"""退会 erases the member's personal data wherever the product kept it: the member row, the
delivery ledger's stored messages, the webhook event ledger, the inbox thread and survey
comments. What stays is anonymous
(purchases, points, delivery outcomes) and a keyed one-way hash of the LINE user id saying the
welcome coupon was given (coupons.service), so a new follow brings no second one."""

from sqlalchemy import select

from bot.models import WebhookEvent
from conversations import inbox, surveys
from core.extensions import db
from coupons.service import remember_welcome_given
from line import erasure as delivery_ledger
from members import service as members
from members.models import Member

# What a stored event keeps once its user is forgotten: enough to see what happened and to
# finish acting on it (the reply token), nothing about the person (their id, what they typed).
KEPT_EVENT_FIELDS = ("type", "mode", "timestamp", "webhookEventId", "deliveryContext",
                     "replyToken", "postback", "follow", "unfollow")


def withdraw_member(member: Member) -> None:
    """退会, in the caller's transaction."""
    line_user_id = member.line_user_id
    remember_welcome_given(member_id=member.id, line_user_id=line_user_id)
    members.withdraw(member=member)
    delivery_ledger.forget_messages(member_id=member.id)
    inbox.erase_member(member.id)
    surveys.forget_comments(member.id)
    if line_user_id:
        forget_line_user(line_user_id)


def forget_line_user(line_user_id: str) -> int:
    """Strip a LINE user's id (and what they typed) from the stored webhook events."""
    rows = db.session.scalars(select(WebhookEvent)
                              .where(WebhookEvent.line_user_id == line_user_id)).all()
    for row in rows:
        forget_event_user(row)
    return len(rows)


def forget_event_user(event: WebhookEvent) -> None:
    """One event of someone who is not a member (e.g. after 退会): nothing to keep it for."""
    event.line_user_id = None
    event.payload = anonymous_payload(event.payload)


def anonymous_payload(payload: dict) -> dict:
    kept = {key: payload[key] for key in KEPT_EVENT_FIELDS if key in payload}
    if isinstance(payload.get("source"), dict):
        kept["source"] = {"type": payload["source"].get("type")}
    if isinstance(payload.get("message"), dict):
        kept["message"] = {"type": payload["message"].get("type")}
    return kept
