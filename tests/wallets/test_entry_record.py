"""What a posted entry keeps of its request: empty text where none was given, who
posted it, the fingerprint a replay is compared with, and the wallet it created."""

import pytest

from customers.audit import Actor
from tests.wallets.helpers import credit, debit, ledger_args
from wallets.errors import IdempotencyKeyReused, InsufficientWalletFunds
from wallets.models import LedgerEntry, Wallet
from wallets.services import ledger_post, request_fingerprint, wallet_supports

pytestmark = pytest.mark.django_db


def stored(entry) -> LedgerEntry:
    return LedgerEntry.objects.get(pk=entry.pk)


def test_no_reason_or_reference_is_stored_as_empty_text(customer):
    given_none = stored(credit(customer, 100, reason=None, reference_id=None))
    assert (given_none.reason, given_none.reference_id) == ("", "")
    args = ledger_args(customer, 100)
    args.pop("reference_id", None)
    left_out = stored(ledger_post(**args))  # a caller that has no reference
    assert (left_out.reference_id, left_out.description) == ("", "")


def test_the_entry_names_whoever_posted_it(customer, owner):
    entry = stored(credit(customer, 100, actor=Actor.user(owner)))
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (
        "user",
        str(owner.pk),
        owner.username,
    )


def test_the_stored_fingerprint_is_the_requests_in_canonical_order(customer):
    """A replay is told from a key reuse by this hash, possibly after an upgrade: it
    must be computed from the request's values in the documented order."""
    plain = credit(customer, 250, reason="goodwill", reference_id="pay_1", idempotency_key="a")
    assert stored(plain).request_fingerprint == request_fingerprint(
        customer.pk, "USD", 250, "credit", "merchant_adjustment", "goodwill", "pay_1"
    )
    described = debit(customer, 50, reason="spend", description="Coffee", idempotency_key="b")
    assert stored(described).request_fingerprint == request_fingerprint(
        customer.pk, "USD", 50, "debit", "payment", "spend", "", description="Coffee"
    )


def test_one_key_cannot_credit_then_debit_the_same_amount(customer):
    credit(customer, 500)
    credit(customer, 200, idempotency_key="k", event_type="payment")
    with pytest.raises(IdempotencyKeyReused):
        debit(customer, 200, idempotency_key="k", reason="test credit")
    assert LedgerEntry.objects.filter(customer=customer).count() == 2


def test_a_debit_of_an_emptied_wallet_reports_that_it_holds_nothing(customer):
    credit(customer, 100)
    debit(customer, 100)
    with pytest.raises(InsufficientWalletFunds) as info:
        debit(customer, 1)
    assert (info.value.balance, info.value.currency) == (0, "USD")


def test_a_wallet_made_by_its_first_credit_was_created_and_updated_then(customer):
    credit(customer, 100)
    wallet = Wallet.objects.get(customer=customer)
    assert wallet.created_at == wallet.updated_at


def test_wallet_currencies_are_matched_in_any_case(settings):
    settings.WALLET_CURRENCIES = ["USD", "INR"]
    assert wallet_supports("usd") and wallet_supports("Inr") and wallet_supports("USD")
    assert not wallet_supports("eur")
