"""One small function per webhook event type; each returns what happened to the event."""

import logging

from bot import commands, conversation, erasure, events
from bot.models import WebhookEvent
from coupons import service as coupons
from line import client as line_client
from line import ledger, messages
from line.texts import render
from members import service as members
from members.models import Member

log = logging.getLogger(__name__)


def on_follow(event: WebhookEvent) -> str:
    """New friend → light member with a card; an unblock restores the same member. A follow
    LINE sent before a block that is already applied still makes the member, silently."""
    user_id = event.line_user_id
    enrollment = members.enroll_friend(line_user_id=user_id,
                                       display_name=line_client.get_display_name(user_id),
                                       followed_at=event.event_time)
    _apply_later_block(event)
    member = enrollment.member
    coupon = _welcome_coupon(member, user_id) if enrollment.is_new else None
    if not member.can_be_messaged:
        return "superseded"
    greeting = "welcome" if enrollment.is_new else "welcome_back"
    replies = [messages.text(render(greeting, display_name=member.display_name or ""),
                             with_menu=False)]
    if coupon is not None:
        replies.append(messages.text(render("welcome_coupon", coupon_name=coupon.definition.name),
                                     with_menu=False))
    replies.append(messages.member_card(member, coupon=coupon))
    _reply(event, member, "welcome" if enrollment.is_new else "welcome-back", replies)
    return "done"


def _apply_later_block(follow: WebhookEvent) -> None:
    blocked_at = events.later_block_time(follow)
    if blocked_at is not None:
        members.mark_blocked(line_user_id=follow.line_user_id, blocked_at=blocked_at)


def _welcome_coupon(member: Member, line_user_id: str):
    definition = coupons.get_active_definition(purpose="welcome")
    if definition is None:
        return None
    # Once per LINE user ever: neither block/unblock nor 退会 and a new follow gives another.
    return coupons.issue_welcome_coupon(definition=definition, member_id=member.id,
                                        line_user_id=line_user_id)


def on_message(event: WebhookEvent) -> str:
    message = event.payload.get("message", {})
    if message.get("type") != "text":
        return _answer(event, lambda m: commands.show_help(m))
    # Free text may be left for staff without an answer: that is done, not ignored.
    return _answer(event, lambda m: conversation.answer_text(m, message.get("text", ""), event),
                   unanswered="done")


def on_postback(event: WebhookEvent) -> str:
    data = event.payload.get("postback", {}).get("data", "")
    return _answer(event, lambda m: commands.answer_postback(m, data))


def _answer(event: WebhookEvent, build, unanswered: str = "ignored") -> str:
    member = members.get_by_line_user_id(line_user_id=event.line_user_id)
    if member is None or not member.can_be_messaged:
        # Not (or no longer) a member, e.g. after 退会: say so instead of staying silent.
        line_client.reply(event.payload["replyToken"], [messages.text(render("not_member"),
                                                                      with_menu=False)])
        if member is None:
            erasure.forget_event_user(event)
        return "done"
    replies = build(member)
    if not replies:
        return unanswered
    _reply(event, member, "chat", replies)
    return "done"


def _reply(event: WebhookEvent, member: Member, flow: str, replies: list[dict]) -> None:
    token = event.payload.get("replyToken")
    if token:
        ledger.reply_once(member_id=member.id, flow=flow, reply_token=token,
                          webhook_event_id=event.webhook_event_id, messages=replies,
                          event_time=event.event_time)
    else:
        ledger.push_once(member_id=member.id, flow=flow,
                         key=f"push:{event.webhook_event_id}", messages=replies)


HANDLERS = {
    "follow": on_follow,
    "message": on_message,
    "postback": on_postback,
}
