"""Which method a renewal charges and how it is recorded: the saved card or UPI, the
latest successful method, keys per period and retry, what is never charged."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.audit import Actor
from customers.billing import charges, payment_methods, subscriptions
from customers.billing.gateway import BuiltinGateway, ChargeResult, PaymentMethod
from customers.models import (
    GatewayAttempt,
    Payment,
)
from tests.customers.billing.helpers import Declines, Records
from tests.factories import (
    CustomerFactory,
    PaymentFactory,
    SubscriptionFactory,
)
from tests.wallets.helpers import credit
from wallets.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_a_renewal_the_wallet_pays_in_full_leaves_the_saved_card_unused(due):
    """The portal shows when a card was last charged: not on a day it was not."""
    saved = save(due.customer, upi_handle="success@upi")
    credit(due.customer, 1500, "USD")
    subscriptions.subscriptions_bill_due(gateway=Declines())
    assert Payment.objects.get(charge_type="renewal").payment_method == "wallet"
    saved.refresh_from_db()
    assert saved.last_used_at is None


def test_the_card_charged_is_the_latest_successful_one_not_a_wallet_payment(due):
    customer = due.customer
    later = timezone.now() - dt.timedelta(days=20)
    PaymentFactory(
        customer=customer,
        subscription=due,
        product=due.product,
        payment_method="card",
        payment_method_type="mastercard",
        card_network="mastercard",
        card_last_four="5454",
        created_at=later,
    )
    for method in ("", "wallet"):  # newer, but no card to charge
        PaymentFactory(
            customer=customer,
            subscription=due,
            product=due.product,
            payment_method=method,
            created_at=later + dt.timedelta(days=1),
        )
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    assert gateway.asked["method"] == PaymentMethod("card", "mastercard", "mastercard", "5454")
    period = due.next_billing_date.isoformat()
    assert gateway.asked["key"] == f"renewal:{due.pk}:{period}"


def test_a_renewals_wallet_entries_say_what_they_are_and_carry_its_keys(due):
    credit(due.customer, 300, "USD")
    period = due.next_billing_date.isoformat()
    subscriptions.subscriptions_bill_due(gateway=Declines())
    entries = LedgerEntry.objects.filter(event_type__in=["payment", "payment_reversal"])
    assert sorted(entries.values_list("reason", "idempotency_key")) == [
        (f"Renewal of {due.pk}", f"renewal:{due.pk}:{period}"),
        (f"Renewal of {due.pk} failed: card_declined", f"renewal:{due.pk}:{period}:reversal"),
    ]


def save(customer, **details):
    return payment_methods.payment_method_add(
        customer=customer, gateway=BuiltinGateway(), actor=Actor.customer(customer), **details
    )


@pytest.mark.parametrize("kind", ["card", "upi"])
def test_a_renewal_charges_the_saved_method_and_records_it(due, kind):
    if kind == "card":
        saved = save(
            due.customer,
            card_number="4242 4242 4242 4242",
            expiry_month=12,
            expiry_year=timezone.now().year + 2,
            holder_name="Ada Lovelace",
        )
        expected = PaymentMethod("card", "visa", "visa", "4242", saved.gateway_token)
    else:
        saved = save(due.customer, upi_handle="success@upi")
        expected = PaymentMethod("upi", "upi_collect", token=saved.gateway_token)
    gateway = Records()
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now, gateway=gateway)
    renewal = Payment.objects.get(charge_type="renewal")
    # The gateway is asked for the renewal's payment, with the saved method's token.
    assert gateway.asked["method"] == expected
    assert (gateway.asked["payment"].pk, gateway.asked["payment"].currency) == (renewal.pk, "USD")
    assert renewal.status == "succeeded"
    recorded = (renewal.payment_method, renewal.payment_method_type, renewal.card_last_four)
    assert recorded == (
        expected.payment_method,
        expected.payment_method_type,
        expected.card_last_four,
    )
    saved.refresh_from_db()
    assert saved.last_used_at == now


def test_a_customer_whose_saved_methods_are_gone_is_not_charged_an_old_card(due):
    """`due` paid by card before saved methods existed; once the customer saved one
    and removed it, renewals no longer fall back to that old card."""
    saved = save(due.customer, upi_handle="success@upi")
    actor = Actor.customer(due.customer)
    payment_methods.payment_method_remove(
        payment_method=saved, gateway=BuiltinGateway(), actor=actor
    )
    assert subscriptions.subscriptions_bill_due().failed == 1
    assert Payment.objects.get(charge_type="renewal").error_code == "payment_method_missing"


def test_the_charge_itself_skips_what_is_not_owed_yet(customer):
    """The renewal run only picks due, active subscriptions; the charge checks again
    under the lock (the subscription may have changed since)."""
    later = SubscriptionFactory(customer=customer)  # due in 20 days
    held = SubscriptionFactory(
        customer=customer, status="on_hold", next_billing_date=timezone.now() - dt.timedelta(days=1)
    )
    for sub in (later, held):
        outcome = charges.subscription_charge_dues(
            subscription=sub, now=timezone.now(), gateway=Records(), actor=Actor.system("test")
        )
        assert outcome == "skipped"
    assert not Payment.objects.exists()


def test_a_charge_in_flight_blocks_only_its_own_subscription(due, customer):
    class Crashes:
        def charge(self, **kwargs):
            raise ConnectionError

    now = timezone.now()
    assert subscriptions.subscriptions_bill_due(now=now, gateway=Crashes()).pending == 1
    other = SubscriptionFactory(customer=customer, next_billing_date=now - dt.timedelta(hours=1))
    PaymentFactory(customer=customer, subscription=other, pricing_type="subscription")
    assert subscriptions.subscriptions_bill_due(now=now).renewed == 1
    assert Payment.objects.get(subscription=other, charge_type="renewal").status == "succeeded"


def test_each_periods_first_charge_has_the_periods_plain_key(due):
    first = due.next_billing_date
    subscriptions.subscriptions_bill_due(now=first)
    due.refresh_from_db()
    second = due.next_billing_date
    subscriptions.subscriptions_bill_due(now=second)
    keys = GatewayAttempt.objects.order_by("created_at").values_list("idempotency_key", flat=True)
    assert list(keys) == [
        f"renewal:{due.pk}:{first.isoformat()}",
        f"renewal:{due.pk}:{second.isoformat()}",
    ]


def test_a_long_decline_message_is_kept_to_its_first_255_characters(due):
    message = "The issuing bank declined the charge. " * 10

    class Wordy:
        def charge(self, *, payment, amount, method, idempotency_key):
            return ChargeResult(False, PaymentMethod(), "do_not_honor", message)

    subscriptions.subscriptions_bill_due(gateway=Wordy())
    assert Payment.objects.get(charge_type="renewal").error_message == message[:255]


def test_another_customers_saved_card_is_never_charged(due, customer):
    other = CustomerFactory(business=customer.business, email="grace@example.com")
    save(
        other,
        card_number="5555 5555 5555 4444",
        expiry_month=12,
        expiry_year=timezone.now().year + 2,
        holder_name="Grace Hopper",
    )
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    # `due`'s own card from before saved methods, never the other customer's.
    assert gateway.asked["method"] == PaymentMethod("card", "visa", "visa", "4242")
    assert GatewayAttempt.objects.get().payment_method is None


def test_a_method_saved_without_consent_to_recurring_charges_is_not_charged(due):
    saved = save(due.customer, upi_handle="success@upi")
    type(saved).objects.filter(pk=saved.pk).update(recurring_enabled=False)
    assert subscriptions.subscriptions_bill_due().failed == 1
    assert Payment.objects.get(charge_type="renewal").error_code == "payment_method_missing"
