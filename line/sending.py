"""Sending due ledger rows to LINE, in batches: rows and members are loaded together, every
check is made at send time, pushes run concurrently (their network waits overlap), and the
outcomes are recorded together.

One row, one sender: the 30 s release, `send_one` and a retried job may all be handed the same
row, so a job first claims its rows (a conditional UPDATE to `sending` with its owner and a
lease, which works alike on SQLite and PostgreSQL) and pushes only what it claimed. A sender
that dies leaves its claim to lapse (at once when it died on this machine, else when the lease
runs out); the next sender pushes with the same X-Line-Retry-Key, LINE answers 409 "already
accepted", and the row is recorded as sent.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from core import jobs, processes
from core.clock import utcnow
from core.extensions import db
from line import claims, gates
from line import client as line_client
from line.client import LineApiError
from line.ledger import mark
from line.models import Delivery

BATCH_SIZE = 100
PUSH_CONCURRENCY = 16
MAX_ATTEMPTS = 8
RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800, 3600, 3 * 3600)]
SEND_TIMEOUT = 300
# Longer than a send job may run, so a live sender never loses its rows to another.
CLAIM_LEASE = timedelta(seconds=SEND_TIMEOUT + 60)



@dataclass(frozen=True)
class Skip:
    """Not sent at all (e.g. its flow was switched off, or its reason has gone)."""
    reason: str


@dataclass(frozen=True)
class Defer:
    """Sent later, from `until` (e.g. after quiet hours)."""
    until: datetime
    reason: str


# What a producer decides at send time, per flow: campaigns' follow-ups are written then (the
# check fills in `delivery.messages`, fixed for every retry) and may wait or be dropped.
SendTimeCheck = Callable[[Delivery, datetime], Skip | Defer | None]
SEND_TIME_CHECKS: dict[str, SendTimeCheck] = {}


def check_at_send_time(flow: str, check: SendTimeCheck) -> None:
    """Have `check(delivery, now)` run on each of the flow's rows just before it is pushed."""
    SEND_TIME_CHECKS[flow] = check

@jobs.job("followups", timeout=120)
def release_due_deliveries() -> int:
    """Every 30 s: queue each pending push whose time has come, in batches, and each row whose
    sender died. The ledger is the schedule, so a job lost or doubled in Redis changes nothing."""
    now = utcnow()
    claims.lapse_claims_of_dead_senders(Delivery, now)
    due = db.session.scalars(
        select(Delivery.id).where(Delivery.channel == "push", _claimable(now))
        .order_by(Delivery.send_after).limit(50 * BATCH_SIZE)).all()
    batches = [(due[i:i + BATCH_SIZE],) for i in range(0, len(due), BATCH_SIZE)]
    send_deliveries.enqueue_many(batches)
    return len(due)


@jobs.job("followups", timeout=SEND_TIMEOUT)
def send_deliveries(delivery_ids: list[int]) -> dict:
    """Send the given ledger rows that are due and that no other job is sending."""
    now, owner = utcnow(), processes.owner_token()
    db.session().expire_on_commit = False  # the rows are used again after the commit below
    rows = _claim(delivery_ids, owner, now)
    pause = gates.paused_until(now)
    ready = [row for row in rows if _gate(row, now, pause) is None]
    ready = _within_daily_cap(ready, now)
    db.session.commit()  # claims, skips, deferrals and built messages are kept whatever happens
    try:
        outcomes = _push_all(ready)
        for row, outcome in zip(ready, outcomes, strict=True):
            _record(row, outcome)
        db.session.commit()
    except Exception:
        claims.release_claims(Delivery, owner)  # the next sender takes them at once
        raise
    return {"sent": sum(row.status == "sent" for row in rows), "checked": len(rows)}


def send_one(delivery_id: int):
    return send_deliveries.enqueue([delivery_id])


def _claimable(now: datetime):
    return claims.claimable(Delivery, now)


def _claim(ids: list[int], owner: str, now: datetime) -> list[Delivery]:
    """Take the rows no other job holds; only this job pushes them until it records an outcome.
    Commit follows the checks: on SQLite the claim holds the write lock until then."""
    free = (select(Delivery.id).where(Delivery.id.in_(ids), Delivery.channel == "push",
                                      _claimable(now))
            .with_for_update(skip_locked=True))  # PostgreSQL: rows another claim is taking
    db.session.execute(
        update(Delivery).where(Delivery.id.in_(free), _claimable(now))
        .values(status="sending", claimed_by=owner, lease_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False))
    return list(db.session.scalars(
        select(Delivery).where(Delivery.claimed_by == owner, Delivery.status == "sending")
        .options(joinedload(Delivery.member)).order_by(Delivery.id)
        .execution_options(populate_existing=True)).unique())


def _gate(delivery: Delivery, now: datetime, pause: datetime | None) -> str | None:
    """A reason not to send now (having recorded what happens instead), or None."""
    member = delivery.member
    if member is None or not member.can_be_messaged or not member.line_user_id:
        return mark(delivery, "skipped", error="member blocked or withdrawn")
    if pause is not None:
        return _defer(delivery, pause, "paused: monthly quota reached")
    check = SEND_TIME_CHECKS.get(delivery.flow)
    hold = check(delivery, now) if check else None
    if isinstance(hold, Skip):
        return mark(delivery, "skipped", error=hold.reason)
    if isinstance(hold, Defer):
        return _defer(delivery, hold.until, hold.reason)
    return None


def _within_daily_cap(rows: list[Delivery], now: datetime) -> list[Delivery]:
    """Skip promotional rows beyond each member's daily cap. Counted once this job holds its
    claims and the members' cap locks, so batches running at once cannot exceed it together."""
    promotional = [row for row in rows if row.promotional]
    members = sorted({row.member_id for row in promotional})
    gates.lock_daily_cap(members)
    over = set()
    for member_id in members:
        own = [row for row in promotional if row.member_id == member_id]
        room = gates.promotional_room(member_id, now, sender=own[0].claimed_by)
        for row in own[room:]:
            mark(row, "skipped", error="daily promotional cap reached")
            over.add(row.id)
    return [row for row in rows if row.id not in over]


def _push_all(rows: list[Delivery]) -> list:
    """Push concurrently; each outcome is the LINE request id or the LineApiError."""
    def push(request):
        to, messages, retry_key = request
        try:
            return line_client.push(to, messages, retry_key=retry_key).request_id
        except LineApiError as exc:
            return exc

    requests = [(row.member.line_user_id, row.messages, row.retry_key) for row in rows]
    return claims.call_concurrently(push, requests, PUSH_CONCURRENCY)


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
    """Back to pending, due again at `until`."""
    delivery.status, delivery.claimed_by, delivery.lease_until = "pending", None, None
    delivery.send_after, delivery.last_error = until, reason[:500]
    return "deferred"
