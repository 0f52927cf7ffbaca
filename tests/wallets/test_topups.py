"""Refunds of a wallet top-up take back its bonus first, never leave the wallet
negative, and refuse plainly when the wallet no longer holds the money (run these
on PostgreSQL too: DATABASE_URL=…)."""

import pytest

from customers.billing import purchases, refunds
from customers.billing.gateway import BuiltinGateway, RefundResult
from customers.models import Refund
from tests.customers.billing.purchase_helpers import ACTOR, card
from wallets.models import LedgerEntry, TopUpSettings
from wallets.selectors import balance
from wallets.services import ledger_post
from wallets.topups import TopUpNotAllowed, TopUpRefundExceedsWallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def top_up(customer, business):
    """$50.00 paid in, with the +10% bonus: $55.00 in the wallet."""
    TopUpSettings.objects.create(
        business=business, currency="USD", bonus_percent=10, bonus_min_amount=5000
    )
    card(customer)
    return purchases.purchase_charge(
        customer=customer,
        kind=purchases.TOP_UP,
        amount=(5000, "USD"),
        idempotency_key="purchase:t:1",
        gateway=BuiltinGateway(),
        actor=ACTOR,
    ).payment


def moves(customer):
    return [
        (e.event_type, e.direction, e.amount)
        for e in LedgerEntry.objects.filter(customer=customer).order_by("sequence")
    ][2:]


def test_a_full_refund_takes_back_the_bonus_and_the_money(customer, top_up):
    refund = refunds.refund_create(payment=top_up, amount=None, actor=ACTOR)
    assert refund.status == "succeeded" and refund.amount == 5000
    assert moves(customer) == [("bonus_reversal", "debit", 500), ("top_up_refund", "debit", 5000)]
    assert balance(customer, "USD") == 0


def test_a_partial_refund_takes_the_whole_bonus_first_and_only_once(customer, top_up):
    refunds.refund_create(payment=top_up, amount=2000, actor=ACTOR)
    assert balance(customer, "USD") == 5500 - 500 - 2000
    refunds.refund_create(payment=top_up, amount=1000, actor=ACTOR)
    assert moves(customer) == [
        ("bonus_reversal", "debit", 500),
        ("top_up_refund", "debit", 2000),
        ("top_up_refund", "debit", 1000),
    ]
    assert balance(customer, "USD") == 2000


def test_a_refund_the_wallet_cannot_cover_is_refused_and_writes_nothing(customer, top_up):
    ledger_post(
        business=customer.business,
        customer=customer,
        currency="USD",
        amount=5000,
        direction="debit",
        event_type="payment",
        reason="spent on a renewal",
        actor=ACTOR,
    )
    with pytest.raises(TopUpRefundExceedsWallet) as refused:
        refunds.refund_create(payment=top_up, amount=1000, actor=ACTOR)
    assert str(refused.value.message) == (
        "Refunding $10.00 of this top-up takes $15.00 from the wallet "
        "(its $5.00 bonus is taken back first), but the wallet holds $5.00."
    )
    assert not Refund.objects.exists() and balance(customer, "USD") == 500
    assert moves(customer) == [("payment", "debit", 5000)]


def test_a_top_up_is_not_refunded_into_the_wallet_it_sits_in(customer, top_up):
    with pytest.raises(TopUpNotAllowed):
        refunds.refund_create(
            payment=top_up, amount=1000, destination=Refund.Destination.WALLET, actor=ACTOR
        )
    assert not Refund.objects.exists() and balance(customer, "USD") == 5500


def test_a_refund_the_gateway_fails_gives_the_money_and_the_bonus_back(customer, top_up):
    class Fails:
        def refund(self, *, refund, idempotency_key):
            return RefundResult(status="failed")

    refund = refunds.refund_create(payment=top_up, amount=2000, actor=ACTOR, gateway=Fails())
    assert refund.status == "failed"
    given_back = [("top_up", "credit", 2000), ("promotional_bonus", "credit", 500)]
    assert moves(customer)[-2:] == given_back
    assert balance(customer, "USD") == 5500
    refunds.refund_create(payment=top_up, amount=2000, actor=ACTOR)  # the bonus is there again
    assert balance(customer, "USD") == 5500 - 2500
