"""Rate limits (Flask-Limiter, counted in the app's Redis), bound to the app in create_app().

Unlike the extensions in core/extensions.py, the limiter is built per app: it keeps its
storage on itself, and one process may hold apps on different Redis servers (tests do).
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from core import redis as redis_conn


def init_rate_limiter(app: Flask) -> Limiter:
    """A limiter keyed by client address, with no limit until a view asks for one."""
    redis_url = app.config["SETTINGS"].redis_url
    # The connection the jobs use: the same Redis (embedded or not), one pool per process.
    pool = redis_conn.connect(redis_url).connection_pool
    return Limiter(get_remote_address, app=app, default_limits=[], storage_uri="redis://",
                   storage_options={"connection_pool": pool}, key_prefix="rate-limit")
