"""List filters for our column types: str-enums by their stored value with Japanese labels."""

from flask_admin.contrib.sqla import filters as sqla
from flask_admin.model.filters import convert

from admin.labels import enum_choices


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


class ConsoleFilterConverter(sqla.FilterConverter):
    enum = (EnumEquals, EnumNotEquals, sqla.EnumFilterEmpty, EnumInList, EnumNotInList)

    @convert("UTCDateTime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)

    @convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        # Flask-Admin looks members up by name (LIGHT); our columns store values ("light").
        options = options or enum_choices(column.type.enum_class)
        return [f(column, name, options, **kwargs) for f in self.enum]
