"""The delivery ledger: each (flow, member, occurrence) is recorded once under a unique key,
and sent with an X-Line-Retry-Key fixed before the first attempt.

Exactly-once lives here, in the database: RQ may run a job twice or lose one, a worker may die
mid-send, LINE may time out after accepting. The unique key stops a second row, the retry key
stops a second message, and the ledger (not Redis) says when each row is due: a sweep every
minute sends what is due, so a lost or duplicated job changes nothing.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import line_client
from bot.line_client import LineApiError
from campaigns import flows, gates
from campaigns.models import Delivery
from core import jobs
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from members.models import Member

MAX_ATTEMPTS = 8
RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800, 3600, 3 * 3600)]
RELEASE_BATCH = 5000


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
    after_commit(lambda delivery_id=delivery.id: send_delivery.enqueue(delivery_id))


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
        _finish(delivery, "failed", error=str(exc))
        return push_once(member_id=member_id, flow=flow, key=f"push:{webhook_event_id}",
                         messages=messages)
    _finish(delivery, "sent", request_id=sent.request_id)
    return delivery


@jobs.job("followups", timeout=120)
def release_due_deliveries() -> int:
    """Every minute: queue each pending delivery whose time has come (the ledger is the
    schedule; a job lost or doubled in Redis changes nothing)."""
    due = db.session.scalars(
        select(Delivery.id).where(Delivery.status == "pending", Delivery.channel == "push",
                                  Delivery.send_after <= utcnow())
        .order_by(Delivery.send_after).limit(RELEASE_BATCH)).all()
    send_delivery.enqueue_many([(delivery_id,) for delivery_id in due])
    return len(due)


@jobs.job("followups", timeout=60)
def send_delivery(delivery_id: int) -> str:
    """Send one due ledger entry, checking everything at send time."""
    delivery = db.session.get(Delivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return "not pending"
    now = utcnow()
    verdict = _gate(delivery, now)
    if verdict:
        return verdict
    return _attempt(delivery)


def _gate(delivery: Delivery, now: datetime) -> str | None:
    """A reason not to send now (having recorded what happens instead), or None."""
    if delivery.send_after and delivery.send_after > now:
        return "not due"
    member = db.session.get(Member, delivery.member_id) if delivery.member_id else None
    if member is None or not member.can_be_messaged or not member.line_user_id:
        return _finish(delivery, "skipped", error="member blocked or withdrawn")
    if (pause := gates.paused_until(now)) is not None:
        return _defer(delivery, pause, "paused: monthly quota reached")
    if delivery.flow in flows.FLOWS:
        return _flow_gate(delivery, member, now)
    return None


def _flow_gate(delivery: Delivery, member: Member, now: datetime) -> str | None:
    if not flows.is_enabled(delivery.flow):
        return _finish(delivery, "skipped", error="flow switched off")
    if (morning := gates.quiet_hours_end(now)) is not None:
        return _defer(delivery, morning, "quiet hours")
    if delivery.promotional and gates.over_daily_cap(member.id, now):
        return _finish(delivery, "skipped", error="daily promotional cap reached")
    if delivery.messages is None:
        built = flows.FLOWS[delivery.flow].build(delivery, member,
                                                 flows.params_for(delivery.flow))
        if not built:
            return _finish(delivery, "skipped", error="no longer relevant")
        delivery.messages = built  # fixed now: every retry sends exactly this
    return None


def _attempt(delivery: Delivery) -> str:
    member = db.session.get(Member, delivery.member_id)
    delivery.attempts += 1
    try:
        sent = line_client.push(member.line_user_id, delivery.messages,
                                retry_key=delivery.retry_key)
    except LineApiError as exc:
        return _handle_refusal(delivery, exc)
    return _finish(delivery, "sent", request_id=sent.request_id)


def _handle_refusal(delivery: Delivery, exc: LineApiError) -> str:
    if exc.already_accepted:  # an earlier attempt reached LINE; its answer was lost
        return _finish(delivery, "sent", request_id=exc.accepted_request_id)
    if exc.quota_exhausted:
        gates.pause_for_quota(exc.message)
        return _defer(delivery, gates.paused_until(utcnow()) or utcnow(), exc.message)
    if (exc.retryable or exc.rate_limited) and delivery.attempts < MAX_ATTEMPTS:
        backoff = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        return _defer(delivery, utcnow() + backoff, str(exc))
    gates.record_refusal(delivery, str(exc))
    return _finish(delivery, "failed", error=str(exc))


def _defer(delivery: Delivery, until: datetime, reason: str) -> str:
    delivery.send_after, delivery.last_error = until, reason[:500]
    db.session.commit()
    return "deferred"


def _finish(delivery: Delivery, status: str, *, error: str | None = None,
            request_id: str | None = None) -> str:
    delivery.status = status
    if error:
        delivery.last_error = error[:500]
    if request_id:
        delivery.line_request_id = request_id
    if status == "sent":
        delivery.sent_at = utcnow()
    db.session.commit()
    return status


def for_member(*, member_id: int) -> list[Delivery]:
    stmt = select(Delivery).where(Delivery.member_id == member_id).order_by(Delivery.id)
    return list(db.session.scalars(stmt))
