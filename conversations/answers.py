"""Staff answers from the console: a free reply while the shopper's last reply token is fresh
(LINE: single use, about a minute), otherwise a push counted against the monthly quota. Both go
through the delivery ledger (line.ledger) like every other send: one row per answer under a
unique key, a retry key on pushes, the reply rules of reply_once."""

import logging
from dataclasses import dataclass
from datetime import datetime

from rq import Retry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from conversations import inbox
from conversations.models import MAX_TEXT, Thread, ThreadMessage
from core import jobs
from core.clock import utcnow
from core.extensions import db
from line import ledger, messages

log = logging.getLogger(__name__)
FLOW = "staff_answer"
REPLY_RETRY = Retry(max=3, interval=[2, 5, 10])  # within the reply token's minute


class AnswerRefused(ValueError):
    """An answer that is not sent; the message says why, in Japanese."""


def check(thread: Thread, body: str) -> str:
    """The text to send, or AnswerRefused: empty, too long for LINE, or nobody to send to."""
    text = (body or "").strip()
    if not text:
        raise AnswerRefused("返信を入力してください。")
    if len(text) > MAX_TEXT:
        raise AnswerRefused(f"返信は{MAX_TEXT:,}文字以内で入力してください"
                            f"（現在 {len(text):,} 文字）。何も送信していません。")
    member = thread.member
    if member is None or not member.can_be_messaged or not member.line_user_id:
        raise AnswerRefused("この会員はLINEアカウントをブロックしているか退会済みのため、"
                            "送信できません。何も送信していません。")
    return text


@dataclass(frozen=True)
class Answered:
    message: ThreadMessage
    is_new: bool  # False: this form was submitted before; nothing more is sent


def answer(*, thread: Thread, body: str, author: str, form_key: str) -> Answered:
    """Record staff's answer for LINE, once (a resubmitted form changes nothing, even two
    copies at the same moment). Caller commits, then calls start_sending."""
    key = f"answer:{form_key[:60]}"
    existing = _by_key(key)
    if existing is not None:
        return Answered(existing, False)
    text = check(thread, body)
    token_from = _claim_fresh_token(thread, utcnow())
    sent = ThreadMessage(thread_id=thread.id, direction="out", body=text, source_key=key,
                         author=author, channel="reply" if token_from else "push")
    try:
        with db.session.begin_nested():
            db.session.add(sent)
    except IntegrityError:
        db.session.rollback()
        return Answered(_by_key(key), False)
    payload = [messages.text(text, with_menu=False)]
    if token_from is not None:
        sent.reply_token = token_from.reply_token
        delivery = ledger.record_once(member_id=thread.member_id, flow=FLOW, channel="reply",
                                      key=f"reply:{_event_id(sent)}", messages=payload)
    else:
        delivery = ledger.push_once(member_id=thread.member_id, flow=FLOW,
                                    key=f"{FLOW}:{sent.id}", messages=payload)
    sent.delivery_id = delivery.id
    inbox.mark_read(thread)
    return Answered(sent, True)


def _by_key(key: str) -> ThreadMessage | None:
    return db.session.scalar(select(ThreadMessage).where(ThreadMessage.source_key == key))


def start_sending(sent: ThreadMessage) -> None:
    """After the commit: queue a reply's job (a push is queued by the ledger). If it cannot be
    queued (Redis down), no attempt can have reached LINE: the answer goes as a push instead,
    which the 30 s release sends once Redis is back. Commits."""
    if sent.channel != "reply":
        return
    try:
        send_reply.enqueue(sent.id, retry=REPLY_RETRY)
    except Exception:
        log.exception("could not queue the reply of answer %s; pushing it instead", sent.id)
        _push_instead(sent)
        db.session.commit()


def _push_instead(sent: ThreadMessage) -> None:
    reply = sent.delivery
    if reply is None or reply.status != "pending" or reply.attempts:
        return
    ledger.mark(reply, "failed", error="the reply could not be queued; sent as a push")
    pushed = ledger.record_once(member_id=reply.member_id, flow=FLOW,
                                key=f"{FLOW}:{sent.id}", messages=reply.messages)
    if pushed is not None:
        sent.channel, sent.delivery_id = "push", pushed.id


def _event_id(sent: ThreadMessage) -> str:
    return f"answer-{sent.id}"


def _claim_fresh_token(thread: Thread, now: datetime) -> ThreadMessage | None:
    """The shopper's latest unused reply token if still fresh, taken by this answer only
    (a conditional UPDATE: two staff answering at once cannot both use it)."""
    latest = db.session.scalar(
        select(ThreadMessage).where(ThreadMessage.thread_id == thread.id,
                                    ThreadMessage.direction == "in")
        .order_by(ThreadMessage.id.desc()).limit(1))
    if (latest is None or not latest.reply_token or latest.reply_token_used
            or now - latest.created_at >= ledger.REPLY_TOKEN_LIFETIME):
        return None
    taken = db.session.execute(
        update(ThreadMessage).where(ThreadMessage.id == latest.id,
                                    ThreadMessage.reply_token_used.is_(False))
        .values(reply_token_used=True).execution_options(synchronize_session=False)).rowcount
    return latest if taken == 1 else None


@jobs.job("realtime", timeout=60)
def send_reply(message_id: int) -> str:
    """Reply with an answer's claimed token; reply_once pushes instead if the token expired
    before any attempt reached LINE, and never sends twice."""
    sent = db.session.get(ThreadMessage, message_id)
    if sent is None or sent.delivery is None:
        return "gone"
    source = db.session.scalar(
        select(ThreadMessage.created_at).where(ThreadMessage.thread_id == sent.thread_id,
                                               ThreadMessage.reply_token == sent.reply_token,
                                               ThreadMessage.direction == "in"))
    delivery = ledger.reply_once(member_id=sent.delivery.member_id, flow=FLOW,
                                 webhook_event_id=_event_id(sent), reply_token=sent.reply_token,
                                 messages=sent.delivery.messages, event_time=source)
    if delivery is not None and delivery.channel == "push":
        sent.channel, sent.delivery_id = "push", delivery.id  # the token had expired
    log.info("answer %s: %s by %s", message_id, delivery.status if delivery else "-",
             sent.channel)
    return sent.channel
