"""Business months as the dashboard names them ('2026-11')."""

from datetime import date


def month_bounds(period: str) -> tuple[date, date]:
    """The first day of a month 'YYYY-MM' and of the month after."""
    year, month = (int(part) for part in period.split("-"))
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), following
