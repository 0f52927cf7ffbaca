"""Credits enter balances in tests only through the services."""

import datetime as dt

from django.utils import timezone

from customers.audit import Actor
from wallets.credits.entitlements import entitlement_create
from wallets.credits.services import credit_debit, credit_grant

ACTOR = Actor.system("tests")
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def entitlement(business, **fields):
    values = {
        "name": "API calls",
        "unit": "calls",
        "precision": 0,
        "overage_enabled": False,
        "rollover_enabled": False,
        **fields,
    }
    return entitlement_create(business=business, actor=ACTOR, **values)


def grant(ent, customer, credits, **kwargs):
    """Grant `credits` whole credits (thousandths are credits × 1000)."""
    kwargs.setdefault("now", timezone.now())
    return credit_grant(
        business=customer.business,
        entitlement=ent,
        customer=customer,
        amount=int(credits * 1000),
        actor=ACTOR,
        **kwargs,
    )


def debit(ent, customer, credits, **kwargs):
    kwargs.setdefault("now", timezone.now())
    return credit_debit(
        business=customer.business,
        entitlement=ent,
        customer=customer,
        amount=int(credits * 1000),
        actor=ACTOR,
        **kwargs,
    )
