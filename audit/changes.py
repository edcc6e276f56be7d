"""Before -> after of a row's fields, as JSON, without secrets or personal data: the trail is
kept for ever, so a password hash or a shopper's name must never land in it ("changed")."""

import datetime
import decimal
import enum

from sqlalchemy import inspect, select
from sqlalchemy.orm import RelationshipDirection

from core.extensions import db

CHANGED = "changed"
SECRET_FIELDS = {"password_hash", "api_key_hash", "card_secret", "secret", "token"}
# Personal data by table: 退会 erases it from the member row, so it cannot stay here.
PERSONAL_FIELDS = {"members": {"line_user_id", "display_name", "full_name", "full_name_kana",
                               "email", "phone", "birthday"}}


def changes_of_edit(row) -> dict:
    """{field: [before, after]} for the fields of a row changed and not yet flushed."""
    state = inspect(row)
    edited = {}
    for name in _field_names(row):
        history = state.attrs[name].history
        if history.has_changes():
            edited[name] = (history.deleted[0] if history.deleted else _UNREAD,
                            history.added[0] if history.added else None)
    stored = _stored_values(row, [n for n, (before, _) in edited.items() if before is _UNREAD])
    changes = {}
    for name, (before, after) in edited.items():
        before = stored.get(name) if before is _UNREAD else before
        if before != after:
            changes[name] = _pair(row, name, before, after)
    return changes


_UNREAD = object()  # set without being read first (e.g. after a commit expired the row)


def _stored_values(row, names: list[str]) -> dict:
    """What the database still holds for these columns of the row (changes not flushed)."""
    columns = [name for name in names if name in inspect(row).mapper.column_attrs]
    if not columns or inspect(row).key is None:
        return {}
    mapper = inspect(row).mapper
    key = [mapper.primary_key[i] == value
           for i, value in enumerate(inspect(row).identity)]
    with db.session.no_autoflush:
        values = db.session.execute(
            select(*(mapper.column_attrs[name].columns[0] for name in columns)).where(*key)).one()
    return dict(zip(columns, values, strict=True))


def snapshot(row) -> dict:
    """A row's column values now, to compare with later (`changes_since`) when the change
    will be flushed before it is recorded."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def changes_since(row, before: dict) -> dict:
    """{field: [before, after]} between a `snapshot` and the row as it is now."""
    return {name: _pair(row, name, value, getattr(row, name))
            for name, value in before.items() if getattr(row, name) != value}


def values_of_row(row, *, after: bool) -> dict:
    """A new row's values as [None, value], or a deleted row's as [value, None]."""
    values = {}
    for name in _field_names(row):
        value = getattr(row, name)
        if value is None or value == []:
            continue
        values[name] = _pair(row, name, None, value) if after else _pair(row, name, value, None)
    return values


def _field_names(row) -> list[str]:
    """Columns, and the single rows a row points to (a register's store)."""
    mapper = inspect(row).mapper
    return [attr.key for attr in mapper.column_attrs] + [
        rel.key for rel in mapper.relationships
        if rel.direction == RelationshipDirection.MANYTOONE]


def _pair(row, name: str, before, after) -> list:
    if _hidden(row.__table__.name, name):
        return [CHANGED if before is not None else None, CHANGED if after is not None else None]
    return [as_json(before), as_json(after)]


def _hidden(table: str, name: str) -> bool:
    return name in SECRET_FIELDS or name in PERSONAL_FIELDS.get(table, ())


def as_json(value):
    """A stored value as JSON can hold it: enums by value, moments in ISO 8601, rows by name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return value
    return str(value)
