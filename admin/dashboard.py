"""Console home: the dashboard (ダッシュボード). It reads the newest computed run of
insights (stored figures only, so it opens fast at any size), offers 今すぐ更新 (a job) and
the RFM thresholds form."""

import logging

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired

from admin import dashboard_sections as sections
from admin import display
from admin.change_log import records_changes
from admin.dashboard_links import Links
from admin.views import SecureIndexView
from catalog.models import Store
from core.clock import business_now
from core.extensions import db
from insights import jobs, service

log = logging.getLogger(__name__)
STATUS_LABELS = {"queued": "待機中", "running": "集計中", "done": "完了", "failed": "失敗"}
CHANNELS = {"store": "店舗", "online": "オンライン"}


class RefreshForm(FlaskForm):
    pass


class ThresholdsForm(FlaskForm):
    active_days = IntegerField(service.LABELS["active_days"],
                               validators=[InputRequired("数値を入力してください。")])
    at_risk_days = IntegerField(service.LABELS["at_risk_days"],
                                validators=[InputRequired("数値を入力してください。")])
    dormant_days = IntegerField(service.LABELS["dormant_days"],
                                validators=[InputRequired("数値を入力してください。")])
    loyal_purchases = IntegerField(service.LABELS["loyal_purchases"],
                                   validators=[InputRequired("数値を入力してください。")])
    stable_purchases = IntegerField(service.LABELS["stable_purchases"],
                                    validators=[InputRequired("数値を入力してください。")])


class DashboardView(SecureIndexView):
    """Admins and marketers; cashiers are refused like on every console page."""

    @expose("/")
    def index(self):
        settings = service.get_settings()
        form = ThresholdsForm(obj=settings)
        return self._page(form)

    @expose("/dashboard/refresh", methods=["POST"])
    def refresh(self):
        if not RefreshForm().validate_on_submit():
            flash("画面を開き直してから、もう一度お試しください。", "error")
            return redirect(url_for(".index"))
        run = service.request_run(trigger="console", requested_by=current_user.email)
        db.session.commit()
        try:
            jobs.refresh_dashboard.enqueue(run.id)
        except Exception as error:  # Redis down: the run shows failed, nothing half-done
            log.exception("could not queue dashboard run %s", run.id)
            service.mark_failed(run.id, f"ジョブを登録できませんでした: {error}")
            db.session.commit()
            flash("更新を始められませんでした。しばらくしてからもう一度お試しください。", "error")
            return redirect(url_for(".index"))
        flash("ダッシュボードの更新を始めました。数分後に再読み込みしてください。")
        return redirect(url_for(".index"))

    @expose("/dashboard/thresholds", methods=["POST"])
    @records_changes
    def thresholds(self):
        form = ThresholdsForm()
        problems = {} if form.validate() else {
            name: field.errors[0] for name, field in form._fields.items()
            if field.errors and name != "csrf_token"}
        if form.csrf_token.errors:
            problems["form"] = "画面を開き直してから、もう一度お試しください。"
        if not problems:
            problems = service.update_settings(
                **{name: form[name].data for name in service.LIMITS})
        if problems:
            db.session.rollback()
            for name, message in problems.items():
                if name in form and name != "csrf_token":
                    form[name].errors = [message]
            flash("RFMグループの基準を保存できませんでした。" + " ".join(problems.values()),
                  "error")
            return self._page(form), 400
        db.session.commit()
        flash("RFMグループの基準を保存しました。次の更新から使われます。")
        return redirect(url_for(".index"))

    def _page(self, form):
        run = service.latest_run("done")
        latest = service.latest_run()
        context = {"run": run, "latest": latest, "status_label": STATUS_LABELS,
                   "form": form, "refresh_form": RefreshForm(), "fmt": display,
                   "stores": _stores(), "channels": CHANNELS, "sections": [],
                   "store": request.args.get("store", ""),
                   "channel": request.args.get("channel", "")}
        if run is not None:
            context.update(_sections(run, context["store"], context["channel"],
                                     request.args.get("period", "")))
        return self.render("admin/dashboard.html", **context)


def _sections(run, store: str, channel: str, period: str) -> dict:
    parameters = run.parameters or {}
    months = parameters.get("months", [])
    dimension = _dimension(store, channel)
    figures = sections.Figures(service.figures_of(run.id), months, dimension)
    periods = {**sections.MESSAGE_PERIODS, **{m: sections.month_label(m)
                                              for m in reversed(months)}}
    period = period if period in periods else "last30"
    links = Links(current=months[-1] if months else "", today=business_now().date(),
                  parameters=parameters)
    return {"sections": [
        sections.structure_section(figures, links),
        sections.rank_section(figures, links, parameters.get("silver", 0),
                              parameters.get("gold", 0)),
        sections.rfm_section(figures, links, parameters),
        sections.funnel_section(figures, links),
        sections.f2_section(figures, links),
        sections.repeat_section(figures, links),
        sections.ltv_section(figures, links),
        sections.messages_section(figures, links, period, parameters.get("labels", {}))],
        "periods": periods, "period": period, "dimension": dimension}


def _dimension(store: str, channel: str) -> str:
    if store.isdigit():
        return f"store:{int(store)}"
    if channel in CHANNELS:
        return f"channel:{channel}"
    return "all"


def _stores() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Store.id, Store.name).order_by(Store.code)).all())
