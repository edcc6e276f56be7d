"""Warranty cover of purchased products, in business dates (the calendar the shop and the
shopper use), never the UTC calendar."""

import calendar
from datetime import date, datetime

from core.clock import to_business_time


def warranty_end(purchased_at: datetime, months: int) -> date | None:
    """The business date of purchase plus `months`; a day the month lacks becomes its last
    (31 January + 1 month = 28 or 29 February), as warranties are written. None: no warranty."""
    if months <= 0:
        return None
    bought_on = to_business_time(purchased_at).date()
    month_index = bought_on.month - 1 + months
    year, month = bought_on.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(bought_on.day, calendar.monthrange(year, month)[1]))
