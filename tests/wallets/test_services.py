import hashlib
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customers.audit import Actor
from customers.core.errors import DomainError
from customers.models import Event
from tests.factories import CustomerFactory
from tests.wallets.helpers import credit, debit, ledger_args
from wallets import selectors
from wallets.errors import (
    IdempotencyKeyReused,
    InsufficientWalletFunds,
    InvalidLedgerEntry,
    WalletBalanceLimit,
)
from wallets.models import MAX_MINOR_UNITS, LedgerEntry, Wallet
from wallets.services import DESCRIPTION_MAX_LENGTH, ledger_post, request_fingerprint

pytestmark = pytest.mark.django_db


def nothing_written(customer, entries=0, events=None):
    assert LedgerEntry.objects.filter(customer=customer).count() == entries
    if events is not None:
        assert Event.objects.filter(type__startswith="wallet.").count() == events


def test_first_credit_creates_the_wallet_and_records_everything(customer, owner):
    entry = credit(
        customer,
        1250,
        reason="Goodwill",
        reference_id="ref_123",
        actor=Actor.user(owner),
        event_type="refund",
    )
    wallet = Wallet.objects.get(customer=customer, currency="USD")
    assert wallet.balance == 1250 and wallet.last_sequence == 1
    assert entry.pk.startswith("wle_")
    assert (entry.balance_before, entry.balance_after, entry.sequence) == (0, 1250, 1)
    assert (entry.direction, entry.event_type, entry.currency) == ("credit", "refund", "USD")
    assert entry.reason == "Goodwill" and entry.reference_id == "ref_123"
    assert entry.actor_kind == "user" and entry.actor_label == owner.username
    assert entry.business_id == customer.business_id and entry.wallet_id == wallet.pk
    event = Event.objects.get(object_id=entry.pk)
    assert event.type == "wallet.credited" and event.actor_label == owner.username
    assert event.payload["amount"] == 1250 and event.payload["customer_id"] == customer.pk


def test_debit_lowers_the_balance_and_chains_before_and_after(customer):
    credit(customer, 1000)
    entry = debit(customer, 300)
    assert (entry.balance_before, entry.balance_after, entry.sequence) == (1000, 700, 2)
    assert selectors.balance(customer, "USD") == 700
    assert Event.objects.filter(object_id=entry.pk, type="wallet.debited").exists()


def test_debit_larger_than_the_balance_is_refused_and_writes_nothing(customer):
    credit(customer, 500)
    with pytest.raises(InsufficientWalletFunds) as info:
        debit(customer, 501)
    assert info.value.code == "INSUFFICIENT_WALLET_FUNDS" and info.value.status == 400
    assert info.value.balance == 500
    assert isinstance(info.value, DomainError)
    assert selectors.balance(customer, "USD") == 500
    nothing_written(customer, entries=1, events=1)


def test_debit_of_the_whole_balance_leaves_zero(customer):
    credit(customer, 500)
    assert debit(customer, 500).balance_after == 0


