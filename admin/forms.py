"""The console's form base and form converter for Flask-Admin model views."""

import enum

from flask import current_app
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import DateTimeField, Select2Field
from flask_admin.model.form import converts
from flask_wtf import FlaskForm

from admin.labels import enum_choices
from core.clock import to_business_time

BUSINESS_TIME_FORMAT = "%Y-%m-%d %H:%M"


class BusinessTimeField(DateTimeField):
    """A stored UTC moment shown and typed in business time (JST), to the minute."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("format", None)
        super().__init__(label, validators, format=BUSINESS_TIME_FORMAT, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return to_business_time(self.data).strftime(BUSINESS_TIME_FORMAT) if self.data else ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=current_app.config["SETTINGS"].tz)


class ConsoleForm(FlaskForm):
    """Flask-Admin forms carry the same CSRF token the global CSRFProtect checks.

    `_obj` is the record being edited: Flask-Admin's Unique validator looks for it to tell
    the record's own value from another record's (without it every edit is a duplicate)."""

    def __init__(self, *args, obj=None, **kwargs):
        self._obj = obj
        super().__init__(*args, obj=obj, **kwargs)


class ConsoleModelConverter(AdminModelConverter):

    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        return BusinessTimeField(**field_args)

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        """A select of stored values under Japanese labels, showing the record's current one.

        Flask-Admin's own converter compares member names (ADMIN) with stored values
        ("admin"), so an edit page selected nothing and saving took the first option."""
        enum_class = column.type.enum_class
        if enum_class is None:
            return super().convert_enum(column, field_args, **extra)
        field_args["allow_blank"] = column.nullable
        field_args["choices"] = enum_choices(enum_class)
        field_args["coerce"] = lambda value: enum_class(
            value.value if isinstance(value, enum.Enum) else value)
        return Select2Field(**field_args)
