"""Console: the follow-up flows (switch, parameters, counters), the delivery log and alerts."""

import json

from flask import flash, redirect, request, url_for
from flask_admin import expose

from admin.views import SecureBaseView, SecureModelView
from campaigns import flows, gates, stats
from core.clock import utcnow
from core.extensions import db


class FlowsView(SecureBaseView):

    @expose("/")
    def index(self):
        counters = stats.flow_counters()
        rows = [(flow, flows.is_enabled(flow.key), flows.params_for(flow.key),
                 counters.get(flow.key, {"sent": 0, "clicked": 0, "converted": 0}))
                for flow in flows.FLOWS.values()]
        return self.render("admin/flows.html", rows=rows, cap=gates.DAILY_PROMOTIONAL_CAP)

    @expose("/<key>", methods=["POST"])
    def save(self, key):
        if key not in flows.FLOWS:
            return ("unknown flow", 404)
        try:
            params = json.loads(request.form.get("params") or "{}")
            flows.save_setting(flow_key=key, enabled=bool(request.form.get("enabled")),
                               params=params)
        except (ValueError, TypeError) as exc:
            db.session.rollback()
            flash(f"保存できませんでした: {exc}", "error")
            return redirect(url_for(".index"))
        db.session.commit()
        flash(f"{flows.FLOWS[key].name} を保存しました。")
        return redirect(url_for(".index"))


class DeliveryLogView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("member_id", "flow", "status", "send_after", "sent_at", "clicked_at",
                   "attempts", "last_error")
    column_filters = ("member_id", "flow", "status", "sent_at")
    column_default_sort = ("id", True)
    column_exclude_list = ("messages", "retry_key")


class AlertView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("kind", "message", "paused_until", "created_at", "resolved_at")
    column_default_sort = ("id", True)

    @expose("/resolve/<int:alert_id>", methods=["POST"])
    def resolve(self, alert_id):
        from campaigns.models import CampaignAlert

        alert = db.session.get(CampaignAlert, alert_id)
        if alert is not None and alert.resolved_at is None:
            alert.resolved_at = utcnow()  # e.g. the plan was upgraded: sending resumes
            db.session.commit()
        return redirect(url_for(".index_view"))
