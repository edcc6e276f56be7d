"""Console page 'アンケート': the post-purchase survey's switch, delay, stores and NPS option
(the follow-up flow's setting, saved through campaigns.flows), and the results per store and
month with the comments."""

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectMultipleField, widgets

from admin import display
from admin.change_log import records_changes
from admin.views import SecureBaseView
from campaigns import flows
from catalog.models import Store, StoreKind
from conversations import surveys
from core.clock import utcnow
from core.extensions import db

RESULT_DAYS = 400  # thirteen months: this month and the same month last year


class SurveySettingForm(FlaskForm):
    class Meta:
        csrf = False  # the page's own csrf_token field; CSRFProtect checks every POST

    enabled = BooleanField("購入後アンケートを送る")
    delay_minutes = IntegerField("購入から送るまで（分）")
    stores = SelectMultipleField("対象の店舗（選ばなければすべての店舗）", coerce=int,
                                 option_widget=widgets.CheckboxInput(),
                                 widget=widgets.ListWidget(prefix_label=False))
    ask_nps = BooleanField("おすすめ度（0〜10）も聞く")


def _form(formdata=None) -> SurveySettingForm:
    params = flows.params_for("survey")
    form = SurveySettingForm(formdata=formdata, data={
        "enabled": flows.is_enabled("survey"), **params})
    form.stores.choices = [(store.id, store.name) for store in db.session.scalars(
        select(Store).where(Store.kind == StoreKind.SHOP).order_by(Store.code))]
    return form


class SurveysView(SecureBaseView):

    @expose("/")
    def index(self):
        return self._page(_form())

    @expose("/settings", methods=["POST"])
    @records_changes
    def save(self):
        form = _form(request.form)
        if form.delay_minutes.process_errors or form.delay_minutes.data is None:
            form.delay_minutes.errors = ["整数で入力してください。"]
        elif form.validate():
            try:
                flows.save_setting(flow_key="survey", enabled=form.enabled.data,
                                   params={"delay_minutes": form.delay_minutes.data,
                                           "stores": sorted(form.stores.data),
                                           "ask_nps": form.ask_nps.data})
                db.session.commit()
                flash("購入後アンケートの設定を保存しました。")
                return redirect(url_for(".index"))
            except flows.InvalidSetting as exc:
                db.session.rollback()
                for name, message in exc.errors.items():
                    form[name].errors = [message]
        else:
            form.stores.errors = ["店舗を選び直してください。"] if form.stores.errors else []
        flash("設定を保存できませんでした。入力を確認してください。", "error")
        return self._page(form), 400

    def _page(self, form):
        since = utcnow() - timedelta(days=RESULT_DAYS)
        return self.render("admin/surveys.html", form=form,
                           results=surveys.results(since=since),
                           comments=surveys.comments(since=since), jst=display.jst)
