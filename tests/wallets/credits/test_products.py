"""Products grant credits: each renewal grants the period's credits once; with
rollover, they expire at the period's end and roll over on schedule."""

import pytest

from customers.audit import Actor
from customers.billing import subscriptions
from customers.models import Payment
from tests.customers.conftest import due  # noqa: F401 (the due-subscription fixture)
from tests.wallets.credits.helpers import ACTOR, entitlement
from wallets.credits.entitlements import entitlement_delete, product_credits_set
from wallets.credits.expiry import credits_expire
from wallets.credits.models import CreditBalance, CreditGrant
from wallets.credits.services import credits_grant_for_payment
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db


def test_each_renewal_grants_the_periods_credits_once(due, business):  # noqa: F811
    calls = entitlement(
        business, rollover_enabled=True, rollover_percentage=50, max_rollover_count=1
    )
    product_credits_set(product=due.product, entitlement=calls, amount=1_000_000, actor=ACTOR)
    assert subscriptions.subscriptions_bill_due().renewed == 1
    grant = CreditGrant.objects.get()
    due.refresh_from_db()
    assert (grant.source_type, grant.source_id) == ("subscription", due.pk)
    assert grant.initial_amount == 1_000_000 and grant.expires_at == due.next_billing_date
    renewal = Payment.objects.get(charge_type="renewal")
    credits_grant_for_payment(payment=renewal, actor=Actor.system("retry"))  # a retry
    assert CreditGrant.objects.count() == 1
    # At the period's end half rolls over, half is forfeited.
    credits_expire(now=due.next_billing_date)
    assert CreditBalance.objects.get().balance == 500_000
    assert CreditGrant.objects.filter(source_type="rollover").count() == 1
    assert verify_ledgers().ok


def test_a_deleted_entitlement_grants_nothing(due, business):  # noqa: F811
    calls = entitlement(business)
    product_credits_set(product=due.product, entitlement=calls, amount=5_000, actor=ACTOR)
    entitlement_delete(entitlement=calls, actor=ACTOR)
    assert subscriptions.subscriptions_bill_due().renewed == 1
    assert not CreditGrant.objects.exists()
