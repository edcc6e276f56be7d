"""The dashboard's jobs: a run asked for in the console, and the daily one (schedule.py). A
failed run is marked failed and raised as an alert (配信アラート) where marketers look."""

import logging

from rq import get_current_job

from campaigns import alerts
from core import jobs
from core.extensions import db
from insights import service

log = logging.getLogger("jobs")
JOB_TIMEOUT = 3600  # a full computation over years of purchases on a large shop


@jobs.job("maintenance", timeout=JOB_TIMEOUT)
def refresh_dashboard(run_id: int) -> int:
    """Compute the figures of a run asked for (console or CLI)."""
    service.mark_running(run_id)
    db.session.commit()  # the page says 集計中 meanwhile
    stored = service.compute_run(run_id)
    _log().info("dashboard run %s: %s figures", run_id, stored)
    return stored


@jobs.job("maintenance", timeout=JOB_TIMEOUT)
def refresh_dashboard_daily() -> int:
    """The nightly run: queued and computed in one job."""
    run_id = service.request_run(trigger="schedule").id
    db.session.commit()  # the run is on record even if its computation fails
    return refresh_dashboard.__wrapped__(run_id)


def record_failure(queue_name: str, job_name: str, args: tuple, error: Exception) -> None:
    """A refresh failed: its run says so on the dashboard, and an alert is raised."""
    if job_name not in ("refresh_dashboard", "refresh_dashboard_daily"):
        return
    latest = service.latest_run() if not args else None
    run_id = args[0] if args else (latest.id if latest else None)
    if run_id is not None:
        service.mark_failed(run_id, f"{type(error).__name__}: {error}")
    alerts.raise_once(kind="dashboard_failed",
                      message=f"ダッシュボードの集計（{job_name}）が失敗しました: "
                              f"{type(error).__name__}: {error}")


def wire_dashboard_failures() -> None:
    jobs.on_failure(record_failure)


def _log():
    current = get_current_job()
    return logging.LoggerAdapter(log, {"job_id": current.id if current else "-"})
