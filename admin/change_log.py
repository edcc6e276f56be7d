"""Console pages that are not model views (segments, flow settings, message texts, chat and
survey settings, dashboard thresholds) put their changes in the audit trail like the model
views do: every row a decorated request adds, changes or deletes, with before -> after, in
the change's own transaction (a rolled back change leaves no record)."""

from functools import wraps

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from audit import record, record_change
from audit.changes import values_of_row
from audit.models import AuditEvent, Kind

_ACTOR = "audit_actor"
_CREATED = "audit_created_rows"


def records_changes(view):
    """Decorate a console page's POST handler: the rows it writes are recorded as its user's."""
    @wraps(view)
    def recording(*args, **kwargs):
        setattr(g, _ACTOR, current_user._get_current_object())
        try:
            return view(*args, **kwargs)
        finally:
            g.pop(_ACTOR, None)
            g.pop(_CREATED, None)
    return recording


def _actor():
    return g.get(_ACTOR) if has_request_context() else None


def _audited(rows) -> list:
    return [row for row in rows if not isinstance(row, AuditEvent)]


def _before_flush(session, flush_context, instances) -> None:
    """Edits and deletes while their before-values are still known; new rows wait for their
    ids (after the flush)."""
    actor = _actor()
    if actor is None:
        return
    for row in _audited(session.dirty):
        if session.is_modified(row, include_collections=False):
            record_change(Kind.UPDATE, row, actor=actor)
    for row in _audited(session.deleted):
        record_change(Kind.DELETE, row, actor=actor)
    g.setdefault(_CREATED, []).extend(_audited(session.new))


def _after_flush_postexec(session, flush_context) -> None:
    """The new rows, now with their ids; the records are written by the flush that the commit
    makes next, in the same transaction."""
    actor = _actor()
    created = g.pop(_CREATED, []) if actor is not None else []
    for row in created:
        record(Kind.CREATE, actor=actor, target=row, changes=values_of_row(row, after=True))


def listen() -> None:
    """Wire the recorder (once, by the app factory)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush_postexec)
