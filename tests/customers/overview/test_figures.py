"""The overview's figures against a hand-computed fixture: refunds, two currencies,
the first and last second of a period, subscriptions that start and end, and the
change against the period before; and the kept daily rows against a rebuild."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from customers.models import BusinessDay, Subscription
from customers.overview.figures import Change, overview_figures
from customers.overview.forms import PeriodForm, period_for
from customers.reports.summaries import DAY_FIGURES, summaries_defer, summaries_rebuild
from tests.customers.overview.conftest import PERIOD, at
from tests.factories import (
    BusinessFactory,
    CustomerFactory,
    PaymentFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db


def test_figures_match_the_hand_computed_fixture(shop):
    o = overview_figures(business=shop, period=PERIOD)
    assert (o.period.previous_start, o.period.previous_end) == (
        dt.date(2026, 2, 19),
        dt.date(2026, 2, 28),
    )
    assert o.customers_total == Change(4, 2)  # the 11 March customer is after the period
    assert o.customers_new == Change(2, 1)
    inr, usd = o.currencies
    assert usd.currency == "USD" and inr.currency == "INR"
    assert usd.revenue == Change(10000, 5000)
    assert usd.refunds == Change(2500, 500)  # the pending refund does not count
    assert usd.net_revenue == Change(7500, 4500)
    assert usd.net_revenue.percent == 66.7
    assert usd.payments_failed == Change(1, 0)
    assert inr.net_revenue == Change(200000, 0) and inr.net_revenue.percent is None
    # Monthly $30 (since 20 Feb) + weekly $12 = $52/month (since 2 Mar); the yearly
    # $1,200 ($100/month, since 15 Jan) was cancelled on 5 March.
    assert usd.mrr == Change(3000 + 5200, 3000 + 10000)
    assert usd.mrr_before == 13000
    assert usd.active_subscriptions == Change(2, 2)
    assert usd.subscriptions_started == Change(1, 1)  # the pending one has not started
    assert usd.subscriptions_churned == Change(1, 0)
    assert o.payments_failed == Change(1, 0) and o.subscriptions_churned == Change(1, 0)
    assert dict(o.signups) == {dt.date(2026, 3, 1): 1, dt.date(2026, 3, 10): 1}


def test_monthly_amount_in_python_matches_the_kept_mrr(business):
    subs = [
        SubscriptionFactory(
            customer=CustomerFactory(business=business),
            recurring_pre_tax_amount=amount,
            payment_frequency_interval=interval,
            payment_frequency_count=count,
        )
        for amount, interval, count in [(999, "Day", 1), (1001, "Week", 2), (12345, "Year", 1)]
    ]
    kept = sum(BusinessDay.objects.filter(business=business).values_list("mrr", flat=True))
    assert kept == sum(s.monthly_amount for s in subs) == 999 * 365 // 12 + 1001 * 52 // 24 + 1028


def test_status_changes_move_the_kept_figures(business):
    customer = CustomerFactory(business=business)
    sub = SubscriptionFactory(customer=customer, recurring_pre_tax_amount=2000)
    payment = PaymentFactory(customer=customer, total_amount=700, status="processing")

    def totals():
        rows = BusinessDay.objects.filter(business=business)
        return {name: sum(getattr(r, name) for r in rows) for name in DAY_FIGURES}

    assert totals()["mrr"] == 2000 and totals()["revenue"] == 0
    payment.status = "succeeded"
    payment.save()
    assert totals()["revenue"] == 700 and totals()["payments"] == 1
    sub.status = Subscription.Status.CANCELLED
    sub.cancelled_at = sub.created_at + dt.timedelta(days=3)
    sub.save()
    figures = totals()
    assert (figures["mrr"], figures["active_subscriptions"]) == (0, 0)
    assert figures["subscriptions_churned"] == 1 and figures["subscriptions_started"] == 1
    payment.delete()
    assert totals()["revenue"] == 0


def test_other_businesses_figures_are_not_counted(shop):
    other = BusinessFactory()
    PaymentFactory(customer=CustomerFactory(business=other), total_amount=1, created_at=at(3, 2))
    o = overview_figures(business=shop, period=PERIOD)
    assert [c.revenue.current for c in o.currencies] == [200000, 10000]


def test_rebuild_gives_the_same_days_as_the_triggers(shop):
    def rows():
        return sorted(
            BusinessDay.objects.filter(business=shop).values_list("day", "currency", *DAY_FIGURES)
        )

    kept = [row for row in rows() if any(row[2:])]
    with transaction.atomic():
        summaries_defer()
        summaries_rebuild(shop)
    assert rows() == kept


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"period": "week"}, "Select a valid choice"),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "must not be after"),
        ({"period": "custom", "start": "2026-03-01"}, "both dates"),
        ({"period": "custom", "start": "0001-01-01", "end": "0001-01-02"}, "after 1 January 1970"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "at most"),
        ({"period": "custom", "start": "2026-03-01", "end": "2026-04-01"}, "future"),
        ({"period": "custom", "start": "1 March", "end": "2026-03-02"}, "valid date"),
    ],
)
def test_bad_periods_are_refused_and_fall_back_to_30_days(query, error):
    form = PeriodForm(query, today=dt.date(2026, 3, 20))
    assert not form.is_valid()
    assert error in str(form.errors)
    period = form.chosen()
    assert (period.start, period.end) == (dt.date(2026, 2, 19), dt.date(2026, 3, 20))


def test_this_month_compares_with_the_same_days_of_last_month():
    period = period_for("month", dt.date(2026, 3, 31))
    assert (period.start, period.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (period.previous_start, period.previous_end) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    seven = period_for("7", dt.date(2026, 3, 31))
    assert (seven.start, seven.previous_start, seven.previous_end) == (
        dt.date(2026, 3, 25),
        dt.date(2026, 3, 18),
        dt.date(2026, 3, 24),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_triggers_keep_the_days_on_postgresql_under_concurrent_writers(business):
    """Four transactions paying at once on the same day all land in the one row."""
    customer = CustomerFactory(business=business)
    PaymentFactory(customer=customer, total_amount=1, created_at=at(3, 2))
    barrier = threading.Barrier(4)

    def pay():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                PaymentFactory(
                    customer=customer,
                    business=business,
                    product=None,
                    total_amount=100,
                    created_at=at(3, 2, 13),
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    day = BusinessDay.objects.get(business=business, day=dt.date(2026, 3, 2), currency="USD")
    assert (day.revenue, day.payments) == (401, 5)
