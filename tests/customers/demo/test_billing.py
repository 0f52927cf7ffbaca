"""seed_demo's billing and wallet data: in proportion, varied, consistent with the rules,
and the small neighbour businesses beside a large one."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from customers.billing import subscriptions
from customers.models import Business, Customer
from customers.models.billing import InvoiceCounter, Payment, Refund
from customers.models.licenses import LicenseKey, LicenseKeyInstance
from customers.models.subscriptions import Subscription
from wallets.models import LedgerEntry, Wallet
from wallets.verify import verify_ledgers

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
    subscriptions.subscriptions_bill_due()
    assert subscriptions.subscriptions_bill_due().renewed == 0


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


def test_wallets_for_about_three_percent_of_the_added_customers_old_and_new(capsys):
    call_command("seed_demo", business="Demo", customers=3000, seed=6)
    business = Business.objects.get(name="Demo")
    wallets = Wallet.objects.for_business(business)
    holders = Customer.objects.for_business(business).filter(pk__in=wallets.values("customer_id"))
    assert holders.count() == 90  # 3% of 3,000
    # Picked at random among all the new customers, not only the newest.
    now = timezone.now()
    assert holders.filter(created_at__lt=now - dt.timedelta(days=365)).exists()
    assert holders.filter(created_at__gt=now - dt.timedelta(days=60)).exists()
    assert {"USD", "INR"} <= set(wallets.values_list("currency", flat=True))
    entries = LedgerEntry.objects.for_business(business)
    assert entries.filter(direction="debit").exists()
    assert not wallets.exclude(pk__in=entries.values("wallet_id")).exists()
    assert verify_ledgers().ok
    captured = capsys.readouterr()
    assert "wallets" in captured.err and "100% 3,000/3,000" in captured.err
    assert (
        f"Added {entries.count():,} wallet ledger entries in {wallets.count():,} wallets "
        "of 90 customers." in captured.out
    )


def test_a_small_seed_still_gives_sixty_customers_wallets():
    call_command("seed_demo", business="Demo", customers=100, seed=2)
    business = Business.objects.get(name="Demo")
    wallets = Wallet.objects.for_business(business)
    assert wallets.values("customer_id").distinct().count() == 60
    call_command("seed_demo", business="Demo", customers=40, seed=3)
    # All 40 new customers (fewer than 60); the old ones keep theirs.
    assert wallets.values("customer_id").distinct().count() == 100
    assert verify_ledgers().ok


def test_neighbours_are_separate_businesses_with_their_own_data(capsys):
    call_command("seed_demo", business="Demo", customers=100, neighbours=2, seed=4)
    main = Business.objects.get(name="Demo")
    neighbours = list(Business.objects.filter(name__startswith="Demo neighbour").order_by("name"))
    assert [b.name for b in neighbours] == ["Demo neighbour 1", "Demo neighbour 2"]
    assert Customer.objects.for_business(main).count() == 100
    out = capsys.readouterr().out
    for business in neighbours:
        customers = Customer.objects.for_business(business).count()
        assert 300 <= customers <= 2000
        assert f"Added {customers:,} customers to {business.name}, with" in out
        assert Payment.objects.for_business(business).exists()
        assert Subscription.objects.for_business(business).exists()
        assert LicenseKey.objects.for_business(business).exists()
        holders = Wallet.objects.for_business(business).values("customer_id").distinct()
        assert holders.count() == max(round(customers * 0.03), 60)
        # Invoice numbers are the neighbour's own: 1..n.
        numbers = Payment.objects.for_business(business).filter(invoice_number__isnull=False)
        assert numbers.count() == InvoiceCounter.objects.get(business=business).last_number
    # Every row belongs to its customer's business: no data crosses businesses.
    for model in (Payment, Refund, Subscription, LicenseKey, Wallet, LedgerEntry):
        assert not model.objects.exclude(business_id=F("customer__business_id")).exists()
    assert verify_ledgers().ok
    # Again: no duplicate neighbours, and one with customers is left alone.
    before = Customer.objects.exclude(business=main).count()
    call_command("seed_demo", business="Demo", customers=10, neighbours=3, seed=5)
    assert Business.objects.filter(name__startswith="Demo neighbour").count() == 3
    assert (
        Customer.objects.exclude(business=main).exclude(business__name="Demo neighbour 3").count()
        == before
    )
    assert Customer.objects.filter(business__name="Demo neighbour 3").count() >= 300
    out = capsys.readouterr().out
    assert "Demo neighbour 1 already has customers; skipped." in out
    assert verify_ledgers().ok


def test_if_empty_adds_no_neighbours_when_the_business_has_customers():
    call_command("seed_demo", business="Demo", customers=20, seed=1)
    call_command("seed_demo", business="Demo", customers=20, neighbours=2, if_empty=True)
    assert not Business.objects.filter(name__startswith="Demo neighbour").exists()
    assert Customer.objects.count() == 20
