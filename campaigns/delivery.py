"""The delivery ledger: each (flow, member, occurrence) is recorded once under a unique key,
with an X-Line-Retry-Key fixed before the first attempt (campaigns.sending sends the rows).

Exactly-once lives here, in the database: RQ may run a job twice or lose one, a worker may die
mid-send, LINE may time out after accepting. The unique key stops a second row, the retry key
stops a second message, and the ledger (not Redis) says when each row is due.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot import line_client
from bot.line_client import LineApiError
from campaigns import flows, gates
from campaigns.models import Delivery
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db


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
        mark(delivery, "failed", error=str(exc))
        return push_once(member_id=member_id, flow=flow, key=f"push:{webhook_event_id}",
                         messages=messages)
    mark(delivery, "sent", request_id=sent.request_id)
    db.session.commit()
    return delivery


def mark(delivery: Delivery, status: str, *, error: str | None = None,
         request_id: str | None = None) -> str:
    """Record a row's outcome (sent, failed, skipped). Caller commits."""
    delivery.status = status
    if error:
        delivery.last_error = error[:500]
    if request_id:
        delivery.line_request_id = request_id
    if status == "sent":
        delivery.sent_at = utcnow()
    return status
