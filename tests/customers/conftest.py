"""Fixtures for the tests of the customers app."""

import pytest
from django.db import connection

from customers.audit import Actor
from customers.core.bulk import bulk_insert
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import Customer


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
