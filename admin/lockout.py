"""Sign-in lockout: after repeated wrong passwords for an account, refuse it for a while, so a
password cannot be guessed by trying many. Counted in Redis with an expiry."""

from core import jobs

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


def _key(email: str) -> str:
    return f"login-failures:{email.strip().lower()}"


def is_locked(email: str) -> bool:
    count = jobs.connection().get(_key(email))
    return count is not None and int(count) >= MAX_FAILURES


def record_failure(email: str) -> None:
    connection = jobs.connection()
    with connection.pipeline() as pipe:
        pipe.incr(_key(email))
        pipe.expire(_key(email), LOCK_SECONDS)
        pipe.execute()


def clear(email: str) -> None:
    jobs.connection().delete(_key(email))
