"""Time: stored in UTC, shown and scheduled in business time (Asia/Tokyo by default)."""

from datetime import UTC, datetime

from flask import current_app


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Tests move it with the `frozen_clock` fixture."""
    return _now_source()


def _system_now() -> datetime:
    return datetime.now(UTC)


_now_source = _system_now


def set_now_source(source) -> None:
    """Swap the clock (tests and the demo's compressed time); None restores the system clock."""
    global _now_source
    _now_source = source or _system_now


def business_now() -> datetime:
    return to_business_time(utcnow())


def to_business_time(moment: datetime) -> datetime:
    return moment.astimezone(current_app.config["SETTINGS"].tz)
