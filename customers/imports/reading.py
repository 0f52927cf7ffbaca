"""Reading a customers CSV: its columns, what they mean, and what is wrong with a row.

Files come from anyone, so everything here expects the worst. A file must be UTF-8
(a byte-order mark is fine: Excel writes one); another encoding is refused with a
message saying how to save it, rather than guessed. A field longer than
`csv.field_size_limit()` (128 KiB, a "huge line"), a NUL byte, more columns than
`MAX_COLUMNS`, or more rows than the setting allows stops the file with the line
where it happened. A cell is stored exactly as text, never evaluated: a name such as
`=HYPERLINK(…)` stays that text, and exports escape it (customers.reports.exports).

Columns are matched to fields by their header (`guess_mapping`): our own export's
column names and labels, and Stripe's customer export ("Email", "Name", "Phone",
"Created (UTC)", "Preferred Locales"), any case and spacing.
"""

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.core.validation import normalize_phone, text_problem, validate_metadata
from customers.models import LOCALE_CHOICES, Customer

MAX_COLUMNS = 100
MAX_ROWS = 500_000  # per file: a bigger file is split (its dry run stays minutes, not hours)
NAME_MAX = Customer._meta.get_field("name").max_length
EMAIL_MAX = Customer._meta.get_field("email").max_length

# The fields a column can fill, in the mapping form's order.
FIELDS = {
    "email": gettext_lazy("E-mail"),
    "name": gettext_lazy("Name"),
    "phone_number": gettext_lazy("Phone number"),
    "preferred_locale": gettext_lazy("Preferred locale"),
    "created_at": gettext_lazy("Created at (UTC)"),
    "metadata": gettext_lazy("Metadata (JSON)"),
}
REQUIRED = ("email",)

# Headers, reduced by `_norm`, that name each field.
_GUESSES = {
    "email": {"email", "e-mail", "emailaddress", "mail", "이메일"},
    "name": {"name", "customername", "fullname", "고객이름", "이름"},
    "phone_number": {"phone", "phonenumber", "telephone", "mobile", "전화번호"},
    "preferred_locale": {"preferredlocale", "preferredlocales", "locale", "language"},
    "created_at": {"created", "createdutc", "createdat", "createdatutc", "생성일시utc"},
    "metadata": {"metadata", "메타데이터"},
}
_LOCALES = {code for code, _label in LOCALE_CHOICES}


class ImportFileError(Exception):
    """The file cannot be read at all; the message says why and where."""


def _norm(header: str) -> str:
    return re.sub(r"[\s_()\-:.]", "", header).casefold()


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """field -> index of the first column whose header names it."""
    mapping = {}
    for index, header in enumerate(headers):
        key = _norm(header)
        for field, names in _GUESSES.items():
            if field not in mapping and (key in names or key in {_norm(n) for n in names}):
                mapping[field] = index
    return mapping


def rows(binary, *, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for each row of a binary file, the header first."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(_lines(text))
    count = 0
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    _("Line %(line)d has %(n)d columns; a file may have at most %(max)d.")
                    % {"line": reader.line_num, "n": len(cells), "max": MAX_COLUMNS}
                )
            if not any(c.strip() for c in cells):
                continue  # blank lines
            count += 1
            if count > max_rows + 1:
                raise ImportFileError(
                    _("The file has more than %(max)s rows; split it into smaller files.")
                    % {"max": f"{max_rows:,}"}
                )
            yield reader.line_num, cells
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (line %(line)d). In Excel choose “CSV UTF-8”; "
                "in Numbers or Google Sheets, export as CSV."
            )
            % {"line": reader.line_num + 1}
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV: %(error)s.")
            % {"line": reader.line_num, "error": exc}
        ) from exc
    finally:
        text.detach()  # the caller's file stays open


def _lines(text) -> Iterator[str]:
    """The decoded text, line by line; a NUL byte is an error (csv would stop on it)."""
    for line in text:
        if "\x00" in line:
            raise csv.Error(_("it contains a NUL byte (is it a spreadsheet, not a CSV?)"))
        yield line


def header_of(binary, *, max_rows: int) -> list[str]:
    """The first row (the headers), or ImportFileError."""
    for _line, cells in rows(binary, max_rows=max_rows):
        return [c.strip()[:100] for c in cells]
    raise ImportFileError(_("The file is empty."))


def _cell(cells: list[str], mapping: dict, field: str) -> str:
    index = mapping.get(field)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def check_row(cells: list[str], mapping: dict, *, country: str) -> tuple[dict, list]:
    """(the customer's fields, [(field, problem), ...]) for one data row."""
    fields, problems = {}, []
    for field in FIELDS:
        value = _cell(cells, mapping, field)
        if value and text_problem(value):
            problems.append((field, _("contains NUL or broken characters")))
            value = ""
        fields[field] = value
    email = fields["email"]
    if not email:
        problems.append(("email", _("no e-mail")))
    else:
        try:
            if len(email) > EMAIL_MAX:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            problems.append(("email", _("not a valid e-mail address")))
    if len(fields["name"]) > NAME_MAX:
        problems.append(("name", _("longer than %(max)d characters") % {"max": NAME_MAX}))
    if not fields["name"]:
        fields["name"] = email.split("@")[0]
    phone = fields["phone_number"]
    if phone:
        international = phone.startswith(("+", "00"))
        try:
            fields["phone_number"] = normalize_phone(
                phone, region="" if international or not country else country
            )
        except ValidationError as exc:
            problems.append(("phone_number", exc.messages[0]))
    locale = fields["preferred_locale"].split(",")[0].strip().lower().split("-")[0]
    fields["preferred_locale"] = locale if locale in _LOCALES else ""
    fields["created_at"] = _created(fields["created_at"], problems)
    fields["metadata"] = _metadata(fields["metadata"], problems)
    return fields, problems


def _created(value: str, problems: list):
    if not value:
        return timezone.now()
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(("created_at", _("not a date and time such as 2026-01-31 14:05")))
        return timezone.now()
    if timezone.is_naive(when):
        when = when.replace(tzinfo=dt.UTC)
    return when


def _metadata(value: str, problems: list) -> dict:
    if not value:
        return {}
    try:
        return validate_metadata(json.loads(value))
    except (ValueError, RecursionError):
        problems.append(("metadata", _("not a JSON object")))
    except ValidationError as exc:
        problems.append(("metadata", exc.messages[0]))
    return {}
