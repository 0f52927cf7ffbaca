"""PostgreSQL: auto top-up under concurrent debits (real connections), and through a
real Celery worker on Redis (tests/worker.py)."""

import pytest

from customers.billing import auto_top_up
from tests.customers.billing.purchase_helpers import ACTOR, card, pack
from tests.factories import BusinessFactory, CustomerFactory
from tests.wallets.credits.helpers import debit, grant
from tests.wallets.test_concurrency import race
from tests.worker import wait_for, worker_process
from wallets.credits.models import CreditAutoTopUpRun, CreditBalance, CreditLedgerEntry
from wallets.verify import verify_ledgers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def buyer(db):
    """150 calls, and: below 100, buy the 1,000-call pack (at most 5 a month)."""
    customer = CustomerFactory(business=BusinessFactory(name="Auto Top-up Co"))
    product, calls = pack(customer.business, credits=1000)
    card(customer)
    grant(calls, customer, 150)
    auto_top_up.auto_top_up_set(
        customer=customer,
        entitlement=calls,
        product=product,
        threshold=100_000,
        monthly_limit=5,
        enabled=True,
        actor=ACTOR,
    )
    return customer, calls


def test_twenty_concurrent_debits_cross_once_and_buy_once(buyer):
    customer, calls = buyer
    outcomes = race(20, lambda i: debit(calls, customer, 5))
    assert all(isinstance(o, CreditLedgerEntry) for o in outcomes), outcomes
    run = CreditAutoTopUpRun.objects.get()
    assert run.status == "succeeded"
    assert run.crossing_entry.balance_before >= 100_000 > run.crossing_entry.balance_after
    assert CreditBalance.objects.get(customer=customer).balance == (150 - 100 + 1000) * 1000
    assert verify_ledgers().ok


def test_a_real_worker_buys_the_pack_after_the_debit_commits(buyer, tmp_path):
    customer, calls = buyer
    with worker_process(tmp_path):
        debit(calls, customer, 60)
        run = wait_for(
            lambda: CreditAutoTopUpRun.objects.filter(status="succeeded").first(),
            what="the auto top-up to be bought",
        )
    assert CreditBalance.objects.get(customer=customer).balance == 1_090_000
    assert run.payment.status == "succeeded" and run.payment.invoice_number
