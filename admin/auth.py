"""Sign-in for console users (Flask-Login); every console page requires it."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from admin import lockout, users
from admin.models import Role
from core.extensions import login_manager

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired(), Email()])
    password = PasswordField("パスワード", validators=[DataRequired()])


@login_manager.user_loader
def load_user(session_user_id: str):
    return users.get_signed_in(session_user_id=session_user_id)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data
        if lockout.is_locked(email):
            flash("ログインに続けて失敗したため、15分間ログインできません。", "error")
            return render_template("auth/login.html", form=form), 429
        user = users.authenticate(email=email, password=form.password.data)
        if user:
            lockout.clear(email)
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or _home_for(user))
        lockout.record_failure(email)
        flash("メールアドレスまたはパスワードが違います。", "error")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # The session cookie is only signed, not stored: a saved copy would still open the console
    # unless the server stops accepting it.
    users.end_sessions(user_id=current_user.id)
    logout_user()
    return redirect(url_for("auth.login"))


def _home_for(user) -> str:
    if user.role == Role.CASHIER:
        return "/pos/"
    return url_for("admin.index")


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect after sign-in is a phishing aid.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
