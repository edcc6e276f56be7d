"""What the bot does with free text (anything that is not a command): a keyword auto-reply
answers it, otherwise it lands in the staff inbox and the shopper is told staff will answer
(once in a row; outside business hours, from when). In staff mode the bot stays quiet and
leaves the reply token to staff."""

import logging

from bot import commands, survey_chat
from bot.models import WebhookEvent
from conversations import auto_replies, hours, inbox, surveys
from core.clock import to_business_time, utcnow
from line import client as line_client
from line import messages
from line.client import LineApiError
from line.texts import render
from members.models import Member

log = logging.getLogger(__name__)
STAFF_MODE_LOADING_SECONDS = 60  # LINE's longest


def answer_text(member: Member, text: str, event: WebhookEvent) -> list[dict]:
    handler = commands.command_for(text)
    if handler is not None:
        if getattr(handler, "slower", False):
            show_loading(member, 5)
        return handler(member)
    if surveys.waiting_for_comment(member.id, utcnow()) is not None:
        return survey_chat.take_comment(member, text)
    return to_staff(member, text, event)


def to_staff(member: Member, text: str, event: WebhookEvent) -> list[dict]:
    received = inbox.receive(member_id=member.id, event_id=event.webhook_event_id, text=text,
                             reply_token=event.payload.get("replyToken"),
                             received_at=event.event_time)
    if not received.is_new:
        return []
    message, now = received.message, utcnow()
    thread = inbox.thread_of(member.id)
    if inbox.in_staff_mode(thread, now):
        inbox.leave_for_staff(message)
        show_loading(member, STAFF_MODE_LOADING_SECONDS)  # staff are on it
        return []
    auto = auto_replies.match(text)
    if auto is not None:
        inbox.record_bot_answer(message, auto.answer)
        return [messages.text(auto.answer, member=member)]
    inbox.leave_for_staff(message)
    return _acknowledgement(thread, message, now, member)


def _acknowledgement(thread, message, now, member: Member) -> list[dict]:
    open_now = hours.at(now)
    if not open_now.open:  # told once per closed period when staff answer; then quiet
        if not inbox.claim_after_hours_notice(thread, open_now.next_opening):
            return []
        inbox.spend_reply_token(message)
        return [messages.text(render("inbox_after_hours",
                                     opens_at=_opening_label(open_now.next_opening, now)),
                              member=member)]
    if inbox.acknowledged_recently(message):
        return []  # one acknowledgement for several lines in a row
    inbox.spend_reply_token(message)
    return [messages.text(render("inbox_received"), member=member)]


def _opening_label(opening, now) -> str:
    local, today = to_business_time(opening), to_business_time(now).date()
    prefix = "" if local.date() == today else "明日"
    return f"{prefix}{local:%-H:%M}"


def show_loading(member: Member, seconds: int) -> None:
    """Best effort: a chat without the animation is no reason to fail the answer."""
    try:
        line_client.show_loading(member.line_user_id, seconds)
    except LineApiError as exc:
        log.info("no loading animation for member %s: %s", member.id, exc)
