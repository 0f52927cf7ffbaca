"""The figures the database keeps (CustomerSpend, SignupDay) agree with their sources
whatever writes them, and the pages that read them show what a merchant expects."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from customers.models import CustomerSpend, Payment, SignupDay
from customers.reports.summaries import summaries_defer, summaries_rebuild
from tests.factories import CustomerFactory, PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db
REPORT = "/customers/report/"


def spend(customer) -> dict:
    rows = CustomerSpend.objects.filter(customer=customer).values_list(
        "currency", "paid", "refunded", "net"
    )
    return {currency: (paid, refunded, net) for currency, paid, refunded, net in rows}


def test_spend_follows_payments_and_refunds_through_every_status_change(customer):
    paid = PaymentFactory(customer=customer, total_amount=15000)
    PaymentFactory(customer=customer, total_amount=900, status="failed")
    PaymentFactory(customer=customer, total_amount=70000, currency="INR")
    assert spend(customer) == {"USD": (15000, 0, 15000), "INR": (70000, 0, 70000)}

    pending = RefundFactory(payment=paid, amount=6000, status="pending")
    assert spend(customer)["USD"] == (15000, 0, 15000)  # pending refunds do not count
    pending.status = "succeeded"
    pending.save()
    assert spend(customer)["USD"] == (15000, 6000, 9000)

    late = PaymentFactory(customer=customer, total_amount=500, status="processing")
    assert spend(customer)["USD"] == (15000, 6000, 9000)
    Payment.objects.filter(pk=late.pk).update(status="succeeded")  # a bulk UPDATE too
    assert spend(customer)["USD"] == (15500, 6000, 9500)
    late.status = "failed"
    late.save(update_fields=["status"])
    assert spend(customer)["USD"] == (15000, 6000, 9000)
    customer.refresh_from_db()
    late.delete()
    assert spend(customer)["USD"] == (15000, 6000, 9000)


def test_rebuild_gives_the_same_figures_as_the_triggers(business):
    customers = CustomerFactory.create_batch(4, business=business)
    for i, c in enumerate(customers):
        p = PaymentFactory(customer=c, total_amount=1000 * (i + 1))
        if i % 2:
            RefundFactory(payment=p, amount=100 * i)
    kept = sorted(CustomerSpend.objects.values_list("customer_id", "currency", "paid", "refunded"))
    days = sorted(SignupDay.objects.values_list("business_id", "day", "customers"))
    summaries_rebuild(business)
    assert (
        sorted(CustomerSpend.objects.values_list("customer_id", "currency", "paid", "refunded"))
        == kept
    )
    assert sorted(SignupDay.objects.values_list("business_id", "day", "customers")) == days


def test_signup_days_count_customers_by_utc_day(business, other_business):
    day = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)
    CustomerFactory(business=business, created_at=day)
    CustomerFactory(business=business, created_at=day - dt.timedelta(hours=2))
    late = CustomerFactory(business=business, created_at=day + dt.timedelta(hours=1))
    CustomerFactory(business=other_business, created_at=day)
    counts = dict(SignupDay.objects.filter(business=business).values_list("day", "customers"))
    assert counts == {dt.date(2026, 3, 4): 2, dt.date(2026, 3, 5): 1}
    late.created_at = day  # moved back a day
    late.save()
    counts = dict(SignupDay.objects.filter(business=business).values_list("day", "customers"))
    assert counts == {dt.date(2026, 3, 4): 3, dt.date(2026, 3, 5): 0}


def test_min_paid_reads_the_kept_total(owner_client, business):
    big = CustomerFactory(business=business, name="Big spender")
    refunded = CustomerFactory(business=business, name="Mostly refunded")
    PaymentFactory(customer=big, total_amount=15000)
    RefundFactory(payment=PaymentFactory(customer=refunded, total_amount=15000), amount=6000)
    html = owner_client.get("/customers/", {"min_paid": "100"}).content.decode()
    assert "Big spender" in html and "Mostly refunded" not in html
    html = owner_client.get("/customers/", {"min_paid": "90"}).content.decode()
    assert "Big spender" in html and "Mostly refunded" in html


@pytest.mark.parametrize(
    ("raw", "message"),
    [("12,50", "is ambiguous here"), ("1e3", "Enter an amount with digits only")],
)
def test_min_paid_is_read_by_locale_and_refuses_guesses(owner_client, business, raw, message):
    CustomerFactory(business=business, name="Anyone")
    html = owner_client.get("/customers/", {"min_paid": raw}).content.decode()
    assert message in html


def test_report_total_paid_column_matches_the_filter(owner_client, business):
    c = CustomerFactory(business=business, name="Ada")
    RefundFactory(payment=PaymentFactory(customer=c, total_amount=15000), amount=6000)
    response = owner_client.get(
        "/customers/export.csv",
        {"columns": "name,total_paid_usd,refunds_total_usd,total_paid_inr,refunds_total_inr"},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Ada,90.00,60.00,0.00," in body


def test_unfiltered_chart_comes_from_the_kept_days(owner_client, business):
    base = timezone.now() - dt.timedelta(days=10)
    for i in range(6):
        CustomerFactory(business=business, created_at=base + dt.timedelta(days=i % 3))
    html = owner_client.get(REPORT).content.decode()
    assert "6 customers signed up" in html
    html = owner_client.get(
        REPORT, {"created_after": (base + dt.timedelta(days=1)).date().isoformat()}
    ).content.decode()
    assert "4 customers signed up" in html
    assert "Estimated from a sample" not in html


def test_chart_of_filtered_customers_is_exact_under_the_cap(owner_client, business):
    CustomerFactory.create_batch(3, business=business, phone_number="")
    CustomerFactory.create_batch(2, business=business)
    html = owner_client.get(REPORT, {"has_phone": "true"}).content.decode()
    assert "2 customers signed up" in html
    assert "Estimated from a sample" not in html


def test_estimated_chart_samples_every_bar(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    start = timezone.now() - dt.timedelta(days=20)
    for day in range(0, 20, 2):  # ten days with sign-ups, one in three without a phone
        CustomerFactory(business=business, created_at=start + dt.timedelta(days=day))
        CustomerFactory(
            business=business, created_at=start + dt.timedelta(days=day, hours=1), phone_number=""
        )
        CustomerFactory(business=business, created_at=start + dt.timedelta(days=day, hours=2))
    html = owner_client.get(REPORT, {"has_phone": "true"}).content.decode()
    assert "Estimated from a sample" in html
    assert "20 customers signed up" in html  # every bar sampled whole: exact here
    assert "per day" in html


def test_chart_over_the_cap_is_a_labelled_estimate(owner_client, business, settings):
    settings.CUSTOMER_LIST_COUNT_CAP = 3
    CustomerFactory.create_batch(8, business=business)
    CustomerFactory.create_batch(2, business=business, phone_number="")
    html = owner_client.get(REPORT, {"has_phone": "true"}).content.decode()
    assert "Estimated from a sample" in html
    # Each bar checks up to 250 of its period's customers: here all, so it is exact.
    assert "8 customers signed up" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bulk_load_defers_then_rebuilds(business):
    with transaction.atomic():
        summaries_defer()
        c = CustomerFactory(business=business)
        PaymentFactory(customer=c, total_amount=4200)
        assert not CustomerSpend.objects.filter(customer=c).exists()
        summaries_rebuild(business)
        assert spend(c) == {"USD": (4200, 0, 4200)}
        # After the rebuild the triggers are on again for the rest of the transaction.
        PaymentFactory(customer=c, total_amount=800)
        assert spend(c) == {"USD": (5000, 0, 5000)}
    assert SignupDay.objects.filter(business=business).get().customers == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_for_one_customer_are_all_counted():
    c = CustomerFactory()
    PaymentFactory(customer=c, total_amount=1)  # the spend row exists
    barrier = threading.Barrier(4)

    def pay():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                PaymentFactory(customer=c, business=c.business, product=None, total_amount=100)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a payment is stuck on a lock"
    assert spend(c) == {"USD": (401, 0, 401)}
