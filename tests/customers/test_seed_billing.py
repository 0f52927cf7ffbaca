"""seed_demo's billing data: in proportion, varied, consistent with the rules."""

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from customers import subscriptions
from customers.models import (
    Business,
    Customer,
    InvoiceCounter,
    LicenseKey,
    LicenseKeyInstance,
    Payment,
    Refund,
    Subscription,
)

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_billing_in_proportion(capsys):
    call_command("seed_demo", business="Demo", customers=400, seed=5)
    business = Business.objects.get(name="Demo")
    payments = Payment.objects.for_business(business)
    assert 400 < payments.count() < 2000
    statuses = set(payments.values_list("status", flat=True))
    assert {"succeeded", "failed", "cancelled"} <= statuses
    assert statuses & {"processing", "requires_customer_action"}
    assert set(payments.values_list("currency", flat=True)) == {"USD", "INR"}
    assert set(payments.values_list("payment_method", flat=True)) == {"card", "upi"}
    assert payments.filter(pricing_type="subscription", charge_type="renewal").exists()
    assert Refund.objects.for_business(business).filter(is_partial=True).exists()
    assert Refund.objects.for_business(business).filter(is_partial=False).exists()
    subs = Subscription.objects.for_business(business)
    assert {"active", "cancelled", "on_hold"} <= set(subs.values_list("status", flat=True))
    assert subs.filter(cancel_at_next_billing_date=True).exists()
    keys = LicenseKey.objects.for_business(business)
    assert keys.filter(status="active").exists() and keys.filter(status="disabled").exists()
    assert LicenseKeyInstance.objects.for_business(business).exists()
    out = capsys.readouterr().out
    assert f"Added {payments.count():,} payments" in out


def test_seeded_rows_keep_the_rules():
    call_command("seed_demo", business="Demo", customers=300, seed=9)
    business = Business.objects.get(name="Demo")
    payments = Payment.objects.for_business(business).with_refund_totals()
    # Refunds only on succeeded payments and never more than paid.
    assert not payments.exclude(status="succeeded").filter(refund_reserved_amount__gt=0).exists()
    assert not payments.filter(refund_reserved_amount__gt=F("total_amount")).exists()
    # Invoice numbers: succeeded payments only, 1..n without gaps, and the counter knows n.
    numbers = sorted(
        payments.filter(invoice_number__isnull=False).values_list("invoice_number", flat=True)
    )
    assert numbers == list(range(1, len(numbers) + 1))
    assert payments.filter(status="succeeded").count() == len(numbers)
    assert InvoiceCounter.objects.get(business=business).last_number == len(numbers)
    # Every payment is made after its customer joined, by that customer's business.
    assert not payments.filter(created_at__lt=F("customer__created_at")).exists()
    # Instances never exceed a key's limit.
    over = (
        LicenseKey.objects.for_business(business)
        .annotate(n=Count("instances"))
        .filter(activations_limit__isnull=False, n__gt=F("activations_limit"))
    )
    assert not over.exists()
    # No orphans (on PostgreSQL the seed skips the per-row foreign-key triggers).
    customer_ids = Customer.objects.values("pk")
    payment_ids = Payment.objects.values("pk")
    assert not Payment.objects.exclude(customer_id__in=customer_ids).exists()
    assert (
        not Payment.objects.exclude(subscription_id__isnull=True)
        .exclude(subscription_id__in=Subscription.objects.values("pk"))
        .exists()
    )
    assert not Refund.objects.exclude(payment_id__in=payment_ids).exists()
    assert not LicenseKey.objects.exclude(customer_id__in=customer_ids).exists()
    assert (
        not LicenseKey.objects.exclude(payment_id__isnull=True)
        .exclude(payment_id__in=payment_ids)
        .exists()
    )
    assert not LicenseKeyInstance.objects.exclude(
        license_key_id__in=LicenseKey.objects.values("pk")
    ).exists()
    assert not Subscription.objects.exclude(customer_id__in=customer_ids).exists()
    # The renewal run handles seeded subscriptions: nothing is billed twice.
    subscriptions.bill_due_subscriptions()
    assert subscriptions.bill_due_subscriptions().renewed == 0


def test_a_second_seed_bills_only_the_new_customers():
    call_command("seed_demo", business="Demo", customers=100, seed=1)
    business = Business.objects.get(name="Demo")
    first = Payment.objects.for_business(business).count()
    call_command("seed_demo", business="Demo", customers=100, seed=2)
    assert Customer.objects.for_business(business).count() == 200
    old_customers = Customer.objects.for_business(business).order_by("pk")[:100]
    assert Payment.objects.filter(customer__in=list(old_customers)).count() == first
    numbers = list(
        Payment.objects.for_business(business)
        .filter(invoice_number__isnull=False)
        .values_list("invoice_number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == max(numbers)
