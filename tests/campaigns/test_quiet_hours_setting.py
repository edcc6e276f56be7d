"""Quiet hours (21:00-09:00 Tokyo) hold follow-ups until morning; a demo may switch them off
(QUIET_HOURS=off) to show the flows at any hour, and says so. Production refuses that."""

from dataclasses import replace

import pytest

import demo.__main__ as demo
from core.settings import SettingsError, load_settings
from tests.support.chat import texts

RECOMMENDATION = "山田花子さん、本日はご来店ありがとうございました！"
PRODUCTION = {"APP_ENV": "production", "DATABASE_URL": "postgresql://app@db/app",
              "REDIS_URL": "redis://cache:6379/0", "SECRET_KEY": "s" * 40,
              "LINE_CHANNEL_SECRET": "secret", "LINE_CHANNEL_ACCESS_TOKEN": "token",
              "PUBLIC_BASE_URL": "https://shop.example.jp"}


@pytest.fixture
def quiet_hours_off(app):
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = replace(settings, quiet_hours=False)
    yield
    app.config["SETTINGS"] = settings


def _bought_at_nine_pm_and_now_it_is_ten(member_of, buy, clock):
    hanako, member = member_of()
    clock.set_tokyo(2026, 11, 24, 21, 0)
    buy(member, "TEE")  # the recommendation is due an hour later, at 22:00
    clock.set_tokyo(2026, 11, 24, 22, 0)
    return hanako


def test_with_quiet_hours_off_a_follow_up_due_at_ten_pm_is_sent(
        quiet_hours_off, member_of, buy, clock, follow_ups):
    hanako = _bought_at_nine_pm_and_now_it_is_ten(member_of, buy, clock)
    follow_ups()
    assert any(text.startswith(RECOMMENDATION) for text in texts(hanako.new_messages()))


def test_with_quiet_hours_on_it_waits_for_the_morning(member_of, buy, clock, follow_ups):
    hanako = _bought_at_nine_pm_and_now_it_is_ten(member_of, buy, clock)
    follow_ups()
    assert not any(text.startswith(RECOMMENDATION) for text in texts(hanako.new_messages()))


def test_quiet_hours_can_be_switched_off_for_a_demo_but_never_in_production():
    assert load_settings(PRODUCTION).quiet_hours is True
    assert load_settings({**PRODUCTION, "APP_ENV": "development",
                          "QUIET_HOURS": "off"}).quiet_hours is False
    with pytest.raises(SettingsError, match="QUIET_HOURS=off is for demos only"):
        load_settings({**PRODUCTION, "QUIET_HOURS": "off"})
    with pytest.raises(SettingsError, match="QUIET_HOURS must be on or off"):
        load_settings({**PRODUCTION, "QUIET_HOURS": "sometimes"})


def test_the_demo_runs_without_quiet_hours_and_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("QUIET_HOURS", raising=False)
    monkeypatch.setattr(demo, "INSTANCE_DIR", tmp_path)  # the demo's secrets go there
    env = demo.demo_environment("unix:///tmp/demo-redis.sock")
    assert load_settings(env).quiet_hours is False
    demo.print_timing(env)
    assert "Quiet hours are OFF in this demo" in capsys.readouterr().out
