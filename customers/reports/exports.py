"""CSV and XLSX writers for reports: streamed, constant memory, injection-safe.

CSV cells are text the way a program reading the file expects it:
- a header row of machine names (`total_paid_usd`), stable for scripts;
- timestamps in UTC, ISO 8601 to the second (`2026-11-26T07:32:56Z`);
- money as a decimal string in major units (`12.50`, `1234.00`), never a float;
- counts as integers; metadata as its JSON text, blank when empty;
- credits as a decimal string to the entitlement's precision (`1250.5`), blank for a
  customer who holds none of it.

XLSX cells are what a spreadsheet calculates with:
- a header row of people's names in the requester's language ("Total paid (USD)",
  "총 결제 금액 (USD)"), frozen, with an autofilter over every row;
- money as numbers in major units with a currency number format (`#,##0.00 "USD"`),
  so SUM and sorting work; credits as numbers with a grouped number format to the
  entitlement's precision (`#,##0.0`); timestamps as real date-times (UTC) with a date-time
  format; counts as numbers; text as text (never evaluated); metadata blank when
  empty, as in CSV; columns as wide as their kind of content needs.

Spreadsheet formula injection: a CSV text value that starts with `=`, `@`, a tab or
a carriage return, or with `+` / `-` followed by anything but a plain number (an
E.164 phone number such as `+918052594351` is one), gets a leading `'` (OWASP's
advice). XLSX text cells are written as strings, which a spreadsheet never
evaluates, so they keep their value.

CSV is produced while rows arrive from a server-side cursor
(`QuerySet.iterator(chunk_size=…)` in a transaction, see `stream_rows`), a chunk
at a time; XLSX goes through xlsxwriter's constant-memory mode into a file.
`progress(rows)` is called after every chunk (export jobs record it); with it,
rows are read outside a transaction (see `stream_rows`) so that what `progress`
writes is committed, and seen by the job's page, as the file grows.
"""

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import closing
from itertools import islice
from operator import itemgetter

import xlsxwriter
from django.conf import settings
from django.db import transaction

from customers.core.money import minor_digits
from customers.reports.columns import ReportColumn, plain_time
from customers.reports.query import ReportRows
from wallets.credits.amounts import credits_text
from wallets.credits.models import MILLI

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# "+" or "-" then only digits (and one decimal point): a number or an E.164 phone
# number, which no spreadsheet runs as a formula.
PLAIN_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?\Z")
UTF8_BOM = "\ufeff"  # so spreadsheet apps read Korean names as UTF-8
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
UNIX_EPOCH_SERIAL = 25569  # 1970-01-01 as an Excel (1900 system) day number
SECONDS_PER_DAY = 86400
# Column widths in characters, by name, then by kind (the header may ask for more).
WIDTHS = {"id": 30, "email": 30, "name": 24, "phone_number": 17, "preferred_locale": 10}
KIND_WIDTHS = {
    "datetime": 20,
    "money": 15,
    "credits": 14,
    "count": 10,
    "json": 32,
    "user_text": 24,
    "text": 16,
}
MAX_WIDTH = 50
ProgressCallback = Callable[[int], None] | None


def chunk_size() -> int:
    """Rows per fetch from the cursor and per yielded piece of the file. A download
    starts with its first piece: at 2,000 rows a streamed CSV converted twice the
    rows its first 1,000 needed before sending any (README, "Benchmarks")."""
    return getattr(settings, "REPORT_EXPORT_CHUNK_SIZE", 1000)


def escape_formula(value: str | None) -> str:
    """Text as a spreadsheet shows it: what it would run as a formula ("=1+2") starts
    with a quote; a signed number stays a number; no text is blank."""
    if value and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value or ""


