"""The list of a business's customers, built in one fixed order, the way Django
admin's ChangeList builds its list:

1. parse the query string once: search and filters (`CustomerFilter`'s form), the
   sort (a table column, "-" first for descending), the page and rows per page;
2. scope: the business's customers;
3. filters and search, a minimum total paid located on the kept spend figures;
4. a total ordering: the sort's column, then the ID (newest first by default);
5. a page, counted up to `CUSTOMER_LIST_COUNT_CAP` and never further.

The customer table, Build Report (preview, count, chart), the exports and the
API's list all go through `CustomerList`; the API brings its own parsed filters.

A minimum total paid is looked up on CustomerSpend's indexes first:
- if at most the count cap of customers reach it (in the date range), the list
  starts from them, fetched by key;
- if more reach it and the list is shown by sign-up date in pages that never go
  past `paged_to` rows (the table, the report preview), the first `paged_to` of
  them in that order that match the other filters are found on the spend indexes
  (`selectors.spenders`: sorted when there are up to a few hundred
  thousand of them, else walked), each one's customer row checked in that order;
- otherwise (another sort, or exports and charts, which need every row) each
  customer along the page's order is probed, between the oldest and the newest
  spender's sign-up.
Big spenders are mostly old customers, so a newest-first scan of the customers
table hoping to meet them soon would read all of it.
"""

import functools
from functools import cached_property
from typing import Protocol

from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict

from customers import selectors
from customers.core.pagination import CappedPaginator
from customers.core.prepared import PreparedSelector, prepared
from customers.filter_queries import (
    CREDIT_FILTERS,
    DATE_FILTERS,
    apply_prepared_filters,
    created_range,
    prepared_filters,
)
from customers.filters import CustomerFilter
from customers.forms import TableParamsForm
from customers.models import Business, Customer
from customers.notes.selectors import with_tags
from customers.reports.columns import with_table_figures
from customers.tables import DEFAULT_SORT, CustomerTable, PreparedTableData
from wallets.credits.selectors import credit_holders
from wallets.selectors import funded_customers

# With only these in use, a minimum total paid can be paged from CustomerSpend alone.
SPENDER_WALK_FILTERS = {"min_paid", "min_paid_currency", "created_after", "created_before"}
# A filter that, used alone (set to yes), is counted on the table it asks about:
# probing every customer for a wallet or a subscription grows with the customers.
FLAT_COUNTS = {
    "has_wallet_balance": funded_customers,
    "has_active_subscription": selectors.subscribed_customers,
}


class Filters(Protocol):
    """What a list's filter stage is: CustomerFilter, or the API's parsed query."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet: ...

    def used(self) -> dict: ...


def sort_names() -> list[str]:
    """The columns a list can be sorted by (each may take a leading "-")."""
    return [
        name for name, column in CustomerTable.base_columns.items() if column.orderable is not False
    ]


def clean_sort(sort: str | None, visible=None) -> str:
    """A known sortable column (optionally with "-"), else "" for the default order.

    A column that is not shown cannot be sorted by in the table either: such a sort
    falls back to the default too, so every page has a total order.
    """
    sort = (sort or "").strip()
    name = sort.removeprefix("-")
    if name not in sort_names() or (visible is not None and name not in visible):
        return ""
    return sort


def ordering(sort: str) -> list[str]:
    """The total ordering for `sort`: the column's own order, then the ID."""
    sort = sort or DEFAULT_SORT
    descending = sort.startswith("-")
    column = CustomerTable.base_columns[sort.lstrip("-")]
    fields = list(column.order_by or (sort.lstrip("-"),))
    if "id" not in fields:
        fields.append("id")
    return [f"-{f}" if descending else f for f in fields]


def _table_rows(customers: QuerySet, *, columns: tuple, credit_ids: tuple) -> QuerySet:
    if "tags" in columns:
        customers = with_tags(customers)
    return with_table_figures(customers, columns, credit_ids)


@prepared("business_id")
def _every_customer(*, business_id: str, order: tuple, columns: tuple, credit_ids: tuple):
    customers = Customer.objects.for_business(business_id).order_by(*order)
    return _table_rows(customers, columns=columns, credit_ids=credit_ids)


@functools.lru_cache(maxsize=64)  # each keeps at most MAX_SHAPES compiled shapes
def _filtered_customers(values: tuple[str, ...]) -> PreparedSelector:
    """The prepared selector of the lists filtered only by PREPARED_FILTERS that bind
    these `values` (customers.filters.prepared_filters)."""

    def filtered_customers(*, business_id, order, columns, credit_ids, yes_no, **bound):
        customers = Customer.objects.for_business(business_id)
        customers = apply_prepared_filters(
            customers, business_id=business_id, yes_no=yes_no, **bound
        )
        return _table_rows(customers.order_by(*order), columns=columns, credit_ids=credit_ids)

    filtered_customers.__qualname__ = f"filtered_customers[{','.join(values)}]"
    return prepared("business_id", *values)(filtered_customers)


