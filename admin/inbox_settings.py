"""Console page 'チャット設定': business hours, staff mode length, whether cashiers answer their
store's regulars, and the keyword auto-replies (checked by the domain before saving)."""

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, StringField, TextAreaField, TimeField

from admin.change_log import records_changes
from admin.views import SecureBaseView
from conversations import auto_replies, hours
from conversations.models import AutoReply
from core.extensions import db


class JapaneseTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("時刻は 10:00 の形で入力してください。") from exc


class JapaneseIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("整数で入力してください。") from exc


class HoursForm(FlaskForm):
    class Meta:
        csrf = False  # the page's own csrf_token field; CSRFProtect checks every POST

    opens_at = JapaneseTimeField("受付開始")
    closes_at = JapaneseTimeField("受付終了")
    staff_mode_minutes = JapaneseIntegerField("スタッフ対応の時間（分）")
    cashiers_may_answer = BooleanField("レジ担当者も常連のお客様に返信できる")


class AutoReplyForm(FlaskForm):
    class Meta:
        csrf = False

    keyword = StringField("キーワード")
    answer = TextAreaField("返信文")
    active = BooleanField("有効", default=True)


class InboxSettingsView(SecureBaseView):

    @expose("/")
    def index(self):
        return self._page()

    @expose("/hours", methods=["POST"])
    @records_changes
    def save_hours(self):
        form = HoursForm(formdata=request.form)
        if form.validate():
            try:
                hours.save(opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                           staff_mode_minutes=form.staff_mode_minutes.data,
                           cashiers_may_answer=form.cashiers_may_answer.data)
                db.session.commit()
                flash("営業時間を保存しました。")
                return redirect(url_for(".index"))
            except hours.InvalidInboxSettings as exc:
                db.session.rollback()
                form.closes_at.errors = [str(exc)]
        flash("営業時間を保存できませんでした。入力を確認してください。", "error")
        return self._page(hours_form=form), 400

    @expose("/auto-replies", methods=["POST"])
    @expose("/auto-replies/<int:reply_id>", methods=["POST"])
    @records_changes
    def save_auto_reply(self, reply_id=None):
        form = AutoReplyForm(formdata=request.form)
        try:
            auto_replies.save(keyword=form.keyword.data, answer=form.answer.data,
                              active=form.active.data, reply_id=self._existing(reply_id))
        except auto_replies.InvalidAutoReply as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                form[name].errors = [message]
            flash("自動応答を保存できませんでした。入力を確認してください。", "error")
            return self._page(reply_form=form, editing=reply_id), 400
        db.session.commit()
        flash("自動応答を保存しました。")
        return redirect(url_for(".index"))

    @expose("/auto-replies/<int:reply_id>/delete", methods=["POST"])
    @records_changes
    def delete_auto_reply(self, reply_id):
        row = db.session.get(AutoReply, self._existing(reply_id))
        db.session.delete(row)
        db.session.commit()
        flash(f"「{row.keyword}」の自動応答を削除しました。")
        return redirect(url_for(".index"))

    def _existing(self, reply_id: int | None) -> int | None:
        if reply_id is not None and (reply_id >= 2**31
                                     or db.session.get(AutoReply, reply_id) is None):
            abort(404)
        return reply_id

    def _page(self, hours_form=None, reply_form=None, editing=None):
        current = hours.current()
        hours_form = hours_form or HoursForm(data={
            "opens_at": current.opens_at, "closes_at": current.closes_at,
            "staff_mode_minutes": current.staff_mode_minutes,
            "cashiers_may_answer": current.cashiers_may_answer})
        replies = db.session.scalars(select(AutoReply).order_by(AutoReply.keyword)).all()
        edit_forms = {r.id: AutoReplyForm(obj=r) for r in replies}
        new_form = AutoReplyForm()
        if reply_form is not None:  # the posted form, with its errors, where it was posted
            if editing is None:
                new_form = reply_form
            else:
                edit_forms[editing] = reply_form
        return self.render("admin/inbox_settings.html", hours_form=hours_form,
                           new_form=new_form, replies=replies, edit_forms=edit_forms)
