"""The audit trail (操作ログ): one append-only table of who did what, when, to which row.

Domains and the console call `record` (and `record_change` / `record_export`) in the same
transaction as the change they describe, so a change rolled back leaves no trace here."""

from audit.service import record, record_change, record_export

__all__ = ["record", "record_change", "record_export"]
