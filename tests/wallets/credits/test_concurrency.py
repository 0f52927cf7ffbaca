"""PostgreSQL: credit rules under real concurrent transactions, and the triggers."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import BusinessFactory, CustomerFactory
from tests.wallets.credits.helpers import debit, entitlement, grant
from tests.wallets.test_concurrency import race
from wallets.credits.errors import CreditIdempotencyKeyReused, InsufficientCredits
from wallets.credits.models import CreditBalance, CreditGrant, CreditLedgerEntry
from wallets.verify import verify_ledgers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def buyer(db):
    return CustomerFactory(business=BusinessFactory(name="Credit Race Co"))


@pytest.fixture
def calls(buyer):
    return entitlement(buyer.business)


def test_fifty_concurrent_debits_across_many_grants_never_overspend(buyer, calls):
    for _ in range(10):
        grant(calls, buyer, 20)  # 200 credits in 10 grants
    outcomes = race(50, lambda i: debit(calls, buyer, 7))
    won = [o for o in outcomes if isinstance(o, CreditLedgerEntry)]
    refused = [o for o in outcomes if isinstance(o, InsufficientCredits)]
    assert len(won) == 28 and len(refused) == 22, outcomes  # 28 × 7 = 196 ≤ 200
    assert CreditBalance.objects.get(customer=buyer).balance == 4_000
    assert sorted(e.balance_after for e in won) == list(range(4_000, 200_000, 7_000))
    assert sum(CreditGrant.objects.values_list("remaining_amount", flat=True)) == 4_000
    assert verify_ledgers().ok


def test_concurrent_first_grants_create_one_balance(buyer, calls):
    outcomes = race(20, lambda i: grant(calls, buyer, i + 1))
    assert all(isinstance(o, CreditLedgerEntry) for o in outcomes), outcomes
    assert CreditBalance.objects.filter(customer=buyer).count() == 1
    assert CreditBalance.objects.get(customer=buyer).balance == sum(range(1, 21)) * 1000
    assert verify_ledgers().ok


def test_concurrent_retries_of_one_debit_key_post_once(buyer, calls):
    grant(calls, buyer, 10)
    outcomes = race(20, lambda i: debit(calls, buyer, 10, idempotency_key="usage-1"))
    assert all(isinstance(o, CreditLedgerEntry) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert CreditBalance.objects.get(customer=buyer).balance == 0


def test_concurrent_different_requests_with_one_key_post_one(buyer, calls):
    outcomes = race(10, lambda i: grant(calls, buyer, i + 1, idempotency_key="shared"))
    won = [o for o in outcomes if isinstance(o, CreditLedgerEntry)]
    assert len({o.pk for o in won}) == 1
    assert all(isinstance(o, CreditIdempotencyKeyReused) for o in outcomes if o not in won)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE wallets_creditledgerentry SET amount = amount + 1",
        "UPDATE wallets_creditledgerentry SET reason = 'rewritten'",
        "DELETE FROM wallets_creditledgerentry",
        "UPDATE wallets_creditallocation SET amount = amount + 1",
        "DELETE FROM wallets_creditallocation",
        "UPDATE wallets_creditgrant SET remaining_amount = remaining_amount + 1",
        "UPDATE wallets_creditgrant SET initial_amount = initial_amount + 1",
        "UPDATE wallets_creditgrant SET expires_at = now()",
        "DELETE FROM wallets_creditgrant",
    ],
)
def test_triggers_keep_the_ledger_append_only_and_grants_spend_only(buyer, calls, sql):
    grant(calls, buyer, 10)
    debit(calls, buyer, 3)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert verify_ledgers().ok


def test_constraints_refuse_a_negative_balance_and_an_overfull_grant(buyer, calls):
    grant(calls, buyer, 10)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_creditbalance SET balance = -1")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_creditgrant SET is_expired = true")  # not empty


def test_verify_catches_a_tampered_balance(buyer, calls):
    grant(calls, buyer, 10)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_creditbalance SET balance = balance + 5")
    report = verify_ledgers()
    failed = {c.name for c in report.checks if c.violations}
    assert failed == {"credit_balance_matches_grants", "credit_balance_matches_ledger"}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_creditgrant SET remaining_amount = remaining_amount - 1")
    failed = {c.name for c in verify_ledgers().checks if c.violations}
    assert "credit_grant_matches_allocations" in failed


def test_a_debit_is_two_statements_of_its_own(buyer, calls):
    """Lock + FIFO read, then every write; with the Event, its outbox look-up, BEGIN
    and COMMIT: six round trips, however many grants it spans."""
    for _ in range(3):
        grant(calls, buyer, 2)
    debit(calls, buyer, 1)  # the balance exists; nothing is due
    with CaptureQueriesContext(connection) as queries:
        debit(calls, buyer, 4)  # spans three grants
    assert len(queries) == 6, [q["sql"][:60] for q in queries]
    assert CreditBalance.objects.get().balance == 1_000
    assert verify_ledgers().ok
