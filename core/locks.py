"""Serialising work on one thing across workers until the current transaction ends.

PostgreSQL: a transaction-scoped advisory lock per name. SQLite needs nothing: it has one
writer at a time, and the callers' first write already holds that lock.
"""

import hashlib

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT

from core.extensions import db

# One round trip for any number of locks: unnest() yields the array in its order (a plain
# function scan, no sort), so the locks are taken one after another in that order.
_LOCK_ALL = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(:keys) AS k") \
    .bindparams(bindparam("keys", type_=ARRAY(BIGINT)))


def hold_until_commit(*names: str) -> None:
    """Wait for and hold the locks named, in ascending key order: every holder takes its
    locks in that one global order, so two holders never deadlock."""
    if db.session.get_bind().dialect.name != "postgresql" or not names:
        return
    db.session.execute(_LOCK_ALL, {"keys": sorted({_key(name) for name in names})})


_LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(:key)")


def hold_shared_until_commit(name: str) -> None:
    """Hold the lock named shared with other shared holders, until commit: it waits for and
    holds off an exclusive holder (hold_until_commit). Take it before any exclusive lock."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(_LOCK_SHARED, {"key": _key(name)})


def _key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
