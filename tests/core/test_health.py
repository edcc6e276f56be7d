from dataclasses import replace

from app import create_app


def test_healthz_is_ok_when_database_and_redis_answer(client, redis):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json["database"] == "ok"
    assert answer.json["redis"] == "ok"


def test_healthz_is_503_when_redis_is_unreachable(settings, db):
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_healthz_is_503_when_the_database_is_unreachable(settings, tmp_path):
    missing = f"sqlite:///{tmp_path}/no/such/dir/app.db"
    app = create_app(replace(settings, database_url=missing))
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["database"] == "unreachable"
    assert answer.json["redis"] == "ok"
