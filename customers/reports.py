"""Build Report and exports: which columns exist, how a request picks them, and
the one query that produces every row.

A report is a list of column names plus the customer table's own query
parameters (`q`, the CustomerFilter filters, `sort`). `parse_report_request`
checks them — an unknown column, filter or sort is a `ReportParamError` (a 400
page), a bad filter value is a form error — and `report_rows` returns one
`values_list` queryset: customer fields plus computed columns as correlated
subqueries (`customers.aggregates`), only for the columns asked for.
"""

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, reduce
from operator import itemgetter

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, TextField
from django.db.models.functions import Cast, Trunc
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import aggregates
from customers.filters import CustomerFilter, created_range
from customers.models import Business, Customer, SignupDay
from customers.tables import CustomerTable

# Query parameters that are not filters but may appear in a report URL.
VIEW_PARAMS = ("columns", "sort")
# The table's own paging parameters: harmless in an export URL, ignored.
IGNORED_PARAMS = ("page", "per_page")
DEFAULT_ORDERING = ("-created_at", "-id")
PREVIEW_ROWS = 10


class ReportParamError(ValueError):
    """A column, filter or sort name the report does not know."""


@dataclass(frozen=True)
class ReportColumn:
    name: str  # stable: used in URLs, saved reports and the export's header row
    label: object  # lazy, for people
    kind: str  # "text", "user_text", "json", "datetime", "money", "count"
    currency: str = ""
    computed: bool = False
    # What the query selects for it (a Customer field or a key of SOURCES), and
    # how the cell's value is picked from those values (None: the value itself).
    sources: tuple[str, ...] = ()
    pick: Callable | None = field(default=None, compare=False)


def _currency_label(text, currency):
    return f"{text} ({currency})"


_lazy_currency_label = lazy(_currency_label, str)


def _sources(currencies: tuple[str, ...]) -> dict[str, Callable]:
    """Computed values the query can select, by name: one subquery each."""
    return {
        "pay": aggregates.payment_figures,
        "spend": lambda: aggregates.spend_figures(currencies),
        "wal": lambda: aggregates.wallet_figures(currencies),
        "subs": aggregates.active_subscriptions,
        "visit": aggregates.portal_last_visit_at,
        # The database's own JSON text: no parse and re-encode per row.
        "metadata_text": lambda: Cast(F("metadata"), TextField()),
    }


def _key(name: str) -> Callable:
    return lambda figures: figures.get(name) if figures else None


def _paid(currency: str) -> Callable:
    """Total paid: 0 for a customer who never paid in that currency."""
    return lambda figures: (figures or {}).get(currency) or 0


def _refunded(currency: str) -> Callable:
    """Refunds total: empty for a customer never refunded in that currency."""
    return lambda figures: (figures or {}).get(f"{currency}_refunded") or None


@cache
def _registry(currencies: tuple[str, ...]) -> dict[str, ReportColumn]:
    table = CustomerTable.base_columns
    kinds = {
        "id": "text",
        "created_at": "datetime",
        "updated_at": "datetime",
        "preferred_locale": "text",
    }
    columns = [
        ReportColumn(name, table[name].verbose_name, kinds.get(name, "user_text"), sources=(name,))
        for name in table
        if name not in (*CustomerTable.editor_columns, "metadata")
    ]
    columns.append(
        ReportColumn("metadata", table["metadata"].verbose_name, "json", sources=("metadata_text",))
    )
    money = _lazy_currency_label
    for c in currencies:
        columns.append(
            ReportColumn(
                f"total_paid_{c.lower()}",
                money(gettext_lazy("Total paid"), c),
                "money",
                c,
                True,
                ("spend",),
                _paid(c.lower()),
            )
        )
    columns += [
        ReportColumn(
            "payments_count",
            gettext_lazy("Payments"),
            "count",
            computed=True,
            sources=("pay",),
            pick=_key("n"),
        ),
        ReportColumn(
            "last_payment_at",
            gettext_lazy("Last payment (UTC)"),
            "datetime",
            computed=True,
            sources=("pay",),
            pick=_key("last"),
        ),
    ]
    columns += [
        ReportColumn(
            f"refunds_total_{c.lower()}",
            money(gettext_lazy("Refunded"), c),
            "money",
            c,
            True,
            ("spend",),
            _refunded(c.lower()),
        )
        for c in currencies
    ]
    columns.append(
        ReportColumn(
            "active_subscriptions",
            gettext_lazy("Active subscriptions"),
            "count",
            computed=True,
            sources=("subs",),
        )
    )
    columns += [
        ReportColumn(
            f"wallet_balance_{c.lower()}",
            money(gettext_lazy("Wallet balance"), c),
            "money",
            c,
            True,
            ("wal",),
            _key(c.lower()),
        )
        for c in currencies
    ]
    columns.append(
        ReportColumn(
            "portal_last_visit_at",
            gettext_lazy("Portal last visit (UTC)"),
            "datetime",
            computed=True,
            sources=("visit",),
        )
    )
    return {column.name: column for column in columns}


