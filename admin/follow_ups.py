"""Console: the follow-up flows (switch, parameters, counters), the delivery log and alerts."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from admin.change_log import records_changes
from admin.filters import MemberFilter
from admin.labels import flow_label
from admin.member_360 import member_link
from admin.views import SecureBaseView, SecureModelView
from campaigns import flows, stats
from campaigns.setting_forms import params_of, setting_form
from core.clock import utcnow
from core.extensions import db
from line import gates
from line.models import Delivery


class FlowsView(SecureBaseView):

    @expose("/")
    def index(self):
        return self._page()

    @expose("/<key>", methods=["POST"])
    @records_changes
    def save(self, key):
        flow = flows.FLOWS.get(key) or abort(404)
        form = setting_form(flow, formdata=request.form, enabled=flows.is_enabled(key),
                            params=flows.params_for(key))
        if form.validate():
            try:
                flows.save_setting(flow_key=key, enabled=form.enabled.data,
                                   params=params_of(form, flow))
                db.session.commit()
                flash(f"{flow.name} を保存しました。")
                return redirect(url_for(".index"))
            except flows.InvalidSetting as exc:  # the domain has the last word
                db.session.rollback()
                for name, message in exc.errors.items():
                    form[name].errors.append(message)
        flash(f"{flow.name} を保存できませんでした。入力を確認してください。", "error")
        return self._page(posted=form)

    def _page(self, posted=None):
        counters = stats.flow_counters()
        rows = [(flow, _form_for(flow, posted),
                 counters.get(flow.key, {"sent": 0, "clicked": 0, "converted": 0}))
                for flow in flows.FLOWS.values()]
        return self.render("admin/flows.html", rows=rows, cap=gates.DAILY_PROMOTIONAL_CAP)


def _form_for(flow, posted):
    """The form just posted for this flow (with its errors), or one showing the setting."""
    if posted is not None and posted.flow_key == flow.key:
        return posted
    return setting_form(flow, enabled=flows.is_enabled(flow.key),
                        params=flows.params_for(flow.key))


class DeliveryLogView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("member", "flow", "status", "send_after", "sent_at", "clicked_at",
                   "attempts", "last_error")
    column_filters = (MemberFilter(Delivery.member_id), "flow", "status", "sent_at")
    column_labels = {"member": "会員", "flow": "配信", "status": "状態", "send_after": "送信予定",
                     "sent_at": "送信日時", "clicked_at": "クリック日時", "attempts": "試行回数",
                     "last_error": "最後のエラー"}
    column_default_sort = ("id", True)
    column_exclude_list = ("messages", "retry_key")
    column_formatters = {"member": member_link,
                         "flow": lambda view, context, row, name: flow_label(row.flow)}
    empty_list_hint = ("配信 → フォローアップ で配信を有効にすると、送ったメッセージが"
                       "ここに記録されます。")


class AlertView(SecureModelView):
    can_create = can_edit = can_delete = False
    column_list = ("kind", "message", "paused_until", "created_at", "resolved_at")
    column_labels = {"created_at": "発生日時"}
    empty_list_hint = "対応が必要なことはありません。送信上限やLINEの拒否があると、ここに出ます。"
    column_default_sort = ("id", True)

    @expose("/resolve/<int:alert_id>", methods=["POST"])
    @records_changes
    def resolve(self, alert_id):
        from line.models import CampaignAlert

        alert = db.session.get(CampaignAlert, alert_id)
        if alert is not None and alert.resolved_at is None:
            alert.resolved_at = utcnow()  # e.g. the plan was upgraded: sending resumes
            db.session.commit()
        return redirect(url_for(".index_view"))
