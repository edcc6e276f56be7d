"""The audit trail itself: written in the change's transaction, refused any rewrite by the
database, and never holding a secret or a shopper's personal data."""

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from audit import record, record_change, record_export
from audit.changes import CHANGED
from audit.models import AuditEvent, Kind
from catalog.models import Product
from core.extensions import db


def _events(session, **where):
    session.expire_all()
    return session.query(AuditEvent).filter_by(**where).order_by(AuditEvent.id).all()


def test_a_rolled_back_change_leaves_no_audit_row(session, make):
    admin = make.console_user(role="admin")
    product = make.product(price=3000)
    product.price = 3500
    record_change(Kind.UPDATE, product, actor=admin)
    session.flush()  # written, as far as this transaction goes
    session.rollback()

    assert _events(session) == []
    assert session.get(Product, product.id).price == 3000


def test_a_committed_change_is_recorded_with_its_actor_and_before_and_after(session, make):
    admin = make.console_user(role="admin")
    product = make.product(price=3000, name="冬のコート")
    product.price, product.name = 3500, "冬のコート（新色）"
    record_change(Kind.UPDATE, product, actor=admin)
    session.commit()

    [event] = _events(session)
    assert (event.kind, event.actor_id, event.actor_email, event.actor_role) == \
        ("update", admin.id, admin.email, "admin")
    assert (event.target_table, event.target_id) == ("products", str(product.id))
    assert event.changes == {"price": [3000, 3500], "name": ["冬のコート", "冬のコート（新色）"]}
    assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("statement", [
    update(AuditEvent).values(kind="delete"),
    delete(AuditEvent),
])
def test_the_database_refuses_to_update_or_delete_audit_rows(session, make, statement):
    record(Kind.SIGN_IN, actor=make.console_user(role="admin"))
    session.commit()

    # Straight to the database, past the product.
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(statement)
    assert [e.kind for e in _events(session)] == ["sign_in"]


def test_the_database_refuses_to_empty_the_audit_table(session, make):
    record(Kind.SIGN_IN, actor=make.console_user(role="admin"))
    session.commit()
    emptying = ("TRUNCATE audit_events" if db.engine.dialect.name == "postgresql"
                else "DELETE FROM audit_events")
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(emptying))
    assert len(_events(session)) == 1


def test_secrets_and_personal_data_are_recorded_only_as_changed(session, make):
    admin = make.console_user(role="admin")
    member = make.member(display_name="山田花子", email="hanako@example.jp")
    member.display_name, member.email = "山田はなこ", "hana@example.jp"
    record_change(Kind.UPDATE, member, actor=admin)
    admin.set_password("a new password 123")
    record_change(Kind.UPDATE, admin, actor=admin)
    session.commit()

    member_event, user_event = _events(session)
    assert member_event.changes == {"display_name": [CHANGED, CHANGED],
                                    "email": [CHANGED, CHANGED]}
    assert user_event.changes == {"password_hash": [CHANGED, CHANGED]}
    stored = repr([(e.changes, e.detail) for e in _events(session)])
    assert "花子" not in stored and "hana" not in stored and "pbkdf2" not in stored \
        and "scrypt" not in stored


def test_an_export_is_recorded_at_once_with_dataset_format_and_rows(session, make):
    admin = make.console_user(role="admin")
    record_export(admin, "members", "jsonl", 1234)
    session.rollback()  # already committed: an export changes nothing else to wait for

    [event] = _events(session, kind="export")
    assert (event.actor_id, event.target_table, event.detail) == \
        (admin.id, "members", {"dataset": "members", "format": "jsonl", "rows": 1234})
