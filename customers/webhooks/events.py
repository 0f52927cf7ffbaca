"""Which audit Events become webhooks, under which type, and what their `data` is.

A webhook's `data` is the object the API returns for it, built by the API's own
functions and schemas (so a refund payload's `data` is `GET /refunds/{id}`), and
rendered with the API's JSON encoder, so dates and numbers read the same. The wallet
types (our extension) carry `{"entry": <ledger entry>, "wallet": <wallet after it>}`.
"""

import json
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Prefetch
from ninja.responses import NinjaJSONEncoder

from customers.api.common import Out
from customers.api.customers import CustomerOut, customer_out
from customers.api.license_keys import LicenseKeyOut, license_key_out
from customers.api.payments import PaymentOut, _payment_out
from customers.api.refunds import RefundOut, refund_out
from customers.api.subscriptions import SubscriptionOut, subscription_out
from customers.models import (
    Customer,
    Dunning,
    Event,
    LicenseKey,
    Payment,
    Refund,
    Subscription,
)
from wallets.credits.models import CreditBalance, CreditEntitlement
from wallets.credits.schemas import CreditBalanceLowOut, CreditLedgerEntryOut
from wallets.credits.schemas import entry_out as credit_entry_out
from wallets.models import LedgerEntry, Wallet
from wallets.schemas import LedgerEntryOut, WalletOut, entry_out, wallet_out

# Our Event types → the webhook type they are sent as.
WEBHOOK_TYPE_OF = {
    "customer.created": "customer.created",
    "customer.updated": "customer.updated",
    "payment.succeeded": "payment.succeeded",
    "payment.failed": "payment.failed",
    "refund.succeeded": "refund.succeeded",
    "refund.failed": "refund.failed",
    "subscription.active": "subscription.active",
    "subscription.renewed": "subscription.renewed",
    "subscription.on_hold": "subscription.on_hold",
    "subscription.cancelled": "subscription.cancelled",
    "subscription.expired": "subscription.expired",
    "subscription.updated": "subscription.updated",
    "subscription.cancellation_scheduled": "subscription.updated",
    "subscription.cancellation_revoked": "subscription.updated",
    "subscription.paused": "subscription.paused",
    "subscription.resumed": "subscription.unpaused",
    "subscription.plan_changed": "subscription.plan_changed",
    "license_key.created": "license_key.created",
    "dunning.started": "dunning.started",
    "dunning.recovered": "dunning.recovered",
    "wallet.credited": "customer.wallet.credited",
    "wallet.debited": "customer.wallet.debited",
    "credit.added": "credit.added",
    "credit.deducted": "credit.deducted",
    "credit.expired": "credit.expired",
    "credit.rolled_over": "credit.rolled_over",
    "credit.rollover_forfeited": "credit.rollover_forfeited",
    "credit.overage_charged": "credit.overage_charged",
    "credit.overage_reset": "credit.overage_reset",
    "credit.manual_adjustment": "credit.manual_adjustment",
    "credit.balance_low": "credit.balance_low",
}

# Every type an endpoint can receive, with what its `data` is (the OpenAPI text and
# the dashboard's filter use it).
WEBHOOK_TYPES = {
    "payment.succeeded": "Payment (GET /payments/{id}): a renewal charge succeeded.",
    "payment.failed": "Payment (GET /payments/{id}): a renewal charge failed.",
    "refund.succeeded": "Refund (GET /refunds/{id}).",
    "refund.failed": "Refund (GET /refunds/{id}).",
    "subscription.active": "Subscription (GET /subscriptions/{id}).",
    "subscription.renewed": "Subscription, after its new period was billed.",
    "subscription.on_hold": "Subscription, after a renewal charge failed.",
    "subscription.cancelled": "Subscription, cancelled now or at the period's end.",
    "subscription.expired": "Subscription.",
    "subscription.updated": "Subscription: a cancellation was scheduled or revoked, or "
    "PATCH changed its billing date, metadata, address, tax ID or name.",
    "subscription.paused": "Subscription, after it was paused (no renewals until resumed).",
    "subscription.unpaused": "Subscription, after it was resumed (its new next_billing_date).",
    "subscription.plan_changed": "Subscription, after it moved to another product.",
    "license_key.created": "LicenseKey (GET /license_keys/{id}).",
    "dunning.started": "Dunning attempt {brand_id, created_at, customer_id, status, "
    "subscription_id, trigger_state, payment_id}: a renewal failed and recovery began.",
    "dunning.recovered": "Dunning attempt (as dunning.started): the dues were paid.",
    "customer.created": "Customer (GET /customers/{id}). Extension.",
    "customer.updated": "Customer (GET /customers/{id}). Extension.",
    "customer.wallet.credited": '{"entry": CustomerWalletTransaction, "wallet": CustomerWallet '
    "after it}. Extension.",
    "customer.wallet.debited": '{"entry": CustomerWalletTransaction, "wallet": CustomerWallet '
    "after it}. Extension.",
    "credit.added": "CreditLedgerEntry: credits granted (API, purchase, renewal, top-up).",
    "credit.deducted": "CreditLedgerEntry: credits spent (FIFO by expiry).",
    "credit.expired": "CreditLedgerEntry: a grant's remaining credits expired.",
    "credit.rolled_over": "CreditLedgerEntry: the rolled share, credited as a rollover grant.",
    "credit.rollover_forfeited": "CreditLedgerEntry: the share a rollover did not keep.",
    "credit.overage_charged": "CreditLedgerEntry (overage_charged): a renewal charged the "
    "overage (invoice_at_billing) and cleared it.",
    "credit.overage_reset": "CreditLedgerEntry (overage_reset): a renewal forgave the "
    "overage (forgive_at_reset).",
    "credit.manual_adjustment": "CreditLedgerEntry: a team member granted or deducted by hand.",
    "credit.balance_low": "CreditBalanceLow: a debit crossed a low-balance threshold "
    "(subscription_id empty and threshold_percent 0: thresholds are absolute here).",
}
TEST_TYPE = "webhook.test"  # the dashboard's "Send test event"; never filtered out


