"""Prepared selectors (customers.core.prepared): compiled once, then each call binds its
own values, and returns what the plain queryset returns."""

import datetime as dt
import gc
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.core.paginator import Paginator
from django.db import connection, connections
from django.db.models import Prefetch, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from customers.billing.selectors import customer_payments
from customers.core.pagination import CappedPaginator
from customers.core.prepared import PreparedQueryMismatch, prepared
from customers.models import Payment, Refund
from tests.factories import CustomerFactory, PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db


@prepared("business_id", "customer_id")
def payments_with_refunds(*, business_id: str, customer_id: str, limit: int) -> QuerySet:
    refunds = Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id"))
    return (
        Payment.objects.filter(business_id=business_id, customer_id=customer_id)
        .with_refund_totals()
        .select_related("product", "customer")
        .prefetch_related(refunds)
        .order_by("-created_at", "-id")[:limit]
    )


@prepared("business_id", "before")
def payments_before(*, business_id: str, before: dt.date) -> QuerySet:
    """A date value: bound as each database takes one (a date, or SQLite's text)."""
    payments = Payment.objects.filter(business_id=business_id, created_at__date__lt=before)
    return payments.order_by("created_at").values_list("pk", flat=True)


def _call(customer, limit=10):
    return payments_with_refunds(
        business_id=customer.business_id, customer_id=customer.pk, limit=limit
    )


def _seen(payments):
    """What a page shows of each payment: its own fields, its product's and customer's
    (joined), its refund totals (annotated) and its refunds (prefetched)."""
    return [
        (
            p.pk,
            p.total_amount,
            p.product.name,
            p.customer.email,
            p.refunded_amount,
            p.refund_reserved_amount,
            [r.pk for r in p.refunds.all()],
        )
        for p in payments
    ]


@pytest.fixture
def two_customers(business, other_business):
    mine = CustomerFactory(business=business)
    theirs = CustomerFactory(business=other_business)
    for customer in (mine, theirs):
        for _ in range(3):
            RefundFactory(payment=PaymentFactory(customer=customer), amount=300)
        RefundFactory(payment=PaymentFactory(customer=customer), amount=50, status="pending")
    return mine, theirs


def test_a_prepared_selector_returns_what_the_queryset_returns(two_customers):
    mine, _theirs = two_customers
    plain = payments_with_refunds.__wrapped__(
        business_id=mine.business_id, customer_id=mine.pk, limit=10
    )
    first, second = _call(mine), _call(mine)  # the second runs the compiled SQL
    assert _seen(first) == _seen(second) == _seen(plain)
    assert {p.refunded_amount for p in second} == {300, 0}
    assert {p.refund_reserved_amount for p in second} == {300, 50}


def test_each_call_sees_only_its_own_customer(two_customers):
    mine, theirs = two_customers
    _call(mine)
    rows = _call(theirs)
    assert len(rows) == 4
    assert {p.customer_id for p in rows} == {theirs.pk}
    assert {p.business_id for p in rows} == {theirs.business_id}
    wrong_business = payments_with_refunds(
        business_id=mine.business_id, customer_id=theirs.pk, limit=10
    )
    assert wrong_business == []


def test_the_second_call_compiles_only_its_prefetch(two_customers, settings):
    settings.PREPARED_QUERIES_CHECK = False
    mine, theirs = two_customers
    _call(mine)
    compile_ = SQLCompiler.as_sql
    with (
        mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_) as compiled,
        CaptureQueriesContext(connection) as queries,
    ):
        rows = _call(theirs)
    assert [p.customer_id for p in rows] == [theirs.pk] * 4
    assert len(queries) == 2  # the payments, then their refunds
    assert compiled.call_count == 1  # the refunds' prefetch only: Django builds it


