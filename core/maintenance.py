"""Housekeeping jobs."""

from datetime import timedelta

from sqlalchemy import delete

from core import jobs
from core.clock import utcnow
from core.extensions import db

HEARTBEAT_KEY = "worker:last-heartbeat"
WEBHOOK_EVENT_RETENTION = timedelta(days=90)


@jobs.job("maintenance", timeout=30)
def record_worker_heartbeat() -> str:
    """Write the time a worker last ran a scheduled job (shown by /healthz)."""
    stamp = utcnow().isoformat()
    jobs.connection().set(HEARTBEAT_KEY, stamp)
    return stamp


@jobs.job("maintenance", timeout=600)
def prune_webhook_events() -> int:
    """Forget processed webhook events older than the retention (LINE redelivers within days)."""
    from bot.models import WebhookEvent

    cutoff = utcnow() - WEBHOOK_EVENT_RETENTION
    result = db.session.execute(
        delete(WebhookEvent).where(WebhookEvent.received_at < cutoff,
                                   WebhookEvent.status != "pending"))
    return result.rowcount
