"""Finishing and driving charges: the reconciler for gateway attempts a crash left
pending, the dunning retry run (beat and `retry_dunning --now`), the merchant's
"Retry now", and a new payment method for a subscription (which pays its dues when
it is in dunning). Each charge goes through `charges.subscription_charge_dues`."""

import datetime as dt
import logging
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing import dunning as dunning_states
from customers.billing import purchases, refunds
from customers.billing.charges import (
    METHOD_UPDATE,
    RECONCILE_AFTER,
    RETRY,
    as_charged,
    charge_attempt_finish,
    locked_subscription,
    method_on_file,
    subscription_charge_dues,
)
from customers.billing.gateway import PaymentGateway
from customers.models import Dunning, GatewayAttempt, Payment, SavedPaymentMethod, Subscription

logger = logging.getLogger(__name__)


def _reconcile_charge(attempt: GatewayAttempt, gateway: PaymentGateway, now, actor) -> str:
    payment = attempt.payment
    sub = payment.subscription
    if sub is None:  # a portal purchase (credit pack, top-up, auto top-up): its saved method
        method = as_charged(attempt.payment_method) if attempt.payment_method else None
    else:
        method = method_on_file(sub, attempt.payment_method)
    result = gateway.charge_status(idempotency_key=attempt.idempotency_key)
    if result is None:  # never arrived: asking again under the key charges at most once
        result = gateway.charge(
            payment=payment,
            amount=attempt.amount,
            method=method,
            idempotency_key=attempt.idempotency_key,
        )
    elif not result.method.payment_method and method is not None:
        result = replace(result, method=method)  # the gateway's answer by key names no method
    if sub is None:
        done = purchases.purchase_finish(attempt=attempt, result=result, now=now, actor=actor)
        return done.outcome
    return charge_attempt_finish(attempt=attempt, result=result, now=now, actor=actor)


def gateway_attempts_reconcile(
    *,
    now: dt.datetime | None = None,
    gateway: PaymentGateway,
    actor: Actor | None = None,
) -> int:
    """Finish every attempt left pending longer than RECONCILE_AFTER (a crash, a
    timeout) by asking the gateway under its key; returns how many were finished."""
    now = now or timezone.now()
    actor = actor or Actor.system("reconcile_gateway_attempts")
    stale = GatewayAttempt.objects.filter(
        status=GatewayAttempt.Status.PENDING, created_at__lte=now - RECONCILE_AFTER
    ).select_related("payment__subscription", "payment_method", "refund")
    finished = 0
    for attempt in stale.order_by("created_at", "pk")[:500]:
        try:
            if attempt.kind == GatewayAttempt.Kind.CHARGE:
                _reconcile_charge(attempt, gateway, now, actor)
            else:
                result = gateway.refund_status(idempotency_key=attempt.idempotency_key)
                if result is None:
                    result = gateway.refund(
                        refund=attempt.refund, idempotency_key=attempt.idempotency_key
                    )
                if result.status == "pending":
                    continue
                refunds.refund_finish(attempt=attempt, result=result, actor=actor)
        except Exception:
            logger.exception("reconciling %s failed; tried again next run", attempt.idempotency_key)
            continue
        finished += 1
    return finished


def dunning_retries_run(
    *, now: dt.datetime | None = None, gateway: PaymentGateway, actor: Actor | None = None
) -> dict:
    """Beat's (and `retry_dunning --now`'s) work: close the episodes whose window has
    ended, then retry the ones whose next retry has come."""
    now = now or timezone.now()
    actor = actor or Actor.system("retry_dunning")
    run = {"recovered": 0, "failed": 0, "cancelled": 0}
    expired = Dunning.objects.open().filter(window_ends_at__lte=now).order_by("window_ends_at")
    for dunning in expired[:500]:
        dunning_states.dunning_expire(dunning=dunning, now=now, actor=actor)
        run["cancelled"] += 1
    due = Dunning.objects.open().filter(next_retry_at__lte=now).order_by("next_retry_at")
    for dunning in list(due.select_related("subscription")[:500]):
        outcome = subscription_charge_dues(
            subscription=dunning.subscription, now=now, gateway=gateway, actor=actor, purpose=RETRY
        )
        if outcome in ("renewed", "failed"):
            run["recovered" if outcome == "renewed" else "failed"] += 1
    return run


def dunning_retry_now(
    *, dunning: Dunning, gateway: PaymentGateway, actor: Actor, now: dt.datetime | None = None
) -> str:
    """The merchant's "Retry now": charge the dues at once, whatever the schedule."""
    return subscription_charge_dues(
        subscription=dunning.subscription,
        now=now or timezone.now(),
        gateway=gateway,
        actor=actor,
        purpose=METHOD_UPDATE,
    )


def subscription_payment_method_set(
    *,
    subscription: Subscription,
    payment_method: SavedPaymentMethod,
    gateway: PaymentGateway,
    actor: Actor,
    now: dt.datetime | None = None,
) -> tuple[str, Payment | None]:
    """Renewals of `subscription` now charge `payment_method`; one in dunning is
    charged its dues with it at once. Returns the charge's outcome ("" when there was
    nothing to charge) and its payment."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = locked_subscription(subscription)
        if payment_method.customer_id != sub.customer_id or payment_method.removed_at:
            raise SavedPaymentMethod.DoesNotExist
        sub.payment_method = payment_method
        sub.save(update_fields=["payment_method", "updated_at"])
        event_record(
            sub,
            type="subscription.payment_method_updated",
            actor=actor,
            payload={"payment_method_id": payment_method.pk, "label": payment_method.label},
        )
        in_dunning = Dunning.objects.open().filter(subscription=sub).exists()
    if not in_dunning:
        return "", None
    outcome = subscription_charge_dues(
        subscription=sub, now=now, gateway=gateway, actor=actor, purpose=METHOD_UPDATE
    )
    payment = (
        sub.payments.filter(charge_type=Payment.ChargeType.RENEWAL).order_by("-created_at").first()
    )
    return outcome, payment
