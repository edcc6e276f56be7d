"""Multicast batches: one request to LINE for up to 500 users, its recipients, messages and
X-Line-Retry-Key fixed in the database before the first attempt, so every retry (a 5xx, a
timeout, a sender that died mid-call) is the same request and LINE answers 409 "already
accepted" instead of delivering twice.

One batch, one sender: a sender claims batches with a conditional UPDATE (owner and lease,
line.claims, as line.sending does for pushes) and only then calls LINE, for several batches
at once in threads. A claim left by a sender that died on this machine lapses at once;
elsewhere, when its lease runs out. Who made a batch (its
`source`, e.g. "broadcast:7") reads the outcome from the row; this module knows no producer.
"""

import logging
import time
import uuid
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import get_current_job
from sqlalchemy import select, update
from sqlalchemy.orm import defer

from core import jobs, processes
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db
from line import claims, gates
from line import client as line_client
from line.client import LineApiError
from line.models import CampaignAlert, MulticastBatch

MAX_RECIPIENTS = 500  # LINE's limit per multicast request
MAX_MESSAGES = 5
RATE_PER_SECOND = 200  # LINE's multicast rate limit per channel
SEND_CONCURRENCY = 8  # requests in flight at once per sender (their network waits overlap)
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
    return add_batches(source=source, recipients=[to], messages=messages,
                       promotional=promotional, send_after=send_after)[0]


def add_batches(*, source: str, recipients: list[list[str]], messages: list[dict],
                promotional: bool = True, send_after: datetime | None = None
                ) -> list[MulticastBatch]:
    """Record one batch per list of users, each with its own retry key, in one INSERT.
    Caller commits."""
    if not 1 <= len(messages) <= MAX_MESSAGES or not all(
            1 <= len(to) <= MAX_RECIPIENTS for to in recipients):
        raise ValueError(f"a multicast takes 1-{MAX_RECIPIENTS} users, 1-{MAX_MESSAGES} messages")
    due = send_after or utcnow()
    batches = [MulticastBatch(source=source, retry_key=str(uuid.uuid4()), to=list(to),
                              messages=messages, promotional=promotional, send_after=due)
               for to in recipients]
    db.session.add_all(batches)
    db.session.flush()
    return batches


@jobs.job("campaigns", timeout=SEND_TIMEOUT)
def send_batch(batch_id: int) -> str:
    return send(batch_id)


def send(batch_id: int) -> str:
    """Send the batch if it is due and no other sender holds it; returns its status after."""
    return send_many([batch_id]).get(batch_id, "not claimed")


def send_many(batch_ids: list[int]) -> dict[int, str]:
    """Send the batches that are due and that no other sender holds, their requests at once
    (each keeps its own retry key); returns the status after of each batch claimed."""
    if not batch_ids:
        return {}
    now, owner = utcnow(), processes.owner_token()
    batches = _claim(batch_ids, owner, now)
    pause = gates.paused_until(now) if batches else None
    if not batches or pause is not None:
        for batch in batches:
            _defer(batch, pause, "paused: monthly quota reached")
        db.session.commit()
        return {batch.id: batch.status for batch in batches}
    claimed = [batch.id for batch in batches]
    requests = [(batch.to, batch.messages, batch.retry_key) for batch in batches]
    db.session.commit()  # the claims are kept before LINE is called
    try:
        throttle(len(requests))
        outcomes = claims.call_concurrently(_multicast, requests, SEND_CONCURRENCY)
    except BaseException:
        claims.release_claims(MulticastBatch, owner, MulticastBatch.id.in_(claimed))
        raise
    sizes = [len(to) for to, _, _ in requests]
    batches = _by_id(claimed)  # one query: the commit above expired them
    for batch, outcome, size in zip(batches, outcomes, sizes, strict=True):
        _record(batch, outcome, size)
    db.session.commit()
    return {batch.id: batch.status for batch in batches}


def _multicast(request) -> str | LineApiError:
    to, messages, retry_key = request
    try:
        return line_client.multicast(to, messages, retry_key=retry_key).request_id
    except LineApiError as exc:
        return exc


@jobs.job("campaigns", timeout=120)
def release_due_batches() -> int:
    return queue_due_batches()


def queue_due_batches(source_prefix: str = "") -> int:
    """Queue every batch that is due (new, deferred, or held by a dead sender). Caller's
    transaction; the jobs are queued after it commits."""
    now = utcnow()
    claims.lapse_claims_of_dead_senders(MulticastBatch, now)
    due = db.session.scalars(
        select(MulticastBatch.id).where(claims.claimable(MulticastBatch, now),
                                        MulticastBatch.source.startswith(source_prefix))
        .order_by(MulticastBatch.id).limit(2000)).all()
    after_commit(lambda: send_batch.enqueue_many([(batch_id,) for batch_id in due]))
    return len(due)


def throttle(requests: int = 1) -> None:
    """Keep this channel's multicasts under LINE's rate limit across workers (a counter per
    second in Redis, `requests` taken in one round trip). Only a brake: LINE's 429 is still
    handled; without Redis, no brake."""
    try:
        redis = jobs.connection()
        while True:
            second = int(time.time())
            key = f"line:multicast-rate:{second}"
            count, _ = redis.pipeline(transaction=False).incrby(key, requests) \
                .expire(key, 5).execute()
            if count <= RATE_PER_SECOND:
                return
            time.sleep(max(0.0, second + 1 - time.time()))
    except (RedisError, OSError):
        return


def _claim(batch_ids: list[int], owner: str, now: datetime) -> list[MulticastBatch]:
    """Take, in one conditional UPDATE, the batches no other sender holds."""
    db.session.execute(
        update(MulticastBatch)
        .where(MulticastBatch.id.in_(batch_ids), claims.claimable(MulticastBatch, now))
        .values(status="sending", claimed_by=owner, lease_until=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False))
    return list(db.session.scalars(
        select(MulticastBatch).where(MulticastBatch.claimed_by == owner,
                                     MulticastBatch.status == "sending")
        .order_by(MulticastBatch.id).execution_options(populate_existing=True)))


def _by_id(batch_ids: list[int]) -> list[MulticastBatch]:
    """The batches to record outcomes on, without their (large) recipients and messages."""
    return list(db.session.scalars(
        select(MulticastBatch).where(MulticastBatch.id.in_(batch_ids))
        .options(defer(MulticastBatch.to), defer(MulticastBatch.messages))
        .order_by(MulticastBatch.id)))


def _record(batch: MulticastBatch, outcome, size: int) -> None:
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
            f"{batch.source} 一斉配信 #{batch.id}（{size}人）: {outcome}")[:500]))
        _finish(batch, "failed", error=str(outcome))
    job_log("multicast %s (%s, %d users): %s", batch.id, batch.source, size, batch.status)


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
