"""PostgreSQL: a merge racing ledger posts and another merge, on real connections."""

import pytest

from customers.audit import Actor
from customers.lifecycle.errors import CustomerAlreadyDeleted, InvalidMerge
from customers.lifecycle.services import customer_merge
from customers.models import Customer, is_tombstone
from tests.factories import BusinessFactory, CustomerFactory
from tests.wallets.helpers import credit, debit
from tests.wallets.test_concurrency import race
from wallets.errors import InsufficientWalletFunds
from wallets.models import LedgerEntry, Wallet
from wallets.verify import verify_ledgers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ACTOR = Actor.system("test")


@pytest.fixture
def pair(db):
    business = BusinessFactory(name="Race Co")
    return CustomerFactory(business=business), CustomerFactory(business=business)


def _total(*customers) -> int:
    return sum(Wallet.objects.filter(customer__in=customers).values_list("balance", flat=True))


@pytest.mark.parametrize("rounds", range(5))
def test_a_merge_racing_debits_and_credits_loses_no_money(pair, rounds):
    duplicate, survivor = pair
    credit(duplicate, 1_000)

    def work(i):
        if i == 0:
            return customer_merge(duplicate=duplicate, survivor=survivor, actor=ACTOR)
        if i % 2:
            return debit(duplicate, 100)
        return credit(duplicate, 50)

    outcomes = race(7, work)
    for outcome in outcomes:
        assert not isinstance(outcome, Exception) or isinstance(outcome, InsufficientWalletFunds), (
            outcomes
        )
    posted = [o for o in outcomes if isinstance(o, LedgerEntry)]
    net = sum(o.amount if o.direction == "credit" else -o.amount for o in posted)
    # Every cent is somewhere: on the survivor (moved) or, for a post that came after the
    # merge had read the balance, still on the duplicate's wallet; nothing is lost or made.
    assert _total(duplicate, survivor) == 1_000 + net
    assert verify_ledgers().ok
    assert is_tombstone(Customer.objects.get(pk=duplicate.pk))


def test_two_merges_of_one_pair_in_opposite_directions_do_not_deadlock(pair):
    a, b = pair
    credit(a, 300)
    credit(b, 200)

    def work(i):
        first, second = (a, b) if i == 0 else (b, a)
        return customer_merge(duplicate=first, survivor=second, actor=ACTOR)

    outcomes = race(2, work)
    merged = [o for o in outcomes if isinstance(o, Customer)]
    refused = [o for o in outcomes if isinstance(o, CustomerAlreadyDeleted | InvalidMerge)]
    assert len(merged) == 1 and len(refused) == 1, outcomes
    assert _total(a, b) == 500
    assert Wallet.objects.get(customer=merged[0]).balance == 500
    assert verify_ledgers().ok
