"""The delivery ledger: every message to LINE is recorded once under a unique key (a flow's
"{flow}:member:{id}:{occurrence}", a reply's webhook event), with an X-Line-Retry-Key fixed
before the first attempt (line.sending sends the rows).

Exactly-once lives here, in the database: RQ may run a job twice or lose one, a worker may die
mid-send, LINE may time out after accepting. The unique key stops a second row, the retry key
stops a second message, and the ledger (not Redis) says when each row is due.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from line import client as line_client
from line import gates
from line.client import LineApiError
from line.models import Delivery

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


def push_once(*, member_id: int, flow: str, key: str, messages: list[dict],
              promotional: bool = False) -> Delivery | None:
    """Record a ready-made push and send it from the worker once this transaction commits."""
    delivery = record_once(member_id=member_id, flow=flow, key=key, messages=messages,
                           promotional=promotional)
    if delivery is not None:
        send_after_commit(delivery)
    return delivery


def send_after_commit(delivery: Delivery) -> None:
    from line.sending import send_one

    after_commit(lambda delivery_id=delivery.id: send_one(delivery_id))


def reply_once(*, member_id: int, flow: str, webhook_event_id: str, reply_token: str,
               messages: list[dict], event_time: datetime | None = None) -> Delivery | None:
    """Reply to an event once (replies are free); push instead only if the token can no longer
    be used and no attempt can have reached LINE. An accepted reply is never sent again.

    Replies have no retry key. Each attempt is on the ledger before LINE is called; one LINE
    surely did not take (a 4xx answer, 429 included, or no connection) is counted as such. Any
    other (a 5xx, a timeout, a worker killed before it recorded the answer) may have used the
    token: when LINE later answers "invalid reply token", that attempt is taken as the one that
    went through (the shopper may miss a message this way, but never gets it twice).
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
    if not exc.maybe_accepted:
        delivery.attempts_not_accepted += 1
    delivery.last_error = str(exc)[:500]
    if exc.reply_token_invalid:
        return _token_gone(delivery, webhook_event_id)
    if exc.retryable or exc.status == 429:
        if event_time is not None and utcnow() - event_time < REPLY_TOKEN_LIFETIME:
            db.session.commit()
            raise exc  # the event job is retried, and so is this reply, while the token lives
        return _token_gone(delivery, webhook_event_id)
    # LINE refuses the message itself (e.g. its content): a push would be refused too.
    gates.record_refusal(delivery, str(exc))
    mark(delivery, "failed", error=str(exc))
    db.session.commit()
    return delivery


def _token_gone(delivery: Delivery, webhook_event_id: str) -> Delivery | None:
    """The token is used or expired: sent, if an attempt may have used it; else push."""
    if delivery.attempts_not_accepted < delivery.attempts:
        mark(delivery, "sent", error="an attempt whose answer was lost used the reply token")
        db.session.commit()
        return delivery
    mark(delivery, "failed", error="reply token expired before any attempt reached LINE")
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

