"""Business months (Asia/Tokyo by default) as UTC bounds, and the SQL that puts a stored moment
in its month, so every figure is grouped by the month a shopper in Japan would say."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import case

MONTHS = 12  # shown on the dashboard
HISTORY = 24  # months bucketed: the 12 shown and the 12 before (rolling 12-month spend)


@dataclass(frozen=True)
class Months:
    """The last `HISTORY` business months up to the one containing `as_of`. Bucket k is month k
    (0 = oldest); the shown months are the last `MONTHS` buckets."""

    as_of: datetime
    starts: tuple[datetime, ...]  # UTC start of each bucket, and of the month after the last

    @classmethod
    def ending_at(cls, as_of: datetime) -> "Months":
        tz = current_app.config["SETTINGS"].tz
        today = as_of.astimezone(tz).date()
        firsts = [_add_months(today.replace(day=1), k - HISTORY + 1) for k in range(HISTORY + 1)]
        return cls(as_of, tuple(datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
                                for first in firsts))

    @property
    def shown(self) -> range:
        return range(HISTORY - MONTHS, HISTORY)

    def label(self, k: int) -> str:
        """'2026-11' for bucket k (its business month)."""
        tz = current_app.config["SETTINGS"].tz
        return self.starts[k].astimezone(tz).strftime("%Y-%m")

    def start(self, k: int) -> datetime:
        return self.starts[k]

    def end(self, k: int) -> datetime:
        """Where month k's state is read: its end, or now for the current month."""
        return min(self.starts[k + 1], self.as_of)

    def bucket(self, column):
        """SQL: the bucket of a moment; -1 before the first month, HISTORY from next month on
        (never for stored facts, which are before `as_of`), NULL for none."""
        whens = [(column < start, k - 1) for k, start in enumerate(self.starts)]
        return case((column.is_(None), None), *whens, else_=HISTORY)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
