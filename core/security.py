"""Security headers (Flask-Talisman) and rate limits (Flask-Limiter, counted in the app's
Redis), bound to the app in create_app().

Unlike the extensions in core/extensions.py, these are built per app: both keep per-app state
on themselves, and one process may hold apps with other settings (tests do).
"""

import functools

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from redis.connection import Encoder

from core import redis as redis_conn

# Scripts only from this site, inline ones only with the per-request nonce (csp_nonce() in a
# template); inline styles are allowed (style attributes cannot carry a nonce). No page may be
# framed by another site (clickjacking).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Flask-Admin's pages use inline event handlers (delete confirmations, bulk actions), which
# no nonce can allow: behind the console's sign-in, its pages may run inline script.
CONSOLE_POLICY = {**CONTENT_SECURITY_POLICY, "script-src": "'self' 'unsafe-inline'"}


def init_security_headers(app: Flask) -> Talisman:
    """X-Frame-Options, CSP, nosniff and Referrer-Policy on every answer; HTTPS in production."""
    production = app.config["SETTINGS"].is_production
    return Talisman(
        app, force_https=production, strict_transport_security=production,
        session_cookie_secure=production, content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"], frame_options="DENY",
        # Card and sign-up links carry signed tokens: no other site learns them from a click.
        referrer_policy="same-origin")


def allow_inline_scripts_under(app: Flask, talisman: Talisman, prefix: str) -> None:
    """The console policy for every page whose path starts with `prefix`."""
    for endpoint in {rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.rule.startswith(prefix)}:
        use_view_options(app, talisman, endpoint, content_security_policy=CONSOLE_POLICY,
                         content_security_policy_nonce_in=[])


def use_view_options(app: Flask, talisman: Talisman, endpoint: str, **options) -> None:
    """Other Talisman options for one endpoint (its decorator, for views we do not define)."""
    view = app.view_functions[endpoint]

    @functools.wraps(view)
    def with_options(*args, **kwargs):
        return view(*args, **kwargs)

    app.view_functions[endpoint] = talisman(**options)(with_options)


def init_rate_limiter(app: Flask) -> Limiter:
    """A limiter keyed by client address, with no limit until a view asks for one."""
    redis_url = app.config["SETTINGS"].redis_url
    # The jobs' connection pool: the same Redis, one pool per process.
    pool = redis_conn.connect(redis_url).connection_pool if redis_url else _EmbeddedPool()
    return Limiter(get_remote_address, app=app, default_limits=[], storage_uri="redis://",
                   storage_options={"connection_pool": pool}, key_prefix="rate-limit")


class _EmbeddedPool:
    """The embedded Redis's pool, fetched on first use: only a process that counts a sign-in
    starts the embedded server, not every `flask` command that builds the app."""

    connection_kwargs: dict = {}  # read when the client is built: the defaults

    def get_encoder(self) -> Encoder:  # read when the limiter's Lua scripts are registered
        return Encoder(encoding="utf-8", encoding_errors="strict", decode_responses=False)

    def __getattr__(self, name: str):
        return getattr(redis_conn.connect("").connection_pool, name)