def test_each_call_binds_its_own_date(business, settings):
    """The shape is compiled once with a stand-in date; each call's date is bound in its
    place, and answers as the plain queryset does (the check compares both)."""
    customer = CustomerFactory(business=business)
    days = [dt.datetime(2026, 3, d, 12, tzinfo=dt.UTC) for d in (1, 2, 3)]
    made = [PaymentFactory(customer=customer, created_at=at).pk for at in days]
    for before, expected in ((dt.date(2026, 3, 1), []), (dt.date(2026, 3, 3), made[:2])):
        assert payments_before(business_id=business.pk, before=before) == expected
    settings.PREPARED_QUERIES_CHECK = False  # the prepared shape alone, as in production
    with CaptureQueriesContext(connection) as ran:
        assert payments_before(business_id=business.pk, before=dt.date(2026, 3, 4)) == made
    assert len(ran.captured_queries) == 1


@prepared("business_id", "since")
def payments_since(*, business_id: str, since: dt.datetime) -> QuerySet:
    """A datetime value: bound as each database takes one (itself, or SQLite's text)."""
    payments = Payment.objects.filter(business_id=business_id, created_at__gte=since)
    return payments.order_by("created_at").values_list("pk", flat=True)


def test_each_call_binds_its_own_datetime(business, settings):
    customer = CustomerFactory(business=business)
    times = [dt.datetime(2026, 3, 1, h, tzinfo=dt.UTC) for h in (9, 10, 11)]
    made = [PaymentFactory(customer=customer, created_at=at).pk for at in times]
    for since, expected in ((times[1], made[1:]), (times[2], made[2:])):
        assert payments_since(business_id=business.pk, since=since) == expected
    settings.PREPARED_QUERIES_CHECK = False  # the prepared shape alone, as in production
    seoul = dt.timezone(dt.timedelta(hours=9))
    at_ten = dt.datetime(2026, 3, 1, 19, tzinfo=seoul)  # 10:00 UTC
    with CaptureQueriesContext(connection) as ran:
        assert payments_since(business_id=business.pk, since=at_ten) == made[1:]
    assert len(ran.captured_queries) == 1


def test_a_shape_argument_changes_the_sql(two_customers):
    mine, _theirs = two_customers
    assert len(_call(mine, limit=2)) == 2
    assert len(_call(mine, limit=3)) == 3
    assert len(_call(mine, limit=2)) == 2


def test_prepared_rows_page_and_count_as_the_queryset_does(two_customers):
    mine, _theirs = two_customers
    for _ in range(21):
        PaymentFactory(customer=mine)
    ids = {"business_id": mine.business_id, "customer_id": mine.pk}
    queryset = customer_payments.queryset(**ids)
    for _ in range(2):  # the first call prepares, the second runs the compiled SQL
        plain = Paginator(queryset, 10)
        prepared_pages = Paginator(customer_payments.rows(**ids), 10)
        assert prepared_pages.count == plain.count == 25
        for number in (1, 2, 3):
            expected = [p.pk for p in plain.page(number)]
            assert [p.pk for p in prepared_pages.page(number)] == expected
        assert customer_payments.rows(**ids).count_upto(7) == 7
        capped = CappedPaginator(
            customer_payments.rows(**ids), 10, count_queryset=customer_payments.rows(**ids), cap=20
        )
        assert (capped.count, capped.is_capped) == (20, True)
        assert capped.num_pages == 2  # a later page shows the last one it counted
        assert [p.pk for p in capped.page(3)] == [p.pk for p in plain.page(2)]


def test_a_status_is_part_of_the_shape(two_customers):
    mine, _theirs = two_customers
    RefundFactory(payment=PaymentFactory(customer=mine), amount=2500)  # refunded in full
    ids = {"business_id": mine.business_id, "customer_id": mine.pk}
    for _ in range(2):
        refunded = customer_payments(**ids, status="refunded")
        partly = customer_payments(**ids, status="partially_refunded")
        assert [p.refunded_amount for p in refunded] == [2500]
        assert sorted(p.refunded_amount for p in partly) == [300, 300, 300]
        assert len(customer_payments(**ids)) == 5


