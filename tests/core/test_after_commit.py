"""Callbacks run once the whole transaction commits: never at a released savepoint, never after
a rollback."""

from catalog.models import Store
from core.after_commit import after_commit
from core.extensions import db


def test_a_released_savepoint_does_not_run_the_callbacks_early(session):
    ran = []
    db.session.add(Store(code="AC1", name="before"))
    after_commit(lambda: ran.append("first"))
    with db.session.begin_nested():
        db.session.add(Store(code="AC2", name="inside"))
    assert ran == []  # the transaction is still open: a worker could not see the rows yet
    after_commit(lambda: ran.append("second"))
    db.session.commit()
    assert ran == ["first", "second"]


def test_a_rollback_drops_the_callbacks(session):
    ran = []
    after_commit(lambda: ran.append("never"))
    db.session.add(Store(code="AC3", name="rolled back"))
    db.session.rollback()
    db.session.commit()
    assert ran == []
