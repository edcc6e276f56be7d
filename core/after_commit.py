"""Run a callback once the current transaction commits (and never if it rolls back).

Jobs are enqueued this way: a worker must never pick up a job for a row it cannot see yet.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db

_KEY = "after_commit_callbacks"


def after_commit(callback) -> None:
    db.session().info.setdefault(_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_callbacks(session):
    if session.in_nested_transaction():
        return  # SQLAlchemy fires this on releasing a savepoint too; the real commit is later
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_callbacks(session, previous_transaction):
    if session.in_transaction():
        return  # a savepoint rolled back; the outer transaction may still commit
    session.info.pop(_KEY, None)
