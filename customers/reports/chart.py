"""The sign-ups chart of Build Report: how many of the filtered customers signed
up per day, week or month, exact where the kept daily counts or a bounded query
can tell, else estimated from a sample per bar (and labelled so)."""

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.core.prepared import prepared
from customers.filter_queries import DATE_FILTERS, created_range
from customers.models import Business, Customer, SignupDay
from customers.reports.query import ReportRequest


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
    def description(self) -> str:
        """What the chart shows, in words (its SVG's description)."""
        busiest = self.busiest
        return ngettext(
            "%(n)s customer signed up from %(first)s to %(last)s; the busiest period was "
            "%(busiest)s with %(peak)s.",
            "%(n)s customers signed up from %(first)s to %(last)s; the busiest period was "
            "%(busiest)s with %(peak)s.",
            self.total,
        ) % {
            "n": intcomma(self.total),
            "first": self.first_label,
            "last": self.last_label,
            "busiest": busiest.label,
            "peak": intcomma(busiest.count),
        }

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
    customers = request.customers.unpaged()
    used = set(customers.used) - {"min_paid_currency"}
    if used <= DATE_FILTERS:
        return _chart_from_days(customers, business)
    queryset = customers.queryset.order_by()
    if over_cap:
        return _sampled_chart(queryset, customers, business)
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


def _date_range(customers) -> tuple[dt.date | None, dt.date | None]:
    return customers.used.get("created_after"), customers.used.get("created_before")


def _bucketed(days, grain: str) -> dict[dt.date, int]:
    """(day, n) pairs summed per bar (the bar's first day)."""
    totals: dict[dt.date, int] = {}
    for day, n in days:
        start = _bucket_start(day, grain)
        totals[start] = totals.get(start, 0) + n
    return totals


def _kept_days(customers, business: Business):
    """From SignupDay, within the date filters: (first day, last day, grain, customers
    per bar), or None when nobody signed up then. One query, ≤ one row per day."""
    after, before = _date_range(customers)
    rows = _signup_days(
        business_id=business.pk, after=after or dt.date.min, before=before or dt.date.max
    )
    if not rows:
        return None
    first, last = rows[0][0], rows[-1][0]
    grain = _grain(first, last)
    return first, last, grain, _bucketed(rows, grain)


@prepared("business_id", "after", "before")
def _signup_days(*, business_id: str, after: dt.date, before: dt.date) -> QuerySet:
    days = SignupDay.objects.filter(
        business_id=business_id, customers__gt=0, day__gte=after, day__lte=before
    )
    return days.order_by("day").values_list("day", "customers")


def _chart_from_days(customers, business: Business) -> SignupChart | None:
    kept = _kept_days(customers, business)
    return _chart(*kept) if kept else None


def _sampled_chart(queryset, customers, business: Business) -> SignupChart | None:
    """Estimate per bar: of the first SAMPLE_PER_BAR customers who signed up in that
    period (read off the (business, created_at) index), the share that matches
    the filters, times how many signed up then (SignupDay). Two queries, and the
    work grows with the number of bars, not with the business or the table."""
    kept = _kept_days(customers, business)
    if kept is None:
        return None
    first, last, grain, totals = kept
    since, until = created_range(*_date_range(customers))
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
