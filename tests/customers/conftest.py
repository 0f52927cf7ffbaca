"""Fixtures for the tests of the customers app."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from customers.audit import Actor
from customers.core.bulk import bulk_insert
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import Customer, add_interval
from tests.customers.credit_shop import credit_shop  # noqa: F401 - a shared fixture
from tests.factories import PaymentFactory, SubscriptionFactory


@pytest.fixture
def due(customer):
    """A monthly $10.00 subscription whose period ended an hour ago, paid by card."""
    start = timezone.now() - dt.timedelta(days=31, hours=1)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=add_interval(start, "Month"),
    )
    PaymentFactory(
        customer=customer,
        subscription=sub,
        product=sub.product,
        pricing_type="subscription",
        charge_type="new",
        total_amount=1000,
        created_at=start,
    )
    return sub


@pytest.fixture
def actor(owner):
    """The owner, as the services record who did what."""
    return Actor.user(owner)


@pytest.fixture
def many(business):
    """Enough varied customers (5,000, analysed) for the planner to prefer selective
    indexes; for the PostgreSQL plan checks."""
    bulk_insert(Customer, CUSTOMER_COLUMNS, customer_rows(business.pk, 5000, seed=1, start=0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    return business
