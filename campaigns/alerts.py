"""Alerts for the console's 配信アラート list: a follow-up setting that could not be used, a
follow-up job that failed in the worker. core.jobs knows no product package, so campaigns
registers its failure hook there."""

from sqlalchemy import select

from core import jobs
from core.extensions import db
from line.models import CampaignAlert

WATCHED_QUEUES = ("followups", "campaigns")


def raise_once(*, kind: str, message: str) -> CampaignAlert | None:
    """Open an alert unless the same one is still open: a bad value read for every message,
    or a job failing on each retry, is said once. Caller commits."""
    message = message[:500]
    already_open = db.session.scalar(select(CampaignAlert.id).where(
        CampaignAlert.kind == kind, CampaignAlert.message == message,
        CampaignAlert.resolved_at.is_(None)).limit(1))
    if already_open is not None:
        return None
    alert = CampaignAlert(kind=kind, message=message)
    db.session.add(alert)
    return alert


def bad_setting(*, flow_name: str, problem: str, default: str) -> None:
    raise_once(kind="setting", message=f"「{flow_name}」の設定が使えないため既定値（{default}）で"
                                       f"送っています。設定を保存し直してください。{problem}")


def record_job_failure(queue_name: str, job_name: str, args: tuple, error: Exception) -> None:
    """A follow-up or campaign job failed (its work was rolled back): show it to marketers."""
    if queue_name not in WATCHED_QUEUES:
        return
    raise_once(kind="job_failed",
               message=f"配信ジョブ {job_name}{args!r} が失敗しました: "
                       f"{type(error).__name__}: {error}")


jobs.on_failure(record_job_failure)
