"""Checking a receipt as the register (or the online shop) sends it, before anything is written.

Every problem becomes a PosError with a code; nothing here touches the database.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from pos.errors import bad_request


@dataclass(frozen=True)
class LineInput:
    code: str  # SKU or JAN
    quantity: int
    unit_price: int
    discount: int = 0

    @property
    def line_total(self) -> int:
        return self.quantity * self.unit_price - self.discount


@dataclass(frozen=True)
class Receipt:
    receipt_number: str
    purchased_at: datetime
    lines: list[LineInput]
    total: int
    fingerprint: str
    payment_method: str | None = None
    member_token: str | None = None
    member_number: str | None = None
    email: str | None = None
    coupon_codes: list[str] = field(default_factory=list)


def fingerprint_of(body: dict) -> str:
    """A hash of the request: the same receipt resent must hash the same."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_receipt(body) -> Receipt:
    """A Receipt from a JSON body; raises PosError (400) naming the first problem."""
    if not isinstance(body, dict):
        raise bad_request("malformed_json", "JSONオブジェクトを送ってください。")
    return Receipt(
        receipt_number=_text(body, "receipt_number", required=True, limit=64),
        purchased_at=_moment(body.get("purchased_at")),
        lines=_lines(body.get("lines")),
        total=_integer(body, "total", minimum=0),
        fingerprint=fingerprint_of(body),
        payment_method=_text(body, "payment_method", limit=32),
        member_token=_text(body, "member_token", limit=500),
        member_number=_text(body, "member_number", limit=13),
        email=_text(body, "email", limit=254),
        coupon_codes=_codes(body.get("coupon_codes", [])),
    )


def _text(body: dict, name: str, *, required: bool = False, limit: int) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise bad_request("invalid_field", f"{name} は{limit}文字以内の文字列で送ってください。")
    return value.strip()


def _integer(body: dict, name: str, *, minimum: int) -> int:
    value = body.get(name)
    # bool is an int in Python; JSON true is not a quantity.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise bad_request("invalid_field", f"{name} は{minimum}以上の整数で送ってください。")
    return value


def _moment(value) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request("invalid_field",
                          "purchased_at はオフセット付きISO 8601で送ってください。")
    return moment


def _lines(value) -> list[LineInput]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise bad_request("invalid_field", "lines に明細を1行以上送ってください。")
    return [_line(item) for item in value]


def _line(item: dict) -> LineInput:
    code = item.get("sku") or item.get("jan")
    if not isinstance(code, str) or not code.strip():
        raise bad_request("invalid_field", "明細には sku か jan が必要です。")
    line = LineInput(code=code.strip(), quantity=_integer(item, "quantity", minimum=1),
                     unit_price=_integer(item, "unit_price", minimum=0),
                     discount=_integer({"d": item.get("discount", 0)}, "d", minimum=0))
    if line.line_total < 0:
        raise bad_request("invalid_field", "明細の値引きが金額を超えています。")
    return line


def _codes(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad_request("invalid_field", "coupon_codes は文字列のリストで送ってください。")
    codes = [v.strip() for v in value]
    if len(set(codes)) != len(codes):
        raise bad_request("invalid_field", "同じクーポンが2回指定されています。")
    return codes
