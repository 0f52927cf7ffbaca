"""A business that sells credits, for the table's, the reports' and the exports' credit
columns and filters: two live entitlements, a deleted one, customers holding credits,
spent out, in overage or holding none, and a rival business with look-alikes."""

from dataclasses import dataclass

import pytest

from customers.models import Customer
from tests.factories import CustomerFactory
from tests.wallets.credits.helpers import ACTOR, debit, entitlement, grant
from wallets.credits.entitlements import entitlement_delete
from wallets.credits.models import CreditEntitlement


@dataclass
class CreditShop:
    calls: CreditEntitlement  # "API calls": whole credits, overage allowed
    minutes: CreditEntitlement  # "Render minutes": one decimal
    gone: CreditEntitlement  # deleted: shown nowhere
    ada: Customer  # 1,250 calls and 30.5 minutes
    bob: Customer  # 10 calls, all spent: holds 0
    cy: Customer  # 5 calls, spent 25: 20 in overage
    dee: Customer  # holds no credits
    rival: Customer  # another business's customer, with its own "API calls"
    rival_calls: CreditEntitlement


@pytest.fixture
def credit_shop(business, other_business) -> CreditShop:
    calls = entitlement(business, overage_enabled=True, overage_limit=100)
    minutes = entitlement(business, name="Render minutes", unit="minutes", precision=1)
    gone = entitlement(business, name="Old credits", unit="credits")
    ada = CustomerFactory(business=business, name="Ada")
    bob = CustomerFactory(business=business, name="Bob")
    cy = CustomerFactory(business=business, name="Cy")
    dee = CustomerFactory(business=business, name="Dee")
    grant(calls, ada, 1250)
    grant(minutes, ada, 30.5)
    grant(gone, ada, 7)
    grant(gone, dee, 7)
    grant(calls, bob, 10)
    debit(calls, bob, 10)
    grant(calls, cy, 5)
    debit(calls, cy, 25)
    entitlement_delete(entitlement=gone, actor=ACTOR)
    rival_calls = entitlement(other_business)
    rival = CustomerFactory(business=other_business, name="Ada")
    grant(rival_calls, rival, 9999)
    return CreditShop(calls, minutes, gone, ada, bob, cy, dee, rival, rival_calls)
