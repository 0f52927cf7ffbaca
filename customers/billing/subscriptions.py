"""Subscription operations: cancel now or at the period's end, revoke a scheduled
cancellation, and the renewal run (`subscriptions_bill_due`, the `bill_due_subscriptions`
command).

Renewals apply the customer's wallet in the subscription's currency first and
charge only the rest through the gateway. A failed charge puts the subscription
on hold, disables its license keys and gives back any wallet debit with a
`payment_reversal` credit. Each renewal locks its subscription and re-checks
that it is still due, and a period can be paid only once (a unique constraint),
so running the command twice, or twice at once, bills nothing twice.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing import invoices
from customers.billing.gateway import PaymentGateway, PaymentMethod, get_gateway
from customers.core.errors import NoScheduledCancellation, SubscriptionInactive
from customers.core.ids import new_id
from customers.licenses.services import license_keys_disable
from customers.models import Event, LicenseKey, Payment, Subscription, add_interval
from wallets.credits.services import credits_grant_for_payment
from wallets.errors import InsufficientWalletFunds
from wallets.selectors import balance
from wallets.services import ledger_post

logger = logging.getLogger(__name__)

_CANCELLED_BY = {
    Event.ActorKind.USER: Subscription.CancelledBy.MERCHANT_USER,
    Event.ActorKind.API_KEY: Subscription.CancelledBy.API_KEY,
    Event.ActorKind.CUSTOMER: Subscription.CancelledBy.CUSTOMER,
    Event.ActorKind.SYSTEM: Subscription.CancelledBy.DODO_TEAM,
}


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("business", "customer", "product")
        .get(pk=subscription.pk)
    )


def _end(sub: Subscription, *, at: dt.datetime, actor: Actor) -> None:
    """Make a cancellation take effect: status, time, and the keys go off."""
    sub.status = Subscription.Status.CANCELLED
    sub.cancelled_at = at
    sub.cancel_at_next_billing_date = False
    sub.save()
    license_keys_disable(
        keys=LicenseKey.objects.filter(subscription=sub),
        reason=LicenseKey.DisabledReason.SUBSCRIPTION_CANCELLED,
        actor=actor,
    )


def subscription_cancel(
    *,
    subscription: Subscription,
    actor: Actor,
    at_next_billing_date: bool,
    cancel_reason: str = "",
    feedback: str = "",
    comment: str = "",
) -> Subscription:
    """Cancel now, or schedule the cancellation for the end of the paid period."""
    with transaction.atomic():
        sub = _locked(subscription)
        if not sub.can_cancel:
            raise SubscriptionInactive()
        if at_next_billing_date and sub.status != Subscription.Status.ACTIVE:
            raise SubscriptionInactive()
        if not cancel_reason:
            cancel_reason = (
                Subscription.CancelReason.BY_CUSTOMER
                if actor.kind == Event.ActorKind.CUSTOMER
                else Subscription.CancelReason.BY_MERCHANT
            )
        sub.cancel_reason = cancel_reason
        sub.cancellation_feedback = feedback
        sub.cancellation_comment = comment.strip()
        sub.cancelled_by_type = _CANCELLED_BY.get(actor.kind, "")
        sub.cancelled_by_label = actor.label
        if at_next_billing_date:
            sub.cancel_at_next_billing_date = True
            sub.save()
            event_type = "subscription.cancellation_scheduled"
        else:
            _end(sub, at=timezone.now(), actor=actor)
            event_type = "subscription.cancelled"
        event_record(
            sub,
            type=event_type,
            actor=actor,
            payload={
                "customer_id": sub.customer_id,
                "effective_at": (
                    sub.next_billing_date if at_next_billing_date else sub.cancelled_at
                ).isoformat(),
                "cancel_reason": cancel_reason,
                "cancellation_feedback": feedback,
                "cancellation_comment": sub.cancellation_comment,
            },
        )
    return sub


def subscription_cancellation_revoke(*, subscription: Subscription, actor: Actor) -> Subscription:
    """Keep a subscription that was set to cancel at the end of its period."""
    with transaction.atomic():
        sub = _locked(subscription)
        if sub.status != Subscription.Status.ACTIVE:
            raise SubscriptionInactive()
        if not sub.cancel_at_next_billing_date:
            raise NoScheduledCancellation()
        sub.cancel_at_next_billing_date = False
        sub.cancel_reason = sub.cancellation_feedback = sub.cancellation_comment = ""
        sub.cancelled_by_type = sub.cancelled_by_label = ""
        sub.save()
        event_record(
            sub,
            type="subscription.cancellation_revoked",
            actor=actor,
            payload={"customer_id": sub.customer_id},
        )
    return sub


@dataclass
class BillingRun:
    """What one renewal run did (counts of subscriptions)."""

    renewed: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0


def _method_on_file(sub: Subscription) -> PaymentMethod | None:
    """The card or UPI of the subscription's latest successful charge."""
    last = (
        sub.payments.filter(status=Payment.Status.SUCCEEDED)
        .exclude(payment_method__in=["", "wallet"])
        .order_by("-created_at")
        .first()
    )
    if last is None:
        return None
    return PaymentMethod(
        payment_method=last.payment_method,
        payment_method_type=last.payment_method_type,
        card_network=last.card_network,
        card_last_four=last.card_last_four,
    )


def _wallet_post(payment: Payment, amount: int, event_type: str, reason, actor, key) -> None:
    """Pay part of a renewal from the customer's wallet (a `payment` debit), or give it
    back when the charge failed (a `payment_reversal` credit)."""
    ledger_post(
        business=payment.business,
        customer=payment.customer,
        currency=payment.currency,
        amount=amount,
        direction="debit" if event_type == "payment" else "credit",
        event_type=event_type,
        reason=reason,
        reference_id=payment.pk,
        actor=actor,
        idempotency_key=key,
    )


