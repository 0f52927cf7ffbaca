"""Overage at a renewal, per the entitlement's behaviour: forgiven, invoiced as its own
part of the renewal charge, or carried into the next period's grant. A failed renewal
changes nothing; recording a renewal again writes nothing new. On PostgreSQL the same
tests run under the ledger's append-only triggers."""

import datetime as dt
import io
import json

import pytest
from django.db import connection
from dodopayments.types import CreditOverageChargedWebhookEvent, CreditOverageResetWebhookEvent
from pypdf import PdfReader

from customers.audit import Actor
from customers.billing import charges, invoices, subscriptions
from customers.billing.gateway import ChargeResult, PaymentMethod
from customers.models import Event, GatewayAttempt, Payment, WebhookMessage
from customers.webhooks.services import webhook_endpoint_create
from tests.customers.conftest import due  # noqa: F401 (the due-subscription fixture)
from tests.wallets.credits.helpers import ACTOR, debit, entitlement, grant
from tests.wallets.helpers import credit
from wallets.credits.entitlements import product_credits_set
from wallets.credits.models import CreditBalance, CreditLedgerEntry
from wallets.credits.overage import credits_overage_settle
from wallets.verify import verify_ledgers

pytestmark = pytest.mark.django_db
PERIOD_CREDITS = 100  # whole credits the product grants each period


class Declines:
    def charge(self, *, payment, amount, method, idempotency_key):
        return ChargeResult(False, PaymentMethod(), "card_declined", "The card was declined.")


class Records:
    def charge(self, *, payment, amount, method, idempotency_key):
        self.amount = amount
        return ChargeResult(True, method)


@pytest.fixture
def endpoint(business):
    return webhook_endpoint_create(
        business=business, actor=Actor.system("tests"), url="https://hooks.example.com/"
    )


def in_overage(sub, behavior, *, used=140, **fields):
    """An entitlement of `behavior` the subscription's product grants 100 credits of
    each period; the customer had 100 and used `used` (so 40 in overage)."""
    fields.setdefault("price_per_unit", "0.05")
    fields.setdefault("currency", "USD")
    ent = entitlement(sub.business, overage_enabled=True, overage_behavior=behavior, **fields)
    product_credits_set(
        product=sub.product, entitlement=ent, amount=PERIOD_CREDITS * 1000, actor=ACTOR
    )
    grant(ent, sub.customer, PERIOD_CREDITS)
    debit(ent, sub.customer, used)
    return ent


def balance(ent):
    row = CreditBalance.objects.get(entitlement=ent)
    return row.balance // 1000, row.overage // 1000


def entries(ent, kind):
    return list(CreditLedgerEntry.objects.filter(entitlement=ent, transaction_type=kind))


def pdf_text(payment) -> str:
    reader = PdfReader(io.BytesIO(invoices.invoice_pdf(payment=payment)))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def test_forgive_at_reset_forgives_the_overage_and_the_grant_lands_whole(due, endpoint):  # noqa: F811
    ent = in_overage(due, "forgive_at_reset")
    gateway = Records()
    assert subscriptions.subscriptions_bill_due(gateway=gateway).renewed == 1
    assert gateway.amount == 1000  # the plan only: nothing is charged for the overage
    assert balance(ent) == (PERIOD_CREDITS, 0)
    (reset,) = entries(ent, "overage_reset")
    assert (reset.is_credit, reset.amount, reset.overage_before, reset.overage_after) == (
        True,
        40_000,
        40_000,
        0,
    )
    assert reset.reference_id == Payment.objects.get(charge_type="renewal").pk
    assert Event.objects.filter(type="credit.overage_reset", object_id=reset.pk).exists()
    (message,) = WebhookMessage.objects.filter(type="credit.overage_reset")
    hook = CreditOverageResetWebhookEvent.model_validate(json.loads(message.body))
    assert (hook.data.transaction_type, hook.data.overage_after) == ("overage_reset", "0")
    assert verify_ledgers().ok


@pytest.mark.parametrize("paid_by", ["card", "wallet"])
def test_a_renewal_run_at_a_given_time_dates_its_credit_entries_then(due, paid_by):  # noqa: F811
    """`bill_due_subscriptions --now` (time travel, replays): the overage reset and the
    period's grant are dated by the run, not by the wall clock."""
    ent = in_overage(due, "forgive_at_reset")
    if paid_by == "wallet":
        credit(due.customer, 1000, "USD")
    now = due.next_billing_date + dt.timedelta(days=2)
    assert subscriptions.subscriptions_bill_due(now=now, gateway=Records()).renewed == 1
    renewal = Payment.objects.get(charge_type="renewal")
    assert renewal.payment_method == paid_by
    (reset,) = entries(ent, "overage_reset")
    granted = CreditLedgerEntry.objects.get(
        entitlement=ent, transaction_type="credit_added", reference_id=renewal.pk
    )
    assert (reset.created_at, granted.created_at) == (now, now)


