"""Restock requests without a store are unique in the database: one row, one notice."""

import threading

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from catalog import restock
from catalog.models import RestockRequest
from catalog.service import set_stock
from core.clock import utcnow
from core.extensions import db
from core.settings import ROOT
from tests.support.chat import texts

MIGRATIONS = str(ROOT / "migrations")


def _ask_at_once(app, member_id: int, product_id: int, askers: int = 2) -> list:
    """`askers` requests at the same moment: each has looked for an existing row (and found
    none) before any of them writes, as two taps on the button a few milliseconds apart can."""
    all_checked = threading.Barrier(askers, timeout=10)
    waited, errors = set(), []

    def after_the_check(conn, cursor, statement, *args):
        asker = threading.current_thread().name
        if asker.startswith("asker") and asker not in waited and "restock_requests" in statement:
            waited.add(asker)
            all_checked.wait()

    def ask():
        try:
            with app.app_context():
                restock.request_notice(member_id=member_id, product_id=product_id)
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # reported to the test below
            errors.append(exc)

    event.listen(db.engine, "after_cursor_execute", after_the_check)
    try:
        threads = [threading.Thread(target=ask, name=f"asker-{n}") for n in range(askers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(db.engine, "after_cursor_execute", after_the_check)
    return errors


def test_two_requests_at_once_without_a_store_make_one_row_and_one_notice(
        app, member_of, shop, products, clock, follow_ups, session):
    hanako, member = member_of()
    shirt = products["SHIRT"]
    set_stock(store_id=shop.id, product_id=shirt.id, quantity=0)
    session.commit()

    assert _ask_at_once(app, member.id, shirt.id) == []
    assert session.query(RestockRequest).filter_by(member_id=member.id).count() == 1

    hanako.new_messages()
    set_stock(store_id=shop.id, product_id=shirt.id, quantity=5)
    session.commit()
    follow_ups()
    notices = [t for t in texts(hanako.new_messages()) if "再入荷しました" in t]
    assert notices == ["山田花子さん、お待たせしました！「シャツ」が渋谷店に再入荷しました。"]


def test_the_database_refuses_a_second_row_without_a_store(make, session):
    member, product = make.member(), make.product()
    session.add(RestockRequest(member_id=member.id, product_id=product.id))
    session.commit()
    session.add(RestockRequest(member_id=member.id, product_id=product.id))
    with pytest.raises(IntegrityError):
        session.commit()


def test_the_migration_keeps_one_request_per_shopper_and_product_preferring_a_waiting_one(
        make, session):
    member_id, other_id, product_id = make.member().id, make.member().id, make.product().id
    session.commit()
    session.close()
    downgrade(directory=MIGRATIONS, revision=_revision_before("0008"))
    requests, now = RestockRequest.__table__, utcnow()
    with db.engine.begin() as conn:
        for asker, notified_at in ((member_id, now), (member_id, None), (member_id, None),
                                   (other_id, now)):
            conn.execute(requests.insert().values(member_id=asker, product_id=product_id,
                                                  created_at=now, notified_at=notified_at))
        ids = conn.execute(select(requests.c.id).order_by(requests.c.id)).scalars().all()
    upgrade(directory=MIGRATIONS)

    kept = session.execute(select(requests.c.id).order_by(requests.c.id)).scalars().all()
    assert kept == [ids[1], ids[3]]  # the oldest waiting one; the other shopper's one


def _revision_before(revision: str) -> str:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision
