"""Coupon definitions never hold impossible values, whoever stores them."""

import pytest

from coupons.models import CouponDefinition, DiscountType
from coupons.rules import InvalidCouponDefinition


def _definition(**overrides):
    return CouponDefinition(**{"code": "TEN", "name": "10%OFF", "purpose": "general",
                               "discount_type": DiscountType.PERCENT, "discount_value": 10,
                               "minimum_spend": 0, "valid_days": 30, **overrides})


@pytest.mark.parametrize("overrides, field, message", [
    ({"discount_value": 150}, "discount_value", "割引率は1〜100％で入力してください。"),
    ({"discount_value": 0}, "discount_value", "割引率は1〜100％で入力してください。"),
    ({"discount_type": DiscountType.AMOUNT, "discount_value": -500}, "discount_value",
     "割引額は1〜1,000,000円で入力してください。"),
    ({"minimum_spend": -1}, "minimum_spend", "最低購入金額は0円以上で入力してください。"),
    ({"valid_days": -7}, "valid_days", "有効日数は1〜3,650日で入力してください。"),
    ({"valid_days": 0}, "valid_days", "有効日数は1〜3,650日で入力してください。"),
    ({"purpose": "bogus"}, "purpose", "用途は一般・友だち追加・2回目のお買い物・休眠復帰・お誕生日"
                                      "のいずれかを選んでください。"),
])
def test_an_impossible_definition_is_not_stored(session, overrides, field, message):
    session.add(_definition(**overrides))
    with pytest.raises(InvalidCouponDefinition) as refused:
        session.commit()
    session.rollback()
    assert refused.value.problems == {field: message}
    assert session.query(CouponDefinition).count() == 0


def test_an_existing_definition_cannot_be_changed_into_an_impossible_one(session):
    definition = _definition()
    session.add(definition)
    session.commit()

    definition.discount_value = 150
    with pytest.raises(InvalidCouponDefinition):
        session.commit()
    session.rollback()
    assert session.get(CouponDefinition, definition.id).discount_value == 10


def test_column_defaults_are_valid(session):
    session.add(CouponDefinition(code="YEN", name="500円引き", discount_type=DiscountType.AMOUNT,
                                 discount_value=500))
    session.commit()
    stored = session.query(CouponDefinition).one()
    assert (stored.purpose, stored.minimum_spend, stored.valid_days) == ("general", 0, 30)
