"""Register test helpers: an API client that checks every answer against /api/openapi.json."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import jsonschema
from sqlalchemy import func, select

from core.clock import utcnow
from coupons.models import CouponDefinition, DiscountType, IssuedCoupon
from coupons.service import new_coupon_code
from members.numbers import new_member_number
from pos import keys
from pos.openapi import DOCUMENT

TOKYO = ZoneInfo("Asia/Tokyo")


def recently(**ago) -> str:
    """A register timestamp (Tokyo time, with offset) a while before the product's "now":
    purchases stay inside the 12-month rank window whatever the date. Default: an hour ago."""
    moment = utcnow() - (timedelta(**ago) if ago else timedelta(hours=1))
    return moment.astimezone(TOKYO).isoformat(timespec="seconds")


def _template_for(path: str) -> str:
    for template in DOCUMENT["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check_against_spec(method: str, path: str, status: int, body) -> None:
    """The answer's JSON must match the document's schema for this operation and status."""
    assert body is not None, f"{method} {path} answered {status} without JSON"
    template = _template_for(path.split("?")[0])
    responses = DOCUMENT["paths"][template][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered undocumented {status}"
    pointer = "/".join(["#/paths", template.replace("/", "~1"), method.lower(), "responses",
                        str(status), "content", "application~1json", "schema"])
    jsonschema.validate(body, {**DOCUMENT, "$ref": pointer},
                        cls=jsonschema.Draft202012Validator)


class Api:
    """Calls the register API with a register's key, as a register would."""

    def __init__(self, client, key: str):
        self.client, self.key = client, key

    def call(self, method: str, path: str, json=None, data=None, key=None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        answer = self.client.open(path, method=method, json=json, data=data, headers=headers)
        check_against_spec(method, path, answer.status_code, answer.get_json())
        return answer

    def scan(self, code: str, **kwargs):
        return self.call("POST", "/api/v1/scan", json={"code": code}, **kwargs)

    def purchase(self, body: dict, **kwargs):
        return self.call("POST", "/api/v1/purchases", json=body, **kwargs)


def keyed_register(make, session, store=None):
    register = make.register(store=store)
    key = keys.issue_api_key(register=register)
    session.commit()
    return register, key


def card_member(make, **kwargs):
    """A member whose number is a valid card code (check digit and all)."""
    return make.member(member_number=new_member_number(), **kwargs)


def receipt(number="R-0001", lines=None, total=None, **extra) -> dict:
    lines = lines or [{"sku": "SKU-TEE", "quantity": 2, "unit_price": 3000}]
    if total is None:
        total = sum(x["quantity"] * x["unit_price"] - x.get("discount", 0) for x in lines)
    return {"receipt_number": number, "purchased_at": recently(), "lines": lines, "total": total,
            "payment_method": "cash", **extra}


def coupon_for(session, member, *, value=500, kind=DiscountType.AMOUNT, minimum=0,
               reinstate=True, expires_in=timedelta(days=10)) -> IssuedCoupon:
    definition = CouponDefinition(code=f"D{new_coupon_code()}", name="テストクーポン",
                                  discount_type=kind, discount_value=value,
                                  minimum_spend=minimum, reinstate_on_return=reinstate)
    session.add(definition)
    session.flush()
    now = utcnow()
    coupon = IssuedCoupon(definition_id=definition.id, member_id=member.id,
                          code=new_coupon_code(), issue_key=f"test:{new_coupon_code()}",
                          issued_at=now, expires_at=now + expires_in)
    session.add(coupon)
    session.commit()
    return coupon


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def fresh(session, model, row_id):
    """The row as the database has it now (requests ran in their own sessions)."""
    session.expire_all()
    return session.get(model, row_id)
