"""The database itself refuses rows that break the ledger's rules."""

import pytest
from django.db import IntegrityError, transaction

from tests.wallets.helpers import credit
from wallets.models import LedgerEntry, Wallet

pytestmark = pytest.mark.django_db


def raw_entry(wallet, **fields):
    """An entry written past the service, to prove the constraints hold on their own."""
    values = dict(
        business_id=wallet.business_id,
        wallet=wallet,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        sequence=wallet.last_sequence + 1,
        direction="credit",
        event_type="merchant_adjustment",
        amount=100,
        balance_before=wallet.balance,
        balance_after=wallet.balance + 100,
        request_fingerprint="x",
        actor_kind="system",
    )
    values.update(fields)
    return LedgerEntry.objects.create(**values)


@pytest.fixture
def wallet(customer):
    credit(customer, 1000)
    return Wallet.objects.get(customer=customer)


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": 0, "balance_after": 1000},
        {"amount": -5, "balance_after": 995},
        {"balance_after": 1099},  # not before + amount
        {"direction": "debit", "balance_after": 1100},  # a debit must lower the balance
        {"direction": "debit", "amount": 2000, "balance_after": -1000},
        {"sequence": 1},  # sequence 1 is taken
        {"sequence": 0},
    ],
)
def test_constraints_refuse_inconsistent_entries(wallet, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_entry(wallet, **fields)


def test_a_consistent_raw_entry_is_accepted(wallet):
    assert raw_entry(wallet).balance_after == 1100


def test_wallet_balance_cannot_go_negative(wallet):
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=-1)


def test_one_wallet_per_customer_and_currency(wallet):
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.create(
            business_id=wallet.business_id, customer_id=wallet.customer_id, currency="USD"
        )


def test_idempotency_key_is_unique_per_business_but_empty_keys_repeat(wallet):
    raw_entry(wallet, idempotency_key="", sequence=2)
    raw_entry(wallet, idempotency_key="", sequence=3, balance_before=1100, balance_after=1200)
    raw_entry(wallet, idempotency_key="k", sequence=4, balance_before=1200, balance_after=1300)
    with pytest.raises(IntegrityError), transaction.atomic():
        raw_entry(wallet, idempotency_key="k", sequence=5, balance_before=1300, balance_after=1400)