def test_debit_on_an_empty_wallet_is_refused_without_creating_it(customer):
    with pytest.raises(InsufficientWalletFunds):
        debit(customer, 1, currency="INR")
    assert not Wallet.objects.filter(customer=customer).exists()
    nothing_written(customer, events=0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -100}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"amount": Decimal("12.50")}, "amount"),
        ({"amount": "1250"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": 2**63}, "amount"),
        ({"amount": 10**30}, "amount"),
        ({"currency": "EUR"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"currency": None}, "currency"),
        ({"direction": "sideways"}, "direction"),
        ({"event_type": "gift"}, "event_type"),
        ({"reason": "x" * 501}, "reason"),
        ({"description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"reference_id": "r" * 65}, "reference_id"),
        ({"idempotency_key": "k" * 256}, "idempotency_key"),
        ({"idempotency_key": 42}, "idempotency_key"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(customer, changes, field):
    params = ledger_args(customer, 100, reason="r") | changes
    with pytest.raises(InvalidLedgerEntry) as info:
        ledger_post(**params)
    assert info.value.field == field
    assert info.value.status == 422 and str(info.value.message)
    assert not Wallet.objects.filter(customer=customer).exists()
    nothing_written(customer, events=0)


def test_a_description_at_its_limit_is_kept_trimmed_and_none_means_empty(customer):
    described = credit(customer, 1, description="  " + "d" * DESCRIPTION_MAX_LENGTH + "  ")
    described.refresh_from_db()
    assert described.description == "d" * DESCRIPTION_MAX_LENGTH
    plain = credit(customer, 1)
    plain.refresh_from_db()
    assert plain.description == ""


def test_the_limits_themselves_are_accepted_and_text_is_trimmed(customer):
    entry = credit(
        customer,
        1,
        currency=" usd ",
        reason="  " + "x" * 500 + "  ",
        reference_id=" " + "r" * 64 + " ",
        idempotency_key="k" * 255,
    )
    entry.refresh_from_db()
    assert (entry.amount, entry.currency) == (1, "USD")
    assert (entry.reason, entry.reference_id) == ("x" * 500, "r" * 64)
    assert entry.idempotency_key == "k" * 255


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": 0}, "The amount must be greater than zero."),
        ({"amount": 2**63}, "The amount is too large."),
        ({"amount": 1.5}, "The amount must be a whole number of minor units (cents, paise)."),
        ({"currency": "EUR"}, "Wallets hold USD, INR only."),
        ({"direction": "up"}, "The entry must be a credit or a debit."),
        ({"event_type": "gift"}, "Unknown event type."),
        ({"reason": "x" * 501}, "The reason can be at most 500 characters."),
        (
            {"description": "d" * (DESCRIPTION_MAX_LENGTH + 1)},
            f"The description can be at most {DESCRIPTION_MAX_LENGTH} characters.",
        ),
        ({"reference_id": "r" * 65}, "The reference is too long."),
        ({"idempotency_key": 7}, "The idempotency key must be text of at most 255 characters."),
    ],
)
def test_bad_input_says_what_is_wrong(customer, settings, changes, message):
    settings.WALLET_CURRENCIES = ["USD", "INR"]
    with pytest.raises(InvalidLedgerEntry) as info:
        ledger_post(**ledger_args(customer, 100) | changes)
    assert str(info.value.message) == message


def test_an_overdraft_says_which_wallet_and_how_much_it_holds(customer):
    credit(customer, 40)
    with pytest.raises(InsufficientWalletFunds) as info:
        debit(customer, 41)
    assert str(info.value.message) == "The USD wallet holds less than this debit."
    assert (info.value.balance, info.value.currency) == (40, "USD")


def test_customer_of_another_business_is_refused(customer, other_business):
    stranger = CustomerFactory(business=other_business)
    with pytest.raises(InvalidLedgerEntry) as info:
        ledger_post(**ledger_args(customer, 1, reason="") | {"customer": stranger})
    assert info.value.field == "customer"
    assert str(info.value.message) == "This customer belongs to another business."
    assert not Wallet.objects.exists()


def test_currency_is_case_insensitive_and_stored_upper_case(customer):
    assert credit(customer, 100, currency="inr").currency == "INR"
    assert selectors.balance(customer, "inr") == 100


def test_largest_balance_is_int64_and_a_credit_past_it_is_refused(customer):
    credit(customer, MAX_MINOR_UNITS)
    with pytest.raises(WalletBalanceLimit):
        credit(customer, 1)
    assert selectors.balance(customer, "USD") == MAX_MINOR_UNITS
    nothing_written(customer, entries=1)


def test_same_key_and_parameters_returns_the_first_entry(customer):
    first = credit(customer, 700, idempotency_key="abc")
    again = credit(customer, 700, idempotency_key="abc")
    assert again.pk == first.pk
    assert selectors.balance(customer, "USD") == 700
    nothing_written(customer, entries=1, events=1)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 701},
        {"currency": "INR"},
        {"reason": "other"},
        {"reference_id": "pay_x"},
        {"event_type": "payment"},
        {"description": "Thanks for waiting"},
    ],
)
def test_same_key_with_different_parameters_is_refused(customer, changes):
    first = credit(customer, 700, idempotency_key="abc")
    with pytest.raises(IdempotencyKeyReused) as info:
        credit(customer, **{"amount": 700, **changes}, idempotency_key="abc")
    assert info.value.code == "IDEMPOTENCY_KEY_REUSED" and info.value.status == 422
    assert info.value.entry == first
    nothing_written(customer, entries=1, events=1)


def test_same_key_for_a_debit_instead_of_a_credit_is_refused(customer):
    credit(customer, 700, idempotency_key="abc")
    with pytest.raises(IdempotencyKeyReused):
        debit(customer, 700, idempotency_key="abc", event_type="merchant_adjustment")


def test_same_key_for_another_customer_is_refused(customer, business):
    credit(customer, 700, idempotency_key="abc")
    with pytest.raises(IdempotencyKeyReused):
        credit(CustomerFactory(business=business), 700, idempotency_key="abc")


def test_keys_are_per_business(customer, other_business):
    credit(customer, 700, idempotency_key="abc")
    elsewhere = credit(CustomerFactory(business=other_business), 700, idempotency_key="abc")
    assert elsewhere.business_id == other_business.pk


def test_a_keyed_debit_replayed_after_the_money_was_spent_returns_the_first_entry(customer):
    credit(customer, 300)
    first = debit(customer, 300, idempotency_key="renewal-1")
    again = debit(customer, 300, idempotency_key="renewal-1")  # the balance is 0 now
    assert again.pk == first.pk
    assert selectors.balance(customer, "USD") == 0
    nothing_written(customer, entries=2)


def test_a_keyed_credit_replayed_when_the_wallet_is_full_returns_the_first_entry(customer):
    first = credit(customer, MAX_MINOR_UNITS, idempotency_key="top-up")
    assert credit(customer, MAX_MINOR_UNITS, idempotency_key="top-up").pk == first.pk
    nothing_written(customer, entries=1)


def test_a_replay_is_answered_from_the_key_without_touching_the_wallet(customer):
    """A replay reads the first entry; it must not take the wallet's row lock (a retry
    storm would queue behind every other post to that wallet) nor write anything."""
    first = credit(customer, 700, idempotency_key="abc")
    with CaptureQueriesContext(connection) as queries:
        assert credit(customer, 700, idempotency_key="abc").pk == first.pk
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [], writes


