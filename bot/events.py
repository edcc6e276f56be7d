"""The webhook event ledger: save each event once by webhookEventId, then process it on the
worker. A duplicate or redelivered event finds its row already there and is not acted on again."""

import json
from datetime import UTC, datetime

from rq import Retry
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.models import WebhookEvent
from core import jobs
from core.after_commit import after_commit
from core.clock import utcnow
from core.extensions import db

PROCESS_RETRY = Retry(max=3, interval=[2, 10, 60])


def record_new_events(raw_events: list[dict]) -> list[int]:
    """Save the events not seen before and queue them; returns the new rows' ids.

    Commits: LINE gets its 200 only for events that are safely stored.
    """
    new_rows = _insert_unseen(raw_events) if raw_events else []
    blocks = [row for row in new_rows if row.event_type == "unfollow"]
    if blocks:
        _apply_blocks_now(blocks)
    to_process = [(row.id,) for row in new_rows if row.event_type != "unfollow"]
    after_commit(lambda: process_event.enqueue_many(to_process, retry=PROCESS_RETRY))
    db.session.commit()
    return [row.id for row in new_rows]


def _insert_unseen(raw_events: list[dict]):
    """One INSERT for the whole request; the unique webhookEventId skips duplicates, even
    copies arriving at the same moment on other connections."""
    now = utcnow()
    return db.session.execute(_insert_statement(),
                              [_row_values(raw, now) for raw in raw_events]).all()


def _insert_statement():
    # Rows go as parameters, not in the statement, so its compiled form is cached and reused.
    table = WebhookEvent.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (insert(table).on_conflict_do_nothing(index_elements=["webhook_event_id"])
            .returning(table.c.id, table.c.event_type, table.c.line_user_id))


def _row_values(raw: dict, now: datetime) -> dict:
    return {"webhook_event_id": raw["webhookEventId"],
            "event_type": raw.get("type", "unknown")[:32],
            "line_user_id": (raw.get("source") or {}).get("userId"),
            "is_redelivery": bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
            "payload": raw, "event_time": _event_time(raw), "received_at": now,
            "status": "pending"}


def _apply_blocks_now(rows) -> None:
    """A block takes effect in the webhook's own transaction, not behind queued jobs: a push
    already waiting on the worker must find the member blocked."""
    from members.service import mark_blocked

    for row in rows:
        if row.line_user_id:
            mark_blocked(line_user_id=row.line_user_id)
    db.session.execute(update(WebhookEvent).where(WebhookEvent.id.in_([r.id for r in rows]))
                       .values(status="done", processed_at=utcnow()))


def _event_time(raw: dict) -> datetime | None:
    millis = raw.get("timestamp")
    return datetime.fromtimestamp(millis / 1000, UTC) if millis else None


@jobs.job("realtime", timeout=60)
def process_event(event_row_id: int) -> str:
    """Act on one saved event, once: the row's status moves from pending exactly once."""
    from bot.handlers import HANDLERS

    event = db.session.get(WebhookEvent, event_row_id, with_for_update=True)
    if event is None or event.status != "pending":
        return "already processed"
    handler = HANDLERS.get(event.event_type)
    event.status = handler(event) if handler and event.line_user_id else "ignored"
    event.processed_at = utcnow()
    return event.status


def payload_events(body: str) -> list[dict]:
    """The raw events of a verified body; ValueError if one has no webhookEventId."""
    raw_events = json.loads(body).get("events", [])
    if any(not isinstance(e, dict) or not e.get("webhookEventId") for e in raw_events):
        raise ValueError("every event needs a webhookEventId")
    return raw_events
