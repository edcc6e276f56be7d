"""Housekeeping jobs."""

from core import jobs
from core.clock import utcnow

HEARTBEAT_KEY = "worker:last-heartbeat"


@jobs.job("maintenance", timeout=30)
def record_worker_heartbeat() -> str:
    """Write the time a worker last ran a scheduled job (shown by /healthz)."""
    stamp = utcnow().isoformat()
    jobs.connection().set(HEARTBEAT_KEY, stamp)
    return stamp
