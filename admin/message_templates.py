"""Console page 'メッセージ文面': every shopper-facing text, its default, and the edited version."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from admin.change_log import records_changes
from admin.labels import text_title
from admin.views import SecureBaseView
from core.extensions import db
from line import texts


class MessageTemplateView(SecureBaseView):

    @expose("/")
    def index(self):
        edited = dict(db.session.execute(select(texts.MessageTemplate.key,
                                                texts.MessageTemplate.body)).all())
        rows = [(key, default, edited.get(key), texts.allowed_placeholders(key))
                for key, default in texts.DEFAULTS.items()]
        return self.render("admin/message_templates.html", rows=rows, text_title=text_title)

    @expose("/<key>", methods=["POST"])
    @records_changes
    def save(self, key):
        if key not in texts.DEFAULTS:
            return ("この文面はありません。", 404)
        body = request.form.get("body", "").strip()
        try:
            texts.save_override(key=key, body=body or None)
        except texts.TemplateError as exc:
            flash(f"{text_title(key)}：保存できませんでした。{exc}", "error")
            return redirect(url_for(".index") + f"#{key}")
        db.session.commit()
        flash("元に戻しました。" if not body else "保存しました。")
        return redirect(url_for(".index") + f"#{key}")
