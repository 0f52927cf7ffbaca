"""The overview's hand-computed business: the figures are worked out in
test_figures.test_figures_match_the_hand_computed_fixture."""

import datetime as dt

import pytest

from customers.overview.forms import period_for
from tests.factories import CustomerFactory, PaymentFactory, RefundFactory, SubscriptionFactory

UTC = dt.UTC
# 1–10 March 2026; the period before is 19–28 February.
PERIOD = period_for("custom", dt.date(2026, 3, 20), dt.date(2026, 3, 1), dt.date(2026, 3, 10))


def at(month, day, hour=12, minute=0, second=0, micro=0):
    return dt.datetime(2026, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.fixture
def shop(business):
    """The hand-computed business (figures in the test below)."""
    old = CustomerFactory(business=business, created_at=at(1, 1))
    CustomerFactory(business=business, created_at=at(2, 20))
    first = CustomerFactory(business=business, created_at=at(3, 1, 0, 0, 0))
    CustomerFactory(business=business, created_at=at(3, 10, 23, 59, 59, 999999))
    CustomerFactory(business=business, created_at=at(3, 11, 0, 0, 0))  # after the period

    paid = PaymentFactory(customer=first, total_amount=10000, created_at=at(3, 1, 0, 0, 0))
    before = PaymentFactory(customer=old, total_amount=5000, created_at=at(2, 28, 23, 59, 59))
    PaymentFactory(customer=old, total_amount=7000, status="failed", created_at=at(3, 5))
    PaymentFactory(customer=old, total_amount=300, status="processing", created_at=at(3, 5))
    PaymentFactory(customer=old, total_amount=200000, currency="INR", created_at=at(3, 10, 23, 59))
    PaymentFactory(customer=old, total_amount=99999, created_at=at(3, 11, 0, 0, 0))
    RefundFactory(payment=paid, amount=2500, created_at=at(3, 3))
    RefundFactory(payment=paid, amount=1000, status="pending", created_at=at(3, 4))
    RefundFactory(payment=before, amount=500, created_at=at(2, 28, 23, 59, 59, 500000))

    SubscriptionFactory(customer=old, recurring_pre_tax_amount=3000, created_at=at(2, 20))
    SubscriptionFactory(
        customer=old,
        recurring_pre_tax_amount=120000,
        payment_frequency_interval="Year",
        status="cancelled",
        created_at=at(1, 15),
        cancelled_at=at(3, 5),
    )
    SubscriptionFactory(
        customer=first,
        recurring_pre_tax_amount=1200,
        payment_frequency_interval="Week",
        created_at=at(3, 2),
    )
    SubscriptionFactory(customer=first, status="pending", created_at=at(3, 3))
    return business
