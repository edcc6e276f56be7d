"""Who may export what, and an export run: rows streamed from the database a batch at a time
(server-side cursors on PostgreSQL), written as they come, recorded once finished."""

import hashlib
import hmac
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import current_app

import audit
from audit.models import ActorRole
from core.clock import business_now
from core.extensions import db
from core.roles import Role
from exports.datasets import ALL, DATASETS, FORMATS, MEMBER_KEY, MEMBER_NUMBER, Dataset
from exports.formats import WRITERS, zip_chunks

log = logging.getLogger(__name__)
YIELD_PER = 2000  # rows fetched from the cursor at a time


class ExportRefused(Exception):
    """This person may not take this export (e.g. a cashier)."""


class BadExportRequest(ValueError):
    """An unknown dataset or format; the message says which are known."""


@dataclass
class Export:
    """One planned export; `chunks()` streams it and records it once it has finished."""

    user: object  # the console user, or None on the command line
    datasets: tuple[Dataset, ...]
    fmt: str
    pseudonymised: bool
    as_zip: bool
    rows: int = field(default=0)

    @property
    def name(self) -> str:
        return ALL if self.as_zip else self.datasets[0].key

    @property
    def filename(self) -> str:
        suffix = "-pseudonymised" if self.pseudonymised else ""
        extension = "zip" if self.as_zip else self.fmt
        return f"{self.name}{suffix}-{business_now():%Y%m%d-%H%M}.{extension}"

    def chunks(self) -> Iterator[bytes]:
        if self.as_zip:
            yield from zip_chunks((f"{d.key}.{self.fmt}", self._file(d)) for d in self.datasets)
        else:
            yield from self._file(self.datasets[0])
        _record_export(self)

    def _file(self, dataset: Dataset) -> Iterator[bytes]:
        pseudonymised = self.pseudonymised and not dataset.aggregate
        columns = dataset.columns_for(pseudonymised)
        return WRITERS[self.fmt](columns, self._counted(rows(dataset, pseudonymised)))

    def _counted(self, stream):
        for row in stream:
            self.rows += 1
            yield row


def plan_export(*, user, role: Role | None, dataset: str, fmt: str,
                pseudonymise: bool) -> Export:
    """Check who asks for what; raise before any byte is written. role None: the command line
    (someone with the server's own access)."""
    if role is not None and role not in (Role.ADMIN, Role.MARKETER):
        raise ExportRefused("データ出力の権限がありません。")
    if fmt not in FORMATS:
        raise BadExportRequest(f"形式は {', '.join(FORMATS)} のいずれかです。")
    if dataset != ALL and dataset not in DATASETS:
        raise BadExportRequest(f"出力できるデータは {', '.join([*DATASETS, ALL])} です。")
    # Personal data leaves with admins (and the server's operator) only.
    pseudonymised = pseudonymise or role == Role.MARKETER
    chosen = tuple(DATASETS.values()) if dataset == ALL else (DATASETS[dataset],)
    return Export(user=user, datasets=chosen, fmt=fmt, pseudonymised=pseudonymised,
                  as_zip=dataset == ALL)


def rows(dataset: Dataset, pseudonymised: bool) -> Iterator[dict]:
    """The dataset's rows, fetched YIELD_PER at a time, never all at once."""
    for part in dataset.parts:
        result = db.session.execute(part.query().execution_options(yield_per=YIELD_PER))
        for row in result:
            shaped = part.shape(row)
            yield pseudonymised_row(shaped) if pseudonymised else shaped


def pseudonymised_row(row: dict) -> dict:
    number = row.pop(MEMBER_NUMBER, None)
    row[MEMBER_KEY] = member_key(number) if number else None
    return row  # personal columns are left out by the dataset's pseudonymised columns


def member_key(member_number: str) -> str:
    """A member's stable pseudonym: a keyed hash of the number, which cannot be reversed
    without the server's SECRET_KEY, yet joins a member's rows across datasets."""
    secret = current_app.config["SETTINGS"].secret_key.encode()
    return hmac.new(secret, b"export-member:" + member_number.encode(),
                    hashlib.sha256).hexdigest()[:20]


def _record_export(export: Export) -> None:
    """Once per finished export (console and command line), in the audit trail."""
    who = getattr(export.user, "email", None) or "command line"
    log.info("export finished: %s took %s as %s, %d rows", who, export.name, export.fmt,
             export.rows)
    audit.record_export(export.user, export.name, export.fmt, export.rows,
                        actor_role=None if export.user is not None else ActorRole.COMMAND,
                        pseudonymised=export.pseudonymised)
