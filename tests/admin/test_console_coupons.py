"""The coupon definition form refuses impossible values with the domain's Japanese messages."""

import pytest

from coupons.models import CouponDefinition, DiscountType
from tests.admin.forms import read_form

NEW = "/admin/coupondefinition/new/"


def _new_coupon(client, **values):
    fields, _ = read_form(client.get(NEW).get_data(as_text=True))
    defaults = {"code": "SPRING", "name": "春のクーポン", "purpose": "general",
                "discount_type": "percent", "discount_value": "10", "minimum_spend": "0",
                "valid_days": "30"}
    return client.post(NEW, data={**fields, **defaults, **values})


@pytest.mark.parametrize("values, message", [
    ({"discount_value": "150"}, "割引率は1〜100％で入力してください。"),
    ({"discount_type": "amount", "discount_value": "-100"},
     "割引額は1〜1,000,000円で入力してください。"),
    ({"minimum_spend": "-1000"}, "最低購入金額は0円以上で入力してください。"),
    ({"valid_days": "-3"}, "有効日数は1〜3,650日で入力してください。"),
    ({"purpose": "bogus"}, "のいずれかを選んでください。"),
])
def test_an_impossible_coupon_is_refused_next_to_its_field(client, login, session, values,
                                                            message):
    login(role="marketer")
    answer = _new_coupon(client, **values)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert session.query(CouponDefinition).count() == 0


def test_a_sensible_coupon_is_created_with_japanese_choices(client, login, session):
    login(role="marketer")
    page = client.get(NEW).get_data(as_text=True)
    assert "友だち追加" in page and "％引き" in page and "円引き" in page

    answer = _new_coupon(client, purpose="f2", discount_type="amount", discount_value="500")

    assert answer.status_code == 302
    stored = session.query(CouponDefinition).one()
    assert (stored.purpose, stored.discount_type, stored.discount_value) == (
        "f2", DiscountType.AMOUNT, 500)


def test_editing_a_coupon_into_an_impossible_one_changes_nothing(client, login, session):
    session.add(CouponDefinition(code="TEN", name="10%OFF", discount_type=DiscountType.PERCENT,
                                 discount_value=10))
    session.commit()
    definition = session.query(CouponDefinition).one()
    login(role="marketer")
    url = f"/admin/coupondefinition/edit/?id={definition.id}"
    fields, _ = read_form(client.get(url).get_data(as_text=True))

    answer = client.post(url, data={**fields, "discount_value": "150"})

    assert "割引率は1〜100％で入力してください。" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(CouponDefinition, definition.id).discount_value == 10