class CustomerList:
    """One list of a business's customers: its filters, order and pages.

    `params` is the query string (search, filters, `sort`, `page`, `per_page`);
    `filters` replaces the CustomerFilter made from it (the API's own query).
    `visible` limits sorting to the columns shown. `paged_to` says how far pages
    ever go (0: every match may be needed, as by exports and charts).
    """

    def __init__(
        self,
        params: QueryDict | None = None,
        *,
        business: Business,
        filters: Filters | None = None,
        sort: str | None = None,
        visible=None,
        paged_to: int = 0,
    ):
        self.business = business
        self.params = params if params is not None else QueryDict()
        self.filters = filters or CustomerFilter(self.params or None, business=business)
        self.sort = clean_sort(self.params.get("sort") if sort is None else sort, visible)
        self.page_number, self.per_page = TableParamsForm(self.params).params()
        self.paged_to = paged_to
        self._walked = False  # the spenders' IDs came from a walk in the page's order
        self._over_cap = False  # ...of only the first pages: more than the cap match
        self._prepared_rows = None  # the table's rows, when a prepared selector reads them

    @property
    def ordering(self) -> list[str]:
        return ordering(self.sort)

    @cached_property
    def used(self) -> dict:
        """The valid filter values in use, by name."""
        return self.filters.used()

    @cached_property
    def queryset(self) -> QuerySet:
        """The matching customers, not yet ordered. When a minimum total paid was
        walked in the page's order (many spenders, paged by sign-up), only those up to
        this page: its count is known without them."""
        ids, _complete = self._spenders
        if ids is not None:
            if self._walked:  # in the page's order: its rows are among the first ones
                ids = ids[: self.page_number * self.per_page]
            start = Customer.objects.among(ids, self.business)
        else:
            start = Customer.objects.for_business(self.business)
        queryset = self._filtered(start)
        if ids is None and self._min_paid:
            queryset = self._probe_spenders(queryset)
        return queryset

    def ordered(self) -> QuerySet:
        return self.queryset.order_by(*self.ordering)

    def table_rows(self, visible: list[str], credit_ids: list[str]):
        """The table's rows, ordered, with the kept figures and tags its `visible`
        columns show (`credit_ids`: the credits column's entitlements). With no filter
        in use (a first page, a sort, a later page), or only filters whose SQL takes
        their value as a parameter (customers.filters.PREPARED_FILTERS), a prepared
        selector whose SQL is compiled once per filters, order and set of columns, read
        a page at a time."""
        shown = {"columns": tuple(visible), "credit_ids": tuple(credit_ids)}
        shown.update(business_id=self.business.pk, order=tuple(self.ordering))
        if not self.used:
            return PreparedTableData(_every_customer.rows(**shown))
        prepared_form = prepared_filters(self.used)
        if prepared_form is not None:
            values, shape = prepared_form
            selector = _filtered_customers(tuple(sorted(values)))
            self._prepared_rows = selector.rows(**shown, **shape, **values)
            return PreparedTableData(self._prepared_rows)
        return _table_rows(self.ordered(), columns=shown["columns"], credit_ids=shown["credit_ids"])

    @property
    def known_count(self) -> int | None:
        """How many match (up to paged_to), when the spend index settled it with
        every filter applied; saves the count query."""
        ids, complete = self._spenders
        if self._over_cap:
            return settings.CUSTOMER_LIST_COUNT_CAP + 1
        if ids is not None:
            return len(ids) if complete else None
        return self._signed_up

    @cached_property
    def _signed_up(self) -> int | None:
        """With no filter but the sign-up dates, how many match: the kept daily counts
        say it exactly (one small sum, where a count reads up to the cap's customers)."""
        used = self.used
        if not set(used) - {"min_paid_currency"} <= DATE_FILTERS:
            return None
        return selectors.signed_up(
            self.business, used.get("created_after"), used.get("created_before")
        )

    def capped_count(self, cap: int | None = None) -> tuple[int, bool]:
        """How many customers match, counting at most `cap` (+1 to know it was passed)."""
        cap = cap or settings.CUSTOMER_LIST_COUNT_CAP
        found = self.known_count
        if found is None or (self._over_cap and cap > settings.CUSTOMER_LIST_COUNT_CAP):
            found = self.count_queryset.order_by()[: cap + 1].count()
        return min(found, cap), found > cap

    @cached_property
    def count_queryset(self) -> QuerySet:
        """What a count counts: the matches, or, with only a FLAT_COUNTS filter or only
        the credit filters in use, the distinct customers of the table they ask about
        (the same number)."""
        elsewhere = self._counted_elsewhere()
        return self.queryset if elsewhere is None else elsewhere

    def _counted_elsewhere(self) -> QuerySet | None:
        used = self.used
        if len(used) == 1:
            ((name, value),) = used.items()
            if value is True and name in FLAT_COUNTS:
                return FLAT_COUNTS[name](self.business)
        if used and used.keys() <= set(CREDIT_FILTERS):
            return self._credit_holders(used)
        return None

    def _credit_holders(self, used: dict) -> QuerySet:
        """As CustomerFilter applies the credit filters: one credit (below a balance, or
        in overage), or overage of any live credit; the credit balance alone filters
        nothing."""
        below = used.get("credits_below")
        below = below if isinstance(below, int) else None
        overage = bool(used.get("credits_overage"))
        if used.get("credits"):
            return credit_holders(self.business, [used["credits"]], below=below, overage=overage)
        if overage:
            live = [e.pk for e in self.filters.credit_entitlements]
            return credit_holders(self.business, live, overage=True)
        return self.queryset

    def pagination(self) -> dict:
        """What a django-tables2 table's paginate() takes to page this list (what to
        count, only when the count is not known already)."""
        known = self.known_count
        counted = None
        if known is None and self._prepared_rows is not None:
            # The table's prepared rows count themselves, unless a kept table does.
            elsewhere = self._counted_elsewhere()
            counted = self._prepared_rows if elsewhere is None else elsewhere
        elif known is None:
            counted = self.count_queryset
        return {
            "paginator_class": CappedPaginator,
            "count_queryset": counted,
            "known_count": known,
            "cap": settings.CUSTOMER_LIST_COUNT_CAP,
            "page": self.page_number,
            "per_page": self.per_page,
        }

    def unpaged(self) -> "CustomerList":
        """The same list where every match can be found (charts, exports)."""
        if not self.paged_to:
            return self
        unpaged = CustomerList(
            self.params, business=self.business, filters=self.filters, sort=self.sort
        )
        ids, complete = self._spenders
        if ids is not None and len(ids) <= settings.CUSTOMER_LIST_COUNT_CAP and not self._over_cap:
            unpaged._spenders = ids, complete  # every match, with or without pages
        return unpaged

    # --- a minimum total paid ----------------------------------------------------

    @property
    def _min_paid(self) -> int:
        minimum = self.used.get("min_paid")
        return minimum if isinstance(minimum, int) and minimum > 0 else 0

    @property
    def _by_signup(self) -> bool:
        return (self.sort or DEFAULT_SORT).lstrip("-") == "created_at"

    def _filtered(self, queryset: QuerySet) -> QuerySet:
        """`queryset` with the search and every filter but the minimum total paid."""
        return self.filters.filter_queryset(queryset)

    @cached_property
    def _spenders(self) -> tuple[list[str] | None, bool]:
        """With a minimum total paid, the IDs of the customers who reach it when the
        spend indexes alone can tell (see the module docstring), else None; and
        whether those IDs are exactly the matches of every filter in use."""
        minimum = self._min_paid
        if not minimum:
            return None, False
        used = self.used
        complete = set(used) <= SPENDER_WALK_FILTERS
        cap = settings.CUSTOMER_LIST_COUNT_CAP
        currency = used["min_paid_currency"]
        since, until = created_range(used.get("created_after"), used.get("created_before"))
        first = None
        if self.paged_to > cap and self._by_signup:
            # If there are more than the cap of them, only the first ones in the
            # page's order: up to this page when they are the matches (the count is
            # then "more than the cap"), else the first paged_to of them that pass
            # the other filters, checked on each spender's row in that order.
            newest_first = (self.sort or DEFAULT_SORT).startswith("-")
            if complete:
                limit = min(self.paged_to, self.page_number * self.per_page)
                first = selectors.FirstSpenders(limit, newest_first)
            else:
                others = self._filtered(Customer.objects.for_business(self.business))
                first = selectors.FirstSpenders(self.paged_to, newest_first, among=others)
        ids, every = selectors.spenders(
            self.business, currency, minimum, cap, since=since, until=until, first=first
        )
        if every and not complete:
            # Narrowed once to the matches of the other filters: the count is then
            # known, and the page reads only its rows (a count and a page each
            # probed every spender before).
            narrowed = self._filtered(Customer.objects.among(ids, self.business))
            if self.paged_to:
                # In the page's order, so the page reads only its own rows again.
                narrowed = narrowed.order_by(*self.ordering)
                self._walked = True
            return list(narrowed.values_list("pk", flat=True)), True
        if every or ids is None:
            return ids, complete
        self._walked = True
        self._over_cap = complete
        return ids, True

    def _probe_spenders(self, queryset: QuerySet) -> QuerySet:
        """Many match: probe CustomerSpend (one index lookup) per customer along the
        page's own order; by sign-up date, only between the oldest and the newest of
        them (two index lookups), so a page starts where they are."""
        currency = self.used["min_paid_currency"]
        queryset = queryset.filter(selectors.paid_at_least(currency, self._min_paid))
        if self._by_signup:
            first, last = selectors.spenders_span(self.business, currency, self._min_paid)
            queryset = queryset.filter(created_at__gte=first, created_at__lte=last)
        return queryset
