"""Sign-in for console users (Flask-Login); every console page requires it."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from admin import devices, lockout, users
from admin.models import Role
from audit import record
from audit.models import ActorRole, Kind
from core.extensions import db, login_manager

bp = Blueprint("auth", __name__, template_folder="templates")
FAILED_SIGN_INS_PER_CLIENT = "10 per 15 minutes"  # per client address, any accounts


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired(), Email()])
    password = PasswordField("パスワード", validators=[DataRequired()])


@login_manager.user_loader
def load_user(session_user_id: str):
    return users.get_signed_in(session_user_id=session_user_id)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form), 200 if not form.errors else 400
    email = form.email.data
    device = devices.known_device(email=email)
    if lockout.is_locked(email, device=device):
        _record_failure(email, "locked")
        flash("ログインに続けて失敗したため、15分間ログインできません。", "error")
        return _login_page(form), 429
    user = users.authenticate(email=email, password=form.password.data)
    if user is None:
        lockout.record_failure(email, device=device)
        _record_failure(email, "wrong_password")
        flash("メールアドレスまたはパスワードが違います。", "error")
        return _login_page(form), 200
    lockout.clear(email, device=device)
    login_user(user)
    record(Kind.SIGN_IN, actor=user)
    db.session.commit()
    answer = redirect(_safe_next(request.args.get("next")) or _home_for(user))
    devices.remember(answer, user_id=user.id)
    return answer


def throttle_sign_in(app: Flask, limiter: Limiter) -> None:
    """Count failed sign-ins per client address too: one client cannot try password after
    password across many accounts. Past the limit the form answers 429 without checking
    anything, except for an account's known device."""
    app.view_functions["auth.login"] = limiter.limit(
        FAILED_SIGN_INS_PER_CLIENT, methods=["POST"], deduct_when=_failed_sign_in,
        exempt_when=_from_a_known_device, on_breach=_too_many_attempts)(login)


def _failed_sign_in(answer) -> bool:
    return answer.status_code != 302


def _from_a_known_device() -> bool:
    # Its own lock (admin.lockout) still limits it; others sharing its address (an office,
    # a proxy) must not shut it out.
    return devices.known_device(email=request.form.get("email", "")) is not None


def _too_many_attempts(_limit):
    _record_failure(request.form.get("email", ""), "throttled")
    flash("ログインの試行が多すぎます。しばらくしてからもう一度お試しください。", "error")
    return make_response(_login_page(LoginForm()), 429)


def _login_page(form: LoginForm) -> str:
    return render_template("auth/login.html", form=form)


def _record_failure(typed_email: str, reason: str) -> None:
    """A refused sign-in, under the account the address names (if any); never the password.
    What was typed may be anything (a throttled form is not validated): kept storable."""
    email = typed_email.replace("\x00", "").encode("utf-8", "replace").decode()[:254]
    account = users.get_by_email(email=email)
    record(Kind.SIGN_IN_FAILED, actor=account, actor_email=None if account else email,
           actor_role=None if account else ActorRole.UNKNOWN, detail={"reason": reason})
    db.session.commit()


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # The session cookie is only signed, not stored: a saved copy would still open the console
    # unless the server stops accepting it.
    record(Kind.SIGN_OUT, actor=current_user)
    users.end_sessions(user_id=current_user.id)  # commits the record with it
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
