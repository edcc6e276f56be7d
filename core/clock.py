"""Time: stored in UTC, shown and scheduled in business time (Asia/Tokyo by default).

Every "now" in the product comes from `utcnow()`. Tests run the whole product at another instant
with `TEST_CLOCK_AT` (an ISO date-time with offset): the clock starts there and runs on. The
first process to read it records the real moment it did in `TEST_CLOCK_STARTED`, which the
processes it starts inherit, so workers, servers and the local LINE platform share one clock.
"""

import os
import time
from datetime import UTC, datetime, timedelta

from flask import current_app

CLOCK_AT_VARIABLE = "TEST_CLOCK_AT"
CLOCK_STARTED_VARIABLE = "TEST_CLOCK_STARTED"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Tests move it with `set_now_source`."""
    return _now_source()


def shifted_start(environ=None) -> tuple[datetime, float] | None:
    """(the instant TEST_CLOCK_AT names, the real epoch seconds it corresponds to), or None.

    Raises ValueError for a value that is not an ISO date-time with an offset."""
    env = os.environ if environ is None else environ
    raw = env.get(CLOCK_AT_VARIABLE, "").strip()
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"{CLOCK_AT_VARIABLE} needs an offset, e.g. 2026-11-24T21:30:00+09:00")
    started = env.setdefault(CLOCK_STARTED_VARIABLE, repr(time.time()))
    return moment.astimezone(UTC), float(started)


def _system_clock():
    start = shifted_start()
    if start is None:
        return lambda: datetime.now(UTC)
    offset = timedelta(seconds=start[0].timestamp() - start[1])
    return lambda: datetime.now(UTC) + offset


_system_now = _system_clock()
_now_source = _system_now


def set_now_source(source) -> None:
    """Swap the clock (tests); None restores the process clock (shifted by TEST_CLOCK_AT)."""
    global _now_source
    _now_source = source or _system_now


def business_now() -> datetime:
    return to_business_time(utcnow())


def to_business_time(moment: datetime) -> datetime:
    return moment.astimezone(current_app.config["SETTINGS"].tz)
