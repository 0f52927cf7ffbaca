"""A paginator that never counts more than a cap, and a keyset page for feeds.

An exact COUNT(*) over millions of matching rows is slow; past the cap we say
"10,000+" and offer pages up to it (a bounded OFFSET), like Stripe does.
"""

import datetime as dt
import re

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from customers.core.prepared import PreparedRows


class CappedPaginator(Paginator):
    def __init__(
        self, object_list, per_page, *, count_queryset, cap: int, known_count=None, **kwargs
    ):
        self.count_queryset = count_queryset
        self.cap = cap
        self.known_count = known_count  # when the caller already knows (capped at cap + 1)
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def _capped_count(self) -> int:
        if self.known_count is not None:
            return min(self.known_count, self.cap + 1)
        if isinstance(self.count_queryset, PreparedRows):
            return self.count_queryset.count_upto(self.cap + 1)
        return self.count_queryset.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._capped_count > self.cap

    def page(self, number):
        """Like Paginator.page, but always LIMIT per_page, even on the last page.

        Django trims the slice to the count, so a search matching one customer asks
        for `ORDER BY created_at DESC LIMIT 1`; PostgreSQL then walks the
        (business, created_at) index backwards hoping to meet the match soon, which
        for an old customer among millions took seconds. With LIMIT per_page it
        reads the trigram matches and sorts them (milliseconds); the rows are the same.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    def validate_number(self, number) -> int:
        """Out-of-range or garbage page numbers show the nearest real page."""
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        return max(1, min(number, self.num_pages))


TAB_PER_PAGE = 10
TAB_COUNT_CAP = 10_000


def tab_page(queryset, params, *, count_queryset=None, per_page: int = TAB_PER_PAGE):
    """One page of a details-page tab (`params["page"]`), counted up to TAB_COUNT_CAP:
    (paginator, page). The same few queries however many rows there are."""
    paginator = CappedPaginator(
        queryset,
        per_page,
        count_queryset=queryset if count_queryset is None else count_queryset,
        cap=TAB_COUNT_CAP,
    )
    return paginator, paginator.get_page(params.get("page"))


def tab_context(name: str, rows, params, *, status: str, choices, count_queryset=None) -> dict:
    """A details-page tab's template context: one page of `rows` under `name`, the
    pager, and the status filter (the value in use and the values to choose)."""
    paginator, page = tab_page(rows, params, count_queryset=count_queryset)
    return {
        name: page.object_list,
        "paginator": paginator,
        "page": page,
        "status": status,
        "status_choices": choices,
    }


class KeysetPage:
    """One page of rows read newest first by `(created_at, id)` from a cursor, not
    an OFFSET: page 1,000 costs what page 1 does. The cursor is "<microseconds>.<id>"
    of the row to continue after (`before`: older rows) or before (`after`: newer);
    anything else reads as no cursor (the first page)."""

    is_keyset = True

    def __init__(self, rows: list, *, per_page: int, before, after):
        """`rows`: up to per_page + 1 rows read in the cursor's direction (newest first
        for `before` or no cursor, oldest first for `after`)."""
        more = len(rows) > per_page
        rows = rows[:per_page]
        if after is not None:
            rows.reverse()
            self.has_newer, self.has_older = more, True
        else:
            self.has_newer, self.has_older = before is not None, more
        self.object_list = rows

    def has_previous(self) -> bool:  # the pager's names: previous is newer
        return self.has_newer

    def has_next(self) -> bool:
        return self.has_older

    @property
    def newer_cursor(self) -> str:
        return keyset_cursor(self.object_list[0]) if self.object_list else ""

    @property
    def older_cursor(self) -> str:
        return keyset_cursor(self.object_list[-1]) if self.object_list else ""


def keyset_cursor(row) -> str:
    stamp = row.created_at
    micros = (stamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    return f"{micros}.{row.id}"


_CURSOR = re.compile(r"(-?\d{1,19})\.([A-Za-z0-9_]{1,40})")


def keyset_parse(raw) -> tuple[dt.datetime, str] | None:
    """(created_at, id) from a cursor, or None for a missing or malformed one."""
    match = _CURSOR.fullmatch(raw or "")
    if not match:
        return None
    try:
        at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        return None
    return at, match[2]
