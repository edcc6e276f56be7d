"""Query-string values the database can take: a crafted URL gets an empty answer, never a 500."""

from sqlalchemy import BigInteger, Integer, SmallInteger, inspect

MAX_PAGE = 100_000  # 5 million rows at 50 a page; OFFSET must stay a valid BIGINT
_INT_BITS = ((SmallInteger, 16), (BigInteger, 64), (Integer, 32))


def without_nul(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL, so no stored value contains one: drop it."""
    return text.replace("\x00", "") if text else text


def in_column_range(column, value: int) -> int:
    """`value` if the integer column can hold it; ValueError otherwise (PostgreSQL and SQLite
    refuse out-of-range parameters with an error, not an empty result)."""
    bits = next((n for kind, n in _INT_BITS if isinstance(column.type, kind)), 64)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f"{value} is out of range for {column}")
    return value


def is_possible_key(model, raw_id: str) -> bool:
    """Whether `raw_id` could be the primary key of a `model` row (e.g. an integer in range)."""
    keys = inspect(model).primary_key
    if not raw_id or "\x00" in raw_id:
        return False
    if len(keys) != 1 or not isinstance(keys[0].type, Integer):
        return True
    try:
        in_column_range(keys[0], int(raw_id))
    except ValueError:
        return False
    return True