@prepared("customer_id")
def depends_on_the_value(*, customer_id: str) -> QuerySet:
    payments = Payment.objects.filter(customer_id=customer_id)
    if customer_id.startswith("cus_"):  # a real id: a filter the stand-in does not get
        payments = payments.filter(status="succeeded")
    return payments


def test_a_selector_whose_sql_depends_on_a_value_fails_its_check(two_customers):
    mine, _theirs = two_customers
    with pytest.raises(PreparedQueryMismatch, match="its SQL depends on a value"):
        depends_on_the_value(customer_id=mine.pk)


def test_without_the_check_it_runs_unprepared_and_still_answers(two_customers, settings, caplog):
    settings.PREPARED_QUERIES_CHECK = False
    mine, _theirs = two_customers

    @prepared("customer_id")
    def succeeded_only(*, customer_id: str) -> QuerySet:
        payments = Payment.objects.filter(customer_id=customer_id).order_by("pk")
        return payments.filter(status="succeeded") if customer_id[:4] == "cus_" else payments

    with caplog.at_level(logging.WARNING, logger="customers.core.prepared"):
        rows = succeeded_only(customer_id=mine.pk)
        again = succeeded_only(customer_id=mine.pk)
    assert len(rows) == len(again) == 4
    assert "runs unprepared: its SQL depends on a value" in caplog.text


def test_a_value_must_be_a_string_an_integer_a_date_or_an_aware_datetime(two_customers):
    mine, _theirs = two_customers
    refused = "must be a str, an int, a date or an aware datetime"
    with pytest.raises(TypeError, match=f"customer_id {refused}"):
        payments_with_refunds(business_id=mine.business_id, customer_id=mine, limit=1)
    with pytest.raises(TypeError, match=f"before {refused}"):
        payments_before(business_id=mine.business_id, before=dt.datetime(2026, 3, 1))
    with pytest.raises(TypeError, match="needs customer_id"):
        payments_with_refunds(business_id=mine.business_id, limit=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threads_on_their_own_connections_each_get_their_own_customer(settings):
    """Many threads share one compiled shape; each binds its own customer into it on its
    own PostgreSQL connection, with no check to fall back on."""
    settings.PREPARED_QUERIES_CHECK = False
    customers = [CustomerFactory() for _ in range(8)]
    for n, customer in enumerate(customers):
        for _ in range(n + 1):
            RefundFactory(payment=PaymentFactory(customer=customer), amount=100 * (n + 1))
    _call(customers[0])  # prepared here; the threads only run it
    start = threading.Barrier(len(customers))

    def read(customer):
        try:
            start.wait()
            return [
                (p.customer_id, p.business_id, p.refunded_amount)
                for _ in range(20)
                for p in _call(customer)
            ]
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(customers)) as pool:
        seen = list(pool.map(read, customers))
    for n, (customer, rows) in enumerate(zip(customers, seen, strict=True)):
        assert set(rows) == {(customer.pk, customer.business_id, 100 * (n + 1))}
        assert len(rows) == 20 * (n + 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_thread_that_prepared_a_shape_leaves_no_connection_open(customer):
    """The compiled shape outlives the thread that compiled it; that thread's
    PostgreSQL session must not."""

    @prepared("customer_id")
    def payments_of(*, customer_id: str) -> QuerySet:
        return Payment.objects.filter(customer_id=customer_id).order_by("pk")

    backend = []

    def prepare():
        payments_of(customer_id=customer.pk)
        backend.append(connection.connection.info.backend_pid)  # this thread's session

    def open_() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", backend)
            return cursor.fetchone() is not None

    thread = threading.Thread(target=prepare)
    thread.start()
    thread.join()
    del thread
    for _ in range(50):  # a closed session leaves pg_stat_activity within moments
        gc.collect()
        if not open_():
            break
        time.sleep(0.05)
    assert not open_()
    assert payments_of.shapes  # prepared by the thread, and kept
