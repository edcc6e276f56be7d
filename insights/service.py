"""Dashboard runs: start one, compute every figure into dashboard_figures, read the newest;
and the RFM thresholds marketers set."""

import logging

from sqlalchemy import delete, insert, select

from campaigns.flows import FLOWS
from campaigns.models import Broadcast
from core.clock import utcnow
from core.extensions import db
from insights import messages, purchasing, structure
from insights.calendar import Months
from insights.models import DashboardFigure, DashboardRun, DashboardSettings
from members.points import get_loyalty_settings

log = logging.getLogger(__name__)
LIMITS = {"active_days": (1, 3650), "at_risk_days": (1, 3650), "dormant_days": (1, 3650),
          "loyal_purchases": (2, 1000), "stable_purchases": (2, 1000)}
LABELS = {"active_days": "最近の購入（日以内）", "at_risk_days": "休眠予備（日以内）",
          "dormant_days": "休眠（日以内）", "loyal_purchases": "優良（購入回数以上）",
          "stable_purchases": "安定（購入回数以上）"}


# --- the RFM thresholds ------------------------------------------------------------------------

def get_settings() -> DashboardSettings:
    """The saved thresholds, or the defaults (not saved) when nobody has set any."""
    row = db.session.scalar(select(DashboardSettings).order_by(DashboardSettings.id).limit(1))
    if row is not None:
        return row
    columns = DashboardSettings.__table__.columns
    return DashboardSettings(**{c.name: c.default.arg for c in columns
                                if c.default is not None and not callable(c.default.arg)})


def settings_problems(**values) -> dict[str, str]:
    """{field: Japanese message} for thresholds that cannot be used together."""
    problems = {}
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if not isinstance(value, int) or not low <= value <= high:
            problems[name] = f"{LABELS[name]}は{low}〜{high}の整数で入力してください。"
    if problems:
        return problems
    if not values["active_days"] < values["at_risk_days"] < values["dormant_days"]:
        problems["at_risk_days"] = "日数は 最近の購入＜休眠予備＜休眠 の順に大きくしてください。"
    if not values["stable_purchases"] < values["loyal_purchases"]:
        problems["loyal_purchases"] = "優良の購入回数は安定より多くしてください。"
    return problems


def update_settings(**values) -> dict[str, str]:
    """Save the thresholds, or change nothing and answer the problems. Caller commits."""
    problems = settings_problems(**values)
    if not problems:
        row = get_settings()
        db.session.add(row)
        for name in LIMITS:
            setattr(row, name, values[name])
    return problems


# --- runs --------------------------------------------------------------------------------------

def request_run(*, trigger: str, requested_by: str | None = None) -> DashboardRun:
    """A queued run (its job computes it). Caller commits."""
    run = DashboardRun(status="queued", trigger=trigger, requested_by=requested_by)
    db.session.add(run)
    db.session.flush()
    return run


def mark_running(run_id: int) -> None:
    """Raises LookupError for a run that does not exist. Caller commits."""
    run = db.session.get(DashboardRun, run_id)
    if run is None:
        raise LookupError(f"dashboard run {run_id} does not exist")
    run.status, run.started_at = "running", utcnow()


def compute_run(run_id: int) -> int:
    """Compute every figure of the run as of now; answers how many were stored. Caller commits
    (the figures appear together with the run's `done`)."""
    run = db.session.get(DashboardRun, run_id)
    run.status, run.as_of = "running", utcnow()
    run.started_at = run.started_at or run.as_of
    months = Months.ending_at(run.as_of)
    settings, loyalty = get_settings(), get_loyalty_settings()
    silver, gold = loyalty.silver_threshold, loyalty.gold_threshold
    figures = dict(_all_figures(months, settings, silver, gold))
    _add_regular_rank(figures, months)
    db.session.execute(delete(DashboardFigure).where(DashboardFigure.run_id == run_id))
    rows = [{"run_id": run_id, "figure": figure, "period": period, "offset": offset,
             "dimension": dimension, "value": float(value)}
            for (figure, period, offset, dimension), value in figures.items()]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(DashboardFigure), rows[start:start + 5000])
    run.parameters = {"months": [months.label(k) for k in months.shown],
                      "silver": silver, "gold": gold,
                      **{name: getattr(settings, name) for name in LIMITS},
                      "labels": _labels(figures)}
    run.status, run.finished_at = "done", utcnow()
    return len(rows)


