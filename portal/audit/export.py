"""The audit trail as CSV, streamed: rows are read from the database in chunks and written out as
they come, so exporting 100,000 events never holds them all in memory.

Cells are guarded against CSV injection: a spreadsheet runs a cell that starts with = + - @ (or a
tab or carriage return) as a formula, and usernames, targets and details are user-controlled.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterator
from itertools import islice

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

__all__ = ["COLUMNS", "csv_response", "safe_cell"]

# (header, AuditEvent field)
COLUMNS = [
    ("time", "created_at"),
    ("user", "username"),
    ("user_id", "user_id"),
    ("action", "action"),
    ("outcome", "outcome"),
    ("target_type", "target_type"),
    ("target_id", "target_id"),
    ("target", "target_repr"),
    ("host", "host_name"),
    ("host_id", "host_id"),
    ("source_ip", "source_ip"),
    ("detail", "detail"),
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 1000


class _Echo:
    """A file whose write returns the line, so csv.writer formats without buffering."""

    def write(self, value: str) -> str:
        return value


_writer = csv.writer(_Echo())


def safe_cell(value) -> str:
    """The cell's text, with a leading quote when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(row: tuple) -> str:
    *cells, detail = row
    cells.append(json.dumps(detail, sort_keys=True, default=str) if detail else "")
    return _writer.writerow([safe_cell(cell) for cell in cells])


def _header() -> str:
    return _writer.writerow([header for header, _ in COLUMNS])


def _next_chunk(rows: Iterator[tuple]) -> str:
    """The next CHUNK_ROWS rows as CSV text ("" at the end)."""
    return "".join(_line(row) for row in islice(rows, CHUNK_ROWS))


def _chunks(rows: QuerySet) -> Iterator[str]:
    reader = rows.iterator(chunk_size=CHUNK_ROWS)
    yield _header()
    while text := _next_chunk(reader):
        yield text


async def _achunks(rows: QuerySet) -> AsyncIterator[str]:
    # Each chunk is read in the request's database thread. (QuerySet.aiterator would do that too,
    # but on a values_list it runs the query on the event loop itself, which Django refuses.)
    reader = rows.iterator(chunk_size=CHUNK_ROWS)  # a generator: nothing is read yet
    read = sync_to_async(_next_chunk)
    yield _header()
    while text := await read(reader):
        yield text


def csv_response(request, events: QuerySet) -> StreamingHttpResponse:
    """A download of `events` (already restricted and filtered) as CSV.

    Under the ASGI server the rows are read asynchronously: Django would otherwise read a
    synchronous stream to its end before sending a byte."""
    rows = events.values_list(*(field for _, field in COLUMNS))
    django_request = getattr(request, "_request", request)
    content = _achunks(rows) if isinstance(django_request, ASGIRequest) else _chunks(rows)
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    filename = f"berth-audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