def test_invoice_at_billing_charges_the_overage_as_its_own_part(due, endpoint):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    gateway = Records()
    assert subscriptions.subscriptions_bill_due(gateway=gateway).renewed == 1
    assert gateway.amount == 1000 + 200  # the plan, and 40 credits × $0.05
    payment = Payment.objects.get(charge_type="renewal")
    assert payment.total_amount == 1200
    assert payment.metadata == {
        "overage_amount": 200,
        f"overage:{ent.pk}:credits": "40",
        f"overage:{ent.pk}:price": "0.05",
        f"overage:{ent.pk}:amount": 200,
    }
    (charged,) = entries(ent, "overage_charged")
    assert (charged.amount, charged.overage_after, charged.balance_after) == (40_000, 0, 0)
    assert charged.metadata["amount"] == 200 and charged.reference_id == payment.pk
    # The period's grant, after the charge, lands whole.
    assert balance(ent) == (PERIOD_CREDITS, 0)
    (message,) = WebhookMessage.objects.filter(type="credit.overage_charged")
    hook = CreditOverageChargedWebhookEvent.model_validate(json.loads(message.body))
    assert hook.data.id == charged.pk and hook.data.amount == "40"
    renewed = Event.objects.get(type="subscription.renewed")
    assert renewed.payload["overage_amount"] == 200
    text = pdf_text(payment)
    assert "Overage: API calls" in text and "$0.05" in text and "$2.00" in text
    assert "$10.00" in text and "$12.00" in text  # the plan's line and the total
    assert verify_ledgers().ok


