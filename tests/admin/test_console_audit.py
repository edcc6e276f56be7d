"""操作ログ in the console: what staff do there is recorded with who and before -> after, and
the log is for admins only, read-only, filterable and exportable as CSV."""

import csv
import io

import pytest

from audit import record
from audit.models import AuditEvent, Kind
from catalog.models import Product
from core.clock import to_business_time
from core.extensions import db
from pos.models import Register
from tests.admin.forms import read_form
from tests.factories import PASSWORD, csrf_token_from

PRODUCT = {"sku": "SKU-AUDIT", "name": "冬のコート", "category": "outer", "price": "12000",
           "warranty_months": "0"}


def _events(session, **where):
    session.expire_all()
    return session.query(AuditEvent).filter_by(**where).order_by(AuditEvent.id).all()


def _price_label(app) -> str:
    """What the product view calls the price: the log names fields as their views do."""
    [view] = [v for v in app.extensions["admin"][0]._views if v.endpoint == "product"]
    return str(view.column_labels["price"])


def _token(client, url="/admin/product/new/"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_a_create_edit_and_delete_in_the_console_are_recorded_with_before_and_after(
        client, login, session):
    admin = login(role="admin")
    created = client.post("/admin/product/new/",
                          data={**PRODUCT, "active": "y", "csrf_token": _token(client)})
    assert created.status_code == 302, created.get_data(as_text=True)
    product_id = session.query(Product).one().id
    edit_url = f"/admin/product/edit/?id={product_id}"
    fields, _ = read_form(client.get(edit_url).get_data(as_text=True))
    assert client.post(edit_url, data={**fields, "price": "9800"}).status_code == 302
    deleted = client.post("/admin/product/delete/",
                          data={"id": product_id, "csrf_token": _token(client)})
    assert deleted.status_code == 302

    create, update, delete = _events(session, target_table="products")
    assert [(e.kind, e.actor_id, e.actor_email, e.actor_role, e.target_id) for e in
            (create, update, delete)] == [(kind, admin.id, admin.email, "admin", str(product_id))
                                          for kind in ("create", "update", "delete")]
    assert create.changes["sku"] == [None, "SKU-AUDIT"]
    assert create.changes["price"] == [None, 12000]
    assert update.changes == {"price": [12000, 9800]}
    assert delete.changes["name"] == ["冬のコート", None]
    assert update.ip == "127.0.0.1"


def test_a_change_the_database_refuses_leaves_no_audit_row(client, login, make, session):
    login(role="admin")
    make.product(sku="TAKEN")
    mine = make.product(sku="MINE")
    edit_url = f"/admin/product/edit/?id={mine.id}"
    fields, _ = read_form(client.get(edit_url).get_data(as_text=True))
    # Past the form's own uniqueness check: the commit itself fails and is rolled back.
    view = next(v for v in client.application.extensions["admin"][0]._views
                if v.endpoint == "product")
    view.validate_form = lambda form: True
    try:
        answer = client.post(edit_url, data={**fields, "sku": "TAKEN"})
    finally:
        del view.validate_form
    assert answer.status_code == 200  # the form again, with the failure
    assert "UNIQUE" in answer.get_data(as_text=True).upper()
    session.expire_all()
    assert session.get(Product, mine.id).sku == "MINE"
    assert _events(session, kind="update") == []


def test_editing_a_console_user_records_the_change_but_never_a_password_hash(
        client, login, make, session):
    login(role="admin")
    other = make.console_user(role="marketer")
    url = f"/admin/consoleuser/edit/?id={other.id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**fields, "role": "cashier"}).status_code == 302

    [event] = _events(session, kind="update", target_table="console_users")
    assert event.changes == {"role": ["marketer", "cashier"]}
    assert "password" not in repr(event.changes)


def test_sign_ins_failed_sign_ins_and_sign_outs_are_recorded(client, make, session, redis):
    user = make.console_user(role="marketer")
    token = _token(client, "/login")
    client.post("/login", data={"email": user.email, "password": "wrong-password-1",
                                "csrf_token": token})
    client.post("/login", data={"email": "nobody@example.com", "password": "whatever-1234",
                                "csrf_token": token})
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": token})
    client.post("/logout", data={"csrf_token": _token(client, "/admin/")})

    events = _events(session)
    assert [(e.kind, e.actor_id, e.actor_email, e.actor_role, e.detail) for e in events] == [
        ("sign_in_failed", user.id, user.email, "marketer", {"reason": "wrong_password"}),
        ("sign_in_failed", None, "nobody@example.com", "unknown", {"reason": "wrong_password"}),
        ("sign_in", user.id, user.email, "marketer", None),
        ("sign_out", user.id, user.email, "marketer", None)]
    assert "whatever" not in repr([(e.changes, e.detail) for e in events])


def test_a_register_key_issue_and_revoke_are_recorded_without_the_key(client, login, make,
                                                                       session):
    admin = login(role="admin")
    register = make.register()
    token = _token(client, "/admin/registerkeys/")
    issued = client.post(f"/admin/registerkeys/{register.id}/issue", data={"csrf_token": token})
    key = issued.get_data(as_text=True).split('data-testid="new-key">')[1].split("<")[0]
    client.post(f"/admin/registerkeys/{register.id}/revoke", data={"csrf_token": token})

    issue, revoke = _events(session, target_table="registers")
    prefix = session.get(Register, register.id).api_key_prefix
    assert [(e.kind, e.actor_id, e.target_id) for e in (issue, revoke)] == [
        ("register_key_issue", admin.id, str(register.id)),
        ("register_key_revoke", admin.id, str(register.id))]
    assert issue.changes == {"api_key_prefix": [None, prefix]}
    assert revoke.detail["key_prefix"] == prefix
    assert key.split("_")[2] not in repr(_events(session))


def test_the_command_line_key_issue_is_recorded_as_the_command_line(app, make, session):
    register = make.register()
    result = app.test_cli_runner().invoke(args=["pos", "issue-key", register.store.code,
                                                register.code])
    assert result.exit_code == 0, result.output
    [event] = _events(session, kind="register_key_issue")
    assert (event.actor_id, event.actor_role) == (None, "command")


@pytest.fixture
def trail(session, make):
    """A small trail: an admin signed in, a marketer changed a product, someone failed."""
    admin = make.console_user(role="admin", email="boss@example.com")
    marketer = make.console_user(role="marketer", email="mika@example.com")
    product = make.product(price=1000)
    record(Kind.SIGN_IN, actor=admin)
    record(Kind.UPDATE, actor=marketer, target=product, changes={"price": [1000, 1200]})
    record(Kind.SIGN_IN_FAILED, actor_email="x@example.com", actor_role="unknown",
           detail={"reason": "wrong_password"})
    session.commit()
    return admin


@pytest.mark.parametrize("role", ["marketer", "cashier"])
def test_marketers_and_cashiers_cannot_see_the_log(client, login, trail, role):
    login(role=role)
    assert client.get("/admin/auditevent/").status_code == 403
    assert client.get("/admin/auditevent/export/csv/").status_code == 403
    if role == "marketer":
        assert "操作ログ" not in client.get("/admin/").get_data(as_text=True)


def test_admins_read_the_log_in_japanese_with_times_in_jst(client, login, trail):
    login(role="admin")
    page = client.get("/admin/auditevent/").get_data(as_text=True)
    assert "操作ログ" in client.get("/admin/").get_data(as_text=True)
    price_change = f"{_price_label(client.application)}: 1000 → 1200"
    for shown in ("日時（JST）", "ログイン", "ログイン失敗", "マーケター", "不明なアカウント",
                  price_change, "理由: メールアドレスまたはパスワードの誤り",
                  "mika@example.com", "商品"):
        assert shown in page, shown
    assert ">sign_in_failed<" not in page and "wrong_password" not in page


def test_the_log_offers_no_way_to_create_edit_or_delete(client, login, trail, session):
    login(role="admin")
    before = _events(session)
    event_id = before[0].id
    page = client.get("/admin/auditevent/").get_data(as_text=True)
    assert "/admin/auditevent/new/" not in page
    assert "/admin/auditevent/edit/" not in page
    assert "/admin/auditevent/delete/" not in page
    token = _token(client)
    assert client.get("/admin/auditevent/new/").status_code == 404
    assert client.post("/admin/auditevent/new/", data={"kind": "sign_in",
                                                       "csrf_token": token}).status_code == 404
    assert client.get(f"/admin/auditevent/edit/?id={event_id}").status_code == 404
    assert client.post(f"/admin/auditevent/edit/?id={event_id}",
                       data={"kind": "export", "csrf_token": token}).status_code == 404
    assert client.post("/admin/auditevent/delete/",
                       data={"id": event_id, "csrf_token": token}).status_code == 404
    assert client.post("/admin/auditevent/action/",
                       data={"action": "delete", "rowid": event_id,
                             "csrf_token": token}).status_code == 404
    assert [(e.id, e.kind, e.changes) for e in _events(session)] == \
        [(e.id, e.kind, e.changes) for e in before]


def test_the_log_filters_by_kind_actor_table_and_date(client, login, trail, session):
    login(role="admin")
    page = client.get("/admin/auditevent/").get_data(as_text=True)
    assert page.count("boss@example.com") >= 1

    def shown(query):
        return client.get(f"/admin/auditevent/?{query}").get_data(as_text=True)

    by_kind = shown("flt0_0=sign_in_failed")
    assert "x@example.com" in by_kind and "mika@example.com" not in by_kind
    by_actor = shown("flt1_1=mika")
    assert "mika@example.com" in by_actor and "x@example.com" not in by_actor
    by_table = shown("flt2_3=products")
    assert "mika@example.com" in by_table and "x@example.com" not in by_table
    today = to_business_time(_events(session)[0].occurred_at).strftime("%Y-%m-%d")
    assert "mika@example.com" in shown(f"flt3_8={today}+00:00:00+to+{today}+23:59:59")
    assert "mika@example.com" not in shown("flt3_8=2001-01-01+00:00:00+to+2001-01-02+00:00:00")


def test_admins_export_the_log_as_csv_with_a_bom(client, login, trail, session):
    admin = login(role="admin")
    in_use = db.engine.pool.checkedout()
    answer = client.get("/admin/auditevent/export/csv/?flt0_0=update", buffered=True)
    assert answer.status_code == 200
    assert db.engine.pool.checkedout() == in_use  # the stream's read ended with it
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日時（JST）", "種類", "操作"]
    price_change = f"{_price_label(client.application)}: 1000 → 1200"
    assert [(r[1], r[3], r[5], r[7]) for r in rows[1:]] == [
        ("変更", "mika@example.com", "商品", price_change)]
    assert len(rows[1][0]) == len("2026-11-24 21:30:00")  # JST, to the second
    [export] = _events(session, kind="export")
    assert (export.actor_id, export.detail) == (
        admin.id, {"dataset": "audit_events", "format": "csv", "rows": 1})
