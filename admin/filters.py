"""List filters for our column types: str-enums by their stored value with Japanese labels,
integers only within the column's range, and times typed in business time (JST)."""

from datetime import datetime

from flask import current_app
from flask_admin.contrib.sqla import filters as sqla
from flask_admin.model.filters import convert
from sqlalchemy import or_, select

from admin.labels import enum_choices
from admin.query_args import in_column_range
from members.models import Member


def _enum_value(flt, raw: str):
    """The enum member stored as `raw`; ValueError (the filter is refused) for anything else."""
    return flt.column.type.enum_class(raw.strip())


class EnumEquals(sqla.EnumEqualFilter):
    def clean(self, value):
        return _enum_value(self, value)


class EnumNotEquals(sqla.EnumFilterNotEqual):
    def clean(self, value):
        return _enum_value(self, value)


class EnumInList(sqla.EnumFilterInList):
    def clean(self, value):
        return [_enum_value(self, raw) for raw in value.split(",") if raw.strip()]


class EnumNotInList(sqla.EnumFilterNotInList):
    def clean(self, value):
        return [_enum_value(self, raw) for raw in value.split(",") if raw.strip()]


def _refined(base, refine):
    """`base` whose cleaned value (one value, a list, or a (start, end) pair) also goes through
    `refine(column, item)`, which may raise ValueError to refuse the filter."""

    class Refined(base):
        def clean(self, value):
            cleaned = super().clean(value)
            if isinstance(cleaned, list | tuple):
                return type(cleaned)(refine(self.column, item) for item in cleaned)
            return refine(self.column, cleaned)

    Refined.__name__ = Refined.__qualname__ = base.__name__
    return Refined


def _int_in_range(column, value):
    return in_column_range(column, value) if isinstance(value, int) else value


def _in_business_time(column, value):
    """A typed time means business time; UTCDateTime refuses naive datetimes."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=current_app.config["SETTINGS"].tz)
    return value


class ConsoleFilterConverter(sqla.FilterConverter):
    enum = (EnumEquals, EnumNotEquals, sqla.EnumFilterEmpty, EnumInList, EnumNotInList)
    int_filters = tuple(_refined(f, _int_in_range) for f in sqla.FilterConverter.int_filters)
    utc_datetime_filters = tuple(_refined(f, _in_business_time)
                                 for f in sqla.FilterConverter.datetime_filters)

    @convert("UTCDateTime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return [f(column, name, **kwargs) for f in self.utc_datetime_filters]

    @convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        # Flask-Admin looks members up by name (LIGHT); our columns store values ("light").
        options = options or enum_choices(column.type.enum_class)
        return [f(column, name, options, **kwargs) for f in self.enum]


class MemberFilter(sqla.BaseSQLAFilter):
    """A list's rows of one member, found by member number or part of the display name."""

    def __init__(self, column, name="会員"):
        super().__init__(column, name)

    def apply(self, query, value, alias=None):
        value = value.strip()
        members = select(Member.id).where(or_(Member.member_number == value,
                                              Member.display_name.contains(value)))
        return query.filter(self.get_column(alias).in_(members))

    def operation(self):
        return "番号・表示名"
