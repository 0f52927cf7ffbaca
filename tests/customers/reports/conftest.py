"""The shop every report test reads: customers with a bit of everything."""

import datetime as dt

import pytest

from portal.models import PortalLogin
from tests.customers.reports.helpers import NOW
from tests.factories import CustomerFactory, PaymentFactory, RefundFactory, SubscriptionFactory
from tests.wallets.helpers import credit, debit


def portal_visit(customer, when):
    return PortalLogin.objects.create(
        business=customer.business,
        customer=customer,
        token_hash=f"{customer.pk}-{when.timestamp()}",
        last_seen_at=when,
    )


@pytest.fixture
def shop(business, other_business):
    """Five customers with a bit of everything, and a rival business's look-alikes."""
    days = dt.timedelta(days=1)
    ada = CustomerFactory(business=business, name="Ada", created_at=NOW - 40 * days)
    bob = CustomerFactory(
        business=business, name="Bob", phone_number="", created_at=NOW - 20 * days
    )
    cy = CustomerFactory(business=business, name="=cmd|' /C calc'!A0", created_at=NOW - 10 * days)
    dee = CustomerFactory(
        business=business, name="Dee", metadata={"plan": "pro"}, created_at=NOW - 5 * days
    )
    eve = CustomerFactory(business=business, name="Eve", created_at=NOW - 1 * days)

    p1 = PaymentFactory(customer=ada, total_amount=1250, created_at=NOW - 30 * days)
    PaymentFactory(customer=ada, total_amount=999, created_at=NOW - 3 * days)
    PaymentFactory(customer=ada, total_amount=5000, status="failed", created_at=NOW - 2 * days)
    RefundFactory(payment=p1, amount=250)
    RefundFactory(payment=p1, amount=100, status="pending")
    p2 = PaymentFactory(
        customer=bob, total_amount=250000, currency="INR", created_at=NOW - 9 * days
    )
    RefundFactory(payment=p2, amount=50000)
    PaymentFactory(customer=cy, total_amount=1000, created_at=NOW - 8 * days)
    PaymentFactory(customer=cy, total_amount=70000, currency="INR", created_at=NOW - 7 * days)
    SubscriptionFactory(customer=ada)
    SubscriptionFactory(customer=ada, status="cancelled")
    SubscriptionFactory(customer=dee)
    SubscriptionFactory(customer=eve, status="on_hold")
    credit(dee, 700)
    credit(eve, 900, "INR")
    debit(eve, 900, "INR")
    portal_visit(ada, NOW - 2 * days)
    portal_visit(ada, NOW - 1 * days)

    # The rival's customers share names and have money: none of it may leak.
    rival = CustomerFactory(business=other_business, name="Ada", created_at=NOW - 3 * days)
    PaymentFactory(customer=rival, total_amount=777777)
    SubscriptionFactory(customer=rival)
    credit(rival, 5)
    return [ada, bob, cy, dee, eve]


@pytest.fixture
def export_jobs(settings, tmp_path):
    """Exports of more than 3 customers become jobs; their files go under tmp_path."""
    settings.EXPORT_JOB_THRESHOLD = 3
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_MAX_RETRIES = 2
    return settings.MEDIA_ROOT
