"""CSV and XLSX writers for reports: streamed, constant memory, injection-safe.

Cells are text the way a person or a program reading the file expects it:
- timestamps in UTC, ISO 8601 to the second (`2026-11-26T07:32:56Z`);
- money as a decimal string in major units (`12.50`, `1234.00`), never a float,
  the currency in the column name (`total_paid_usd`);
- counts as integers; metadata as its JSON text ("" when empty).

Spreadsheet formula injection: a text value that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'` in CSV (OWASP's advice), so
`+14155550134` reads as text, not a formula. XLSX cells are written with
`write_string`, which a spreadsheet never evaluates, so they keep their value.

CSV is produced while rows arrive from a server-side cursor
(`QuerySet.iterator(chunk_size=…)` in a transaction, see `stream_rows`), a chunk
at a time; XLSX goes through
xlsxwriter's constant-memory mode into a temporary file that is then streamed.
"""

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Callable, Iterator

import xlsxwriter
from django.conf import settings
from django.db import transaction

from customers.core.money import minor_digits
from customers.reports.columns import ReportColumn
from customers.reports.query import ReportRows

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"  # so spreadsheet apps read Korean names as UTF-8


def chunk_size() -> int:
    return getattr(settings, "REPORT_EXPORT_CHUNK_SIZE", 2000)


def escape_formula(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # a timestamp inside a JSON figure
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(dt.UTC)
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _money(digits: int) -> Callable[[int | None], str]:
    """Minor units to a decimal string by integer arithmetic (no float, no Decimal)."""
    scale = 10**digits

    def convert(value) -> str:
        value = int(value or 0)
        if not digits:
            return str(value)
        sign = "-" if value < 0 else ""
        whole, fraction = divmod(abs(value), scale)
        return f"{sign}{whole}.{fraction:0{digits}d}"

    return convert


def _text(value) -> str:
    return escape_formula(value) if value else ""


def _plain(value) -> str:
    return "" if value is None else str(value)


def _json(value) -> str:
    if not value or value in ("{}", "null"):
        return ""
    return escape_formula(value)


def _count(value) -> int:
    return int(value or 0)


def converters(columns: list[ReportColumn], *, escape: bool = True) -> list[Callable]:
    """One function per column that turns its value into the cell's value."""
    result = []
    for column in columns:
        if column.kind == "money":
            result.append(_money(minor_digits(column.currency)))
        elif column.kind == "datetime":
            result.append(_iso)
        elif column.kind == "count":
            result.append(_count)
        elif column.kind == "json":
            result.append(_json if escape else _plain)
        elif column.kind == "user_text":
            result.append(_text if escape else _plain)
        else:
            result.append(_plain)
    return result


def cell_functions(rows: ReportRows, *, escape: bool = True) -> list[Callable[[tuple], object]]:
    """Per column: a query tuple in, the cell out (pick the value, then convert it)."""
    cells = []
    for column, pick, convert in zip(
        rows.columns, rows.pickers, converters(rows.columns, escape=escape), strict=True
    ):
        if column.kind == "text" and not column.computed:
            cells.append(pick)  # a NOT NULL text field: the value is the cell
        else:
            cells.append(lambda raw, pick=pick, convert=convert: convert(pick(raw)))
    return cells


def stream_rows(queryset, size: int) -> Iterator[tuple]:
    """Rows from a server-side cursor, inside a read-only transaction.

    In autocommit mode Django declares the cursor WITH HOLD, and PostgreSQL then
    materialises the whole result before the first row; inside a transaction the
    rows come as the query produces them. Closing the generator (a cut download)
    ends the transaction.
    """
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=size)


def display_rows(rows: ReportRows, limit: int) -> list[list]:
    """The preview's cells: exactly what the export would contain."""
    cells = cell_functions(rows)
    return [[f(raw) for f in cells] for raw in rows.queryset[:limit]]


def csv_chunks(rows: ReportRows, *, size: int | None = None) -> Iterator[str]:
    """The CSV, header first, a few thousand rows per yielded string.

    Rows come from a server-side cursor, so memory holds one chunk at a time.
    """
    size = size or chunk_size()
    cells = cell_functions(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in rows.columns])
    yield UTF8_BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for raw in stream_rows(rows.queryset, size):
        writer.writerow([f(raw) for f in cells])
        pending += 1
        if pending == size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def write_xlsx(rows: ReportRows, *, size: int | None = None):
    """Write the XLSX to a temporary file and return it open for reading.

    The file is unlinked at once (POSIX), so it disappears when the response
    closes it, even if the download is cut short.
    """
    size = size or chunk_size()
    columns = rows.columns
    cells = cell_functions(rows, escape=False)
    handle, path = tempfile.mkstemp(prefix="hub-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = workbook.add_worksheet("Customers")
        bold = workbook.add_format({"bold": True})
        for col, column in enumerate(columns):
            sheet.write_string(0, col, column.name, bold)
            sheet.set_column(col, col, 14 if column.kind in ("money", "count") else 22)
        numeric = [column.kind == "count" for column in columns]
        for row_no, raw in enumerate(stream_rows(rows.queryset, size), start=1):
            for col, (f, is_number) in enumerate(zip(cells, numeric, strict=True)):
                cell = f(raw)
                if is_number:
                    sheet.write_number(row_no, col, cell)
                elif cell:
                    sheet.write_string(row_no, col, cell)
        sheet.freeze_panes(1, 0)
        workbook.close()
        stream = open(path, "rb")  # noqa: SIM115 - the response closes it
    finally:
        os.unlink(path)
    return stream