def subscription_renew(
    *, subscription: Subscription, now: dt.datetime, gateway: PaymentGateway, actor: Actor
) -> str:
    """Bill one due subscription for its next period; returns what happened:
    "renewed", "failed", "cancelled" or "skipped" (no longer due)."""
    with transaction.atomic():
        sub = _locked(subscription)
        if sub.status != Subscription.Status.ACTIVE or sub.next_billing_date > now:
            return "skipped"
        if sub.cancel_at_next_billing_date:
            _end(sub, at=sub.next_billing_date, actor=actor)
            event_record(
                sub,
                type="subscription.cancelled",
                actor=actor,
                payload={"customer_id": sub.customer_id, "scheduled": True},
            )
            return "cancelled"

        period_start = sub.next_billing_date
        total = sub.renewal_amount  # less a retention discount, while it lasts
        payment = Payment(
            id=new_id("pay"),
            business=sub.business,
            customer=sub.customer,
            status=Payment.Status.PROCESSING,
            total_amount=total,
            currency=sub.currency,
            product=sub.product,
            quantity=sub.quantity,
            pricing_type=Payment.PricingType.SUBSCRIPTION,
            subscription=sub,
            charge_type=Payment.ChargeType.RENEWAL,
            service_period_start=period_start,
            created_at=now,
        )
        payment.save(force_insert=True)
        key = f"renewal:{sub.pk}:{period_start.isoformat()}"

        # The wallet first: as much of the total as its balance covers.
        from_wallet = min(balance(sub.customer, sub.currency), total)
        if from_wallet > 0:
            try:
                with transaction.atomic():
                    _wallet_post(
                        payment, from_wallet, "payment", f"Renewal of {sub.pk}", actor, key
                    )
            except InsufficientWalletFunds:
                from_wallet = 0  # spent elsewhere since we looked: charge it all
        rest = total - from_wallet

        if rest == 0:
            succeeded, method = True, PaymentMethod(payment_method="wallet")
            error_code = error_message = ""
        else:
            result = gateway.charge(
                payment=payment, amount=rest, method=_method_on_file(sub), idempotency_key=key
            )
            succeeded, method = result.succeeded, result.method
            error_code, error_message = result.error_code, result.error_message
        payment.payment_method = method.payment_method
        payment.payment_method_type = method.payment_method_type
        payment.card_network = method.card_network
        payment.card_last_four = method.card_last_four
        payment.metadata = {"wallet_amount": from_wallet} if from_wallet else {}

        if succeeded:
            payment.status = Payment.Status.SUCCEEDED
            payment.save()
            invoices.invoice_number_assign(payment=payment)
            sub.discount_cycles_remaining = max(sub.discount_cycles_remaining - 1, 0)
            sub.previous_billing_date = period_start
            sub.next_billing_date = add_interval(
                period_start, sub.payment_frequency_interval, sub.payment_frequency_count
            )
            sub.save()
            credits_grant_for_payment(payment=payment, actor=actor, now=now)
            event_record(
                payment,
                type="payment.succeeded",
                actor=actor,
                payload={"subscription_id": sub.pk, "amount": total, "currency": sub.currency},
            )
            event_record(
                sub,
                type="subscription.renewed",
                actor=actor,
                payload={
                    "payment_id": payment.pk,
                    "amount": total,
                    "wallet_amount": from_wallet,
                    "currency": sub.currency,
                    "next_billing_date": sub.next_billing_date.isoformat(),
                },
            )
            return "renewed"

        payment.status = Payment.Status.FAILED
        payment.error_code, payment.error_message = error_code, error_message[:255]
        payment.save()
        if from_wallet:
            reason = f"Renewal of {sub.pk} failed: {error_code}"
            _wallet_post(payment, from_wallet, "payment_reversal", reason, actor, f"{key}:reversal")
        event_record(
            payment,
            type="payment.failed",
            actor=actor,
            payload={"subscription_id": sub.pk, "amount": total, "error_code": error_code},
        )
        sub.status = Subscription.Status.ON_HOLD
        sub.save()
        license_keys_disable(
            keys=LicenseKey.objects.filter(subscription=sub),
            reason=LicenseKey.DisabledReason.SUBSCRIPTION_ON_HOLD,
            actor=actor,
        )
        event_record(
            sub,
            type="subscription.on_hold",
            actor=actor,
            payload={
                "payment_id": payment.pk,
                "amount": total,
                "currency": sub.currency,
                "error_code": error_code,
            },
        )
        return "failed"


def subscriptions_bill_due(
    *,
    now: dt.datetime | None = None,
    gateway: PaymentGateway | None = None,
    actor: Actor | None = None,
    batch_size: int = 500,
) -> BillingRun:
    """Renew every active subscription whose next billing date has passed.

    One period per subscription per run: one that is several periods behind is
    billed once and stays due, so the next run catches up one period at a time.
    """
    now = now or timezone.now()
    gateway = gateway or get_gateway()
    actor = actor or Actor.system("bill_due_subscriptions")
    run = BillingRun()
    last_pk = ""
    while True:
        due = list(
            Subscription.objects.due(now)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not due:
            break
        last_pk = due[-1]
        for pk in due:
            outcome = subscription_renew(
                subscription=Subscription(pk=pk), now=now, gateway=gateway, actor=actor
            )
            setattr(run, outcome, getattr(run, outcome) + 1)
    return run
