"""A paginator that never counts more than a cap.

An exact COUNT(*) over millions of matching rows is slow; past the cap we say
"10,000+" and offer pages up to it (a bounded OFFSET), like Stripe does.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


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
