"""Known devices: a browser that signed in to an account before carries a signed, long-lived
cookie naming that account and the device. The sign-in form trusts it for that account only,
so failures caused by others (an account lock) do not shut its owner out."""

import secrets

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from admin import users

COOKIE = "known_device"
MAX_AGE_SECONDS = 365 * 24 * 3600
SALT = "admin.known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def known_device(*, email: str) -> str | None:
    """The device id if this request comes from a device that signed in to `email` before."""
    claim = _cookie_claim()
    if claim is None:
        return None
    user = users.get_by_email(email=email)
    return claim["d"] if user is not None and user.id == claim["u"] else None


def remember(response, *, user_id: int) -> None:
    """Mark the browser that just signed in as a known device of this user."""
    claim = _cookie_claim()
    device = claim["d"] if claim and claim["u"] == user_id else secrets.token_urlsafe(16)
    response.set_cookie(COOKIE, _serializer().dumps({"u": user_id, "d": device}),
                        max_age=MAX_AGE_SECONDS, path=url_for("auth.login"), httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])


def _cookie_claim() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claim = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return claim if isinstance(claim, dict) and {"u", "d"} <= claim.keys() else None
