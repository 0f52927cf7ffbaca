"""Dunning with `--now` time travel: a declined renewal, the retries on Dodo's
schedule, soft and hard declines, the e-mails, recovery (keys back) and the window's
end (cancelled); and gateway attempts a crash left pending, reconciled."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.audit import Actor
from customers.billing import charges, dunning, payment_methods, recovery, refunds, subscriptions
from customers.billing.gateway import BuiltinGateway, ChargeResult, PaymentMethod, RefundResult
from customers.core import errors
from customers.models import (
    Dunning,
    EmailLog,
    Event,
    GatewayAttempt,
    GatewayRecord,
    LicenseKey,
    Payment,
    Refund,
)
from tests.factories import LicenseKeyFactory, PaymentFactory
from tests.wallets.helpers import credit
from wallets.selectors import balance

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)


def save_card(customer, number, **kw):
    return payment_methods.payment_method_add(
        customer=customer,
        gateway=BuiltinGateway(),
        actor=Actor.customer(customer),
        card_number=number,
        expiry_month=12,
        expiry_year=timezone.now().year + 2,
        holder_name="Ada Lovelace",
        **kw,
    )


def retry(now):
    call_command("retry_dunning", "--now", now.isoformat())


@pytest.fixture
def declining(due):
    """`due`, its customer's default card the test card that declines for lack of funds,
    and a license key."""
    save_card(due.customer, "4000 0000 0000 9995")
    key = LicenseKeyFactory(customer=due.customer, subscription=due, product=due.product)
    return due, key


def test_a_declined_renewal_starts_dunning(declining):
    sub, key = declining
    now = timezone.now()
    assert subscriptions.subscriptions_bill_due(now=now).failed == 1
    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "on_hold" and key.status == "disabled"
    run = Dunning.objects.get(subscription=sub)
    assert (run.status, run.attempts, run.last_error_code) == (
        "recovering",
        1,
        "insufficient_funds",
    )
    assert run.next_retry_at == now + 12 * H
    assert run.window_ends_at == now + dt.timedelta(days=13)
    assert Event.objects.filter(type="dunning.started", object_id=run.pk).exists()
    mail = EmailLog.objects.get(email_type="dunning_payment_failed")
    assert mail.recipient == "ada@example.com" and mail.category == "dunning_recovery"
    assert f"/portal/subscriptions/{sub.pk}/payment-method/" in mail.body
    assert "$10.00" in mail.body


def test_retries_follow_dodos_schedule_inside_the_window(declining):
    sub, _key = declining
    start = timezone.now()
    subscriptions.subscriptions_bill_due(now=start)
    now, waits = start, []
    for _ in range(10):
        run = Dunning.objects.get(subscription=sub)
        if run.next_retry_at is None:
            break
        waits.append(run.next_retry_at - now)
        now = run.next_retry_at
        retry(now)
    hours = [w / H for w in waits]
    # 12h, 24h, 48h, 72h, 96h (=252h, 10.5 d); the 120h one would land after 13 days.
    assert hours == [12, 24, 48, 72, 96]
    run = Dunning.objects.get(subscription=sub)
    assert run.attempts == 6 and run.next_retry_at is None
    assert EmailLog.objects.filter(email_type="dunning_reminder").count() == 4
    assert EmailLog.objects.filter(email_type="dunning_final_notice").count() == 1
    assert Payment.objects.filter(charge_type="renewal", status="failed").count() == 6
    keys = set(GatewayAttempt.objects.values_list("idempotency_key", flat=True))
    base = f"renewal:{sub.pk}:{sub.next_billing_date.isoformat()}"  # the period's start
    # One key per attempt, none charged twice: the period's, then its :2, :3…
    assert keys == {base} | {f"{base}:{n}" for n in range(2, 7)}
    purposes = GatewayAttempt.objects.order_by("created_at").values_list("purpose", flat=True)
    assert list(purposes) == ["renewal"] + ["retry"] * 5
    # The window's end cancels it; the keys stay off.
    retry(start + dt.timedelta(days=13))
    sub.refresh_from_db()
    run.refresh_from_db()
    assert sub.status == "cancelled" and run.status == "exhausted"
    assert sub.cancel_reason == "cancelled_by_merchant_send_dunning"
    key = LicenseKey.objects.get(subscription=sub)
    assert (key.status, key.disabled_reason) == ("disabled", "subscription_cancelled")
    assert Event.objects.filter(type="subscription.cancelled", object_id=sub.pk).exists()


def test_the_recovery_window_is_the_business_setting(declining):
    sub, _key = declining
    sub.business.dunning_window_days = 2
    sub.business.save()
    start = timezone.now()
    subscriptions.subscriptions_bill_due(now=start)
    retry(start + 12 * H)  # fails; the next (24 h later) would still fit in 2 days
    run = Dunning.objects.get(subscription=sub)
    assert run.next_retry_at == start + 36 * H
    retry(start + 36 * H)  # fails; 48 h more would not fit: final notice
    run.refresh_from_db()
    assert run.next_retry_at is None
    assert EmailLog.objects.filter(email_type="dunning_final_notice").exists()


def test_a_hard_decline_stops_retrying_at_once(due):
    save_card(due.customer, "4000000000000069")  # declines: expired card
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    run = Dunning.objects.get(subscription=due)
    assert run.hard_decline and run.next_retry_at is None
    assert run.last_error_code == "expired_card"
    retry(now + dt.timedelta(days=3))
    assert Payment.objects.filter(charge_type="renewal").count() == 1  # never retried


def test_a_new_card_pays_the_dues_and_brings_the_keys_back(declining):
    sub, key = declining
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    period = sub.next_billing_date
    good = save_card(sub.customer, "4242424242424242")
    outcome, payment = recovery.subscription_payment_method_set(
        subscription=sub,
        payment_method=good,
        gateway=BuiltinGateway(),
        actor=Actor.customer(sub.customer),
        now=now + H,
    )
    assert outcome == "renewed"
    assert (payment.status, payment.card_last_four, payment.service_period_start) == (
        "succeeded",
        "4242",
        period,
    )
    assert payment.invoice_number is not None
    sub.refresh_from_db()
    key.refresh_from_db()
    assert sub.status == "active" and sub.payment_method_id == good.pk
    assert sub.previous_billing_date == period and sub.next_billing_date > period
    assert key.status == "active" and key.disabled_reason == ""
    run = Dunning.objects.get(subscription=sub)
    assert run.status == "recovered" and run.recovered_payment_id == payment.pk
    types = set(Event.objects.values_list("type", flat=True))
    assert {"dunning.recovered", "subscription.active", "payment.succeeded"} <= types
    assert EmailLog.objects.filter(email_type="dunning_recovered").exists()
    good.refresh_from_db()
    assert good.last_used_at == now + H
    # Nothing further is retried.
    retry(now + dt.timedelta(days=1))
    assert Payment.objects.filter(charge_type="renewal", status="succeeded").count() == 1


def test_a_retry_that_succeeds_recovers(due):
    customer = due.customer
    save_card(customer, "4000000000000002")  # do not honour: soft
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    # The customer tops up their wallet: the next retry takes it from there.
    credit(customer, 1000, "USD")
    retry(now + 12 * H)
    due.refresh_from_db()
    assert due.status == "active"
    run = Dunning.objects.get()
    assert (run.status, run.ended_at) == ("recovered", now + 12 * H)
    assert balance(customer, "USD") == 0


def test_a_failed_retry_after_a_wallet_debit_gives_it_back(due):
    save_card(due.customer, "4000000000009995")
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    credit(due.customer, 300, "USD")
    retry(now + 12 * H)
    assert balance(due.customer, "USD") == 300
    second = Payment.objects.filter(charge_type="renewal").order_by("created_at").last()
    assert second.status == "failed"


def test_retry_now_and_stop(declining, actor):
    sub, _key = declining
    subscriptions.subscriptions_bill_due()
    run = Dunning.objects.get()
    gateway = BuiltinGateway()
    assert recovery.dunning_retry_now(dunning=run, gateway=gateway, actor=actor) == "failed"
    run.refresh_from_db()
    assert run.attempts == 2
    dunning.dunning_stop(dunning=run, actor=actor)
    run.refresh_from_db()
    assert run.status == "stopped" and run.next_retry_at is None
    with pytest.raises(errors.DunningNotOpen):
        dunning.dunning_stop(dunning=run, actor=actor)
    assert (
        recovery.dunning_retry_now(dunning=run, gateway=BuiltinGateway(), actor=actor) == "skipped"
    )


def test_a_renewal_with_no_method_at_all_is_a_hard_decline(due):
    Payment.objects.filter(subscription=due).update(payment_method="")
    subscriptions.subscriptions_bill_due()
    run = Dunning.objects.get()
    assert run.last_error_code == "payment_method_missing" and run.next_retry_at is None


# --- A charge left pending (the process died after the gateway call) ---------------


class Crashes:
    """Charges through the built-in gateway, then dies before the outcome is recorded."""

    def charge(self, **kwargs):
        BuiltinGateway().charge(**kwargs)
        raise ConnectionError("the process died here")


def test_a_charge_cut_off_after_the_gateway_is_finished_by_the_reconciler(due, caplog):
    now = timezone.now()
    assert subscriptions.subscriptions_bill_due(now=now, gateway=Crashes()).pending == 1
    attempt = GatewayAttempt.objects.get()
    assert attempt.status == "pending"
    # The operator's log names the attempt the reconciler will finish.
    (logged,) = [r for r in caplog.records if r.name == "customers.billing.charges"]
    assert logged.getMessage() == (
        f"gateway charge {attempt.pk} broke off; left for the reconciler"
    )
    assert Payment.objects.get(charge_type="renewal").status == "processing"
    # While it is pending, nothing charges the subscription again.
    assert subscriptions.subscriptions_bill_due(now=now).renewed == 0
    assert recovery.gateway_attempts_reconcile(now=now, gateway=BuiltinGateway()) == 0  # too new
    call_command(
        "reconcile_gateway_attempts", "--now", (now + 10 * dt.timedelta(minutes=1)).isoformat()
    )
    attempt.refresh_from_db()
    due.refresh_from_db()
    assert attempt.status == "succeeded"
    assert Payment.objects.get(charge_type="renewal").status == "succeeded"
    assert GatewayRecord.objects.filter(kind="charge").count() == 1  # charged once
    assert due.next_billing_date > now


def test_a_charge_that_never_reached_the_gateway_is_sent_once_under_its_key(due):
    class Unreachable:
        def charge(self, **kwargs):
            raise TimeoutError

    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now, gateway=Unreachable())
    assert not GatewayRecord.objects.exists()
    recovery.gateway_attempts_reconcile(now=now + dt.timedelta(minutes=6), gateway=BuiltinGateway())
    assert GatewayRecord.objects.count() == 1
    assert Payment.objects.get(charge_type="renewal").status == "succeeded"


def test_a_refund_cut_off_after_the_gateway_is_finished_by_the_reconciler(customer, actor, caplog):
    payment = PaymentFactory(customer=customer, total_amount=2500)

    class Crashes:
        def refund(self, *, refund, idempotency_key):
            BuiltinGateway().refund(refund=refund, idempotency_key=idempotency_key)
            raise ConnectionError

    refund = refunds.refund_create(payment=payment, amount=1000, actor=actor, gateway=Crashes())
    assert refund.status == "pending"
    (logged,) = [r for r in caplog.records if r.name == "customers.billing.refunds"]
    assert logged.getMessage() == f"gateway refund {refund.pk} broke off; left for the reconciler"
    assert refunds.refundable_amount(payment) == 1500  # reserved meanwhile
    later = timezone.now() + dt.timedelta(minutes=6)
    assert recovery.gateway_attempts_reconcile(now=later, gateway=BuiltinGateway()) == 1
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert Event.objects.filter(type="refund.succeeded", object_id=refund.pk).count() == 1
    assert GatewayRecord.objects.filter(kind="refund").count() == 1


def test_an_outcome_recorded_twice_counts_once(due):
    class Records:
        def charge(self, *, payment, amount, method, idempotency_key):
            return ChargeResult(True, method)

    subscriptions.subscriptions_bill_due(gateway=Records())
    attempt = GatewayAttempt.objects.get()
    # A late answer for an attempt already finished changes nothing.
    again = charges.charge_attempt_finish(
        attempt=attempt,
        result=ChargeResult(False, PaymentMethod(), "card_declined"),
        now=timezone.now(),
        actor=Actor.system("test"),
    )
    assert again == "renewed"
    assert Event.objects.filter(type="subscription.renewed").count() == 1


def test_a_late_answer_for_a_failed_attempt_leaves_it_failed(declining):
    subscriptions.subscriptions_bill_due()
    attempt = GatewayAttempt.objects.get()
    again = charges.charge_attempt_finish(
        attempt=attempt,
        result=ChargeResult(True, PaymentMethod("card")),
        now=timezone.now(),
        actor=Actor.system("test"),
    )
    assert again == "failed"
    assert Payment.objects.get(charge_type="renewal").status == "failed"
    assert not Event.objects.filter(type="subscription.renewed").exists()


def test_a_gateway_pending_refund_stays_open_for_the_reconciler(customer, actor):
    payment = PaymentFactory(customer=customer, total_amount=2500)

    class Slow:
        def refund(self, *, refund, idempotency_key):
            return RefundResult(status="pending")

    refund = refunds.refund_create(payment=payment, amount=500, actor=actor, gateway=Slow())
    assert refund.status == "pending"
    assert GatewayAttempt.objects.get(refund=refund).status == "pending"
    assert Refund.objects.get().status == "pending"


def test_a_subscription_cancelled_during_dunning_is_not_charged_again(declining, actor):
    sub, _key = declining
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    subscriptions.subscription_cancel(subscription=sub, actor=actor, at_next_billing_date=False)
    # The retry that was due finds nothing owed: the dunning run stops there.
    outcome = charges.subscription_charge_dues(
        subscription=sub,
        now=now + 12 * H,
        gateway=BuiltinGateway(),
        actor=actor,
        purpose=charges.RETRY,
    )
    assert outcome == "skipped"
    assert Payment.objects.filter(charge_type="renewal").count() == 1
    run = Dunning.objects.get()
    assert (run.status, run.next_retry_at, run.ended_at) == ("stopped", None, now + 12 * H)
    retry(now + 36 * H)
    assert Payment.objects.filter(charge_type="renewal").count() == 1


def test_a_retry_before_its_time_charges_nothing(declining, actor):
    sub, _key = declining
    now = timezone.now()
    subscriptions.subscriptions_bill_due(now=now)
    early = charges.subscription_charge_dues(
        subscription=sub, now=now + H, gateway=BuiltinGateway(), actor=actor, purpose=charges.RETRY
    )
    assert early == "skipped"
    assert Payment.objects.filter(charge_type="renewal").count() == 1
    assert Dunning.objects.get().next_retry_at == now + 12 * H
