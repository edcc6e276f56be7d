"""The delivery ledger: each (flow, member, occurrence) is recorded once under a unique key,
and sent with an X-Line-Retry-Key fixed before the first attempt.

Exactly-once lives here, in the database: RQ may run a job twice, LINE may time out after
accepting; the unique key stops a second row and the retry key stops a second message.
"""

import logging
import uuid

from rq import Retry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import line_client
from bot.line_client import LineApiError
from campaigns.models import Delivery
from core import jobs
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from members.models import Member

log = logging.getLogger(__name__)
# Backoff for 5xx, timeouts and rate limits; the retry key stays the same on every attempt.
SEND_RETRY = Retry(max=6, interval=[5, 15, 60, 300, 900, 3600])


def record_once(*, member_id: int, flow: str, key: str, messages: list[dict],
                channel: str = "push", promotional: bool = False) -> Delivery | None:
    """Add a delivery to the ledger unless `key` is already there (then None). Caller commits."""
    delivery = Delivery(delivery_key=key, member_id=member_id, flow=flow, channel=channel,
                        messages=messages, promotional=promotional, retry_key=str(uuid.uuid4()))
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:
        return None
    return delivery


def push_once(*, member_id: int, flow: str, key: str, messages: list[dict],
              promotional: bool = False) -> Delivery | None:
    """Record a push and send it from the worker once this transaction commits."""
    delivery = record_once(member_id=member_id, flow=flow, key=key, messages=messages,
                           promotional=promotional)
    if delivery is not None:
        after_commit(lambda delivery_id=delivery.id: send_delivery.enqueue(
            delivery_id, retry=SEND_RETRY))
    return delivery


def reply_once(*, member_id: int, flow: str, webhook_event_id: str, reply_token: str,
               messages: list[dict]) -> Delivery | None:
    """Reply to an event once; if LINE refuses the token (expired), push instead."""
    delivery = record_once(member_id=member_id, flow=flow, key=f"reply:{webhook_event_id}",
                           messages=messages, channel="reply")
    if delivery is None:
        return None
    db.session.commit()  # the ledger row exists before LINE is called
    try:
        sent = line_client.reply(reply_token, messages)
    except LineApiError as exc:
        if exc.retryable:
            raise
        _mark(delivery, "failed", error=str(exc))
        return push_once(member_id=member_id, flow=flow, key=f"push:{webhook_event_id}",
                         messages=messages)
    _mark(delivery, "sent", request_id=sent.request_id)
    return delivery


@jobs.job("realtime", timeout=60)
def send_delivery(delivery_id: int) -> str:
    """Push one ledger entry, checking at send time that the member may still be messaged."""
    delivery = db.session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return "not pending"
    member = db.session.get(Member, delivery.member_id) if delivery.member_id else None
    if member is None or not member.can_be_messaged or not member.line_user_id:
        _mark(delivery, "skipped", error="member cannot be messaged (blocked or withdrawn)")
        return "skipped"
    return _attempt(delivery, member)


def _attempt(delivery: Delivery, member: Member) -> str:
    delivery.attempts += 1
    try:
        sent = line_client.push(member.line_user_id, delivery.messages,
                                retry_key=delivery.retry_key)
    except LineApiError as exc:
        return _handle_refusal(delivery, exc)
    _mark(delivery, "sent", request_id=sent.request_id)
    return "sent"


def _handle_refusal(delivery: Delivery, exc: LineApiError) -> str:
    if exc.already_accepted:  # an earlier attempt reached LINE; its answer was lost
        _mark(delivery, "sent", request_id=exc.accepted_request_id)
        return "sent"
    delivery.last_error = str(exc)[:500]
    if exc.retryable or exc.status == 429:
        db.session.commit()  # keep the attempt count; RQ retries with backoff
        raise exc
    _mark(delivery, "failed", error=str(exc))
    return "failed"


def _mark(delivery: Delivery, status: str, *, error: str | None = None,
          request_id: str | None = None) -> None:
    delivery.status = status
    if error:
        delivery.last_error = error[:500]
    if request_id:
        delivery.line_request_id = request_id
    if status == "sent":
        delivery.sent_at = utcnow()
    db.session.commit()


def for_member(*, member_id: int) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.member_id == member_id).order_by(Delivery.id)
    return list(db.session.scalars(stmt))