def mark_failed(run_id: int, error: str) -> None:
    """The run failed (its figures were rolled back). Caller commits."""
    run = db.session.get(DashboardRun, run_id)
    if run is not None and run.status != "done":
        run.status, run.finished_at, run.error = "failed", utcnow(), error[:2000]


def _all_figures(months, settings, silver, gold):
    """((figure, period, offset, dimension), value) of every part."""
    for figure, period, value in structure.member_structure(months):
        yield (figure, period, 0, purchasing.ALL), value
    for figure, period, value in structure.upgrade_days(months):
        yield (figure, period, 0, purchasing.ALL), value
    for figure, period, value in structure.ranks_and_rfm(months, silver=silver, gold=gold,
                                                         settings=settings):
        yield (figure, period, 0, purchasing.ALL), value
    for figure, period, value in purchasing.first_purchases(months):
        yield (figure, period, 0, purchasing.ALL), value
    for kind in purchasing.DIMENSIONS:
        for figure, period, dimension, value in purchasing.second_purchases(months, kind):
            yield (figure, period, 0, dimension), value
        for figure, period, dimension, value in purchasing.repeat_purchasers(months, kind):
            yield (figure, period, 0, dimension), value
    for figure, period, offset, dimension, value in purchasing.lifetime_value(months):
        yield (figure, period, offset, dimension), value
    for figure, period, dimension, value in messages.message_effects(months):
        yield (figure, period, 0, dimension), value


def _add_regular_rank(figures: dict, months: Months) -> None:
    """レギュラー: the members neither silver nor gold (withdrawn ones left out)."""
    for k in months.shown:
        value = {name: figures.get((name, months.label(k), 0, purchasing.ALL), 0)
                 for name in ("structure.light", "structure.full", "structure.blocked",
                              "rank.silver", "rank.gold")}
        figures["rank.regular", months.label(k), 0, purchasing.ALL] = (
            value["structure.light"] + value["structure.full"] + value["structure.blocked"]
            - value["rank.silver"] - value["rank.gold"])


def _labels(figures: dict) -> dict[str, str]:
    """Names of the flows and broadcasts in the figures, as they were at the run."""
    dimensions = {d for (figure, _, _, d) in figures if figure.startswith("messages.")}
    ids = [int(d.split(":")[1]) for d in dimensions if d.startswith("broadcast:")]
    names = dict(db.session.execute(select(Broadcast.id, Broadcast.name)
                                    .where(Broadcast.id.in_(ids))).all()) if ids else {}
    labels = {}
    for dimension in dimensions:
        kind, key = dimension.split(":", 1)
        if kind == "flow":
            labels[dimension] = FLOWS[key].name if key in FLOWS else key
        else:
            labels[dimension] = names.get(int(key), f"配信{key}")
    return labels


# --- reading -----------------------------------------------------------------------------------

def latest_run(status: str | None = None) -> DashboardRun | None:
    query = select(DashboardRun).order_by(DashboardRun.id.desc()).limit(1)
    if status:
        query = query.where(DashboardRun.status == status)
    return db.session.scalar(query)


def figures_of(run_id: int) -> dict[tuple[str, str, int, str], float]:
    """Every stored figure of a run, keyed (figure, period, offset, dimension)."""
    rows = db.session.execute(
        select(DashboardFigure.figure, DashboardFigure.period, DashboardFigure.offset,
               DashboardFigure.dimension, DashboardFigure.value)
        .where(DashboardFigure.run_id == run_id)).all()
    return {(f, p, o, d): v for f, p, o, d, v in rows}
