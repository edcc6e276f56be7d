"""Multicast batches: one request to LINE for up to 500 users, its recipients, messages and
X-Line-Retry-Key fixed in the database before the first attempt, so every retry (a 5xx, a
timeout, a sender that died mid-call) is the same request and LINE answers 409 "already
accepted" instead of delivering twice.

One batch, one sender: a sender claims the batch with a conditional UPDATE (owner and lease,
as line.sending does for pushes) and only then calls LINE. A claim left by a sender that died on
this machine lapses at once; elsewhere, when its lease runs out. Who made a batch (its
`source`, e.g. "broadcast:7") reads the outcome from the row; this module knows no producer.
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy import and_, or_, select, update

from core import jobs, processes
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from line import client as line_client
from line import gates
from line.client import LineApiError
from line.models import CampaignAlert, MulticastBatch

MAX_RECIPIENTS = 500  # LINE's limit per multicast request
MAX_MESSAGES = 5
RATE_PER_SECOND = 200  # LINE's multicast rate limit per channel
MAX_ATTEMPTS = 8
RETRY_DELAYS = [timedelta(seconds=s) for s in (10, 30, 120, 600, 1800, 3600, 3 * 3600)]
SEND_TIMEOUT = 120
CLAIM_LEASE = timedelta(seconds=SEND_TIMEOUT + 60)

log = logging.getLogger("jobs")


def job_log(message: str, *args) -> None:
    """One line for the person on call, tagged with the job it came from."""
    job = get_current_job()
    log.info("job %s: " + message, job.id if job else "-", *args)


def add_batch(*, source: str, to: list[str], messages: list[dict], promotional: bool = True,
              send_after: datetime | None = None) -> MulticastBatch:
    """Record a batch with its retry key (sent once the caller commits and asks)."""
    if not 1 <= len(to) <= MAX_RECIPIENTS or not 1 <= len(messages) <= MAX_MESSAGES:
        raise ValueError(f"a multicast takes 1-{MAX_RECIPIENTS} users, 1-{MAX_MESSAGES} messages")
    batch = MulticastBatch(source=source, retry_key=str(uuid.uuid4()), to=list(to),
                           messages=messages, promotional=promotional,
                           send_after=send_after or utcnow())
    db.session.add(batch)
    db.session.flush()
    return batch


@jobs.job("campaigns", timeout=SEND_TIMEOUT)
def send_batch(batch_id: int) -> str:
    return send(batch_id)


def send(batch_id: int) -> str:
    """Send the batch if it is due and no other sender holds it; returns its status after."""
    now, owner = utcnow(), processes.owner_token()
    batch = _claim(batch_id, owner, now)
    if batch is None:
        db.session.commit()
        return "not claimed"
    pause = gates.paused_until(now)
    if pause is not None:
        _defer(batch, pause, "paused: monthly quota reached")
        db.session.commit()
        return batch.status
    db.session.commit()  # the claim is kept before LINE is called
    throttle()
    try:
        outcome = line_client.multicast(batch.to, batch.messages,
                                        retry_key=batch.retry_key).request_id
    except LineApiError as exc:
        outcome = exc
    except BaseException:
        _release_claim(batch_id, owner)
        raise
    _record(batch, outcome)
    db.session.commit()
    return batch.status


@jobs.job("campaigns", timeout=120)
def release_due_batches() -> int:
    return queue_due_batches()


def queue_due_batches(source_prefix: str = "") -> int:
    """Queue every batch that is due (new, deferred, or held by a dead sender). Caller's
    transaction; the jobs are queued after it commits."""
    now = utcnow()
    _lapse_claims_of_dead_senders(now)
    due = db.session.scalars(
        select(MulticastBatch.id).where(_claimable(now),
                                        MulticastBatch.source.startswith(source_prefix))
        .order_by(MulticastBatch.id).limit(2000)).all()
    after_commit(lambda: send_batch.enqueue_many([(batch_id,) for batch_id in due]))
    return len(due)


def throttle() -> None:
    """Keep this channel's multicasts under LINE's rate limit across workers (a counter per
    second in Redis). Only a brake: LINE's 429 is still handled; without Redis, no brake."""
    try:
        redis = jobs.connection()
        while True:
            second = int(time.time())
            key = f"line:multicast-rate:{second}"
            count = redis.incr(key)
            redis.expire(key, 5)
            if count <= RATE_PER_SECOND:
                return
            time.sleep(max(0.0, second + 1 - time.time()))
    except (RedisError, OSError):
        return


