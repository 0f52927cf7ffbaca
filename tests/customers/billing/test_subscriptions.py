"""Cancelling subscriptions and the renewal run (bill_due_subscriptions), the wallet
first; and on PostgreSQL, two renewal runs at once."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.billing import charges, subscriptions
from customers.billing.gateway import ChargeResult
from customers.core import errors
from customers.models import (
    Event,
    GatewayAttempt,
    LicenseKey,
    Payment,
    Subscription,
    add_interval,
)
from tests.customers.billing.helpers import Declines, Records, SlowGateway, race
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
