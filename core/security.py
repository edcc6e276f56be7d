"""Rate limits (Flask-Limiter, counted in the app's Redis), bound to the app in create_app().

Unlike the extensions in core/extensions.py, the limiter is built per app: it keeps its
storage on itself, and one process may hold apps on different Redis servers (tests do).
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from redis.connection import Encoder

from core import redis as redis_conn


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
