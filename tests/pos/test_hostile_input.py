"""Hostile register API input: every body is refused with a documented 4xx and writes nothing.

A generated set (each field of a valid body replaced by a hostile value or dropped, hostile
whole bodies, deep nesting) and hypothesis-generated JSON. Answers are checked against
/api/openapi.json by helpers.Api; rows are counted before and after.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from catalog.models import Stock, StoreKind
from core.events import DomainEvent
from members.cards import CardCodeUse
from purchases.models import Purchase, PurchaseLine
from tests.pos.helpers import Api, keyed_register, receipt, recently

INT32_MAX = 2**31 - 1
DEEP = 100_000  # past any JSON parser's recursion limit

HOSTILE_VALUES = [
    True, 1.5, "", " ", "x" * 10_000, "\x00", "R\x00-1", "\ud800", "a\udfffb", "\x07\x1b", -1,
    INT32_MAX + 1, 2**63, -(2**31) - 1, 10**40, [], {}, ["SKU-TEE"], {"sku": "SKU-TEE"},
    [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]],
]
HOSTILE_BODIES = [None, [], "receipt", 7, True, [receipt()], {}]
TABLES = (Purchase, PurchaseLine, Stock, CardCodeUse, DomainEvent)


def _stock_body():
    return {"sku": "SKU-TEE", "quantity": 5}


def _order_body():
    body = receipt(number="WEB-1")
    body["order_id"], body["ordered_at"] = body.pop("receipt_number"), body.pop("purchased_at")
    return {**body, "email": "hana@example.com"}


ENDPOINTS = {
    "scan": ("POST", "/api/v1/scan", lambda: {"code": "2900000000000"}),
    "purchase": ("POST", "/api/v1/purchases", receipt),
    "online_order": ("POST", "/api/v1/online-orders", _order_body),
    "stock": ("PUT", "/api/v1/stock", _stock_body),
}
REQUIRED = {"scan": ["code"], "purchase": ["receipt_number", "purchased_at", "lines", "total"],
            "online_order": ["order_id", "ordered_at", "lines", "total"],
            "stock": ["sku", "quantity"]}


def _variants(name: str):
    """The valid body with one field (top level or in the first line) hostile or missing."""
    valid = ENDPOINTS[name][2]()
    for key in [*valid, "unexpected"]:
        for value in HOSTILE_VALUES:
            yield {**valid, key: value}
    for key in REQUIRED[name]:
        yield {k: v for k, v in valid.items() if k != key}
        yield {**valid, key: None}
    line = valid.get("lines", [{}])[0]
    for line_key in [*line, "discount", "extra"] if line else ():
        for value in HOSTILE_VALUES:
            yield {**valid, "lines": [{**line, line_key: value}]}
    for line_key in line:  # sku (the only product code here), quantity, unit_price
        yield {**valid, "lines": [{k: v for k, v in line.items() if k != line_key}]}
    yield from HOSTILE_BODIES


def _raw_variants(valid: dict):
    """Bodies that cannot be built as Python objects: deep nesting, broken text."""
    deep_list = "[" * DEEP + "]" * DEEP
    deep_object = '{"a":' * DEEP + "1" + "}" * DEEP
    text = json.dumps(valid)
    return [deep_list, deep_object, text[:-1] + ', "x": ' + deep_list + "}", text[:-1],
            '{"code": "\\ud800"}', b"\xff\xfe", "9" * 5000, "NaN", '{"total": Infinity}']


def _counts(session):
    session.expire_all()
    return [session.scalar(select(func.count()).select_from(table)) for table in TABLES]


@pytest.fixture
def apis(client, make, session, shop, tee):
    online_store = make.store(kind=StoreKind.ONLINE, code="ONLINE")
    return {"shop": Api(client, keyed_register(make, session, store=shop)[1]),
            "online": Api(client, keyed_register(make, session, store=online_store)[1])}


def _refused(apis, session, name, body=None, raw=None):
    method, path, _ = ENDPOINTS[name]
    api = apis["online" if name == "online_order" else "shop"]
    if raw is None and body is None:
        raw = "null"  # JSON null: json=None would send no body at all
    before = _counts(session)
    answer = api.call(method, path, json=body) if raw is None else api.call(method, path,
                                                                            data=raw)
    assert answer.status_code < 500, (name, body if raw is None else raw[:80])
    if answer.status_code >= 400:
        assert _counts(session) == before, (name, body)
    return answer


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_generated_hostile_bodies_get_a_documented_4xx_and_write_nothing(apis, session, name):
    answers = [_refused(apis, session, name, body=body) for body in _variants(name)]
    answers += [_refused(apis, session, name, raw=raw)
                for raw in _raw_variants(ENDPOINTS[name][2]())]
    assert len(answers) > 50
    assert all(400 <= answer.status_code < 500 for answer in answers)


@pytest.mark.parametrize("path", ["/api/v1/purchases/R\x00-1/return",
                                  "/api/v1/purchases/%00/void",
                                  "/api/v1/purchases/%ED%A0%80/return",
                                  "/api/v1/purchases/" + "9" * 5000 + "/void"])
def test_hostile_receipt_numbers_in_the_path_are_refused(apis, session, path):
    before = _counts(session)
    answer = apis["shop"].call("POST", path)
    assert 400 <= answer.status_code < 500
    assert _counts(session) == before


def test_huge_stock_quantities_are_refused_before_the_database(apis, session):
    answer = apis["shop"].call("PUT", "/api/v1/stock",
                               json={"sku": "SKU-TEE", "quantity": INT32_MAX + 1})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_field"
    assert _counts(session) == [0, 0, 0, 0, 0]


def test_a_sale_whose_line_amount_overflows_the_columns_is_refused(apis, session):
    line = {"sku": "SKU-TEE", "quantity": 99, "unit_price": INT32_MAX // 10}
    answer = apis["shop"].purchase(receipt(lines=[line], total=line["quantity"]
                                           * line["unit_price"]))
    assert answer.status_code == 400
    assert _counts(session) == [0, 0, 0, 0, 0]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
RECEIPT_KEYS = st.sampled_from(["receipt_number", "purchased_at", "lines", "total",
                                "payment_method", "member_token", "member_number",
                                "coupon_codes", "order_id", "ordered_at", "email", "code",
                                "sku", "jan", "quantity"])
LINE = st.fixed_dictionaries({}, optional={"sku": JSON_VALUES, "jan": JSON_VALUES,
                                           "quantity": JSON_VALUES,
                                           "unit_price": JSON_VALUES,
                                           "discount": JSON_VALUES})
BODIES = JSON_VALUES | st.dictionaries(RECEIPT_KEYS, JSON_VALUES | st.lists(LINE, max_size=3),
                                       max_size=8)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(ENDPOINTS)), body=BODIES)
def test_generated_json_never_gets_a_500_and_refusals_write_nothing(apis, session, name, body):
    _refused(apis, session, name, body=body)


def test_valid_bodies_still_work(apis, session):
    """The generated valid bodies are accepted: the refusals above are about the hostile part."""
    assert apis["shop"].call("PUT", "/api/v1/stock", json=_stock_body()).status_code == 200
    assert apis["shop"].purchase(receipt()).status_code == 200
    order = apis["online"].call("POST", "/api/v1/online-orders", json=_order_body())
    assert order.status_code == 200
    assert recently()  # the bodies are stamped relative to the product's clock
