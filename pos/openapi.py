"""The register API's OpenAPI 3.1 document, written as data (served at /api/openapi.json)."""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema_name: str, description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema_name)}}}


ERRORS = {str(status): _json("Error", text) for status, text in (
    (400, "malformed JSON, or a body or path that breaks this document's schemas"),
    (401, "missing, wrong or revoked key"),
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
                                "schema": text(64)}]
    return operation


# Request limits: integers fit the 32-bit columns they land in, strings their columns, and no
# string carries control characters (NUL included) or lone surrogates, which PostgreSQL refuses.
INT32_MAX = 2_147_483_647
MAX_QUANTITY = 99_999  # per receipt line
MAX_STOCK = 99_999_999  # headroom for returns to add to it without leaving the column's range
TEXT_PATTERN = ("^[^\\s\\u0000-\\u001F\\u007F\\uD800-\\uDFFF]"
                "[^\\u0000-\\u001F\\u007F\\uD800-\\uDFFF]*$")


def text(max_length: int) -> dict:
    """A string of printable characters that does not start with a space."""
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}


def integer(minimum: int, maximum: int = INT32_MAX) -> dict:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def nullable(schema: dict) -> dict:
    """An optional field that may also be sent as null (meaning: not given)."""
    return {**schema, "type": [schema["type"], "null"]}


def request_object(required: list[str], properties: dict, **extra) -> dict:
    """A request body: known keys only, so nothing unchecked reaches a view."""
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False, **extra}


INT = {"type": "integer"}
STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
PRODUCT_CODE = nullable(text(64))  # a SKU or a JAN, as typed or scanned
NAMES_A_PRODUCT = {"anyOf": [{"required": [key], "properties": {key: STR}}
                             for key in ("sku", "jan")]}

LINE = request_object(["quantity", "unit_price"], {
    "sku": PRODUCT_CODE, "jan": PRODUCT_CODE, "quantity": integer(1, MAX_QUANTITY),
    "unit_price": integer(0), "discount": {**integer(0), "default": 0}}, **NAMES_A_PRODUCT)


def _receipt_schema(id_field: str, time_field: str, **extra) -> dict:
    """A store receipt and an online order share their shape; only the names differ."""
    return request_object([id_field, time_field, "lines", "total"], {
        id_field: text(64), time_field: {**text(40), "format": "date-time"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": LINE},
        "total": integer(0), "payment_method": nullable(text(32)), **extra})


MEMBER_NUMBER = {"type": ["string", "null"], "pattern": "^[0-9]{13}$"}
MEMBER_TOKEN = nullable(text(500))
COUPON_CODES = {"type": "array", "maxItems": 20, "uniqueItems": True, "items": text(32)}
EMAIL = nullable(text(254))

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": STR, "message": STR}}}},
    "ScanRequest": request_object(["code"], {"code": text(64)}),
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
                                       member_token=MEMBER_TOKEN, member_number=MEMBER_NUMBER,
                                       coupon_codes=COUPON_CODES),
    "OnlineOrderRequest": _receipt_schema("order_id", "ordered_at",
                                          member_number=MEMBER_NUMBER, email=EMAIL),
    "PurchaseAnswer": {"type": "object",
                       "required": ["purchase_id", "receipt_number", "status", "total",
                                    "points_earned", "redeemed_coupons", "member"],
                       "properties": {
                           "purchase_id": INT, "receipt_number": STR,
                           "status": {"enum": ["completed", "returned", "voided"]},
                           "total": INT, "coupon_discount": INT, "points_earned": INT,
                           "redeemed_coupons": {"type": "array", "items": STR},
                           "member": {"oneOf": [_ref("Member"), {"type": "null"}]}}},
    "StockRequest": request_object(["quantity"], {
        "sku": PRODUCT_CODE, "jan": PRODUCT_CODE, "quantity": integer(0, MAX_STOCK)},
        **NAMES_A_PRODUCT),
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

# Not published: the shape pos.receipts takes from every source (the API, the cashier page, an
# online order renamed to receipt fields, a CSV import), checked again there.
RECEIPT = _receipt_schema("receipt_number", "purchased_at", member_token=MEMBER_TOKEN,
                          member_number=MEMBER_NUMBER, coupon_codes=COUPON_CODES, email=EMAIL)
