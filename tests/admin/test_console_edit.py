"""Console edit pages: saving a record unchanged saves it, and selects show the current value."""

import pytest
from sqlalchemy import inspect

from admin.models import ConsoleUser, Role
from catalog.models import Product, StoreKind
from coupons.models import CouponDefinition, DiscountType
from tests.admin.forms import read_form


def _columns(row) -> dict:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _save_unchanged(client, view: str, row_id: int):
    """Open the edit page and submit it as a browser would, touching nothing."""
    url = f"/admin/{view}/edit/?id={row_id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))
    return client.post(url, data=fields)


@pytest.fixture
def records(make, session):
    coupon = CouponDefinition(code="WELCOME", name="ようこそクーポン", purpose="welcome",
                              discount_type=DiscountType.PERCENT, discount_value=10)
    session.add(coupon)
    session.commit()
    return {"product": make.product(sku="SKU-EDIT", jan="4901234567894",
                                    online_url="https://shop.example/edit"),
            "store": make.store(code="SHIBUYA", kind=StoreKind.ONLINE),
            "coupondefinition": coupon}


@pytest.mark.parametrize("view", ["product", "store", "coupondefinition"])
def test_saving_a_record_with_unique_fields_unchanged_saves_it(client, login, records, session,
                                                                view):
    login(role="admin")
    row = records[view]
    before = _columns(row)

    answer = _save_unchanged(client, view, row.id)

    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert "既に存在します" not in client.get(answer.location).get_data(as_text=True)
    session.expire_all()
    assert _columns(session.get(type(row), row.id)) == before


def test_a_unique_value_taken_by_another_record_is_still_refused(client, login, make, session):
    login(role="admin")
    make.product(sku="TAKEN")
    product = make.product(sku="MINE")
    url = f"/admin/product/edit/?id={product.id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))

    answer = client.post(url, data={**fields, "sku": "TAKEN"})

    assert answer.status_code == 200
    assert "既に存在します" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Product, product.id).sku == "MINE"


def test_console_user_edit_shows_the_current_role_and_keeps_it(client, login, make, session):
    login(role="admin")
    marketer = make.console_user(role="marketer")
    url = f"/admin/consoleuser/edit/?id={marketer.id}"

    _, selected = read_form(client.get(url).get_data(as_text=True))
    assert selected["role"] == "marketer"

    assert _save_unchanged(client, "consoleuser", marketer.id).status_code == 302
    session.expire_all()
    assert session.get(ConsoleUser, marketer.id).role == Role.MARKETER


def test_console_user_role_changes_when_an_admin_picks_another(client, login, make, session):
    login(role="admin")
    cashier = make.console_user(role="cashier")
    url = f"/admin/consoleuser/edit/?id={cashier.id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))

    assert client.post(url, data={**fields, "role": "marketer"}).status_code == 302
    session.expire_all()
    assert session.get(ConsoleUser, cashier.id).role == Role.MARKETER


def test_role_select_offers_japanese_labels(client, login, make):
    login(role="admin")
    user = make.console_user(role="cashier")
    html = client.get(f"/admin/consoleuser/edit/?id={user.id}").get_data(as_text=True)
    assert "管理者" in html and "マーケター" in html and "レジ担当" in html


def test_store_kind_select_shows_the_current_kind(client, login, records):
    login(role="admin")
    html = client.get(f"/admin/store/edit/?id={records['store'].id}").get_data(as_text=True)
    assert read_form(html)[1]["kind"] == "online"