def test_invoice_at_billing_uses_the_wallet_first_for_the_whole_charge(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    credit(due.customer, 1200)  # the wallet covers plan and overage
    assert subscriptions.subscriptions_bill_due(gateway=Declines()).renewed == 1
    payment = Payment.objects.get(charge_type="renewal")
    assert payment.metadata["wallet_amount"] == 1200 and payment.total_amount == 1200
    assert balance(ent) == (PERIOD_CREDITS, 0) and len(entries(ent, "overage_charged")) == 1
    assert verify_ledgers().ok


@pytest.mark.parametrize("behavior", ["carry_deficit", "carry_deficit_auto_repay"])
def test_carry_deficit_is_repaid_by_the_periods_grant_without_a_charge(due, behavior):  # noqa: F811
    ent = in_overage(due, behavior)
    gateway = Records()
    assert subscriptions.subscriptions_bill_due(gateway=gateway).renewed == 1
    assert gateway.amount == 1000
    assert balance(ent) == (PERIOD_CREDITS - 40, 0)
    (added,) = entries(ent, "credit_added")[1:]  # the period's grant (after the first)
    assert (added.overage_before, added.overage_after, added.balance_after) == (40_000, 0, 60_000)
    assert added.grant.remaining_amount == 60_000  # 40 repaid from the new grant
    assert not entries(ent, "overage_reset") and not entries(ent, "overage_charged")
    assert verify_ledgers().ok


def test_overage_priced_in_another_currency_is_carried_not_invoiced(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing", currency="INR", price_per_unit="4")
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    payment = Payment.objects.get(charge_type="renewal")
    assert gateway.amount == 1000 and payment.total_amount == 1000
    assert payment.metadata == {f"overage_not_invoiced:{ent.pk}": "currency"}
    assert balance(ent) == (PERIOD_CREDITS - 40, 0)  # carried: the grant repaid it
    assert "Overage" not in pdf_text(payment)
    assert verify_ledgers().ok


@pytest.mark.parametrize("behavior", ["forgive_at_reset", "invoice_at_billing"])
def test_a_failed_renewal_changes_nothing(due, behavior):  # noqa: F811
    ent = in_overage(due, behavior)
    before = CreditLedgerEntry.objects.count()
    assert subscriptions.subscriptions_bill_due(gateway=Declines()).failed == 1
    assert balance(ent) == (0, 40)
    assert CreditLedgerEntry.objects.count() == before
    assert not Event.objects.filter(type__in=["credit.overage_charged", "credit.overage_reset"])
    failed = Payment.objects.get(charge_type="renewal")
    assert failed.status == "failed"
    assert failed.metadata.get("overage_amount") == (
        200 if behavior == "invoice_at_billing" else None
    )
    assert verify_ledgers().ok


def test_the_dunning_retry_that_succeeds_settles_the_overage(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    subscriptions.subscriptions_bill_due(gateway=Declines())
    debit(ent, due.customer, 10)  # still used while on hold: 50 in overage now
    gateway = Records()
    sub = type(due).objects.get(pk=due.pk)
    assert (
        charges.subscription_charge_dues(
            subscription=sub,
            now=sub.next_billing_date,
            gateway=gateway,
            actor=ACTOR,
            purpose=charges.METHOD_UPDATE,
        )
        == "renewed"
    )
    assert gateway.amount == 1000 + 250  # the overage as it is at the charge
    assert balance(ent) == (PERIOD_CREDITS, 0)
    assert verify_ledgers().ok


def test_recording_the_renewal_again_writes_nothing_new(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    gateway = Records()
    subscriptions.subscriptions_bill_due(gateway=gateway)
    entries_before, events_before = CreditLedgerEntry.objects.count(), Event.objects.count()
    assert subscriptions.subscriptions_bill_due(gateway=gateway).renewed == 0  # not due
    payment = Payment.objects.get(charge_type="renewal")
    debit(ent, due.customer, 120)  # new overage (20) after the renewal
    entries_before += 1
    events_before = Event.objects.count()
    assert credits_overage_settle(payment=payment, actor=ACTOR) == []  # a replay
    assert CreditLedgerEntry.objects.count() == entries_before
    assert Event.objects.count() == events_before
    assert balance(ent) == (0, 20)  # the new overage waits for the next period
    assert verify_ledgers().ok


def test_a_finished_charge_recorded_twice_is_recorded_once(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    credit(due.customer, 1)  # a wallet part, so the attempt is a real gateway charge
    sub = type(due).objects.get(pk=due.pk)
    with charges.transaction.atomic():
        locked = charges.locked_subscription(sub)
        outcome, payment, attempt = charges._begin(
            locked, now=sub.next_billing_date, actor=ACTOR, purpose=charges.RENEWAL
        )
    assert outcome == "charging" and attempt.amount == 1200 - 1
    ok = ChargeResult(True, PaymentMethod("card", "visa", "visa", "4242"))
    for _ in range(2):
        charges.charge_attempt_finish(
            attempt=attempt, result=ok, now=sub.next_billing_date, actor=ACTOR
        )
    assert GatewayAttempt.objects.get().status == "succeeded"
    assert len(entries(ent, "overage_charged")) == 1 and balance(ent) == (PERIOD_CREDITS, 0)
    assert verify_ledgers().ok


def test_a_grant_while_the_charge_is_out_leaves_only_the_rest_to_clear(due):  # noqa: F811
    ent = in_overage(due, "invoice_at_billing")
    credit(due.customer, 1)
    sub = type(due).objects.get(pk=due.pk)
    with charges.transaction.atomic():
        locked = charges.locked_subscription(sub)
        _outcome, _payment, attempt = charges._begin(
            locked, now=sub.next_billing_date, actor=ACTOR, purpose=charges.RENEWAL
        )
    grant(ent, due.customer, 30)  # a pack bought meanwhile repays 30 of the 40
    ok = ChargeResult(True, PaymentMethod("card", "visa", "visa", "4242"))
    charges.charge_attempt_finish(
        attempt=attempt, result=ok, now=sub.next_billing_date, actor=ACTOR
    )
    (charged,) = entries(ent, "overage_charged")
    assert charged.amount == 10_000  # what was still owed, never below zero
    assert balance(ent) == (PERIOD_CREDITS, 0)
    assert verify_ledgers().ok


def test_verify_catches_an_overage_entry_of_the_wrong_shape(due):  # noqa: F811
    if connection.vendor == "postgresql":
        pytest.skip("the append-only trigger refuses the tampering itself")
    ent = in_overage(due, "forgive_at_reset")
    subscriptions.subscriptions_bill_due(gateway=Records())
    (reset,) = entries(ent, "overage_reset")
    CreditLedgerEntry.objects.filter(pk=reset.pk).update(transaction_type="credit_added")
    failed = {c.name for c in verify_ledgers().checks if c.violations}
    assert failed == {"credit_entry_matches_allocations", "credit_overage_settlement_shape"}
    CreditLedgerEntry.objects.filter(pk=reset.pk).update(transaction_type="overage_reset")
    first = CreditLedgerEntry.objects.filter(entitlement=ent).order_by("sequence").first()
    CreditLedgerEntry.objects.filter(pk=first.pk).update(transaction_type="overage_reset")
    failed = {c.name for c in verify_ledgers().checks if c.violations}
    assert "credit_overage_settlement_shape" in failed
