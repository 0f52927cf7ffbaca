"""PostgreSQL: real concurrent transactions, each thread on its own connection."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from tests.factories import BusinessFactory, CustomerFactory
from tests.wallets.helpers import credit, debit
from wallets import selectors
from wallets.errors import IdempotencyKeyReused, InsufficientWalletFunds
from wallets.models import LedgerEntry, Wallet
from wallets.verify import verify_ledgers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
JOIN_TIMEOUT = 60  # seconds for a whole race


def race(n: int, work):
    """Run work(i) in n threads released together; returns results or exceptions."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=10)
            return work(i)
        except Exception as exc:  # noqa: BLE001 — the caller inspects every outcome
            return exc
        finally:
            connections.close_all()  # this thread's own connection

    pool = ThreadPoolExecutor(max_workers=n)
    try:
        # A thread stuck on a lock fails the test instead of hanging the run.
        return list(pool.map(run, range(n), timeout=JOIN_TIMEOUT))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@pytest.fixture
def buyer(db):
    return CustomerFactory(business=BusinessFactory(name="Race Co"))


def test_fifty_concurrent_debits_never_overdraw(buyer):
    credit(buyer, 2_000)
    outcomes = race(50, lambda i: debit(buyer, 100))
    won = [o for o in outcomes if isinstance(o, LedgerEntry)]
    refused = [o for o in outcomes if isinstance(o, InsufficientWalletFunds)]
    assert len(won) == 20 and len(refused) == 30, outcomes
    assert selectors.balance(buyer, "USD") == 0
    assert LedgerEntry.objects.filter(customer=buyer, direction="debit").count() == 20
    assert sorted(e.balance_after for e in won) == list(range(0, 2_000, 100))
    assert verify_ledgers().ok


def test_concurrent_retries_of_one_key_post_once(buyer):
    outcomes = race(20, lambda i: credit(buyer, 500, idempotency_key="same-request"))
    assert all(isinstance(o, LedgerEntry) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert selectors.balance(buyer, "USD") == 500
    assert LedgerEntry.objects.filter(customer=buyer).count() == 1
    assert verify_ledgers().ok


def test_concurrent_debits_with_one_key_post_once(buyer):
    credit(buyer, 1_000)
    outcomes = race(20, lambda i: debit(buyer, 300, idempotency_key="pay_1-renewal"))
    assert len({o.pk for o in outcomes if isinstance(o, LedgerEntry)}) == 1, outcomes
    assert selectors.balance(buyer, "USD") == 700


def test_concurrent_retries_of_a_debit_that_spends_everything_all_get_its_entry(buyer):
    """The losers' UPDATE waits for the winner's row lock, then finds no money left:
    they must answer with the winner's entry, not InsufficientWalletFunds."""
    credit(buyer, 300)
    outcomes = race(10, lambda i: debit(buyer, 300, idempotency_key="pay_2-renewal"))
    assert all(isinstance(o, LedgerEntry) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert selectors.balance(buyer, "USD") == 0
    assert verify_ledgers().ok


def test_concurrent_different_requests_with_one_key_post_one_of_them(buyer):
    outcomes = race(10, lambda i: credit(buyer, 100 + i, idempotency_key="shared"))
    won = [o for o in outcomes if isinstance(o, LedgerEntry)]
    assert len({o.pk for o in won}) == 1
    assert all(isinstance(o, IdempotencyKeyReused) for o in outcomes if o not in won), outcomes
    assert selectors.balance(buyer, "USD") == won[0].amount


def test_first_credits_racing_create_one_wallet(buyer):
    outcomes = race(20, lambda i: credit(buyer, i + 1, currency="INR"))
    assert all(isinstance(o, LedgerEntry) for o in outcomes), outcomes
    assert Wallet.objects.filter(customer=buyer, currency="INR").count() == 1
    assert selectors.balance(buyer, "INR") == sum(range(1, 21))


def test_a_first_credit_waiting_on_anothers_new_wallet_lands_in_it(buyer):
    """Deterministic form of the race above: the second first credit finds no wallet,
    its insert waits on the first one's uncommitted row, and when that commits it is
    skipped (ON CONFLICT DO NOTHING) and the credit goes into the wallet that won."""
    posted = threading.Event()

    def first():
        try:
            with transaction.atomic():
                credit(buyer, 100, currency="INR")
                posted.set()
                time.sleep(0.5)  # the second credit now waits on this wallet row
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert posted.wait(10)
    second = credit(buyer, 50, currency="INR")
    thread.join(JOIN_TIMEOUT)
    assert (second.balance_before, second.balance_after) == (100, 150)
    assert Wallet.objects.filter(customer=buyer, currency="INR").count() == 1


def test_credits_racing_debits_lose_nothing(buyer):
    credit(buyer, 1_000)

    def work(i):
        return credit(buyer, 7) if i % 2 else debit(buyer, 11)

    outcomes = []
    for _round in range(5):
        outcomes += race(20, work)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    credits = sum(o.amount for o in outcomes if o.direction == "credit")
    debits = sum(o.amount for o in outcomes if o.direction == "debit")
    assert selectors.balance(buyer, "USD") == 1_000 + credits - debits
    assert Wallet.objects.get(customer=buyer, currency="USD").last_sequence == 101
    assert verify_ledgers().ok


def test_a_key_collision_inside_a_callers_transaction_keeps_that_transaction(buyer):
    """The refund service calls ledger_post inside its own atomic block."""
    first = credit(buyer, 10, idempotency_key="refund-1")
    with transaction.atomic():
        again = credit(buyer, 10, idempotency_key="refund-1")
        credit(buyer, 1)  # the caller's transaction is still usable
    assert again.pk == first.pk
    assert selectors.balance(buyer, "USD") == 11


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE wallets_ledgerentry SET amount = amount + 1",
        "UPDATE wallets_ledgerentry SET reason = 'rewritten'",
        "DELETE FROM wallets_ledgerentry",
    ],
)
def test_trigger_rejects_update_and_delete(buyer, sql):
    entry = credit(buyer, 100, reason="original")
    with pytest.raises(IntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(sql)
    entry.refresh_from_db()
    assert (entry.amount, entry.reason) == (100, "original")


def test_trigger_rejects_orm_changes_too(buyer):
    entry = credit(buyer, 100)
    with pytest.raises(DatabaseError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError):
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="x")
    assert LedgerEntry.objects.filter(pk=entry.pk, reason="test credit").exists()
