"""The register API's OpenAPI 3.1 document, written as data (served at /api/openapi.json)."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


ERRORS = {str(status): _json("Error", text) for status, text in (
    (400, "malformed JSON or a missing/invalid field"), (401, "missing, wrong or revoked key"),
    (403, "the key's store cannot do this"), (404, "unknown code or receipt"),
    (409, "receipt number reused with another body, or already reversed"),
    (422, "refused: unknown product, totals do not add up, coupon used or expired, ..."))}


def _operation(summary: str, body: str | None, answer: str) -> dict:
    operation = {"summary": summary, "responses": {"200": _json(answer, "OK"), **ERRORS}}
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(body)}}}
    return operation


def _reversal(summary: str) -> dict:
    operation = _operation(summary, None, "PurchaseAnswer")
    operation["parameters"] = [{"name": "receipt_number", "in": "path", "required": True,
                                "schema": {"type": "string"}}]
    return operation


INT = {"type": "integer"}
STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}

LINE = {"type": "object", "required": ["quantity", "unit_price"], "properties": {
    "sku": STR, "jan": STR, "quantity": {"type": "integer", "minimum": 1},
    "unit_price": {"type": "integer", "minimum": 0},
    "discount": {"type": "integer", "minimum": 0, "default": 0}}}


def _receipt_schema(id_field: str, time_field: str, **extra) -> dict:
    """A store receipt and an online order share their shape; only the names differ."""
    return {"type": "object", "required": [id_field, time_field, "lines", "total"],
            "properties": {id_field: {"type": "string", "maxLength": 64},
                           time_field: {"type": "string", "format": "date-time"},
                           "lines": {"type": "array", "minItems": 1, "items": LINE},
                           "total": {"type": "integer", "minimum": 0},
                           "payment_method": STR, **extra}}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": STR, "message": STR}}}},
    "ScanRequest": {"type": "object", "required": ["code"], "properties": {"code": STR}},
    "Member": {"type": "object", "required": ["member_number", "name", "rank", "points_balance"],
               "properties": {"member_number": STR, "name": NULLABLE_STR,
                              "membership": {"enum": ["light", "full"]},
                              "rank": {"enum": ["regular", "silver", "gold"]},
                              "points_balance": INT}},
    "Coupon": {"type": "object", "required": ["code", "name", "discount_type", "discount_value",
                                              "expires_at"],
               "properties": {"code": STR, "name": STR,
                              "discount_type": {"enum": ["amount", "percent"]},
                              "discount_value": INT, "minimum_spend": INT,
                              "expires_at": {"type": "string", "format": "date-time"}}},
    "ScanAnswer": {"type": "object",
                   "required": ["kind", "member", "coupons", "member_token"],
                   "properties": {"kind": {"enum": ["static", "rotating", "coupon"]},
                                  "member": _ref("Member"),
                                  "coupons": {"type": "array", "items": _ref("Coupon")},
                                  "scanned_coupon": NULLABLE_STR, "member_token": STR,
                                  "member_token_expires_in": INT}},
    "PurchaseRequest": _receipt_schema("receipt_number", "purchased_at",
                                       member_token=STR, member_number=STR,
                                       coupon_codes={"type": "array", "items": STR}),
    "OnlineOrderRequest": _receipt_schema("order_id", "ordered_at",
                                          member_number=STR, email=STR),
    "PurchaseAnswer": {"type": "object",
                       "required": ["purchase_id", "receipt_number", "status", "total",
                                    "points_earned", "redeemed_coupons", "member"],
                       "properties": {
                           "purchase_id": INT, "receipt_number": STR,
                           "status": {"enum": ["completed", "returned", "voided"]},
                           "total": INT, "coupon_discount": INT, "points_earned": INT,
                           "redeemed_coupons": {"type": "array", "items": STR},
                           "member": {"oneOf": [_ref("Member"), {"type": "null"}]}}},
    "StockRequest": {"type": "object", "required": ["quantity"],
                     "properties": {"sku": STR, "jan": STR, "quantity": INT}},
    "StockAnswer": {"type": "object", "required": ["sku", "before", "after"],
                    "properties": {"sku": STR, "before": INT, "after": INT}},
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Register API", "version": "1.0.0",
             "description": "Scans, purchases, returns, online orders and stock. Every "
                            "request carries `Authorization: Bearer <register API key>`; "
                            "the key decides the store."},
    "security": [{"registerKey": []}],
    "paths": {
        "/api/v1/scan": {"post": _operation("Resolve a scanned card or coupon code",
                                            "ScanRequest", "ScanAnswer")},
        "/api/v1/purchases": {"post": _operation("Record a sale (idempotent by receipt number)",
                                                 "PurchaseRequest", "PurchaseAnswer")},
        "/api/v1/purchases/{receipt_number}/return": {"post": _reversal("Return a sale")},
        "/api/v1/purchases/{receipt_number}/void": {"post": _reversal("Void a sale")},
        "/api/v1/online-orders": {"post": _operation("Record an online order (online store key)",
                                                     "OnlineOrderRequest", "PurchaseAnswer")},
        "/api/v1/stock": {"put": _operation("Set this store's stock of a product",
                                            "StockRequest", "StockAnswer")},
    },
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "registerKey": {"type": "http", "scheme": "bearer"}}},
}
