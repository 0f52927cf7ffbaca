"""Shared pieces of the JSON API's routers: scoped lookups and bounded pagination.

Lists are served newest first in a total order (`-created_at, -id`) from the
`(business, created_at, id)` indexes, with LIMIT/OFFSET and no COUNT. OFFSET is
capped at `settings.API_OFFSET_CAP` rows (10,000 by default): a page that starts
past it returns `{"items": []}`, so a deep scan never degrades into reading
millions of index entries. Narrow with `created_at_lte` to go further back.
"""

import re

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from customers.core.errors import DomainError
from customers.schemas import ErrorOut

# Public IDs: a short prefix, "_", base62 (customers.core.ids); anything else cannot match.
ID_PATTERN = re.compile(r"^[a-z]{2,4}_[0-9A-Za-z]{1,40}$")
NEWEST_FIRST = ("-created_at", "-id")
# Every operation documents the error statuses it can answer with.
ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}
PUBLIC_ERRORS = {code: ErrorOut for code in (403, 404, 422, 429)}


class ApiRequestError(DomainError):
    """A request the API refuses before any service runs; 422 unless told otherwise."""

    def __init__(self, message: str, *, code: str = "INVALID_REQUEST_BODY", status: int = 422):
        self.code = code
        self.status = status
        super().__init__(message)


def get_scoped(queryset: QuerySet, pk: str):
    """The row with this public ID in an already scoped queryset, or 404."""
    if not isinstance(pk, str) or not ID_PATTERN.match(pk):
        raise Http404
    found = list(queryset.filter(pk=pk)[:1])  # no ORDER BY, unlike first()
    if not found:
        raise Http404
    return found[0]


def page(queryset: QuerySet, *, page_number: int, page_size: int) -> list:
    """One page of `queryset` (already ordered), or [] past the OFFSET cap."""
    offset = page_number * page_size
    if offset >= settings.API_OFFSET_CAP:
        return []
    return list(queryset[offset : offset + page_size])
