"""Serialising work on one thing across workers until the current transaction ends.

PostgreSQL: a transaction-scoped advisory lock per name. SQLite needs nothing: it has one
writer at a time, and the callers' first write already holds that lock.
"""

import hashlib

from sqlalchemy import func, select

from core.extensions import db


def hold_until_commit(*names: str) -> None:
    """Wait for and hold the locks named (in a fixed order, so two holders never deadlock)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        db.session.execute(select(func.pg_advisory_xact_lock(_key(name))))


def _key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
