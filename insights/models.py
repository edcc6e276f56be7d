"""Dashboard tables. Only insights.service writes them."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


class DashboardRun(db.Model):
    """One computation of every figure, as of one instant. The page shows the newest done run;
    a failed one is shown with its error until a later run succeeds."""

    __tablename__ = "dashboard_runs"
    __table_args__ = (Index("ix_dashboard_runs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # running, done, failed
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")  # console, cli
    requested_by: Mapped[str | None] = mapped_column(String(254))
    as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the figures' "now"
    # The RFM thresholds and rank thresholds the figures were computed with.
    parameters: Mapped[dict | None] = mapped_column(JSON)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class DashboardFigure(db.Model):
    """One number of a run: a figure (e.g. "structure.light") for a business month or period
    ("2026-11", "last30"), an offset (months since joining, in cohort triangles; else 0) and a
    dimension ("all", "channel:store", "channel:online", "store:3")."""

    __tablename__ = "dashboard_figures"
    __table_args__ = (UniqueConstraint("run_id", "figure", "period", "offset", "dimension",
                                       name="uq_dashboard_figures_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dashboard_runs.id", ondelete="CASCADE"))
    figure: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(16))
    offset: Mapped[int] = mapped_column(Integer, default=0)
    dimension: Mapped[str] = mapped_column(String(32), default="all")
    value: Mapped[float] = mapped_column(Float)


class DashboardSettings(db.Model):
    """The RFM groups' thresholds (one row, edited on the dashboard). By days since the last
    purchase: up to `active_days` active, then 休眠予備 up to `at_risk_days`, 休眠 up to
    `dormant_days`, beyond that 離脱. Active members by purchases so far: 優良 from
    `loyal_purchases`, 安定 from `stable_purchases`, else 新規."""

    __tablename__ = "dashboard_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    active_days: Mapped[int] = mapped_column(default=90)
    at_risk_days: Mapped[int] = mapped_column(default=180)
    dormant_days: Mapped[int] = mapped_column(default=365)
    loyal_purchases: Mapped[int] = mapped_column(default=5)
    stable_purchases: Mapped[int] = mapped_column(default=2)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
