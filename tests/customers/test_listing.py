"""The customer list's order (customers.listing): on PostgreSQL, the first page and every
sort of the table read an index instead of sorting the business's customers."""

import pytest

from customers.listing import ordering
from customers.models import Customer
from tests.customers.helpers import plan

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_first_page_is_served_by_the_business_created_index(many):
    qs = Customer.objects.for_business(many).order_by("-created_at", "-id")[:25]
    assert "customer_business_created" in plan(qs)


@pytest.mark.postgres
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
    qs = Customer.objects.for_business(many).order_by(*ordering(sort))[:25]
    assert index in plan(qs)
