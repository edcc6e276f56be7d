"""On SQLite, a savepoint that is a transaction's first write must not commit it early."""

import os

import pytest

from catalog.models import Store
from core.extensions import db

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="the pysqlite savepoint behaviour is SQLite's alone")


def test_rolling_back_after_a_released_savepoint_keeps_nothing(session):
    with db.session.begin_nested():
        db.session.add(Store(code="SP1", name="savepoint"))
    db.session.rollback()
    assert db.session.query(Store).filter_by(code="SP1").count() == 0
