"""Console page 'チャット': the staff inbox. Threads newest first with unread counts; a thread
with the member's card beside it, the answer form and staff mode. Admins and marketers see
every thread; cashiers only their store's regulars, and only when the shop allows it."""

import uuid

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, TextAreaField

from admin import display
from admin.models import Role
from admin.views import SecureBaseView
from conversations import answers, hours, inbox
from conversations.member_card import card_of, usual_store
from conversations.models import Thread
from core.clock import utcnow
from core.extensions import db
from line.messages import MEMBERSHIP_LABELS, RANK_LABELS

PAGE_SIZE = 50


class AnswerForm(FlaskForm):
    class Meta:
        csrf = False  # the page's own csrf_token field; CSRFProtect checks every POST

    body = TextAreaField("返信")
    # Fixed when the page is drawn: a double submit of the same form records one answer.
    form_key = HiddenField()


class InboxView(SecureBaseView):
    roles = (Role.ADMIN, Role.MARKETER, Role.CASHIER)

    def is_accessible(self):
        if not super().is_accessible():
            return False
        return not _is_cashier() or hours.current().cashiers_may_answer

    @expose("/")
    def index(self):
        return self._page(None)

    @expose("/<int:thread_id>")
    def thread(self, thread_id):
        thread = self._visible_thread(thread_id)
        inbox.mark_read(thread)
        db.session.commit()
        return self._page(thread)

    @expose("/<int:thread_id>/answer", methods=["POST"])
    def answer(self, thread_id):
        thread = self._visible_thread(thread_id)
        form = AnswerForm(formdata=request.form)
        try:
            answered = answers.answer(thread=thread, body=form.body.data or "",
                                      author=current_user.email,
                                      form_key=form.form_key.data or uuid.uuid4().hex)
        except answers.AnswerRefused as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return self._page(thread, form=form), 400
        db.session.commit()
        sent = answered.message
        if answered.is_new:
            answers.start_sending(sent)
        flash("無料の返信で送信しました。" if sent.channel == "reply"
              else "プッシュで送信しました（月間の通数にカウントされます）。")
        return redirect(url_for(".thread", thread_id=thread.id))

    @expose("/<int:thread_id>/staff-mode", methods=["POST"])
    def staff_mode(self, thread_id):
        thread = self._visible_thread(thread_id)
        if request.form.get("on") == "1":
            until = inbox.start_staff_mode(thread)
            flash(f"スタッフ対応中にしました（{display.jst(until)}までボットは応答しません）。")
        else:
            inbox.end_staff_mode(thread)
            flash("ボットの自動応答に戻しました。")
        db.session.commit()
        return redirect(url_for(".thread", thread_id=thread.id))

    def _visible_thread(self, thread_id: int) -> Thread:
        thread = db.session.get(Thread, thread_id) if thread_id < 2**31 else None
        if thread is None:
            abort(404)
        if _is_cashier() and db.session.scalar(usual_store(thread.member_id)) != \
                current_user.store_id:
            abort(403)
        return thread

    def _page(self, selected: Thread | None, form: AnswerForm | None = None):
        form = form or AnswerForm(data={"form_key": uuid.uuid4().hex})
        if form.form_key.data is None:
            form.form_key.data = uuid.uuid4().hex
        return self.render(
            "admin/inbox.html", threads=_threads(), selected=selected, form=form,
            card=card_of(selected.member) if selected else None,
            staff_mode=selected is not None and inbox.in_staff_mode(selected, utcnow()),
            jst=display.jst, yen=display.yen, ranks=RANK_LABELS, memberships=MEMBERSHIP_LABELS)


def _is_cashier() -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.CASHIER)


def _threads() -> list[Thread]:
    query = (select(Thread).options(joinedload(Thread.member))
             .order_by(Thread.last_message_at.desc(), Thread.id.desc()))
    if _is_cashier():
        query = query.where(usual_store(Thread.member_id).scalar_subquery()
                            == current_user.store_id)
    return list(db.session.scalars(query.limit(PAGE_SIZE)))
