"""How the console writes figures: yen as ¥1,234, rates as 12.3%, moments in business time."""

from datetime import datetime

from core.clock import to_business_time

NONE = "—"


def yen(amount) -> str:
    if amount is None:
        return NONE
    rounded = round(amount)
    return f"-¥{-rounded:,}" if rounded < 0 else f"¥{rounded:,}"


def signed_yen(amount) -> str:
    """A difference: +¥1,000 / -¥250."""
    if amount is None:
        return NONE
    return yen(amount) if round(amount) < 0 else f"+{yen(amount)}"


def percent(rate) -> str:
    return NONE if rate is None else f"{rate * 100:.1f}%"


def points(difference) -> str:
    """A difference of two rates, in percentage points: +5.0pt."""
    return NONE if difference is None else f"{difference * 100:+.1f}pt"


def times(ratio) -> str:
    return NONE if ratio is None else f"{ratio:.2f}倍"


def jst(moment: datetime | None) -> str:
    """A stored UTC moment as the console shows it: 2026-11-24 11:00 (JST)."""
    return NONE if moment is None else to_business_time(moment).strftime("%Y-%m-%d %H:%M")


def number(n) -> str:
    return NONE if n is None else f"{n:,}"
