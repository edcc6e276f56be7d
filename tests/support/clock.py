"""One clock for a test: the product's and the local LINE platform's, moved together.

Tests that care about the time of day or the date (quiet hours, delays, 12-month windows) pin
the clock with the `clock` fixture instead of reading the wall clock, so they pass at any hour
and in any year. Tests that do not pin it run at the real time, or at `TEST_CLOCK_AT`.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock as core_clock
from tests.support.linesim_client import LinesimClient

TOKYO = ZoneInfo("Asia/Tokyo")
# Tuesday 11:00 in Tokyo: inside sending hours.
START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class Clock:
    """A frozen product clock that tests move; linesim follows it (and runs on from there), so
    webhook timestamps and reply-token ages agree with the product."""

    def __init__(self, linesim: LinesimClient):
        self._linesim = linesim
        self.now = START

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        self._now = moment
        core_clock.set_now_source(lambda: self._now)
        self._linesim.set_clock(moment)

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def set_tokyo(self, *fields):
        """Set 'now' to a wall-clock time in Tokyo, e.g. set_tokyo(2026, 11, 24, 20, 30)."""
        self.now = datetime(*fields, tzinfo=TOKYO).astimezone(UTC)


@pytest.fixture
def clock(session, linesim):
    """Pinned at START; after `linesim` (whose reset would undo the platform's clock)."""
    yield Clock(linesim)
    core_clock.set_now_source(None)
    linesim.set_clock(core_clock.utcnow())  # back in step with the run's clock
