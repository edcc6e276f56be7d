"""Rows to bytes, a chunk at a time: CSV in UTF-8 with a BOM (so Excel in Japan opens it),
JSON Lines, and a zip written as it goes (no seeking, so it can be streamed)."""

import csv
import enum
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from core.clock import to_business_time

BOM = "\ufeff"
ROWS_PER_CHUNK = 1000


def plain(value):
    """A value as exported: moments in business time to the second, enums by stored value."""
    if isinstance(value, datetime):
        return to_business_time(value).replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):  # sums on PostgreSQL
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _csv_cell(value) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _batches(rows: Iterable[dict]) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == ROWS_PER_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_chunks(columns, rows: Iterable[dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    yield (BOM + buffer.getvalue()).encode()
    for batch in _batches(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_cell(row.get(c.key)) for c in columns] for row in batch)
        yield buffer.getvalue().encode()


def jsonl_chunks(columns, rows: Iterable[dict]) -> Iterator[bytes]:
    for batch in _batches(rows):
        yield "".join(json.dumps({c.key: plain(row.get(c.key)) for c in columns},
                                 ensure_ascii=False) + "\n" for row in batch).encode()


WRITERS = {"csv": csv_chunks, "jsonl": jsonl_chunks}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
                 "zip": "application/zip"}


class _Drain:
    """An unseekable file for ZipFile: what it writes waits here until taken."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_chunks(files: Iterable[tuple[str, Iterable[bytes]]]) -> Iterator[bytes]:
    """A zip of (name, chunks) files, yielded as it is written."""
    drain = _Drain()
    with zipfile.ZipFile(drain, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in files:
            with archive.open(name, "w", force_zip64=True) as entry:
                for chunk in chunks:
                    entry.write(chunk)
                    if data := drain.take():
                        yield data
            yield drain.take()
    yield drain.take()
