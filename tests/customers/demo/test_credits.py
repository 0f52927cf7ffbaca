"""seed_demo's credits: three entitlements, about 8% of the added customers holding
some, spending and overage among them, and every credit ledger rule kept."""

import pytest
from django.core.management import call_command

from customers.models import Business, Customer
from wallets.credits.models import (
    CreditAllocation,
    CreditBalance,
    CreditEntitlement,
    CreditGrant,
    CreditLedgerEntry,
)
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_credits_that_verify(capsys):
    call_command("seed_demo", business="Demo", customers=1000, seed=5)
    business = Business.objects.get(name="Demo")
    entitlements = CreditEntitlement.objects.for_business(business)
    assert sorted(entitlements.values_list("name", flat=True)) == [
        "API calls",
        "Render minutes",
        "Support hours",
    ]
    balances = CreditBalance.objects.for_business(business)
    holders = Customer.objects.for_business(business).filter(pk__in=balances.values("customer_id"))
    assert holders.count() == 80  # 8% of 1,000
    assert balances.filter(overage__gt=0, entitlement__name="API calls").exists()
    assert not balances.filter(overage__gt=0).exclude(entitlement__name="API calls").exists()
    assert CreditLedgerEntry.objects.for_business(business).filter(is_credit=False).exists()
    assert CreditAllocation.objects.filter(business=business).exists()
    assert CreditGrant.objects.for_business(business).filter(expires_at__isnull=False).exists()
    assert verify_ledgers().ok
    out = capsys.readouterr().out
    assert f"in {balances.count():,} balances of 80 customers." in out

    # A second seed adds to new customers only, with the same entitlements.
    call_command("seed_demo", business="Demo", customers=100, seed=6)
    assert entitlements.count() == 3
    assert holders.count() == 120  # at least 40 of the new ones
    assert verify_ledgers().ok
