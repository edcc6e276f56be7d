"""Column types shared by the domain models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use core.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def str_enum(enum_class, name: str) -> Enum:
    """A str-enum stored as its value in a VARCHAR (portable, and migrations stay simple)."""
    return Enum(enum_class, name=name, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])
