"""The customer table always asks for a whole page (LIMIT per_page), even when fewer
rows match: LIMIT 1 for a one-match search made PostgreSQL walk the created_at index
backwards over millions of customers (found by `manage.py benchmark`)."""

import re

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from customers.core.pagination import CappedPaginator, tab_context
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


def test_counting_reads_at_most_cap_plus_one_rows(business):
    """Past the cap the paginator says "cap+" without reading every match: its count
    query is LIMIT cap + 1 (an exact COUNT(*) over millions of rows is the slow part)."""
    CustomerFactory.create_batch(4, business=business)
    qs = Customer.objects.for_business(business).order_by("-created_at", "-id")
    paginator = CappedPaginator(qs, 2, count_queryset=qs, cap=3)
    with CaptureQueriesContext(connection) as ctx:
        assert (paginator.count, paginator.is_capped, paginator.num_pages) == (3, True, 2)
    (count_sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "COUNT(" in count_sql.upper() and re.search(r"LIMIT 4\b", count_sql), count_sql


def test_at_the_cap_exactly_the_count_is_exact(business):
    CustomerFactory.create_batch(3, business=business)
    qs = Customer.objects.for_business(business).order_by("created_at", "id")
    paginator = CappedPaginator(qs, 2, count_queryset=qs, cap=3)
    assert (paginator.count, paginator.is_capped) == (3, False)
    known = CappedPaginator(qs, 2, count_queryset=qs, cap=3, known_count=50)
    assert (known.count, known.is_capped) == (3, True)


def test_garbage_and_out_of_range_page_numbers_show_the_nearest_page(business):
    CustomerFactory.create_batch(5, business=business)
    qs = Customer.objects.for_business(business).order_by("created_at", "id")
    paginator = CappedPaginator(qs, 2, count_queryset=qs, cap=100)
    assert [paginator.validate_number(n) for n in ("x", None, "0", "-3", "2", "99")] == [
        1,
        1,
        1,
        1,
        2,
        3,
    ]
    assert len(paginator.page(3)) == 1


def test_a_tab_counts_with_its_lighter_count_queryset(business):
    """A tab's rows may carry costly annotations; its count reads the plain rows."""
    CustomerFactory.create_batch(3, business=business)
    plain = Customer.objects.for_business(business).order_by("created_at", "id")
    rows = plain.annotate(paid=Count("payments"))
    with CaptureQueriesContext(connection) as ctx:
        context = tab_context("rows", rows, {}, status="", choices=[], count_queryset=plain)
    assert context["paginator"].count == 3 and len(context["rows"]) == 3
    (count_sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert "customers_payment" not in count_sql, count_sql
    assert context["status_choices"] == []
