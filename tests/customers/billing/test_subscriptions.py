"""Cancelling subscriptions and the renewal run (bill_due_subscriptions), the wallet
first; and on PostgreSQL, two renewal runs at once."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.audit import Actor
from customers.billing import charges, payment_methods, subscriptions
from customers.billing.gateway import BuiltinGateway, ChargeResult, PaymentMethod
from customers.core import errors
from customers.models import (
    Event,
    GatewayAttempt,
    LicenseKey,
    Payment,
    Subscription,
    add_interval,
)
from tests.customers.billing.helpers import SlowGateway, race
from tests.factories import (
    BusinessFactory,
    CustomerFactory,
    LicenseKeyFactory,
    PaymentFactory,
    SubscriptionFactory,
)
from tests.wallets.helpers import credit
from wallets.models import LedgerEntry
from wallets.selectors import balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed(customer):
    """An active subscription and the license key it grants."""
    sub = SubscriptionFactory(customer=customer)
    return sub, LicenseKeyFactory(customer=customer, subscription=sub)


class Declines:
    def charge(self, *, payment, amount, method, idempotency_key):
        self.charged = amount
        return ChargeResult(False, PaymentMethod(), "card_declined", "The card was declined.")


# --- Cancel / revoke --------------------------------------------------------------


def test_cancel_now(keyed, actor):
    sub, key = keyed
    sub = subscriptions.subscription_cancel(
        subscription=sub, actor=actor, at_next_billing_date=False, feedback="unused"
    )
    key.refresh_from_db()
    assert sub.status == "cancelled" and sub.cancelled_at is not None
    assert sub.cancel_reason == "cancelled_by_merchant" and sub.cancellation_feedback == "unused"
    assert (sub.cancelled_by_type, sub.cancelled_by_label) == ("merchant_user", actor.label)
    assert (key.status, key.disabled_reason) == ("disabled", "subscription_cancelled")
    assert Event.objects.filter(type="subscription.cancelled", object_id=sub.pk).exists()


def test_cancel_at_next_billing_date_keeps_access_until_then(keyed, actor):
    sub, key = keyed
    sub = subscriptions.subscription_cancel(
        subscription=sub, actor=actor, at_next_billing_date=True, comment=" Moving on "
    )
    key.refresh_from_db()
    assert sub.status == "active" and sub.cancel_at_next_billing_date
    assert sub.cancellation_comment == "Moving on" and sub.cancelled_at is None
    assert key.status == "active"
    event = Event.objects.get(type="subscription.cancellation_scheduled")
    assert event.payload["effective_at"] == sub.next_billing_date.isoformat()


def test_revoke_a_scheduled_cancellation(customer, actor):
    sub = SubscriptionFactory(customer=customer, cancel_at_next_billing_date=True)
    sub = subscriptions.subscription_cancellation_revoke(subscription=sub, actor=actor)
    assert not sub.cancel_at_next_billing_date
    with pytest.raises(errors.NoScheduledCancellation):
        subscriptions.subscription_cancellation_revoke(subscription=sub, actor=actor)


@pytest.mark.parametrize("status", ["cancelled", "expired", "failed"])
def test_ended_subscriptions_cannot_be_cancelled(customer, actor, status):
    sub = SubscriptionFactory(customer=customer, status=status)
    with pytest.raises(errors.SubscriptionInactive) as exc_info:
        subscriptions.subscription_cancel(subscription=sub, actor=actor, at_next_billing_date=False)
    assert exc_info.value.code == "SUBSCRIPTION_INACTIVE"


def test_on_hold_can_be_cancelled_now_but_not_scheduled(customer, actor):
    sub = SubscriptionFactory(customer=customer, status="on_hold")
    with pytest.raises(errors.SubscriptionInactive):
        subscriptions.subscription_cancel(subscription=sub, actor=actor, at_next_billing_date=True)
    sub = subscriptions.subscription_cancel(
        subscription=sub, actor=actor, at_next_billing_date=False
    )
    assert sub.status == "cancelled"


# --- Renewals ---------------------------------------------------------------------


def test_due_subscription_is_billed_and_its_period_advanced(due):
    period_end = due.next_billing_date
    now = timezone.now()
    run = subscriptions.subscriptions_bill_due(now=now)
    assert run.renewed == 1
    due.refresh_from_db()
    assert due.previous_billing_date == period_end
    assert due.next_billing_date == add_interval(period_end, "Month")
    renewal = Payment.objects.get(charge_type="renewal")
    assert (renewal.status, renewal.total_amount, renewal.currency) == ("succeeded", 1000, "USD")
    assert (renewal.payment_method, renewal.card_last_four) == ("card", "4242")
    assert renewal.subscription_id == due.pk and renewal.pricing_type == "subscription"
    assert renewal.created_at == now  # the run's time (`--now`), not the wall clock's
    assert renewal.invoice_number == 1 and renewal.service_period_start == period_end
    renewed = Event.objects.get(type="subscription.renewed", object_id=due.pk)
    assert renewed.payload == {
        "payment_id": renewal.pk,
        "amount": 1000,
        "wallet_amount": 0,
        "overage_amount": 0,
        "currency": "USD",
        "next_billing_date": due.next_billing_date.isoformat(),
    }
    paid = Event.objects.get(type="payment.succeeded", object_id=renewal.pk)
    assert paid.payload == {"subscription_id": due.pk, "amount": 1000, "currency": "USD"}
    attempt = GatewayAttempt.objects.get(payment=renewal)
    assert (attempt.status, attempt.finished_at) == ("succeeded", now)


def test_running_twice_bills_nothing_twice(due):
    assert subscriptions.subscriptions_bill_due().renewed == 1
    assert subscriptions.subscriptions_bill_due().renewed == 0
    assert Payment.objects.filter(charge_type="renewal").count() == 1


def test_the_command_runs_the_renewals(due, capsys):
    call_command("bill_due_subscriptions")
    call_command("bill_due_subscriptions")
    assert Payment.objects.filter(charge_type="renewal").count() == 1
    assert "1 renewed" in capsys.readouterr().out


def test_not_yet_due_and_inactive_subscriptions_are_left_alone(customer):
    SubscriptionFactory(customer=customer)  # due in 20 days
    SubscriptionFactory(
        customer=customer, status="on_hold", next_billing_date=timezone.now() - dt.timedelta(days=1)
    )
    run = subscriptions.subscriptions_bill_due()
    assert (run.renewed, run.failed) == (0, 0)
    assert not Payment.objects.exists()


def test_failed_charge_puts_on_hold_and_disables_keys(due):
    key = LicenseKeyFactory(customer=due.customer, subscription=due, product=due.product)
    period_end = due.next_billing_date
    run = subscriptions.subscriptions_bill_due(gateway=Declines())
    assert run.failed == 1
    due.refresh_from_db()
    key.refresh_from_db()
    assert due.status == "on_hold" and due.next_billing_date == period_end
    assert (key.status, key.disabled_reason) == ("disabled", "subscription_on_hold")
    failed = Payment.objects.get(charge_type="renewal")
    assert (failed.status, failed.error_code) == ("failed", "card_declined")
    assert failed.invoice_number is None
    assert GatewayAttempt.objects.get(payment=failed).status == "failed"
    event = Event.objects.get(type="payment.failed", object_id=failed.pk)
    assert event.payload == {
        "subscription_id": due.pk,
        "amount": 1000,
        "error_code": "card_declined",
    }
    assert Event.objects.filter(type="subscription.on_hold").exists()
    # On hold is not due: a second run does not charge again.
    assert subscriptions.subscriptions_bill_due(gateway=Declines()).failed == 0


def test_builtin_gateway_fails_without_a_payment_method_on_file(customer):
    SubscriptionFactory(customer=customer, next_billing_date=timezone.now() - dt.timedelta(hours=1))
    run = subscriptions.subscriptions_bill_due()
    assert run.failed == 1
    assert Payment.objects.get().error_code == "payment_method_missing"


def test_scheduled_cancellation_takes_effect_instead_of_billing(due):
    key = LicenseKeyFactory(customer=due.customer, subscription=due)
    Subscription.objects.filter(pk=due.pk).update(cancel_at_next_billing_date=True)
    run = subscriptions.subscriptions_bill_due()
    assert (run.cancelled, run.renewed) == (1, 0)
    due.refresh_from_db()
    key.refresh_from_db()
    assert due.status == "cancelled" and due.cancelled_at == due.next_billing_date
    assert not due.cancel_at_next_billing_date  # nothing left "to cancel" on its page
    assert key.status == "disabled"
    assert not Payment.objects.filter(charge_type="renewal").exists()
    cancelled = Event.objects.get(type="subscription.cancelled", object_id=due.pk)
    assert cancelled.payload == {"customer_id": due.customer_id, "scheduled": True}


def test_a_subscription_many_periods_behind_catches_up_one_period_per_run(customer):
    start = timezone.now() - dt.timedelta(days=70)
    sub = SubscriptionFactory(
        customer=customer,
        payment_frequency_interval="Week",
        previous_billing_date=start - dt.timedelta(days=7),
        next_billing_date=start,
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")
    assert subscriptions.subscriptions_bill_due().renewed == 1
    sub.refresh_from_db()
    assert sub.next_billing_date == start + dt.timedelta(days=7)


def test_two_seats_billed_every_three_months_renew_two_seats_three_months_on(customer):
    start = timezone.now() - dt.timedelta(days=1)
    sub = SubscriptionFactory(
        customer=customer,
        quantity=2,
        payment_frequency_count=3,
        previous_billing_date=start - dt.timedelta(days=90),
        next_billing_date=start,
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")
    assert subscriptions.subscriptions_bill_due().renewed == 1
    sub.refresh_from_db()
    assert sub.next_billing_date == add_interval(start, "Month", 3)
    assert Payment.objects.get(charge_type="renewal").quantity == 2


# --- The wallet first -------------------------------------------------------------


def test_wallet_covers_the_whole_renewal(due):
    credit(due.customer, 1500, "USD")
    subscriptions.subscriptions_bill_due(gateway=Declines())  # the gateway is never asked
    renewal = Payment.objects.get(charge_type="renewal")
    assert (renewal.status, renewal.payment_method) == ("succeeded", "wallet")
    assert balance(due.customer, "USD") == 500
    debit = LedgerEntry.objects.get(direction="debit")
    assert (debit.event_type, debit.reference_id, debit.amount) == ("payment", renewal.pk, 1000)


def test_a_renewal_the_wallet_pays_in_full_leaves_the_saved_card_unused(due):
    """The portal shows when a card was last charged: not on a day it was not."""
    saved = save(due.customer, upi_handle="success@upi")
    credit(due.customer, 1500, "USD")
    subscriptions.subscriptions_bill_due(gateway=Declines())
    assert Payment.objects.get(charge_type="renewal").payment_method == "wallet"
    saved.refresh_from_db()
    assert saved.last_used_at is None


def test_wallet_covers_part_and_the_card_the_rest(due):
    credit(due.customer, 300, "USD")
    charged = {}

    class Records:
        def charge(self, *, payment, amount, method, idempotency_key):
            charged["amount"] = amount
            return ChargeResult(True, method)

    subscriptions.subscriptions_bill_due(gateway=Records())
    renewal = Payment.objects.get(charge_type="renewal")
    assert charged["amount"] == 700
    assert (renewal.status, renewal.total_amount, renewal.payment_method) == (
        "succeeded",
        1000,
        "card",
    )
    assert renewal.metadata == {"wallet_amount": 300}
    assert balance(due.customer, "USD") == 0


def test_failed_charge_after_a_wallet_debit_gives_the_money_back(due):
    credit(due.customer, 300, "USD")
    gateway = Declines()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    assert gateway.charged == 700
    assert balance(due.customer, "USD") == 300
    failed = Payment.objects.get(charge_type="renewal")
    kinds = list(
        LedgerEntry.objects.filter(reference_id=failed.pk)
        .order_by("created_at", "id")
        .values_list("direction", "event_type", "amount")
    )
    assert kinds == [("debit", "payment", 300), ("credit", "payment_reversal", 300)]


def test_a_single_cent_in_the_wallet_is_used(due):
    credit(due.customer, 1, "USD")
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    assert gateway.asked["amount"] == 999
    assert balance(due.customer, "USD") == 0
    assert Payment.objects.get(charge_type="renewal").metadata == {"wallet_amount": 1}


def test_a_wallet_spent_since_it_was_read_leaves_the_card_to_charge_it_all(due, monkeypatch):
    """The balance read says 500, but the money went elsewhere before the debit: the
    card is charged the whole renewal and the wallet is left alone."""
    monkeypatch.setattr(charges, "balance", lambda customer, currency: 500)
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    renewal = Payment.objects.get(charge_type="renewal")
    assert gateway.asked["amount"] == 1000
    assert (renewal.status, renewal.metadata) == ("succeeded", {})
    assert GatewayAttempt.objects.get(payment=renewal).wallet_amount == 0
    assert not LedgerEntry.objects.exists()


def test_wallet_in_another_currency_is_not_used(due):
    credit(due.customer, 100000, "INR")
    subscriptions.subscriptions_bill_due()
    assert Payment.objects.get(charge_type="renewal").payment_method == "card"
    assert balance(due.customer, "INR") == 100000


def test_license_keys_of_other_subscriptions_are_untouched(due, customer):
    other = SubscriptionFactory(customer=customer)
    key = LicenseKeyFactory(customer=customer, subscription=other)
    subscriptions.subscriptions_bill_due(gateway=Declines())
    key.refresh_from_db()
    assert key.status == LicenseKey.Status.ACTIVE


# --- At once (PostgreSQL, real concurrency) ---------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_renewal_runs_at_once_bill_once():
    customer = CustomerFactory(business=BusinessFactory(name="Renewals Co"))
    start = timezone.now() - dt.timedelta(days=32)
    sub = SubscriptionFactory(
        customer=customer,
        previous_billing_date=start,
        next_billing_date=start + dt.timedelta(days=31),
    )
    PaymentFactory(customer=customer, subscription=sub, pricing_type="subscription")

    results = race(lambda: subscriptions.subscriptions_bill_due(gateway=SlowGateway()))
    assert sum(r.renewed for r in results) == 1, results
    assert Payment.objects.filter(charge_type="renewal").count() == 1


class Records:
    """A gateway that accepts every charge and remembers what it was asked."""

    def charge(self, *, payment, amount, method, idempotency_key):
        self.asked = {"amount": amount, "method": method, "key": idempotency_key}
        self.asked["payment"] = payment
        return ChargeResult(True, method)


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
