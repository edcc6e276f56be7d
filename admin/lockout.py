"""Sign-in lockout: after repeated wrong passwords for an account, refuse it for a while, so a
password cannot be guessed by trying many. Counted in Redis with an expiry.

A known device (admin.devices) of the account has a count of its own: failures by anyone else
do not lock it out, and its own failures lock only itself."""

from core import jobs

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


def _key(email: str, device: str | None) -> str:
    key = f"login-failures:{email.strip().lower()}"
    return f"{key}:device:{device}" if device else key


def is_locked(email: str, *, device: str | None = None) -> bool:
    count = jobs.connection().get(_key(email, device))
    return count is not None and int(count) >= MAX_FAILURES


def record_failure(email: str, *, device: str | None = None) -> None:
    key = _key(email, device)
    with jobs.connection().pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, LOCK_SECONDS)
        pipe.execute()


def clear(email: str, *, device: str | None = None) -> None:
    jobs.connection().delete(_key(email, device))
