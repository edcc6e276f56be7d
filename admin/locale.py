"""The console's language: Japanese by default; English for a console user who picks it in the
navbar. The choice is kept in the session (signed), the switch is a CSRF-checked POST."""

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session, url_for

LANGUAGES = {"ja": "日本語", "en": "English"}
DEFAULT_LANGUAGE = "ja"
SESSION_KEY = "console_language"

bp = Blueprint("console_language", __name__)


def console_locale() -> str:
    """Flask-Babel's locale selector."""
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


@bp.post("/admin/language")
def choose_language():
    language = request.form.get("language")
    if language not in LANGUAGES:
        return ("表示言語は日本語か英語を選んでください。", 400)
    session[SESSION_KEY] = language
    return redirect(_same_site(request.form.get("next")) or url_for("admin.index"))


def _same_site(target: str | None) -> str | None:
    """A path on this site, never another site (an open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
