"""Writing the audit trail. Every function adds its row to the caller's session, so it commits
(or rolls back) with the change it describes; only `record_export`, which describes no change
of its own, commits."""

from flask import has_request_context, request

from audit.changes import changes_of_edit, values_of_row
from audit.models import ActorRole, AuditEvent, Kind
from core.extensions import db

MAX_EMAIL = 254


def record(kind: Kind, *, actor=None, actor_role: ActorRole | None = None,
           actor_email: str | None = None, action: str | None = None, target=None,
           target_table: str | None = None, target_id=None, changes: dict | None = None,
           detail: dict | None = None) -> AuditEvent:
    """Add one event to the session. `actor` is a console user (id, email, role) or None (then
    `actor_role` says who: the member, a job, the command line); `target` a mapped row."""
    if target is not None:
        target_table = target.__table__.name
        target_id = _primary_key(target)
    event = AuditEvent(
        kind=Kind(kind).value, action=action,
        actor_id=getattr(actor, "id", None),
        actor_email=(actor_email or getattr(actor, "email", None) or "")[:MAX_EMAIL] or None,
        actor_role=_role_of(actor, actor_role),
        target_table=target_table, target_id=None if target_id is None else str(target_id),
        changes=changes or None, detail=detail or None, ip=_client_address())
    db.session.add(event)
    return event


def record_change(kind: Kind, row, *, actor) -> AuditEvent | None:
    """A console create, edit or delete of `row`, with before -> after of what changed. Call
    before the commit: edits are read from the row's pending changes, new rows get their id.
    An edit that changes nothing (saved unchanged) is no change: nothing is recorded."""
    if kind == Kind.CREATE:
        db.session.flush()
        changes = values_of_row(row, after=True)
    elif kind == Kind.DELETE:
        changes = values_of_row(row, after=False)
    else:
        changes = changes_of_edit(row)
        if not changes:
            return None
    return record(kind, actor=actor, target=row, changes=changes)


def record_export(actor, dataset: str, fmt: str, rows: int | None = None, *,
                  actor_role: ActorRole | None = None,
                  pseudonymised: bool | None = None) -> AuditEvent:
    """Someone took data out (a CSV, JSON Lines, a zip): what, in which format, how many rows
    (None when streamed and not yet counted), with or without personal data. Commits: an
    export changes nothing to wait for."""
    detail = {"dataset": dataset, "format": fmt, "rows": rows}
    if pseudonymised is not None:
        detail["pseudonymised"] = pseudonymised
    event = record(Kind.EXPORT, actor=actor, actor_role=actor_role, target_table=dataset,
                   detail=detail)
    db.session.commit()
    return event


def _role_of(actor, role: ActorRole | None) -> str:
    if role is not None:
        return ActorRole(role).value
    if actor is None:
        return ActorRole.SYSTEM.value
    return ActorRole(getattr(actor.role, "value", actor.role)).value


def _primary_key(row) -> str:
    values = [getattr(row, column.key) for column in row.__mapper__.primary_key]
    return ",".join(str(value) for value in values)


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None
