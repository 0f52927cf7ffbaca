"""The min_paid filter at any size: located on CustomerSpend's indexes (the kept
totals), then the customers table; the page, its count and its order are right
whether the spenders are few, sorted or walked, with or without other filters."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import selectors
from tests.factories import CustomerFactory, PaymentFactory

pytestmark = pytest.mark.django_db


# min_paid: located on CustomerSpend's indexes, then the customers table.


def _spenders(business, n, *, amount=20000, start=None):
    """n customers who paid `amount` cents, one a day apart, newest last."""
    start = start or timezone.now() - dt.timedelta(days=400)
    made = []
    for i in range(n):
        c = CustomerFactory(business=business, created_at=start + dt.timedelta(days=i))
        PaymentFactory(customer=c, total_amount=amount)
        made.append(c)
    return made


def _names_in_order(html, customers):
    found = [(html.find(c.email), c) for c in customers if c.email in html]
    return [c for _pos, c in sorted(found, key=lambda pair: pair[0])]


def test_min_paid_lists_exactly_the_few_who_reached_it(owner_client, business, other_business):
    big = _spenders(business, 3)
    small = _spenders(business, 2, amount=500)  # paid $5 each
    theirs = _spenders(other_business, 2)  # another merchant's big spenders
    html = owner_client.get("/customers/", {"min_paid": "100"}).content.decode()
    assert _names_in_order(html, big + small + theirs) == big[::-1]  # newest first
    assert "3 customers" in html


def test_min_paid_over_the_cap_pages_newest_first_from_the_index(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    big = _spenders(business, 6)
    small = _spenders(business, 2, amount=500, start=timezone.now() - dt.timedelta(days=5))
    html = owner_client.get("/customers/", {"min_paid": "100", "per_page": "10"}).content.decode()
    assert _names_in_order(html, big + small) == big[::-1]
    assert "3+ customers" in html
    oldest = owner_client.get(
        "/customers/", {"min_paid": "100", "per_page": "10", "sort": "created_at"}
    ).content.decode()
    assert _names_in_order(oldest, big + small) == big
    # With another filter, each spender's row is checked along the same walk.
    for c in big[1:3]:
        c.phone_number = ""
        c.save()
    with_phone = owner_client.get(
        "/customers/", {"min_paid": "100", "per_page": "10", "has_phone": "true"}
    ).content.decode()
    assert _names_in_order(with_phone, big + small) == [big[5], big[4], big[3], big[0]]
    assert "3+ customers" in with_phone
    without = owner_client.get(
        "/customers/", {"min_paid": "100", "per_page": "10", "has_phone": "false"}
    ).content.decode()
    assert _names_in_order(without, big + small) == [big[2], big[1]]
    assert "2 customers" in without


def test_min_paid_export_has_every_match_whatever_the_cap(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    big = _spenders(business, 6)
    response = owner_client.get("/customers/export.csv", {"min_paid": "100", "columns": "email"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sorted(body.split()[1:]) == sorted(c.email for c in big)


def test_min_paid_page_query_count_does_not_grow(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    counts = []
    for n in (2, 8):  # under the cap, then over it
        _spenders(business, n - len(counts) * 2)
        with CaptureQueriesContext(connection) as ctx:
            owner_client.get("/customers/", {"min_paid": "100"})
        counts.append(len(ctx.captured_queries))
    assert counts[1] <= counts[0] + 1  # over the cap: one more index walk, no per-row queries


def test_min_paid_with_another_filter_under_the_cap_counts_without_a_count_query(
    owner_client, business, settings
):
    """The spenders (under the cap) are narrowed once by the other filters: the page
    shows exactly those, newest first, with their number, and no COUNT runs."""
    settings.CUSTOMER_LIST_COUNT_CAP = 10
    big = _spenders(business, 5)
    _spenders(business, 2, amount=500)  # under the minimum, with a phone
    for c in big[1:3]:
        c.phone_number = ""
        c.save()
    params = {"min_paid": "100", "has_phone": "true", "q": big[0].email.split("@")[1]}
    with CaptureQueriesContext(connection) as ctx:
        html = owner_client.get("/customers/", params).content.decode()
    with_phone = [big[4], big[3], big[0]]
    assert _names_in_order(html, big) == [c for c in with_phone if params["q"] in c.email]
    shown = len(_names_in_order(html, big))
    assert f"{shown} customer" in html
    counts = [q for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert all(q["sql"].startswith("WITH spenders") for q in counts)  # only the spenders'
    # Without the search: three of the five big spenders have a phone.
    html = owner_client.get("/customers/", {"min_paid": "100", "has_phone": "true"}).content
    assert _names_in_order(html.decode(), big) == with_phone
    assert "3 customers" in html.decode()


def test_min_paid_over_the_cap_reads_only_the_rows_up_to_the_page(owner_client, business, settings):
    """Walked in the page's order, the spenders' rows are read only up to the page
    shown, and every page still shows the right ones."""
    settings.CUSTOMER_LIST_COUNT_CAP = 12  # 14 spenders: over it, so they are walked
    big = _spenders(business, 14)  # each with a phone number
    params = {"min_paid": "100", "per_page": "10", "has_phone": "true"}
    with CaptureQueriesContext(connection) as ctx:
        first = owner_client.get("/customers/", params).content.decode()
    assert _names_in_order(first, big) == big[::-1][:10]
    rows = [q["sql"] for q in ctx.captured_queries if '"customers_customer"."email"' in q["sql"]]
    assert rows and all(sum(c.pk in sql for c in big) <= 10 for sql in rows)
    second = owner_client.get("/customers/", {**params, "page": "2"}).content.decode()
    assert _names_in_order(second, big) == big[::-1][10:]  # the oldest four
    assert "12+ customers" in second


def test_min_paid_alone_over_the_cap_walks_only_to_the_page(owner_client, business, settings):
    """More spenders than the cap, no other filter: the count says "cap+" without
    walking them all, the walk stops at the page shown, and every page is right."""
    settings.CUSTOMER_LIST_COUNT_CAP = 12
    big = _spenders(business, 14)
    params = {"min_paid": "100", "per_page": "10"}
    with CaptureQueriesContext(connection) as ctx:
        first = owner_client.get("/customers/", params).content.decode()
    assert _names_in_order(first, big) == big[::-1][:10]
    assert "12+ customers" in first
    walks = [q["sql"] for q in ctx.captured_queries if "customer_created_at" in q["sql"]]
    assert walks and all("LIMIT 10" in sql for sql in walks if "ORDER BY" in sql)
    second = owner_client.get("/customers/", {**params, "page": "2"}).content.decode()
    assert _names_in_order(second, big) == big[::-1][10:]
    response = owner_client.get("/customers/export.csv", {"min_paid": "100", "columns": "email"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sorted(body.split()[1:]) == sorted(c.email for c in big)  # every one


@pytest.mark.parametrize("sorted_up_to", [200_000, 3])
def test_min_paid_over_the_cap_same_page_sorted_or_walked(
    owner_client, business, settings, monkeypatch, sorted_up_to
):
    """A few hundred thousand spenders or fewer are sorted off the net index; more are
    walked by sign-up. Either way the page, newest or oldest first, is the same, with
    or without another filter checked on each spender's row."""
    monkeypatch.setattr(selectors, "SORTED_SPENDERS", sorted_up_to)
    settings.CUSTOMER_LIST_COUNT_CAP = 4
    big = _spenders(business, 7)
    _spenders(business, 3, amount=500)
    newest = owner_client.get("/customers/", {"min_paid": "100", "per_page": "10"})
    assert _names_in_order(newest.content.decode(), big) == big[::-1]
    oldest = owner_client.get(
        "/customers/", {"min_paid": "100", "per_page": "10", "sort": "created_at"}
    )
    assert _names_in_order(oldest.content.decode(), big) == big
    # With another filter: each spender's row is checked in that order, sorted or walked.
    for c in big[1:3]:
        c.phone_number = ""
        c.save()
    phoned = [c for c in big if c.phone_number]
    for sort, expected in (("-created_at", phoned[::-1]), ("created_at", phoned)):
        params = {"min_paid": "100", "per_page": "10", "has_phone": "true", "sort": sort}
        with CaptureQueriesContext(connection) as ctx:
            html = owner_client.get("/customers/", params).content.decode()
        assert _names_in_order(html, big) == expected
        assert "4+ customers" in html
        if connection.vendor == "postgresql":  # counted, then sorted or walked: one statement
            assert sum(q["sql"].startswith("WITH spenders") for q in ctx.captured_queries) == 1
        else:
            walk = 'ORDER BY "customers_customerspend"."customer_created_at"'
            assert any(walk in q["sql"] for q in ctx.captured_queries)
    nobody = {"min_paid": "100", "has_phone": "true", "q": "no-such-customer"}
    assert "No customers match" in owner_client.get("/customers/", nobody).content.decode()