def report_columns() -> dict[str, ReportColumn]:
    """Every column a report can have, by name, in the order the builder lists them."""
    return _registry(tuple(c.upper() for c in settings.WALLET_CURRENCIES))


def filter_names() -> list[str]:
    return list(CustomerFilter.base_filters)


def sort_names() -> list[str]:
    return [
        name for name, column in CustomerTable.base_columns.items() if column.orderable is not False
    ]


@dataclass
class ReportRequest:
    columns: list[str]
    filterset: CustomerFilter
    sort: str  # "", or a table column name with an optional "-"

    @property
    def is_valid(self) -> bool:
        """No filter value was rejected (no filters at all is valid)."""
        return not self.filterset.form.errors

    def filter_query(self) -> str:
        """The filters and sort as a query string: what a saved report stores."""
        query = QueryDict(mutable=True)
        data = self.filterset.data
        for name in filter_names():
            value = data.get(name, "")
            if name == "min_paid_currency" and not data.get("min_paid"):
                continue  # a currency alone filters nothing
            if value:
                query[name] = value
        if self.sort:
            query["sort"] = self.sort
        return query.urlencode()

    def query_string(self) -> str:
        """Columns, filters and sort: the URL of this report or its export."""
        query = QueryDict(self.filter_query(), mutable=True)
        query["columns"] = ",".join(self.columns)
        return query.urlencode(safe=",")

    def payload(self) -> dict:
        """What the audit Event records about an export."""
        used = {k: v for k, v in self.filterset.data.items() if k in filter_names() and v}
        return {"columns": self.columns, "filters": used, "sort": self.sort}


def split_columns(values: list[str]) -> list[str]:
    """`columns=a,b` and `columns=a&columns=b` both work; blanks are dropped."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def parse_report_request(
    params: QueryDict, *, business: Business, default_columns: list[str], extra=(), paged_to=0
) -> ReportRequest:
    """Check names strictly (a typo must not silently export the wrong thing).

    `extra` names more parameters the caller handles itself.
    """
    known_filters = filter_names()
    allowed = {*known_filters, *VIEW_PARAMS, *IGNORED_PARAMS, *extra}
    unknown = [key for key in params if key not in allowed]
    if unknown:
        raise ReportParamError(
            _("Unknown filter “%(name)s”. Filters are: %(known)s.")
            % {"name": unknown[0], "known": ", ".join(known_filters)}
        )
    registry = report_columns()
    columns = []
    for name in split_columns(params.getlist("columns")):
        if name not in registry:
            raise ReportParamError(
                _("Unknown column “%(name)s”. Columns are: %(known)s.")
                % {"name": name, "known": ", ".join(registry)}
            )
        if name not in columns:
            columns.append(name)
    sort = params.get("sort", "").strip()
    if sort and sort.lstrip("-") not in sort_names():
        raise ReportParamError(
            _("Unknown sort “%(name)s”. Sort by one of: %(known)s (“-” first for descending).")
            % {"name": sort, "known": ", ".join(sort_names())}
        )
    data = QueryDict(mutable=True)
    for name in known_filters:
        if name in params:
            data.setlist(name, params.getlist(name))
    filterset = CustomerFilter(data or None, business=business, sort=sort, paged_to=paged_to)
    return ReportRequest(
        columns=columns or [c for c in default_columns if c in registry],
        filterset=filterset,
        sort=sort,
    )


def ordering(sort: str) -> list[str]:
    """The table's ordering for `sort` (every ordering ends in the primary key)."""
    if not sort:
        return list(DEFAULT_ORDERING)
    descending = sort.startswith("-")
    column = CustomerTable.base_columns[sort.lstrip("-")]
    fields = list(column.order_by or (sort.lstrip("-"),))
    if "id" not in fields:
        fields.append("id")
    return [f"-{f}" if descending else f for f in fields]


@dataclass
class ReportRows:
    """The one query (tuples of the selected sources) and, per column, how to get
    the cell's value out of such a tuple."""

    queryset: QuerySet
    columns: list[ReportColumn]
    pickers: list[Callable[[tuple], object]]