def _datetime(value) -> dt.datetime | None:
    """A timestamp from the database or from a JSON figure (text), aware, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # stored times are UTC
    return value


def _iso(value) -> str:
    value = _datetime(value)
    if value is None:
        return ""
    if value.utcoffset():
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


def _plain(value) -> str:
    return "" if value is None else str(value)


def _empty_json(value) -> bool:
    return not value or value in ("{}", "null")


def _json(value) -> str:
    return "" if _empty_json(value) else escape_formula(value)


def _count(value) -> int:
    return int(value or 0)


def _credits(precision: int) -> Callable[[int | None], str]:
    """Thousandths of a credit to a decimal string; blank when the customer has none."""
    return lambda value: "" if value is None else credits_text(int(value), precision)


def converters(columns: list[ReportColumn], *, times_as_text: bool = False) -> list[Callable]:
    """One function per column that turns its value into the CSV cell's value
    (`times_as_text`: the customer's own timestamps come already written, see
    customers.reports.query.report_rows)."""
    result = []
    for column in columns:
        if times_as_text and plain_time(column):
            result.append(_plain)
            continue
        if column.kind == "money":
            result.append(_money(minor_digits(column.currency)))
        elif column.kind == "credits":
            result.append(_credits(column.precision))
        elif column.kind == "datetime":
            result.append(_iso)
        elif column.kind == "count":
            result.append(_count)
        elif column.kind == "json":
            result.append(_json)
        elif column.kind == "user_text":
            result.append(escape_formula)
        else:
            result.append(_plain)
    return result


def _as_is(column: ReportColumn) -> bool:
    """Whether the value is the cell: a NOT NULL text field's."""
    return column.kind == "text" and not column.computed


def _cell_functions(rows: ReportRows) -> list[Callable[[tuple], object]]:
    """Per column: a query tuple in, the CSV cell out (pick the value, then convert it)."""
    cells = []
    for column, pick, convert in zip(
        rows.columns,
        rows.pickers,
        converters(rows.columns, times_as_text=rows.times_as_text),
        strict=True,
    ):
        if _as_is(column):
            cells.append(pick)
        else:
            cells.append(lambda raw, pick=pick, convert=convert: convert(pick(raw)))
    return cells


def row_cells(rows: ReportRows) -> Callable[[tuple], list]:
    """A query tuple in, the row's cells out (the CSV's, and the preview's). When every
    column is one value read as it is, a row's values are taken in one step and only
    those that need it are converted: a cell costs one call at most, where picking and
    converting it cost three."""
    if rows.positions is None:
        cells = _cell_functions(rows)
        return lambda raw: [cell(raw) for cell in cells]
    convert = [
        None if _as_is(column) else function
        for column, function in zip(
            rows.columns, converters(rows.columns, times_as_text=rows.times_as_text), strict=True
        )
    ]
    if len(rows.positions) == 1:  # itemgetter of one position gives the value itself
        (at,) = rows.positions
        take = lambda raw: (raw[at],)  # noqa: E731
    else:
        take = itemgetter(*rows.positions)
    return lambda raw: [
        value if function is None else function(value)
        for function, value in zip(convert, take(raw), strict=True)
    ]


def stream_rows(queryset, size: int, *, held: bool = False) -> Iterator[tuple]:
    """Rows from a server-side cursor, inside a read-only transaction.

    In autocommit mode Django declares the cursor WITH HOLD, and PostgreSQL then
    materialises the whole result before the first row; inside a transaction the
    rows come as the query produces them. Closing the generator (a cut download)
    ends the transaction.

    `held`: no transaction around the rows (a held cursor in autocommit), so writes
    made meanwhile on this connection commit at once. Export jobs use it for their
    progress; the first rows then wait for the whole result, which the worker can.
    """
    if held:
        yield from queryset.iterator(chunk_size=size)
        return
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=size)


def display_rows(rows: ReportRows, limit: int) -> list[list]:
    """The preview's cells: exactly what the CSV export would contain."""
    cells = row_cells(rows)
    return [cells(raw) for raw in rows.first(limit)]


def csv_chunks(
    rows: ReportRows, *, size: int | None = None, progress: ProgressCallback = None
) -> Iterator[str]:
    """The CSV, header first, a few thousand rows per yielded string.

    Rows come from a server-side cursor, so memory holds one chunk at a time.
    """
    size = size or chunk_size()
    cells = row_cells(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in rows.columns])
    yield UTF8_BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    written = 0
    with closing(stream_rows(rows.queryset, size, held=progress is not None)) as source:
        while chunk := list(islice(source, size)):
            writer.writerows(map(cells, chunk))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            written += len(chunk)
            if progress and len(chunk) == size:
                progress(written)
    if progress:
        progress(written)


