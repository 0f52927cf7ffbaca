"""The customer table always asks for a whole page (LIMIT per_page), even when fewer
rows match: LIMIT 1 for a one-match search made PostgreSQL walk the created_at index
backwards over millions of customers (found by `manage.py benchmark`)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.core.pagination import CappedPaginator
from customers.models import Customer
from tests.factories import CustomerFactory


def test_last_page_still_limits_by_page_size(business):
    CustomerFactory(business=business, name="Zebulon Rare", email="zebulon.rare@example.com")
    CustomerFactory(business=business)
    qs = Customer.objects.for_business(business).order_by("-created_at", "-id")
    paginator = CappedPaginator(qs, 25, count_queryset=qs, cap=100)
    page = paginator.page(1)
    assert paginator.count == 2
    assert len(page) == 2 and len(page.object_list) == 2
    assert "LIMIT 25" in str(page.object_list.query)
    assert (page.start_index(), page.end_index(), page.has_next()) == (1, 2, False)


def test_one_match_search_queries_a_whole_page(client, business, owner):
    CustomerFactory(business=business, name="Zebulon Rare", email="zebulon.rare@example.com")
    CustomerFactory(business=business)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/customers/", {"q": "zebulon"})
    assert response.status_code == 200
    assert "Zebulon Rare" in response.content.decode()
    lists = [
        q["sql"]
        for q in ctx.captured_queries
        if "customers_customer" in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert lists, ctx.captured_queries
    assert all(re.search(r"LIMIT 25\b", sql) for sql in lists), lists
