"""A sale as the register or the online shop reports it, checked (pos.receipts parses it)
but not yet recorded."""

from dataclasses import dataclass, field
from datetime import datetime


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