# XLSX ---------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Characters as a spreadsheet lays them out: Hangul and other wide ones count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_width(column: ReportColumn, header: str) -> int:
    base = WIDTHS.get(column.name) or KIND_WIDTHS.get(column.kind, 16)
    return min(max(base, display_width(header) + 3), MAX_WIDTH)


def money_format(currency: str) -> str:
    digits = minor_digits(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    return f'{number} "{currency}"'


def credits_format(precision: int) -> str:
    return "#,##0" + ("." + "0" * precision if precision else "")


def _xlsx_writers(sheet, workbook, rows: ReportRows) -> list[Callable[[int, int, tuple], None]]:
    """Per column: (row number, column number, query tuple) → writes that cell."""
    write_number, write_string = sheet.write_number, sheet.write_string
    date_format = workbook.add_format({"num_format": DATETIME_FORMAT})
    writers = []
    for column, pick in zip(rows.columns, rows.pickers, strict=True):
        kind = column.kind
        if kind == "money":
            scale = 10 ** minor_digits(column.currency)
            fmt = workbook.add_format({"num_format": money_format(column.currency)})

            def write(r, c, raw, pick=pick, scale=scale, fmt=fmt):
                write_number(r, c, int(pick(raw) or 0) / scale, fmt)

        elif kind == "count":

            def write(r, c, raw, pick=pick):
                write_number(r, c, int(pick(raw) or 0))

        elif kind == "credits":
            fmt = workbook.add_format({"num_format": credits_format(column.precision)})

            def write(r, c, raw, pick=pick, fmt=fmt):
                value = pick(raw)
                if value is not None:  # blank: holds none of this credit
                    write_number(r, c, int(value) / MILLI, fmt)

        elif kind == "datetime":

            def write(r, c, raw, pick=pick):
                value = _datetime(pick(raw))
                if value is not None:
                    serial = value.timestamp() / SECONDS_PER_DAY + UNIX_EPOCH_SERIAL
                    write_number(r, c, serial, date_format)

        elif kind == "json":

            def write(r, c, raw, pick=pick):
                value = pick(raw)
                if not _empty_json(value):
                    write_string(r, c, value)

        else:

            def write(r, c, raw, pick=pick):
                value = pick(raw)
                if value:
                    write_string(r, c, str(value))

        writers.append(write)
    return writers


def write_xlsx_file(
    rows: ReportRows, path: str, *, size: int | None = None, progress: ProgressCallback = None
) -> int:
    """Write the XLSX at `path`; returns the number of customer rows written.

    Headers are the columns' labels in the active language.
    """
    size = size or chunk_size()
    columns = rows.columns
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet("Customers")
        header_format = workbook.add_format({"bold": True, "bottom": 1})
        for col, column in enumerate(columns):
            header = str(column.label)
            sheet.set_column(col, col, column_width(column, header))
            sheet.write_string(0, col, header, header_format)
        writers = list(enumerate(_xlsx_writers(sheet, workbook, rows)))
        row_no = 0
        stream = stream_rows(rows.queryset, size, held=progress is not None)
        for row_no, raw in enumerate(stream, start=1):
            for col, write in writers:
                write(row_no, col, raw)
            if progress and not row_no % size:
                progress(row_no)
        sheet.freeze_panes(1, 0)
        if columns:
            sheet.autofilter(0, 0, row_no, len(columns) - 1)
    finally:
        workbook.close()
    if progress:
        progress(row_no)
    return row_no


def write_xlsx(rows: ReportRows, *, size: int | None = None):
    """Write the XLSX to a temporary file and return it open for reading.

    The file is unlinked at once (POSIX), so it disappears when the response
    closes it, even if the download is cut short.
    """
    handle, path = tempfile.mkstemp(prefix="hub-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx_file(rows, path, size=size)
        stream = open(path, "rb")  # noqa: SIM115 - the response closes it
    finally:
        os.unlink(path)
    return stream
