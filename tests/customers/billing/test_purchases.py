"""One-time purchases through the gateway: credit packs and wallet top-ups, charged
in three steps, once per key, finished by the reconciler after a crash."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.billing import purchases, recovery
from customers.billing.gateway import BuiltinGateway
from customers.models import EmailLog, Event, GatewayAttempt, GatewayRecord, Payment
from tests.customers.billing.purchase_helpers import ACTOR, POOR_CARD, card, pack
from tests.factories import CustomerFactory, ProductFactory
from wallets.credits.models import CreditBalance, CreditLedgerEntry
from wallets.models import LedgerEntry, TopUpSettings
from wallets.selectors import balance

pytestmark = pytest.mark.django_db


def buy(customer, product=None, key="tok-1", gateway=None, **kwargs):
    kind = kwargs.pop("kind", purchases.PACK if product else purchases.TOP_UP)
    return purchases.purchase_charge(
        customer=customer,
        kind=kind,
        product=product,
        idempotency_key=f"purchase:{customer.pk}:{key}",
        gateway=gateway or BuiltinGateway(),
        actor=ACTOR,
        **kwargs,
    )


def test_a_credit_pack_is_charged_invoiced_and_its_credits_granted(customer, business):
    product, calls = pack(business, credits=1000, price=1900)
    method = card(customer)
    bought = buy(customer, product)
    payment = bought.payment
    assert bought.outcome == "succeeded"
    assert (payment.status, payment.total_amount, payment.currency) == ("succeeded", 1900, "USD")
    assert payment.invoice_number and payment.card_last_four == "4242"
    assert payment.metadata == {"purchase": "credit_pack"} and payment.subscription_id is None
    assert CreditBalance.objects.get(customer=customer, entitlement=calls).balance == 1_000_000
    entry = CreditLedgerEntry.objects.get(customer=customer)
    assert (entry.transaction_type, entry.reference_id) == ("credit_added", payment.pk)
    assert GatewayAttempt.objects.get().status == "succeeded"
    assert Event.objects.filter(type="payment.succeeded", object_id=payment.pk).exists()
    assert EmailLog.objects.filter(email_type="payment_succeeded").exists()
    method.refresh_from_db()
    assert method.last_used_at is not None


def test_a_declined_card_fails_the_payment_grants_nothing_and_says_why(customer, business):
    product, _calls = pack(business)
    card(customer, POOR_CARD)
    bought = buy(customer, product)
    assert bought.outcome == "failed"
    assert bought.payment.status == "failed" and bought.payment.error_code == "insufficient_funds"
    assert bought.message == "Your card was declined: insufficient funds."
    assert not CreditBalance.objects.exists()
    assert Event.objects.filter(type="payment.failed").count() == 1


def test_the_same_key_charges_once_and_returns_the_first_purchase(customer, business):
    product, _calls = pack(business)
    card(customer)
    first = buy(customer, product)
    again = buy(customer, product)
    assert again.payment.pk == first.payment.pk and again.outcome == "succeeded"
    assert Payment.objects.count() == 1 and GatewayRecord.objects.count() == 1
    assert CreditLedgerEntry.objects.count() == 1
    other, _ = pack(business, name="Other pack", ent=_calls)
    with pytest.raises(purchases.PurchaseKeyReused):
        buy(customer, other)


def test_without_a_saved_method_nothing_is_written(customer, business):
    product, _calls = pack(business)
    with pytest.raises(purchases.PaymentMethodRequired):
        buy(customer, product)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("case", ["recurring", "archived", "no credits", "other business"])
def test_only_the_businesss_one_time_credit_packs_are_for_sale(customer, business, case):
    card(customer)
    if case == "recurring":
        product, _ = pack(business, is_recurring=True, payment_frequency_interval="Month")
    elif case == "archived":
        product, _ = pack(business, archived=True)
    elif case == "no credits":
        product = ProductFactory(business=business)
    else:
        product, _ = pack(CustomerFactory().business)
    with pytest.raises(purchases.NotACreditPack):
        buy(customer, product)
    assert not Payment.objects.exists()


def test_a_top_up_posts_the_paid_money_and_the_bonus_as_separate_entries(customer, business):
    TopUpSettings.objects.create(
        business=business, currency="USD", bonus_percent=10, bonus_min_amount=5000
    )
    card(customer)
    bought = buy(customer, amount=(5000, "USD"))
    assert bought.outcome == "succeeded" and bought.payment.product_id is None
    entries = LedgerEntry.objects.filter(customer=customer).order_by("sequence")
    assert [(e.event_type, e.amount) for e in entries] == [
        ("top_up", 5000),
        ("promotional_bonus", 500),
    ]
    assert entries[1].customer_description == "Promotional bonus"
    assert bought.payment.metadata["bonus_rule"] == "+10% on top-ups of $50.00 or more"
    assert balance(customer, "USD") == 5500
    small = buy(customer, amount=(4999, "USD"), key="tok-2")  # below the bonus threshold
    assert small.outcome == "succeeded"
    assert LedgerEntry.objects.filter(event_type="promotional_bonus").count() == 1


def test_a_top_up_outside_the_bounds_or_currency_is_refused(customer, business):
    card(customer)
    from wallets.topups import TopUpNotAllowed

    with pytest.raises(TopUpNotAllowed, match="between"):
        buy(customer, amount=(499, "USD"))  # the default minimum is $5.00
    with pytest.raises(TopUpNotAllowed):
        buy(customer, amount=(1000, "EUR"), key="tok-2")
    TopUpSettings.objects.create(business=business, currency="USD", enabled=False)
    with pytest.raises(TopUpNotAllowed):
        buy(customer, amount=(1000, "USD"), key="tok-3")
    assert not Payment.objects.exists()


class Crashes:
    """Charges through the built-in gateway, then dies before the outcome is recorded."""

    def charge(self, **kwargs):
        BuiltinGateway().charge(**kwargs)
        raise ConnectionError("the process died here")


class Unreachable:
    def charge(self, **kwargs):
        raise TimeoutError


@pytest.mark.parametrize("gateway", [Crashes(), Unreachable()], ids=["crashed", "unreachable"])
def test_a_pending_purchase_is_finished_by_the_reconciler_once(customer, business, gateway):
    product, calls = pack(business)
    card(customer)
    now = timezone.now()
    bought = buy(customer, product, gateway=gateway, now=now)
    assert bought.outcome == "pending" and bought.payment.status == "processing"
    assert buy(customer, product).outcome == "pending"  # the replay waits for the outcome
    later = now + dt.timedelta(minutes=6)
    assert recovery.gateway_attempts_reconcile(now=later, gateway=BuiltinGateway()) == 1
    bought.payment.refresh_from_db()
    assert bought.payment.status == "succeeded" and bought.payment.invoice_number
    assert bought.payment.card_last_four == "4242"
    assert GatewayRecord.objects.filter(kind="charge").count() == 1
    assert CreditBalance.objects.get(entitlement=calls).balance == 1_000_000
    assert recovery.gateway_attempts_reconcile(now=later, gateway=BuiltinGateway()) == 0


def test_a_pending_top_up_is_reconciled_into_the_wallet(customer, business):
    card(customer)
    now = timezone.now()
    buy(customer, amount=(2500, "USD"), gateway=Crashes(), now=now)
    assert balance(customer, "USD") == 0
    recovery.gateway_attempts_reconcile(now=now + dt.timedelta(minutes=6), gateway=BuiltinGateway())
    assert balance(customer, "USD") == 2500