def test_min_paid_with_another_filter_under_the_cap_pages_read_only_their_rows(
    owner_client, business, settings
):
    """Under the cap, the spenders narrowed by the other filters come back in the
    page's order, so each page reads only its own rows, in any sort."""
    settings.CUSTOMER_LIST_COUNT_CAP = 15
    big = _spenders(business, 12)  # each with a phone number
    params = {"min_paid": "100", "has_phone": "true", "per_page": "10"}
    with CaptureQueriesContext(connection) as ctx:
        first = owner_client.get("/customers/", params).content.decode()
    assert _names_in_order(first, big) == big[::-1][:10]
    assert "12 customers" in first
    rows = [q["sql"] for q in ctx.captured_queries if '"customers_customer"."email"' in q["sql"]]
    assert rows and all(sum(c.pk in sql for c in big) <= 10 for sql in rows)
    second = owner_client.get("/customers/", {**params, "page": "2"}).content.decode()
    assert _names_in_order(second, big) == big[::-1][10:]
    by_email = sorted(big, key=lambda c: (c.email, c.pk))
    html = owner_client.get("/customers/", {**params, "sort": "email", "page": "2"}).content
    assert _names_in_order(html.decode(), big) == by_email[10:]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sort_memory_lasts_only_for_its_statement(owner_client, business, settings):
    """Sorting every spender takes more than the default work_mem, for that statement
    only: the connection's setting is unchanged after the page (in autocommit)."""
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    _spenders(business, 6)
    with connection.cursor() as cur:
        cur.execute("SHOW work_mem")
        before = cur.fetchone()[0]
    html = owner_client.get("/customers/", {"min_paid": "100", "has_phone": "true"})
    assert "3+ customers" in html.content.decode()
    with connection.cursor() as cur:
        cur.execute("SHOW work_mem")
        assert cur.fetchone()[0] == before != selectors.SORT_MEMORY


@pytest.mark.postgres
@pytest.mark.parametrize("sorted_up_to", [200_000, 3])
def test_min_paid_alone_makes_as_many_queries_over_the_cap_as_under_it(
    owner_client, business, settings, monkeypatch, sorted_up_to
):
    """The spenders are counted and read in one statement, all of them, sorted or
    walked: a page of big spenders makes the same number of queries whether they are
    fewer than the count cap or more, and says "4+" when they are more."""
    monkeypatch.setattr(selectors, "SORTED_SPENDERS", sorted_up_to)
    big = _spenders(business, 7)
    params = {"min_paid": "100", "per_page": "10"}
    counts = {}
    for cap in (10, 4):
        settings.CUSTOMER_LIST_COUNT_CAP = cap
        with CaptureQueriesContext(connection) as ctx:
            html = owner_client.get("/customers/", params).content.decode()
        assert _names_in_order(html, big) == big[::-1]
        counts[cap] = len(ctx.captured_queries)
    assert "4+ customers" in html
    assert counts[4] == counts[10]
