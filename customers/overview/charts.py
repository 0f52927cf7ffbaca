"""The overview's charts: bars per day, week or month over the chosen period, drawn
as SVG on the server (as the Build Report chart is), with a title, a description and
the numbers as a table for people who cannot see them."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from customers.core.formatting import escape
from customers.core.money import format_money
from customers.overview.figures import Overview
from customers.reports.chart import _bar_label, _bucket_start, _grain, _next


@dataclass
class Bar:
    start: dt.date
    value: int
    label: str
    display: str  # the value as people read it ("$1,234.00", "12")
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass
class Chart:
    key: str  # unique on the page: the SVG's title and description ids
    title: str
    value_header: str  # the numbers table's value column
    bars: list[Bar]
    description: str = ""
    top: str = ""  # the y axis's labels, formatted
    bottom: str = ""
    width: int = 640
    height: int = 140
    ticks: list[str] = field(default_factory=list)

    # The bars and the table rows are many small nodes: written here, each text escaped
    # as a template would, several times faster than a template loop or format_html.
    @property
    def bars_svg(self) -> str:
        return mark_safe(
            "".join(
                f'<rect class="chart-bar{" is-negative" if b.value < 0 else ""}" x="{b.x}" '
                f'y="{b.y}" width="{b.width}" height="{b.height}">'
                f"<title>{escape(b.label)}: {escape(b.display)}</title></rect>"
                for b in self.bars
            )
        )

    @property
    def rows_html(self) -> str:
        return mark_safe(
            "".join(
                f'<tr><td>{escape(b.label)}</td><td class="num">{escape(b.display)}</td></tr>'
                for b in self.bars
            )
        )


@dataclass
class Buckets:
    """The period's bars: their grain, each one's first day, and the bar of each day
    of the period (worked out once for every chart of the page)."""

    grain: str
    starts: list[dt.date]
    of_day: dict[dt.date, dt.date]


def _buckets(start: dt.date, end: dt.date) -> Buckets:
    grain = _grain(start, end)
    starts, day = [], _bucket_start(start, grain)
    while day <= end:
        starts.append(day)
        day = _next(day, grain)
    of_day, day, one = {}, start, dt.timedelta(days=1)
    while day <= end:
        of_day[day] = _bucket_start(day, grain)
        day += one
    return Buckets(grain, starts, of_day)


def _chart(
    key: str,
    title: str,
    value_header: str,
    buckets: Buckets,
    values: dict[dt.date, int],
    fmt: Callable[[int], str],
    *,
    level_from: int | None = None,
) -> Chart:
    """Bars of `values` (per day) summed per bucket, or, with `level_from`, the level
    they reach at each bucket's end (changes added to the level before the period)."""
    grain, starts, of_day = buckets.grain, buckets.starts, buckets.of_day
    totals = dict.fromkeys(starts, 0)
    for day, value in values.items():
        totals[of_day.get(day) or _bucket_start(day, grain)] += value
    if level_from is not None:
        level = level_from
        for start in starts:
            level += totals[start]
            totals[start] = level
    bars = [Bar(s, totals[s], _bar_label(s, grain), fmt(totals[s])) for s in starts]
    chart = Chart(key, title, value_header, bars)
    _layout(chart, fmt)
    first, last = bars[0].label, bars[-1].label
    highest = max(bars, key=lambda bar: bar.value)
    if level_from is None:
        chart.description = _(
            "%(title)s from %(first)s to %(last)s: %(total)s in all; the highest was "
            "%(highest)s with %(value)s."
        ) % {
            "title": title,
            "first": first,
            "last": last,
            "total": fmt(sum(totals.values())),
            "highest": highest.label,
            "value": highest.display,
        }
    else:
        chart.description = _(
            "%(title)s went from %(start)s (%(first)s) to %(end)s (%(last)s)."
        ) % {
            "title": title,
            "first": first,
            "last": last,
            "start": bars[0].display,
            "end": bars[-1].display,
        }
    return chart


def _layout(chart: Chart, fmt) -> None:
    """Bar geometry in SVG units; negative values (a day of refunds) hang below zero."""
    high = max(0, *(bar.value for bar in chart.bars))
    low = min(0, *(bar.value for bar in chart.bars))
    span = (high - low) or 1
    top_pad = 4
    plot = chart.height - top_pad
    zero = top_pad + plot * high / span
    step = chart.width / len(chart.bars)
    gap = min(2.0, step * 0.2)
    for i, bar in enumerate(chart.bars):
        bar.width = round(max(step - gap, 1), 2)
        bar.x = round(i * step + gap / 2, 2)
        bar.height = round(plot * abs(bar.value) / span, 2)
        bar.y = round(zero - bar.height if bar.value >= 0 else zero, 2)
    chart.top, chart.bottom = fmt(high), fmt(low)
    last = len(chart.bars) - 1
    chart.ticks = [chart.bars[i].label for i in sorted({0, last // 2, last})]


def overview_charts(overview: Overview) -> list[Chart]:
    """Sign-ups, then net revenue and MRR for each currency."""
    count = intcomma
    buckets = _buckets(overview.period.start, overview.period.end)
    charts = [
        _chart(
            "signups",
            _("Sign-ups"),
            _("Sign-ups"),
            buckets,
            dict(overview.signups),
            count,
        )
    ]
    # Each currency's net revenue and MRR per day, in one pass over the days.
    per_currency = {figures.currency: ({}, {}) for figures in overview.currencies}
    for day, currency, revenue, refunds, mrr in overview.days:
        if currency in per_currency:
            per_currency[currency][0][day] = revenue - refunds
            per_currency[currency][1][day] = mrr
    for figures in overview.currencies:
        currency = figures.currency
        revenue, mrr = per_currency[currency]
        money = lambda amount, currency=currency: format_money(amount, currency)  # noqa: E731
        if figures.revenue.current or figures.refunds.current:
            charts.append(
                _chart(
                    f"revenue-{currency}",
                    _("Net revenue (%(currency)s)") % {"currency": currency},
                    _("Net revenue"),
                    buckets,
                    revenue,
                    money,
                )
            )
        if figures.mrr.current or figures.mrr_before:
            charts.append(
                _chart(
                    f"mrr-{currency}",
                    _("MRR (%(currency)s)") % {"currency": currency},
                    _("MRR"),
                    buckets,
                    mrr,
                    money,
                    level_from=figures.mrr_before,
                )
            )
    return charts
