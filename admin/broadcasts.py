"""Console: broadcasts (一斉配信) — the list and each broadcast's results — and 効果比較, the
follow-up flows and broadcasts of a period side by side. Figures come from
campaigns.attribution; these views only read the request and shape the page."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import abort, flash, request, url_for
from flask_admin import expose
from sqlalchemy import select

from admin import display
from admin.broadcast_campaigns import CampaignPages, find_broadcast
from admin.views import SecureBaseView
from campaigns import attribution, broadcasts
from campaigns.models import Broadcast
from core.clock import business_now
from core.extensions import db

SKIP_LABELS = {"blocked": "ブロック", "withdrawn": "退会", "unfollowed": "友だち解除",
               "cap": "1日の上限", "daily_cap": "1日の上限", "cancelled": "中止",
               "no_consent": "配信同意なし", "quota": "送信上限", "unreachable": "送信不可",
               "unknown": "理由不明"}
DEFAULT_PERIOD_DAYS = 30
LONGEST_PERIOD_DAYS = 366


def status_label(status: str) -> str:
    return broadcasts.STATUS_LABELS.get(status, status)


def skip_label(reason: str) -> str:
    return SKIP_LABELS.get(reason, reason)


def chart_data(groups, labels=None) -> dict:
    """What the results chart draws: revenue per member (yen) and conversion (%) per group."""
    return {"labels": labels or [g.label for g in groups],
            "revenue_per_member": [round(g.revenue_per_member or 0) for g in groups],
            "conversion_percent": [round((g.conversion_rate or 0) * 100, 1) for g in groups]}


class BroadcastsView(CampaignPages, SecureBaseView):
    """The list of broadcasts with their counts, each one's results, and (CampaignPages)
    making and running them."""

    @expose("/")
    def index(self):
        rows = list(db.session.scalars(select(Broadcast).order_by(Broadcast.id.desc())))
        totals = attribution.broadcast_totals([b.id for b in rows], sales=False)
        return self.render("admin/broadcasts.html", broadcasts=rows, totals=totals,
                           new_url=url_for(".new"), detail_endpoint=".detail", **_helpers())

    @expose("/<int:broadcast_id>/results")
    def results(self, broadcast_id):
        if find_broadcast(broadcast_id) is None:
            abort(404)
        results = attribution.broadcast_results(broadcast_id)
        return self.render("admin/broadcast_results.html", results=results,
                           broadcast=results.broadcast, chart=chart_data(results.groups),
                           **_helpers())


class EffectsView(SecureBaseView):
    """効果比較: what each follow-up flow and each broadcast brought in over a period."""

    @expose("/")
    def index(self):
        since, until = _period(request.args.get("since"), request.args.get("until"))
        start, end = _utc_bounds(since, until)
        flows = attribution.flow_results(start, end)
        started = attribution.broadcasts_started(start, end)
        totals = attribution.broadcast_totals([b.id for b in started])
        rows = [_Row("フォローアップ", flow.label, flow) for flow in flows] + [
            _Row("一斉配信", b.name, totals[b.id]["sent"], b,
                 attribution.lift(totals[b.id]["sent"], totals[b.id]["holdout"]))
            for b in started]
        chart = chart_data([row.group for row in rows], [row.name for row in rows])
        return self.render("admin/effects.html", rows=rows, since=since, until=until,
                           chart=chart, **_helpers())


@dataclass
class _Row:
    kind: str
    name: str
    group: attribution.GroupResult
    broadcast: Broadcast | None = None
    lift: attribution.Lift | None = None


def _period(since_text, until_text):
    """The period asked for (JST dates, both included), or the last 30 days with a Japanese
    message when what was asked for cannot be used."""
    today = business_now().date()
    default = (today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)
    if not since_text and not until_text:
        return default
    try:
        since = datetime.strptime((since_text or "").strip(), "%Y-%m-%d").date()
        until = datetime.strptime((until_text or "").strip(), "%Y-%m-%d").date()
    except ValueError:
        flash("期間の日付は 2026-11-01 のように入力してください。直近30日を表示しています。",
              "error")
        return default
    if since > until:
        flash("開始日は終了日と同じか前の日にしてください。直近30日を表示しています。", "error")
        return default
    if (until - since).days >= LONGEST_PERIOD_DAYS:
        flash("期間は1年以内にしてください。直近30日を表示しています。", "error")
        return default
    return since, until


def _utc_bounds(since, until):
    tz = business_now().tzinfo
    return (datetime.combine(since, time(), tz),
            datetime.combine(until + timedelta(days=1), time(), tz))


def _helpers() -> dict:
    return {"fmt": display, "status_label": status_label, "skip_label": skip_label,
            "channels": (("store", "店舗"), ("online", "オンライン"), ("all", "合計"))}
