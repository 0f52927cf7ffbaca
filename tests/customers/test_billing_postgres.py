"""PostgreSQL, real concurrency: separate connections (threads) racing for the same rows."""

import datetime as dt
import io
import re
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from customers.audit import Actor
from customers.billing import invoices, refunds, subscriptions
from customers.billing.gateway import ChargeResult, RefundResult
from customers.core import errors
from customers.models import Customer, Payment, Refund
from tests.factories import (
    BusinessFactory,
    CustomerFactory,
    PaymentFactory,
    SubscriptionFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(target, n: int = 2) -> list:
    """Run `target()` in n threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


class SlowGateway:
    """Holds the payment lock a while, so the other request surely waits on it."""

    def refund(self, *, refund, idempotency_key):
        time.sleep(0.3)
        return RefundResult(status="succeeded")

    def charge(self, *, payment, amount, method, idempotency_key):
        time.sleep(0.3)
        return ChargeResult(True, method)


@pytest.fixture
def payment():
    customer = CustomerFactory(business=BusinessFactory(name="Race Co"))
    return PaymentFactory(customer=customer, total_amount=2500)


def test_two_full_refunds_at_once_refund_once(payment):
    actor = Actor.system("test")

    def refund():
        return refunds.refund_create(
            payment=payment, amount=2500, actor=actor, gateway=SlowGateway()
        )

    results = race(refund)
    made = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, errors.DomainError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], errors.NothingToRefund)
    assert Refund.objects.count() == 1


def test_partial_refunds_at_once_never_exceed_the_payment(payment):
    actor = Actor.system("test")

    def refund():
        return refunds.refund_create(
            payment=payment, amount=1000, actor=actor, gateway=SlowGateway()
        )

    results = race(refund, n=4)
    assert sum(isinstance(r, Refund) for r in results) == 2
    assert all(isinstance(r, Refund | errors.RefundAmountExceedsPaidAmount) for r in results), (
        results
    )
    assert sum(Refund.objects.values_list("amount", flat=True)) == 2000


def test_double_submit_of_one_form_at_once_refunds_once(payment):
    actor = Actor.system("test")

    def refund():
        return refunds.refund_create(
            payment=payment,
            amount=500,
            actor=actor,
            idempotency_key="form:same-token",
            gateway=SlowGateway(),
        )

    results = race(refund, n=3)
    assert all(isinstance(r, Refund) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Refund.objects.count() == 1


def test_invoice_numbers_taken_at_once_are_distinct_and_gapless():
    business = BusinessFactory(name="Invoices Co")
    customer = CustomerFactory(business=business)
    payments = PaymentFactory.create_batch(6, customer=customer)
    barrier = threading.Barrier(len(payments))
    numbers = []

    def number(p):
        try:
            barrier.wait()
            numbers.append(invoices.invoice_number_assign(payment=p))
        finally:
            connection.close()

    threads = [threading.Thread(target=number, args=(p,)) for p in payments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_two_renewal_runs_at_once_bill_once():
    customer = CustomerFactory(business=BusinessFactory(name="Renewals Co"))
    start = timezone.now() - dt.timedelta(days=32)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")

    results = race(lambda: subscriptions.subscriptions_bill_due(gateway=SlowGateway()))
    assert sum(r.renewed for r in results) == 1, results
    assert Payment.objects.filter(charge_type="renewal").count() == 1


def _plan(queryset) -> str:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def test_tabs_and_the_renewal_run_are_served_by_indexes():
    """Each tab finds the customer's rows through an index on the customer; the renewal
    run scans only the partial index of active subscriptions."""
    from django.core.management import call_command

    from customers.billing import selectors
    from customers.models import LicenseKey, Subscription

    call_command("seed_demo", business="Plans Co", customers=1500, seed=3, stdout=io.StringIO())
    with connection.cursor() as cursor:
        for table in ("payment", "subscription", "licensekey", "refund"):
            cursor.execute(f"ANALYZE customers_{table}")
    customer = Customer.objects.filter(business__name="Plans Co").first()
    tabs = [
        selectors.customer_payments(customer)[:10],
        Subscription.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:10],
        LicenseKey.objects.for_business(customer.business_id)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:10],
    ]
    for queryset in tabs:
        plan = _plan(queryset)
        assert "Seq Scan" not in plan, plan
        # e.g. payment_customer_created, or the customer foreign key's own index
        assert re.search(r"using \S*(payment|subscription|licensekey)_customer\S* on", plan), plan
    assert "subscription_due" in _plan(Subscription.objects.due(timezone.now()))