def to_json(schema: type[Out], value: dict) -> dict:
    """`value` exactly as the API would answer it with `schema`."""
    dumped = schema.model_validate(value).model_dump()
    return json.loads(json.dumps(dumped, cls=NinjaJSONEncoder))


def _customer(subject: Customer) -> dict:
    return to_json(CustomerOut, customer_out(subject))


def _refund(subject: Refund) -> dict:
    refund = Refund.objects.select_related("customer").get(pk=subject.pk)
    return to_json(RefundOut, refund_out(refund))


def _payment(subject: Payment) -> dict:
    payment = (
        Payment.objects.select_related("customer", "subscription")
        .with_refund_totals()
        .annotate(has_license_key=Exists(LicenseKey.objects.filter(payment=OuterRef("pk"))))
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.newest_first()))
        .get(pk=subject.pk)
    )
    return to_json(PaymentOut, _payment_out(payment))


def _subscription(subject: Subscription) -> dict:
    method_on_file = Payment.objects.filter(
        subscription=OuterRef("pk"), status=Payment.Status.SUCCEEDED
    ).exclude(payment_method__in=["", "wallet"])
    sub = (
        Subscription.objects.select_related("customer", "product")
        .annotate(has_payment_method=Exists(method_on_file))
        .get(pk=subject.pk)
    )
    return to_json(SubscriptionOut, subscription_out(sub))


def _license_key(subject: LicenseKey) -> dict:
    key = LicenseKey.objects.with_instances_count().get(pk=subject.pk)
    return to_json(LicenseKeyOut, license_key_out(key))


def _wallet_entry(subject: LedgerEntry) -> dict:
    wallet = Wallet.objects.select_related("customer").get(pk=subject.wallet_id)
    return {
        "entry": to_json(LedgerEntryOut, entry_out(subject)),
        "wallet": to_json(WalletOut, wallet_out(wallet, wallet.customer)),
    }


def _credit(subject) -> dict:
    """A ledger entry as GET …/ledger lists it; for credit.balance_low, the alert the
    debit computed (`CreditBalance.low_balance_alert`)."""
    if isinstance(subject, CreditBalance):
        return to_json(CreditBalanceLowOut, subject.low_balance_alert)
    precision = CreditEntitlement.objects.values_list("precision", flat=True).get(
        pk=subject.entitlement_id
    )
    return to_json(CreditLedgerEntryOut, credit_entry_out(subject, precision))


def _dunning(subject: Dunning) -> dict:
    """Dodo's dunning payload: the episode, the subscription's state that started it."""
    return {
        "brand_id": subject.business_id,
        "created_at": subject.started_at.isoformat().replace("+00:00", "Z"),
        "customer_id": subject.customer_id,
        "status": subject.status,
        "subscription_id": subject.subscription_id,
        "trigger_state": "on_hold",
        "payment_id": subject.recovered_payment_id or subject.payment_id,
    }


_DATA: dict[str, Callable[[object], dict]] = {
    "credit": _credit,
    "customer": _customer,
    "payment": _payment,
    "refund": _refund,
    "subscription": _subscription,
    "license_key": _license_key,
    "dunning": _dunning,
    "customer.wallet": _wallet_entry,
}


def webhook_data(webhook_type: str, subject) -> dict:
    """The payload's `data` for an Event of `webhook_type` about `subject`."""
    family = webhook_type.rsplit(".", 1)[0]
    return _DATA[family](subject)


def webhook_type_of(event: Event) -> str | None:
    return WEBHOOK_TYPE_OF.get(event.type)
