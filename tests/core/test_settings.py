import pytest

import core.settings as settings_module
from core.settings import SettingsError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://app@db/app",
    "REDIS_URL": "redis://cache:6379/0",
    "SECRET_KEY": "s" * 40,
    "LINE_CHANNEL_SECRET": "secret",
    "LINE_CHANNEL_ACCESS_TOKEN": "token",
    "PUBLIC_BASE_URL": "https://shop.example.jp",
}


def test_defaults_run_on_embedded_sqlite_and_redis_in_tokyo_time():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/app.db")
    assert settings.redis_url == ""
    assert settings.line_api_base_url == "https://api.line.me"
    assert str(settings.tz) == "Asia/Tokyo"
    assert len(settings.secret_key) >= 32


def test_complete_production_settings_are_accepted():
    settings = load_settings(PRODUCTION)
    assert settings.is_production
    assert settings.flask_config()["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("missing", ["SECRET_KEY", "LINE_CHANNEL_SECRET",
                                     "LINE_CHANNEL_ACCESS_TOKEN", "REDIS_URL"])
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=f"{missing} is required in production"):
        load_settings(env)


@pytest.mark.parametrize("name, value, message", [
    ("BUSINESS_TIMEZONE", "Mars/Olympus", "is not a time zone"),
    ("DATABASE_URL", "mysql://x/y", "sqlite:// or postgresql://"),
    ("LINE_API_BASE_URL", "api.line.me", "must start with http"),
    ("PUBLIC_BASE_URL", "http://shop.example.jp", "must be https:// in production"),
    ("SECRET_KEY", "short", "at least 32 characters"),
    ("DEMO_TIME_SCALE", "fast", "must be a number"),
])
def test_malformed_settings_stop_start_up_with_a_clear_message(name, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({**PRODUCTION, name: value})


def test_heroku_style_postgres_urls_are_normalised():
    settings = load_settings({"DATABASE_URL": "postgres://u@h/d"})
    assert settings.database_url == "postgresql://u@h/d"


def test_development_processes_share_one_persistent_secret_key(tmp_path, monkeypatch):
    monkeypatch.setattr(settings_module, "INSTANCE_DIR", tmp_path)
    first, second = load_settings({}), load_settings({"APP_ENV": "development"})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # only the owner reads it
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_production_never_falls_back_to_the_development_key(tmp_path, monkeypatch):
    monkeypatch.setattr(settings_module, "INSTANCE_DIR", tmp_path)
    load_settings({})  # a development key exists on this machine
    without_key = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    with pytest.raises(SettingsError, match="SECRET_KEY is required in production"):
        load_settings(without_key)
    assert load_settings(PRODUCTION).secret_key == PRODUCTION["SECRET_KEY"]
