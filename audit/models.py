"""The audit_events table. Append-only: the database itself refuses UPDATE, DELETE and
TRUNCATE (triggers of migration 0018_audit_events), so not even the product can rewrite it."""

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime


class Kind(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    REGISTER_KEY_ISSUE = "register_key_issue"
    REGISTER_KEY_REVOKE = "register_key_revoke"
    CAMPAIGN = "campaign"  # the action says which: approve, confirm (send), pause ...
    WITHDRAWAL = "withdrawal"
    ERASURE = "erasure"
    EXPORT = "export"


class ActorRole(enum.StrEnum):
    """Who acted: a console role, or someone without a console account."""

    ADMIN = "admin"
    MARKETER = "marketer"
    CASHIER = "cashier"
    MEMBER = "member"  # the shopper, in the chat (退会)
    SYSTEM = "system"  # a job, on its own
    COMMAND = "command"  # the command line (`flask ...`), run by an operator
    UNKNOWN = "unknown"  # a failed sign-in with an address no account has


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_occurred_at", "occurred_at"),
                      Index("ix_audit_events_kind_time", "kind", "occurred_at"),
                      Index("ix_audit_events_actor_time", "actor_id", "occurred_at"),
                      Index("ix_audit_events_target", "target_table", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The console user's id and address as they were: no foreign key, so the trail outlives
    # the account and a renamed account does not rewrite history.
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(32))
    target_table: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    # {field: [before, after]} for the fields that changed; secrets and personal data appear
    # as "changed" only (the trail is kept for ever, 退会 must erase the person).
    changes: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict | None] = mapped_column(JSON)
