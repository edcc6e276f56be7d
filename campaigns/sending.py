"""Sending due ledger rows to LINE, in batches: rows and members are loaded together, every
check is made at send time, pushes run concurrently (their network waits overlap), and the
outcomes are recorded together.

A batch that dies after pushing leaves its rows pending; sent again, they carry the same
X-Line-Retry-Key, LINE answers 409 "already accepted", and they are recorded as sent.
"""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bot import line_client
from bot.line_client import LineApiError
from campaigns import flows, gates
from campaigns.delivery import mark
from campaigns.models import Delivery
from core import jobs
from core.clock import utcnow
from core.extensions import db

BATCH_SIZE = 100
PUSH_CONCURRENCY = 16
MAX_ATTEMPTS = 8
RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800, 3600, 3 * 3600)]


@jobs.job("followups", timeout=120)
def release_due_deliveries() -> int:
    """Every 30 s: queue each pending push whose time has come, in batches. The ledger is the
    schedule, so a job lost or doubled in Redis changes nothing."""
    due = db.session.scalars(
        select(Delivery.id).where(Delivery.status == "pending", Delivery.channel == "push",
                                  Delivery.send_after <= utcnow())
        .order_by(Delivery.send_after).limit(50 * BATCH_SIZE)).all()
    batches = [(due[i:i + BATCH_SIZE],) for i in range(0, len(due), BATCH_SIZE)]
    send_deliveries.enqueue_many(batches)
    return len(due)


@jobs.job("followups", timeout=300)
def send_deliveries(delivery_ids: list[int]) -> dict:
    """Send the given ledger rows that are still pending and due."""
    now = utcnow()
    db.session().expire_on_commit = False  # the rows are used again after the commit below
    rows = _lock_pending(delivery_ids)
    pause = gates.paused_until(now)
    promoted = Counter()  # promotional rows let through in this batch, per member
    ready = [row for row in rows if _gate(row, now, pause, promoted) is None]
    db.session.commit()  # skips, deferrals and built messages are kept whatever happens next
    outcomes = _push_all(ready)
    for row, outcome in zip(ready, outcomes, strict=True):
        _record(row, outcome)
    db.session.commit()
    return {"sent": sum(row.status == "sent" for row in rows), "checked": len(rows)}


def send_one(delivery_id: int):
    return send_deliveries.enqueue([delivery_id])


def _lock_pending(ids: list[int]) -> list[Delivery]:
    stmt = (select(Delivery).where(Delivery.id.in_(ids), Delivery.status == "pending")
            .options(joinedload(Delivery.member)).order_by(Delivery.id))
    if db.session.get_bind().dialect.name == "postgresql":
        # Another worker holding a row is sending it: leave it to them.
        stmt = stmt.with_for_update(skip_locked=True, of=Delivery)
    return list(db.session.scalars(stmt).unique())


def _gate(delivery: Delivery, now: datetime, pause: datetime | None,
          promoted: Counter) -> str | None:
    """A reason not to send now (having recorded what happens instead), or None."""
    if delivery.send_after and delivery.send_after > now:
        return "not due"
    member = delivery.member
    if member is None or not member.can_be_messaged or not member.line_user_id:
        return mark(delivery, "skipped", error="member blocked or withdrawn")
    if pause is not None:
        return _defer(delivery, pause, "paused: monthly quota reached")
    if delivery.flow in flows.FLOWS:
        return _flow_gate(delivery, now, promoted)
    return None


def _flow_gate(delivery: Delivery, now: datetime, promoted: Counter) -> str | None:
    if not flows.is_enabled(delivery.flow):
        return mark(delivery, "skipped", error="flow switched off")
    quiet = flows.FLOWS[delivery.flow].quiet_hours
    if quiet and (morning := gates.quiet_hours_end(now)) is not None:
        return _defer(delivery, morning, "quiet hours")
    if delivery.promotional and gates.over_daily_cap(delivery.member_id, now,
                                                     also=promoted[delivery.member_id]):
        return mark(delivery, "skipped", error="daily promotional cap reached")
    if delivery.messages is None:
        built = flows.FLOWS[delivery.flow].build(delivery, delivery.member,
                                                 flows.params_for(delivery.flow))
        if not built:
            return mark(delivery, "skipped", error="no longer relevant")
        delivery.messages = built  # fixed now: every retry sends exactly this
    promoted[delivery.member_id] += delivery.promotional
    return None


def _push_all(rows: list[Delivery]) -> list:
    """Push concurrently; each outcome is the LINE request id or the LineApiError."""
    app = current_app._get_current_object()
    requests = [(row.member.line_user_id, row.messages, row.retry_key) for row in rows]

    def push(request):
        to, messages, retry_key = request
        with app.app_context():
            try:
                return line_client.push(to, messages, retry_key=retry_key).request_id
            except LineApiError as exc:
                return exc

    if len(requests) <= 1:
        return [push(r) for r in requests]
    with ThreadPoolExecutor(max_workers=min(PUSH_CONCURRENCY, len(requests))) as pool:
        return list(pool.map(push, requests))


def _record(delivery: Delivery, outcome) -> None:
    delivery.attempts += 1
    if not isinstance(outcome, LineApiError):
        mark(delivery, "sent", request_id=outcome)
    elif outcome.already_accepted:  # an earlier attempt reached LINE; its answer was lost
        mark(delivery, "sent", request_id=outcome.accepted_request_id)
    elif outcome.quota_exhausted:
        gates.pause_for_quota(outcome.message)
        _defer(delivery, gates.next_month_start(), outcome.message)
    elif (outcome.retryable or outcome.rate_limited) and delivery.attempts < MAX_ATTEMPTS:
        backoff = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        _defer(delivery, utcnow() + backoff, str(outcome))
    else:
        gates.record_refusal(delivery, str(outcome))
        mark(delivery, "failed", error=str(outcome))


def _defer(delivery: Delivery, until: datetime, reason: str) -> str:
    delivery.send_after, delivery.last_error = until, reason[:500]
    return "deferred"
