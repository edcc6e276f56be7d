"""Checking a receipt as the register (or the online shop) sends it, before anything is written.

Every problem becomes a PosError with a code; nothing here touches the database.
"""

import hashlib
import json
from datetime import UTC, datetime

from pos import openapi, validation
from pos.errors import bad_request
from purchases.receipts import LineInput, Receipt


def fingerprint_of(body: dict) -> str:
    """A hash of the request: the same receipt resent must hash the same."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_receipt(body) -> Receipt:
    """A Receipt from a JSON body; raises PosError (400) naming the first problem.

    Types, ranges and characters are checked against pos.openapi's receipt schema first.
    """
    validation.check_receipt(body)
    lines = [_line(item) for item in body["lines"]]
    if sum(line.line_total for line in lines) > openapi.INT32_MAX:
        raise bad_request("invalid_field", "明細の合計金額が大きすぎます。")
    return Receipt(
        receipt_number=body["receipt_number"].strip(),
        purchased_at=_moment(body["purchased_at"]),
        lines=lines,
        total=int(body["total"]),
        fingerprint=fingerprint_of(body),
        payment_method=_optional(body, "payment_method"),
        member_token=_optional(body, "member_token"),
        member_number=_optional(body, "member_number"),
        email=_optional(body, "email"),
        coupon_codes=_codes(body.get("coupon_codes", [])),
    )


def _optional(body: dict, name: str) -> str | None:
    value = body.get(name)
    return value.strip() if value is not None else None


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        moment.astimezone(UTC)  # year 1 or 9999 with an offset leaves the range
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise bad_request("invalid_field",
                          "purchased_at はオフセット付きISO 8601で送ってください。")
    return moment


def _line(item: dict) -> LineInput:
    # The schema lets 7.0 through as an integer: the columns get ints.
    line = LineInput(code=(item.get("sku") or item["jan"]).strip(),
                     quantity=int(item["quantity"]), unit_price=int(item["unit_price"]),
                     discount=int(item.get("discount", 0)))
    if line.line_total < 0:
        raise bad_request("invalid_field", "明細の値引きが金額を超えています。")
    if line.line_total > openapi.INT32_MAX:
        raise bad_request("invalid_field", "明細の金額が大きすぎます。")
    return line


def _codes(value: list[str]) -> list[str]:
    codes = [v.strip() for v in value]
    if len(set(codes)) != len(codes):
        raise bad_request("invalid_field", "同じクーポンが2回指定されています。")
    return codes
