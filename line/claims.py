"""Row claims shared by the senders of pushes (line.sending) and multicasts (line.multicast):
a row is `pending` and due, or `sending` under an owner and a lease. A sender takes rows with a
conditional UPDATE on `claimable`, calls LINE only for what it took, and records an outcome
that ends its claim. A claim left by a sender that died on this machine lapses at once;
elsewhere, when its lease runs out. Also: calling LINE for many rows at once in threads."""

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, or_, select, update

from core import processes
from core.extensions import db


def claimable(model, now: datetime):
    """Pending and due, or being sent under a lapsed claim (its sender died)."""
    return or_(and_(model.status == "pending", model.send_after <= now),
               and_(model.status == "sending", model.lease_until <= now))


def lapse_claims_of_dead_senders(model, now: datetime) -> None:
    """A sender that died on this machine will not finish: its rows are free now, not when
    its lease runs out (a sender elsewhere cannot be checked; its lease decides)."""
    owners = db.session.scalars(
        select(model.claimed_by).distinct()
        .where(model.status == "sending", model.lease_until > now)).all()
    dead = [owner for owner in owners if owner and processes.died_here(owner)]
    if dead:
        db.session.execute(
            update(model).where(model.status == "sending", model.claimed_by.in_(dead))
            .values(lease_until=now).execution_options(synchronize_session=False))


def release_claims(model, owner: str, *where) -> None:
    """The sender failed before it knew the outcome: its rows go back to pending, and the
    next sender sends them with the same retry keys. Rolls back what was not committed."""
    db.session.rollback()
    db.session.execute(
        update(model).where(model.claimed_by == owner, model.status == "sending", *where)
        .values(status="pending", claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def call_concurrently(call: Callable, requests: Sequence, max_workers: int) -> list:
    """`call(request)` for each, in threads with the app context (their network waits
    overlap); results in the order of `requests`. No database work belongs in `call`."""
    app = current_app._get_current_object()

    def run(request):
        with app.app_context():
            return call(request)

    if len(requests) <= 1:
        return [call(r) for r in requests]
    return list(_pool(max_workers).map(run, requests))


_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(size: int) -> ThreadPoolExecutor:
    """One pool per size for the process: its threads wait on LINE, not start per batch."""
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="line-call")
        return _POOLS[size]
