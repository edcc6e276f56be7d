"""TEST_CLOCK_AT runs every process of a test run on one clock, started at a chosen instant."""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from core import clock
from core.settings import ROOT, SettingsError, load_settings
from tests.support.linesim_client import LinesimClient
from tests.support.linesim_server import start_linesim

NIGHT = "2026-11-24T21:30:00+09:00"


def _now_in_a_child_process(env) -> datetime:
    code = "from core.clock import utcnow; print(utcnow().isoformat())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return datetime.fromisoformat(out.strip())


def test_a_process_started_later_runs_on_from_the_same_instant(monkeypatch):
    started = time.time() - 100  # the run began 100 s ago
    env = {"PATH": "", "TEST_CLOCK_AT": NIGHT, "TEST_CLOCK_STARTED": repr(started)}
    now = _now_in_a_child_process(env)
    expected = datetime.fromisoformat(NIGHT) + timedelta(seconds=100)
    assert abs((now - expected).total_seconds()) < 5


def test_without_the_setting_the_clock_is_the_real_time():
    now = _now_in_a_child_process({"PATH": ""})
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


def test_the_local_line_platform_starts_at_the_same_instant(monkeypatch):
    monkeypatch.setenv("TEST_CLOCK_AT", NIGHT)
    monkeypatch.setenv("TEST_CLOCK_STARTED", repr(time.time()))
    with start_linesim() as process:
        platform_now = LinesimClient(process.base_url).advance_clock(0)["now"]
    night = datetime.fromisoformat(NIGHT).timestamp()
    assert night <= platform_now < night + 30


def test_this_runs_platform_and_product_share_one_clock(linesim_process):
    platform_now = LinesimClient(linesim_process.base_url).advance_clock(0)["now"]
    assert abs(platform_now - clock.utcnow().timestamp()) < 5


@pytest.mark.parametrize("value, message", [
    ("2026-11-24T21:30:00", "needs an offset"),
    ("tonight", "ISO date-time"),
])
def test_a_malformed_test_clock_is_refused(value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({"TEST_CLOCK_AT": value})


def test_production_refuses_a_test_clock():
    from tests.core.test_settings import PRODUCTION

    with pytest.raises(SettingsError, match="TEST_CLOCK_AT is for tests only"):
        load_settings({**PRODUCTION, "TEST_CLOCK_AT": NIGHT})
