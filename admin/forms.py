"""The console's form base and form converter for Flask-Admin model views."""

import enum

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import Select2Field
from flask_admin.model.form import converts
from flask_wtf import FlaskForm

from admin.labels import enum_choices


class ConsoleForm(FlaskForm):
    """Flask-Admin forms carry the same CSRF token the global CSRFProtect checks.

    `_obj` is the record being edited: Flask-Admin's Unique validator looks for it to tell
    the record's own value from another record's (without it every edit is a duplicate)."""

    def __init__(self, *args, obj=None, **kwargs):
        self._obj = obj
        super().__init__(*args, obj=obj, **kwargs)


class ConsoleModelConverter(AdminModelConverter):

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
