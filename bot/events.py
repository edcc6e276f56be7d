"""The webhook event ledger: save each event once by webhookEventId, then process it on the
worker. A duplicate or redelivered event finds its row already there and is not acted on again.

An event that was stored is always processed: its queued job does it, and if that job was never
queued (Redis down after the commit) or its worker died, the sweep does. A claim on the row
(a conditional UPDATE, so it works without FOR UPDATE on SQLite too) lets only one of them act.
"""

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from rq import Retry
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.models import FINISHED_STATUSES, WebhookEvent
from core import jobs
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db

log = logging.getLogger(__name__)

PROCESS_RETRY = Retry(max=3, interval=[2, 10, 60])
SWEEP_GRACE = timedelta(minutes=1)  # a fresh event is left to its queued job this long
CLAIM_LEASE = timedelta(minutes=5)  # longer than process_event's timeout
MAX_ATTEMPTS = 10  # with the backoff below, about 14 hours of retrying
SWEEP_BATCH = 100
RETENTION = timedelta(days=90)  # LINE redelivers within days


def record_new_events(raw_events: list[dict], rejected: list | None = None) -> list[int]:
    """Save the events not seen before and queue them; returns the new rows' ids. Events LINE
    would never send (bot.intake.Rejected) are recorded as rejected, with the reason.

    Commits: LINE gets its 200 only for events that are safely stored.
    """
    if rejected:
        _record_rejected(rejected)
    new_rows = _insert_unseen(raw_events) if raw_events else []
    blocks = [row for row in new_rows if row.event_type == "unfollow"]
    if blocks:
        _apply_blocks_now(blocks)
    to_process = [row.id for row in new_rows if row.event_type != "unfollow"]
    if to_process:
        after_commit(lambda: _queue_processing(to_process))
    db.session.commit()
    return [row.id for row in new_rows]


def _queue_processing(event_row_ids: list[int]) -> None:
    """After the commit the events are safe: if Redis is down, the sweep processes them."""
    try:
        process_event.enqueue_many([(i,) for i in event_row_ids], retry=PROCESS_RETRY)
    except Exception:
        log.exception("could not queue webhook events %s; the sweep will process them",
                      event_row_ids)


def _insert_unseen(raw_events: list[dict]):
    """One INSERT for the whole request; the unique webhookEventId skips duplicates, even
    copies arriving at the same moment on other connections."""
    now = utcnow()
    return db.session.execute(_insert_statement(),
                              [_row_values(raw, now) for raw in raw_events]).all()


def _record_rejected(rejected: list) -> None:
    """Kept for whoever investigates, as escaped text; a redelivered copy is recorded once."""
    now = utcnow()
    rows = [{"webhook_event_id": event.event_id, "event_type": "rejected",
             "line_user_id": None, "is_redelivery": False,
             "payload": {"unusable": event.safe_text[:10_000]}, "event_time": None,
             "received_at": now, "status": "rejected", "attempts": 0, "due_at": now,
             "processed_at": now, "error": event.reason[:500]} for event in rejected]
    db.session.execute(_insert_statement(), rows)


def _insert_statement():
    # Rows go as parameters, not in the statement, so its compiled form is cached and reused.
    table = WebhookEvent.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table).on_conflict_do_nothing(index_elements=["webhook_event_id"])
            .returning(table.c.id, table.c.event_type, table.c.line_user_id,
                       table.c.event_time))


def _row_values(raw: dict, now: datetime) -> dict:
    return {"webhook_event_id": raw["webhookEventId"],
            "event_type": raw.get("type", "unknown")[:32],
            "line_user_id": (raw.get("source") or {}).get("userId"),
            "is_redelivery": bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
            "payload": raw, "event_time": _event_time(raw), "received_at": now,
            "status": "pending", "attempts": 0, "due_at": now + SWEEP_GRACE}


def _apply_blocks_now(rows) -> None:
    """A block takes effect in the webhook's own transaction, not behind queued jobs: a push
    already waiting on the worker must find the member blocked. In user order: each takes
    the user's follow lock, and concurrent requests must take them in the same order."""
    for row in sorted(rows, key=lambda r: r.line_user_id or ""):
        db.session.execute(update(WebhookEvent).where(WebhookEvent.id == row.id)
                           .values(status=_apply_block(row), processed_at=utcnow()))