def report_rows(request: ReportRequest) -> ReportRows:
    """Every matching customer, filtered and ordered, with only the subqueries the
    chosen columns need (the payment, refund and wallet figures once each)."""
    currencies = tuple(c.upper() for c in settings.WALLET_CURRENCIES)
    registry, sources = report_columns(), _sources(currencies)
    selected: list[str] = []
    for name in request.columns:
        selected += [s for s in registry[name].sources if s not in selected]
    annotations = {f"r_{s}": sources[s]() for s in selected if s in sources}
    aliases = [f"r_{s}" if s in sources else s for s in selected]
    queryset = (
        request.filterset.qs.annotate(**annotations)
        .order_by(*ordering(request.sort))
        .values_list(*aliases)
    )
    columns, pickers = [registry[name] for name in request.columns], []
    for column in columns:
        positions = [selected.index(s) for s in column.sources]
        if column.pick is None:
            pickers.append(itemgetter(positions[0]))
        elif len(positions) == 1:
            pickers.append(lambda raw, i=positions[0], pick=column.pick: pick(raw[i]))
        else:
            pickers.append(lambda raw, at=positions, pick=column.pick: pick(*(raw[i] for i in at)))
    return ReportRows(queryset, columns, pickers)


def capped_count(request: ReportRequest, cap: int | None = None) -> tuple[int, bool]:
    """How many customers match, counting at most `cap` (+1 to know it was passed)."""
    cap = cap or settings.CUSTOMER_LIST_COUNT_CAP
    found = request.filterset.known_count
    if found is None:
        found = request.filterset.qs.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


# Sign-ups chart ---------------------------------------------------------------


@dataclass
class Bar:
    start: dt.date
    count: int
    label: str
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass
class SignupChart:
    grain: str  # "day", "week" or "month"
    bars: list[Bar]
    total: int
    peak: int
    width: int = 640
    height: int = 140
    baseline: float = 0
    ticks: list[str] = field(default_factory=list)  # first, middle and last labels
    estimated: bool = False  # scaled up from a sample (see signup_chart)

    @property
    def first_label(self) -> str:
        return self.bars[0].label

    @property
    def last_label(self) -> str:
        return self.bars[-1].label

    @property
    def busiest(self) -> Bar:
        return max(self.bars, key=lambda bar: bar.count)

    @property
    def grain_label(self) -> str:
        return {"day": _("per day"), "week": _("per week"), "month": _("per month")}[self.grain]


def _grain(first: dt.date, last: dt.date) -> str:
    span = (last - first).days
    if span <= 45:
        return "day"
    if span <= 7 * 40:
        return "week"
    return "month"