def _claimable(now: datetime):
    return or_(and_(MulticastBatch.status == "pending", MulticastBatch.send_after <= now),
               and_(MulticastBatch.status == "sending", MulticastBatch.lease_until <= now))


def _claim(batch_id: int, owner: str, now: datetime) -> MulticastBatch | None:
    claimed = db.session.execute(
        update(MulticastBatch).where(MulticastBatch.id == batch_id, _claimable(now))
        .values(status="sending", claimed_by=owner, lease_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    return db.session.scalar(select(MulticastBatch).where(MulticastBatch.id == batch_id)
                             .execution_options(populate_existing=True))


def _release_claim(batch_id: int, owner: str) -> None:
    """The sender failed before it knew the outcome: the next one resends with the same key."""
    db.session.rollback()
    db.session.execute(
        update(MulticastBatch).where(MulticastBatch.id == batch_id,
                                     MulticastBatch.claimed_by == owner)
        .values(status="pending", claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _lapse_claims_of_dead_senders(now: datetime) -> None:
    owners = db.session.scalars(
        select(MulticastBatch.claimed_by).distinct()
        .where(MulticastBatch.status == "sending", MulticastBatch.lease_until > now)).all()
    dead = [owner for owner in owners if owner and processes.died_here(owner)]
    if dead:
        db.session.execute(
            update(MulticastBatch).where(MulticastBatch.status == "sending",
                                         MulticastBatch.claimed_by.in_(dead))
            .values(lease_until=now).execution_options(synchronize_session=False))


def _record(batch: MulticastBatch, outcome) -> None:
    batch.attempts += 1
    if not isinstance(outcome, LineApiError):
        _finish(batch, "sent", request_id=outcome)
    elif outcome.already_accepted:  # an earlier attempt went through; its answer was lost
        _finish(batch, "sent", request_id=outcome.accepted_request_id)
    elif outcome.quota_exhausted:
        gates.pause_for_quota(outcome.message)
        _defer(batch, gates.next_month_start(), outcome.message)
    elif (outcome.retryable or outcome.rate_limited) and batch.attempts < MAX_ATTEMPTS:
        backoff = RETRY_DELAYS[min(batch.attempts, len(RETRY_DELAYS)) - 1]
        _defer(batch, utcnow() + backoff, str(outcome))
        after_commit(lambda: send_batch.enqueue_in(backoff, batch.id))
    else:
        db.session.add(CampaignAlert(kind="refused", message=(
            f"{batch.source} 一斉配信 #{batch.id}（{len(batch.to)}人）: {outcome}")[:500]))
        _finish(batch, "failed", error=str(outcome))
    job_log("multicast %s (%s, %d users): %s", batch.id, batch.source, len(batch.to),
            batch.status)


def _finish(batch: MulticastBatch, status: str, *, request_id: str | None = None,
            error: str | None = None) -> None:
    batch.status, batch.claimed_by, batch.lease_until = status, None, None
    batch.line_request_id = request_id or batch.line_request_id
    batch.last_error = error[:500] if error else batch.last_error
    if status == "sent":
        batch.sent_at = utcnow()


def _defer(batch: MulticastBatch, until: datetime, reason: str) -> None:
    batch.status, batch.claimed_by, batch.lease_until = "pending", None, None
    batch.send_after, batch.last_error = until, reason[:500]