def _apply_block(row) -> str:
    from members.service import mark_blocked

    if not row.line_user_id:
        return "ignored"
    applied = mark_blocked(line_user_id=row.line_user_id, blocked_at=row.event_time)
    return "done" if applied else "superseded"  # LINE sent a follow after it


def later_block_time(follow: WebhookEvent) -> datetime | None:
    """LINE's time of the latest block by the same user sent after this follow, if any: it may
    have been applied before this follow was processed, even before the member existed."""
    if follow.event_time is None:
        return None
    return db.session.scalar(
        select(func.max(WebhookEvent.event_time))
        .where(WebhookEvent.line_user_id == follow.line_user_id,
               WebhookEvent.event_type == "unfollow",
               WebhookEvent.event_time > follow.event_time))


def _event_time(raw: dict) -> datetime | None:
    millis = raw.get("timestamp")
    return datetime.fromtimestamp(millis / 1000, UTC) if millis else None


@jobs.job("realtime", timeout=60)
def process_event(event_row_id: int) -> str:
    """Act on one saved event, once; a failure puts it back for RQ's retry or the sweep."""
    return _process(event_row_id)


@jobs.job("realtime", timeout=600)
def process_pending_events() -> int:
    """Process the stored events whose job was lost or whose worker died; returns how many."""
    ids = db.session.scalars(
        select(WebhookEvent.id)
        .where(WebhookEvent.status.in_(("pending", "processing")),
               WebhookEvent.due_at <= utcnow())
        .order_by(WebhookEvent.id).limit(SWEEP_BATCH)).all()
    outcomes = Counter(_process_logging_failure(i) for i in ids)
    if ids:
        log.info("swept %d webhook events: %s", len(ids), dict(outcomes))
    return len(ids)


def _process_logging_failure(event_row_id: int) -> str:
    try:
        return _process(event_row_id)
    except Exception:
        log.exception("webhook event %s failed; it will be tried again", event_row_id)
        return "retry"


def _process(event_row_id: int) -> str:
    """Claim the row, act on it, record the outcome. Commits."""
    if not _claim(event_row_id):
        return "already processed"
    event = db.session.get(WebhookEvent, event_row_id)
    try:
        outcome = _act_on(event)
    except Exception as exc:
        db.session.rollback()
        _put_back(event_row_id, exc)
        raise
    event.status, event.processed_at, event.error = outcome, utcnow(), None
    db.session.commit()
    return outcome


def _claim(event_row_id: int) -> bool:
    """Only one worker takes an event: pending, or processing under a lapsed claim. Handlers
    commit as they go (a reply is on the ledger before LINE is called), so the claim is a
    committed status with a lease, not a row lock held for the whole job."""
    now = utcnow()
    lapsed = and_(WebhookEvent.status == "processing", WebhookEvent.due_at <= now)
    claimed = db.session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == event_row_id, or_(WebhookEvent.status == "pending", lapsed))
        .values(status="processing", attempts=WebhookEvent.attempts + 1,
                due_at=now + CLAIM_LEASE)).rowcount
    db.session.commit()
    return claimed == 1


def _act_on(event: WebhookEvent) -> str:
    from bot.handlers import HANDLERS

    handler = HANDLERS.get(event.event_type)
    return handler(event) if handler and event.line_user_id else "ignored"


def _put_back(event_row_id: int, exc: Exception) -> None:
    """Back to pending with a backoff for the sweep, or failed once the attempts are spent."""
    event = db.session.get(WebhookEvent, event_row_id)
    spent = event.attempts >= MAX_ATTEMPTS
    event.status = "failed" if spent else "pending"
    event.due_at = utcnow() + min(timedelta(minutes=2 ** event.attempts), timedelta(hours=6))
    event.error = f"{type(exc).__name__}: {exc}"[:500]
    event.processed_at = utcnow() if spent else None
    db.session.commit()


@jobs.job("maintenance", timeout=600)
def prune_webhook_events() -> int:
    """Forget finished events older than the retention; unfinished ones stay until processed."""
    result = db.session.execute(
        delete(WebhookEvent).where(WebhookEvent.received_at < utcnow() - RETENTION,
                                   WebhookEvent.status.in_(FINISHED_STATUSES)))
    return result.rowcount