def test_a_refused_request_can_be_retried_with_its_key(customer):
    with pytest.raises(InsufficientWalletFunds):
        debit(customer, 100, idempotency_key="retry-me")
    credit(customer, 100)
    assert debit(customer, 100, idempotency_key="retry-me").balance_after == 0


def test_a_replay_posts_nothing_inside_a_callers_transaction(customer):
    first = credit(customer, 5, idempotency_key="k")
    with transaction.atomic():
        assert credit(customer, 5, idempotency_key="k").pk == first.pk
        credit(customer, 6)
    assert selectors.balance(customer, "USD") == 11


def test_a_failure_inside_a_callers_transaction_rolls_back_with_it(customer):
    credit(customer, 5)
    with pytest.raises(RuntimeError), transaction.atomic():
        credit(customer, 10)
        raise RuntimeError("the refund failed after the wallet credit")
    assert selectors.balance(customer, "USD") == 5
    nothing_written(customer, entries=1)


def test_wallets_for_lists_every_currency_without_creating_rows(customer, settings):
    settings.WALLET_CURRENCIES = ["USD", "INR"]
    credit(customer, 100, currency="INR")
    wallets = selectors.wallets_for(customer)
    assert [(w.currency, w.balance, w.pk is None) for w in wallets] == [
        ("USD", 0, True),
        ("INR", 100, False),
    ]
    assert Wallet.objects.filter(customer=customer).count() == 1


def test_currencies_come_from_the_setting(customer, settings):
    settings.WALLET_CURRENCIES = ["USD"]
    with pytest.raises(InvalidLedgerEntry):
        credit(customer, 100, currency="INR")
    assert [w.currency for w in selectors.wallets_for(customer)] == ["USD"]


def test_balance_of_a_customer_without_wallets_is_zero(customer):
    assert selectors.balance(customer, "USD") == 0


def test_ledger_entries_are_newest_first_and_filter_by_currency(customer):
    a = credit(customer, 1)
    b = credit(customer, 2, currency="INR")
    c = debit(customer, 1)
    assert list(selectors.ledger_entries(customer)) == [c, b, a]
    assert list(selectors.ledger_entries(customer, "INR")) == [b]


def test_text_is_stored_verbatim_whatever_it_contains(customer):
    entry = credit(customer, 100, reason="100% refund; DROP TABLE x; -- ₩ 'quoted'")
    entry.refresh_from_db()
    assert entry.reason == "100% refund; DROP TABLE x; -- ₩ 'quoted'"


def test_the_returned_entry_matches_the_stored_row(customer):
    entry = credit(customer, 321, reference_id="pay_9")
    stored = LedgerEntry.objects.get(pk=entry.pk)
    fields = [f.attname for f in LedgerEntry._meta.concrete_fields]
    assert {f: getattr(entry, f) for f in fields} == {f: getattr(stored, f) for f in fields}


def test_the_request_fingerprint_is_stable_across_releases():
    """Fingerprints are stored with every keyed entry and compared with a replay's, maybe
    after an upgrade: the canonical form (compact JSON, text as is, SHA-256) is fixed."""
    same = '["cus_1","USD",1250,"credit","merchant_adjustment","Goodwill — 환불","pay_9"]'
    described = same[:-1] + ',"Thanks"]'
    args = ("cus_1", "USD", 1250, "credit", "merchant_adjustment", "Goodwill — 환불", "pay_9")
    assert request_fingerprint(*args) == hashlib.sha256(same.encode()).hexdigest()
    assert request_fingerprint(*args, description="Thanks") == (
        hashlib.sha256(described.encode()).hexdigest()
    )


def test_a_post_records_what_it_did_in_its_event(customer, owner):
    entry = credit(customer, 250, reason="goodwill", reference_id="pay_123")
    event = Event.objects.get(object_id=entry.pk)
    assert event.type == "wallet.credited"
    assert event.payload == {
        "customer_id": customer.pk,
        "currency": "USD",
        "amount": 250,
        "direction": "credit",
        "event_type": "merchant_adjustment",
        "reason": "goodwill",
        "reference_id": "pay_123",
    }
    # The entry comes back as a saved row: saving it again would be an UPDATE.
    assert entry._state.adding is False and entry._state.db == "default"


def test_a_first_debit_says_the_wallet_holds_nothing_even_when_another_customer_has_one(
    customer, business
):
    credit(CustomerFactory(business=business), 5000)  # someone else's USD wallet
    with pytest.raises(InsufficientWalletFunds) as info:
        debit(customer, 1)
    assert (info.value.balance, info.value.currency) == (0, "USD")
    assert not Wallet.objects.filter(customer=customer).exists()


def test_a_debit_above_an_existing_balance_reports_that_balance(customer):
    credit(customer, 30, currency="INR")
    with pytest.raises(InsufficientWalletFunds) as info:
        debit(customer, 31, currency="INR")
    assert (info.value.balance, info.value.currency) == (30, "INR")
