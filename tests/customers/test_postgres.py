"""PostgreSQL-only: the indexes exist and match the expressions the queries use."""

import pytest
from django.db import connection, transaction

from customers.core.bulk import bulk_insert
from customers.demo.customers import CUSTOMER_COLUMNS, customer_rows
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def many(business):
    """Enough varied rows for the planner to prefer selective indexes."""
    bulk_insert(Customer, CUSTOMER_COLUMNS, customer_rows(business.pk, 5000, seed=1, start=0))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
    return business


def plan(queryset) -> str:
    """The plan PostgreSQL picks when it may not scan the whole table."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def test_substring_search_uses_the_trigram_indexes(many):
    # Django's icontains is UPPER(col::text) LIKE UPPER(...): the indexes must match it.
    assert "customer_name_trgm" in plan(Customer.objects.filter(name__icontains="lovelace"))
    assert "customer_email_trgm" in plan(Customer.objects.filter(email__icontains="lovelace"))


def test_short_search_uses_the_prefix_indexes(many):
    text = plan(Customer.objects.for_business(many).search("zq"))
    assert "customer_name_prefix" in text
    assert "customer_email_prefix" in text


def test_first_page_is_served_by_the_business_created_index(many):
    qs = Customer.objects.for_business(many).order_by("-created_at", "-id")[:25]
    assert "customer_business_created" in plan(qs)


def test_trigram_search_finds_substrings_any_case(business):
    ada = CustomerFactory(business=business, name="Ada Lovelace", email="ADA@Example.com")
    CustomerFactory(business=business, name="Grace Hopper", email="grace@example.com")
    qs = Customer.objects.for_business(business)
    assert list(qs.search("VELA")) == [ada]
    assert list(qs.search("ada@exa")) == [ada]


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("name", "customer_business_name"),
        ("-email", "customer_business_email"),
        ("phone_number", "customer_business_phone"),
        ("-updated_at", "customer_business_updated"),
    ],
)
def test_every_sort_of_the_table_reads_an_index(many, sort, index):
    from customers.listing import ordering

    qs = Customer.objects.for_business(many).order_by(*ordering(sort))[:25]
    assert index in plan(qs)


def test_short_search_reads_the_prefix_btrees_not_the_trigram_indexes(many):
    text = plan(Customer.objects.for_business(many).search("jo"))
    assert "trgm" not in text
