"""The wallet commands: verify_ledgers on consistent and forged ledgers, seed_demo's
wallets, and bench_ledger (PostgreSQL)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.models import Business
from tests.wallets.helpers import credit, debit
from wallets.models import LedgerEntry, Wallet
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db


def run_verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_ledgers", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_verify_ledgers_passes_on_a_consistent_ledger(customer):
    credit(customer, 1000)
    debit(customer, 400)
    credit(customer, 50, currency="INR")
    code, out = run_verify()
    assert code == 0
    assert "Checked 2 wallets and 3 ledger entries;" in out
    assert "balance_matches_entries" in out and "chain_is_continuous" in out
    assert "No violations." in out


def test_verify_ledgers_reports_a_balance_that_disagrees_with_its_entries(customer):
    credit(customer, 1000)
    Wallet.objects.filter(customer=customer).update(balance=999)  # money invented/lost
    code, out = run_verify()
    assert code == 1
    assert "FAIL balance_matches_entries" in out and "1 violation(s) found." in out


def second_entry_past_the_service(first, *, balance_before: int, **fields) -> None:
    """Write a $0.10 credit after `first` the way a bug or a hand edit would (not through
    the service), and move the wallet's balance and sequence on to match the amounts."""
    wallet = first.wallet
    LedgerEntry.objects.create(
        business_id=wallet.business_id,
        wallet=wallet,
        customer=first.customer,
        currency=first.currency,
        sequence=2,
        direction="credit",
        event_type="merchant_adjustment",
        amount=10,
        balance_before=balance_before,
        balance_after=balance_before + 10,
        request_fingerprint="x",
        actor_kind="system",
        **fields,
    )
    Wallet.objects.filter(pk=wallet.pk).update(balance=first.balance_after + 10, last_sequence=2)


def test_verify_ledgers_reports_a_broken_chain(customer):
    first = credit(customer, 1000)
    # A second entry that does not start where the first ended.
    second_entry_past_the_service(first, balance_before=900)
    report = verify_ledgers()
    failed = {check.name: check.violations for check in report.checks if check.violations}
    assert failed == {"chain_is_continuous": 1}
    code, out = run_verify()
    assert code == 1 and "FAIL chain_is_continuous" in out


def test_verify_ledgers_can_check_one_business(customer, other_business):
    credit(customer, 10)
    code, out = run_verify("--business", other_business.pk)
    assert code == 0 and "Checked 0 wallets" in out


def seed_quietly(customers: int, seed: int) -> None:
    """seed_demo into the "Seeded" business, its progress and summary discarded."""
    call_command(
        "seed_demo",
        business="Seeded",
        customers=customers,
        seed=seed,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def test_seed_demo_adds_wallets_that_verify(db):
    seed_quietly(customers=80, seed=3)
    business = Business.objects.get(name="Seeded")
    assert Wallet.objects.filter(business=business).exists()
    assert LedgerEntry.objects.filter(business=business).exists()
    assert verify_ledgers().ok
    # Running it again adds customers and wallets for the new ones only; still consistent.
    seed_quietly(customers=40, seed=4)
    assert verify_ledgers().ok


def test_bench_ledger_needs_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("this checks the refusal on other databases")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_ledger", "--duration", "0.1")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_ledger_reports_both_ratios_and_zero_violations():
    out = io.StringIO()
    call_command(
        "bench_ledger", "--duration", "0.4", "--threads", "2", "--wallets", "5", stdout=out
    )
    text = out.getvalue()
    assert text.count("entries/s   ratio") == 2
    assert "hot wallet" in text and "many wallets" in text
    assert "No violations." in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_credits_reports_both_ratios_and_zero_violations():
    out = io.StringIO()
    call_command(
        "bench_credits", "--duration", "0.4", "--threads", "2", "--balances", "5", stdout=out
    )
    text = out.getvalue()
    assert text.count("debits/s   ratio") == 2
    assert "hot balance" in text and "many balances" in text
    assert "No violations." in text


def test_verify_ledgers_reports_entries_out_of_created_order(customer):
    first = credit(customer, 1000)
    # Next in the chain, but dated before the first entry.
    second_entry_past_the_service(
        first, balance_before=1000, created_at=first.created_at - dt.timedelta(seconds=1)
    )
    failed = {c.name: c.violations for c in verify_ledgers().checks if c.violations}
    assert failed == {"created_order_is_sequence_order": 1}
