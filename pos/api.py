"""The register API (/api/v1): JSON, one API key per register, described by /api/openapi.json.

Views parse, call a pos service and shape the answer; the services own the rules.
"""

import re

from flask import Blueprint, g, jsonify, request

from catalog import service as catalog
from catalog.models import StoreKind
from pos import keys, online, openapi, validation
from pos.errors import PosError
from pos.http import committed, committed_purchase, error_response, json_body
from pos.purchases import record_purchase
from pos.receipts import parse_receipt
from pos.scan import scan_code
from purchases.models import PurchaseStatus
from purchases.returns import reverse_purchase

bp = Blueprint("pos_api", __name__, url_prefix="/api")
bp.register_error_handler(PosError, error_response)


@bp.before_request
def authenticate_register():
    if request.endpoint == "pos_api.openapi_document":
        return None
    header = request.headers.get("Authorization", "")
    register = keys.authenticate(key=header.removeprefix("Bearer ").strip())
    if register is None:
        return error_response(PosError("unauthorized", "APIキーが無効です。", 401))
    g.register = register
    return None


@bp.before_request
def check_request_against_the_document():
    # Every path parameter and body is checked against /api/openapi.json before a view runs.
    if request.endpoint == "pos_api.openapi_document" or request.url_rule is None:
        return None
    validation.check_request(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", request.url_rule.rule),
                             request.method)
    return None


def _till() -> str:
    return f"register:{g.register.id}"


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.DOCUMENT)


@bp.post("/v1/scan")
def scan():
    body = json_body()
    return committed(scan_code(code=body["code"], store=g.register.store, till=_till()))


@bp.post("/v1/purchases")
def create_purchase():
    _require_kind(StoreKind.SHOP)
    receipt = parse_receipt(json_body())
    return committed_purchase(record_purchase(store=g.register.store, receipt=receipt,
                                              till=_till(), register_id=g.register.id))


@bp.post("/v1/purchases/<receipt_number>/return")
def return_purchase(receipt_number):
    return committed_purchase(reverse_purchase(store=g.register.store,
                                               receipt_number=receipt_number,
                                               status=PurchaseStatus.RETURNED))


@bp.post("/v1/purchases/<receipt_number>/void")
def void_purchase(receipt_number):
    return committed_purchase(reverse_purchase(store=g.register.store,
                                               receipt_number=receipt_number,
                                               status=PurchaseStatus.VOIDED))


@bp.post("/v1/online-orders")
def create_online_order():
    _require_kind(StoreKind.ONLINE)
    return committed_purchase(online.record_online_order(store=g.register.store,
                                                         body=json_body()))


@bp.put("/v1/stock")
def put_stock():
    body = json_body()
    product = catalog.find_product(code=body.get("sku") or body["jan"])
    if product is None:
        raise PosError("unknown_product", "商品が登録されていません。", 422)
    before, after = catalog.set_stock(store_id=g.register.store_id, product_id=product.id,
                                      quantity=int(body["quantity"]))  # 7.0 is an integer too
    return committed({"sku": product.sku, "before": before, "after": after})


def _require_kind(kind: StoreKind) -> None:
    if g.register.store.kind != kind:
        raise PosError("wrong_store_kind", "このAPIキーの店舗ではこの操作はできません。", 403)
