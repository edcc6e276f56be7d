"""The delivery ledger: each (flow, member, occurrence) is recorded once under a unique key,
with an X-Line-Retry-Key fixed before the first attempt (campaigns.sending sends the rows).

Exactly-once lives here, in the database: RQ may run a job twice or lose one, a worker may die
mid-send, LINE may time out after accepting. The unique key stops a second row, the retry key
stops a second message, and the ledger (not Redis) says when each row is due.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import line_client
from bot.line_client import LineApiError
from campaigns import flows, gates
from campaigns.models import Delivery
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db

REPLY_TOKEN_LIFETIME = timedelta(seconds=55)  # LINE: about a minute; a margin for clocks


def record_once(*, member_id: int, flow: str, key: str, messages: list[dict] | None = None,
                channel: str = "push", promotional: bool = False, context: dict | None = None,
                send_after: datetime | None = None) -> Delivery | None:
    """Add a delivery to the ledger unless `key` is already there (then None). Caller commits."""
    delivery = Delivery(delivery_key=key, member_id=member_id, flow=flow, channel=channel,
                        messages=messages, promotional=promotional, context=context,
                        send_after=send_after or utcnow(), retry_key=str(uuid.uuid4()))
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:
        return None
    return delivery


def plan(*, flow: str, member_id: int, occurrence: str, context: dict | None = None,
         delay: timedelta = timedelta(0), since: datetime | None = None) -> Delivery | None:
    """Plan a flow's message for a member, once per occurrence, `delay` after `since` (the
    moment of the triggering fact, so a slow queue does not shift it). The text is written at
    send time, reflecting stock, coupons and purchases then. Caller commits."""
    if not flows.is_enabled(flow):
        return None
    send_after = (since or utcnow()) + gates.scaled(delay)
    delivery = record_once(member_id=member_id, flow=flow,
                           key=f"{flow}:member:{member_id}:{occurrence}", context=context,
                           promotional=flows.FLOWS[flow].promotional, send_after=send_after)
    if delivery is not None and send_after <= utcnow():
        _send_after_commit(delivery)
    return delivery


def push_once(*, member_id: int, flow: str, key: str, messages: list[dict],
              promotional: bool = False) -> Delivery | None:
    """Record a ready-made push and send it from the worker once this transaction commits."""
    delivery = record_once(member_id=member_id, flow=flow, key=key, messages=messages,
                           promotional=promotional)
    if delivery is not None:
        _send_after_commit(delivery)
    return delivery


def _send_after_commit(delivery: Delivery) -> None:
    from campaigns.sending import send_one

    after_commit(lambda delivery_id=delivery.id: send_one(delivery_id))


def reply_once(*, member_id: int, flow: str, webhook_event_id: str, reply_token: str,
               messages: list[dict], event_time: datetime | None = None) -> Delivery | None:
    """Reply to an event once (replies are free); if the token has expired, push instead.

    Replies have no retry key, so when an attempt's answer was lost (timeout, 5xx) the job
    retries and asks again: "invalid reply token" while the token is still young means the
    lost attempt used it (sent); once it is older than a minute, it expired (push instead).
    """
    key = f"reply:{webhook_event_id}"
    delivery = record_once(member_id=member_id, flow=flow, key=key, messages=messages,
                           channel="reply") or _by_key(key)
    if delivery.status != "pending":
        return delivery
    delivery.attempts += 1
    db.session.commit()  # the ledger row (and this attempt) exist before LINE is called
    try:
        sent = line_client.reply(reply_token, delivery.messages)
    except LineApiError as exc:
        return _reply_refused(delivery, exc, event_time, webhook_event_id)
    mark(delivery, "sent", request_id=sent.request_id)
    db.session.commit()
    return delivery


def _reply_refused(delivery: Delivery, exc: LineApiError, event_time: datetime | None,
                   webhook_event_id: str) -> Delivery | None:
    if exc.retryable:
        delivery.last_error = str(exc)[:500]
        db.session.commit()
        raise exc  # the event job is retried, and so is this reply
    token_young = event_time is not None and utcnow() - event_time < REPLY_TOKEN_LIFETIME
    if delivery.attempts > 1 and token_young and exc.reply_token_invalid:
        mark(delivery, "sent", error="an earlier attempt used the reply token")
        db.session.commit()
        return delivery
    if exc.status != 429 and not exc.reply_token_invalid:
        # LINE refuses the message itself (e.g. its content): a push would be refused too.
        gates.record_refusal(delivery, str(exc))
        mark(delivery, "failed", error=str(exc))
        db.session.commit()
        return delivery
    mark(delivery, "failed", error=str(exc))
    return push_once(member_id=delivery.member_id, flow=delivery.flow,
                     key=f"push:{webhook_event_id}", messages=delivery.messages)


def _by_key(key: str) -> Delivery:
    return db.session.scalar(select(Delivery).where(Delivery.delivery_key == key))


def mark(delivery: Delivery, status: str, *, error: str | None = None,
         request_id: str | None = None) -> str:
    """Record a row's outcome (sent, failed, skipped), ending its sender's claim. Caller
    commits."""
    delivery.status, delivery.claimed_by, delivery.lease_until = status, None, None
    if error:
        delivery.last_error = error[:500]
    if request_id:
        delivery.line_request_id = request_id
    if status == "sent":
        delivery.sent_at = utcnow()
    return status

