"""Subscription operations: cancel now or at the period's end, revoke a scheduled
cancellation, and the renewal run (`subscriptions_bill_due`, the `bill_due_subscriptions`
command).

Renewals apply the customer's wallet in the subscription's currency first and
charge only the rest through the gateway, with no row lock held across the call
(`charges`). A failed charge gives back any wallet debit with a `payment_reversal`
credit and starts dunning (`dunning`): the subscription goes on hold and its license
keys are disabled until it is paid. Each renewal locks its subscription and
re-checks that it is still due and that no charge is in flight, and a period can be
paid only once (a unique constraint), so running the command twice, or twice at
once, bills nothing twice.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing import charges
from customers.billing.gateway import PaymentGateway, get_gateway
from customers.core.errors import NoScheduledCancellation, SubscriptionInactive
from customers.models import Event, Subscription

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
        sub.cancelled_by_type = _CANCELLED_BY[actor.kind]
        sub.cancelled_by_label = actor.label
        if at_next_billing_date:
            sub.cancel_at_next_billing_date = True
            sub.save()
            event_type = "subscription.cancellation_scheduled"
        else:
            charges.subscription_end(sub, at=timezone.now(), actor=actor)
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
    pending: int = 0  # the gateway call broke off: the reconciler finishes them


def subscription_renew(
    *, subscription: Subscription, now: dt.datetime, gateway: PaymentGateway, actor: Actor
) -> str:
    """Bill one due subscription for its next period; returns what happened:
    "renewed", "failed" (dunning starts), "cancelled", "skipped" (no longer due, or
    a charge in flight) or "pending" (see `charges`)."""
    return charges.subscription_charge_dues(
        subscription=subscription, now=now, gateway=gateway, actor=actor
    )


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