def _bucket_start(day: dt.date, grain: str) -> dt.date:
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _next(day: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return day + dt.timedelta(days=1)
    if grain == "week":
        return day + dt.timedelta(days=7)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _bar_label(day: dt.date, grain: str) -> str:
    if grain == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


# An estimated chart checks this many customers per bar at most.
SAMPLE_PER_BAR = 250
DATE_FILTERS = {"created_after", "created_before"}


def signup_chart(
    request: ReportRequest, business: Business, *, over_cap: bool = False
) -> SignupChart | None:
    """Sign-ups of the filtered customers over time, by day, week or month (whichever
    keeps the bars readable). None when nobody matches.

    - No filters, or dates only: exact, from the kept daily counts (SignupDay).
    - Other filters matching at most the count cap: exact, one GROUP BY.
    - Other filters matching more: estimated per bar from a sample of the customers
      who signed up then (see _sampled_chart), and labelled as an estimate.
    """
    filterset = request.filterset.unpaged()
    used = set(filterset.used()) - {"min_paid_currency"}
    if used <= DATE_FILTERS:
        return _chart_from_days(filterset, business)
    queryset = filterset.qs.order_by()
    if over_cap:
        return _sampled_chart(queryset, filterset, business)
    # At most the count cap match (the caller counted), so their creation days come
    # back in one unordered query, whatever plan suits the filters, and are
    # bucketed here; MIN/MAX or GROUP BY over the filters can walk every customer.
    cap = settings.CUSTOMER_LIST_COUNT_CAP
    days = [_utc_day(at) for at in queryset.values_list("created_at", flat=True)[:cap]]
    if not days:
        return None
    first, last = min(days), max(days)
    grain = _grain(first, last)
    return _chart(first, last, grain, _bucketed(((day, 1) for day in days), grain))


def _utc_day(value: dt.datetime | dt.date) -> dt.date:
    return value.astimezone(dt.UTC).date() if isinstance(value, dt.datetime) else value


def _grouped(queryset, grain: str) -> QuerySet:
    return (
        queryset.annotate(bucket=Trunc("created_at", grain, tzinfo=dt.UTC))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by("bucket")
    )


def _date_range(filterset) -> tuple[dt.date | None, dt.date | None]:
    used = filterset.used()
    return used.get("created_after"), used.get("created_before")


def _bucketed(days, grain: str) -> dict[dt.date, int]:
    """(day, n) pairs summed per bar (the bar's first day)."""
    totals: dict[dt.date, int] = {}
    for day, n in days:
        start = _bucket_start(day, grain)
        totals[start] = totals.get(start, 0) + n
    return totals


def _kept_days(filterset, business: Business):
    """From SignupDay, within the date filters: (first day, last day, grain, customers
    per bar), or None when nobody signed up then. One query, ≤ one row per day."""
    after, before = _date_range(filterset)
    days = SignupDay.objects.filter(business=business, customers__gt=0)
    if after:
        days = days.filter(day__gte=after)
    if before:
        days = days.filter(day__lte=before)
    rows = list(days.order_by("day").values_list("day", "customers"))
    if not rows:
        return None
    first, last = rows[0][0], rows[-1][0]
    grain = _grain(first, last)
    return first, last, grain, _bucketed(rows, grain)


def _chart_from_days(filterset, business: Business) -> SignupChart | None:
    kept = _kept_days(filterset, business)
    return _chart(*kept) if kept else None


def _sampled_chart(queryset, filterset, business: Business) -> SignupChart | None:
    """Estimate per bar: of the first SAMPLE_PER_BAR customers who signed up in that
    period (read off the (business, created_at) index), the share that matches
    the filters, times how many signed up then (SignupDay). Two queries, and the
    work grows with the number of bars, not with the business or the table."""
    kept = _kept_days(filterset, business)
    if kept is None:
        return None
    first, last, grain, totals = kept
    since, until = created_range(*_date_range(filterset))
    everyone = Customer.objects.for_business(business).order_by("created_at", "id")
    parts = []
    for start in totals:
        lo = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
        hi = dt.datetime.combine(_next(start, grain), dt.time.min, tzinfo=dt.UTC)
        lo, hi = max(lo, since) if since else lo, min(hi, until) if until else hi
        parts.append(
            everyone.filter(created_at__gte=lo, created_at__lt=hi).values("id")[:SAMPLE_PER_BAR]
        )
    if connection.features.supports_slicing_ordering_in_compound:
        sampled = queryset.filter(pk__in=parts[0].union(*parts[1:], all=True))
    else:  # SQLite allows no LIMIT inside a UNION; it has small tables
        sampled = queryset.filter(reduce(operator.or_, (Q(pk__in=part) for part in parts)))
    rows = _grouped(sampled, grain).values_list("bucket", "n")
    matched = _bucketed(((_utc_day(bucket), n) for bucket, n in rows), grain)
    counts = {}
    for start, n in matched.items():
        checked = min(totals.get(start, 0), SAMPLE_PER_BAR)
        counts[start] = round(n * totals.get(start, 0) / checked) if checked else 0
    chart = _chart(first, last, grain, counts)
    chart.estimated = True
    return chart


def _chart(first: dt.date, last: dt.date, grain: str, counts: dict[dt.date, int]) -> SignupChart:
    bars, day = [], _bucket_start(first, grain)
    while day <= last:
        bars.append(Bar(day, counts.get(day, 0), _bar_label(day, grain)))
        day = _next(day, grain)
    chart = SignupChart(
        grain, bars, total=sum(b.count for b in bars), peak=max(b.count for b in bars) or 1
    )
    _layout(chart)
    return chart


def _layout(chart: SignupChart) -> None:
    """Bar geometry in SVG user units (the template only prints numbers); the axis
    labels are HTML next to the SVG so they stay legible at any width."""
    top = 4
    chart.baseline = chart.height
    plot_h = chart.baseline - top
    step = chart.width / len(chart.bars)
    gap = min(2.0, step * 0.2)
    for i, bar in enumerate(chart.bars):
        bar.width = round(max(step - gap, 1), 2)
        bar.x = round(i * step + gap / 2, 2)
        bar.height = round(plot_h * bar.count / chart.peak, 2)
        bar.y = round(chart.baseline - bar.height, 2)
    last = len(chart.bars) - 1
    chart.ticks = [chart.bars[i].label for i in sorted({0, last // 2, last})]
