"""Charging a subscription's dues with no row lock held across the gateway call.

Each charge is three steps: (1) under the subscription's lock, re-check it is still
owed, take what the wallet covers (a `payment` debit), and write the Payment
(`processing`) and a pending `GatewayAttempt` under its idempotency key — commit;
(2) call the gateway with that key, holding nothing; (3) under the lock again,
write the outcome — the period advances, or the wallet debit is given back and
dunning starts or goes on. A crash between (2) and (3) leaves the attempt pending:
`gateway_attempts_reconcile` asks the gateway what happened under the key (and, if
it never arrived, asks again under the same key, which a gateway answers at most
once) and writes the outcome. While an attempt is pending nothing else charges the
subscription, so a period is never charged twice.

The first renewal of a period is charged under `renewal:<subscription>:<period>`;
later attempts at the same period (dunning) add `:2`, `:3`…
"""

import datetime as dt
import logging

from django.db import transaction

from customers.audit import Actor, event_record
from customers.billing import dunning as dunning_states
from customers.billing import invoices
from customers.billing.gateway import ChargeResult, PaymentGateway, PaymentMethod
from customers.licenses.services import license_keys_disable
from customers.models import (
    Dunning,
    GatewayAttempt,
    LicenseKey,
    Payment,
    SavedPaymentMethod,
    Subscription,
    add_interval,
)
from wallets.credits.overage import credits_overage_settle, overage_charges
from wallets.credits.services import credits_grant_for_payment
from wallets.errors import InsufficientWalletFunds
from wallets.selectors import balance
from wallets.services import ledger_post

logger = logging.getLogger(__name__)

RENEWAL, RETRY, METHOD_UPDATE = "renewal", "retry", "method_update"
RECONCILE_AFTER = dt.timedelta(minutes=5)  # a pending attempt older than this was cut off


def locked_subscription(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("business", "customer", "product")
        .get(pk=subscription.pk)
    )


def saved_method_for(sub: Subscription) -> SavedPaymentMethod | None:
    """The saved method renewals charge: the subscription's own, else the customer's
    default — either only while it is usable for recurring charges."""
    usable = SavedPaymentMethod.objects.usable().filter(
        business_id=sub.business_id, customer_id=sub.customer_id, recurring_enabled=True
    )
    if sub.payment_method_id:
        own = usable.filter(pk=sub.payment_method_id).first()
        if own is not None:
            return own
    return usable.filter(is_default=True).first()


def as_charged(saved: SavedPaymentMethod) -> PaymentMethod:
    if saved.kind == SavedPaymentMethod.Kind.UPI:
        return PaymentMethod("upi", "upi_collect", token=saved.gateway_token)
    return PaymentMethod(
        "card", saved.card_network, saved.card_network, saved.card_last_four, saved.gateway_token
    )


def method_on_file(sub: Subscription, saved: SavedPaymentMethod | None) -> PaymentMethod | None:
    """A saved method, else (for a customer who never saved one: data from before saved
    methods) the card or UPI of the subscription's latest successful charge."""
    if saved is not None:
        return as_charged(saved)
    if SavedPaymentMethod.objects.filter(customer_id=sub.customer_id).exists():
        return None  # the customer manages saved methods: none usable means none
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


def subscription_end(sub: Subscription, *, at: dt.datetime, actor: Actor) -> None:
    """Make a cancellation take effect: status, time, and the keys go off (inside the
    caller's transaction, `sub` locked)."""
    sub.status = Subscription.Status.CANCELLED
    sub.cancelled_at = at
    sub.cancel_at_next_billing_date = False
    sub.save()
    license_keys_disable(
        keys=LicenseKey.objects.filter(subscription=sub),
        reason=LicenseKey.DisabledReason.SUBSCRIPTION_CANCELLED,
        actor=actor,
    )


def _end_scheduled(sub: Subscription, actor: Actor) -> None:
    subscription_end(sub, at=sub.next_billing_date, actor=actor)
    event_record(
        sub,
        type="subscription.cancelled",
        actor=actor,
        payload={"customer_id": sub.customer_id, "scheduled": True},
    )


def _begin(
    sub: Subscription, *, now, actor, purpose
) -> tuple[str, Payment | None, GatewayAttempt | None]:
    """Step 1, inside the lock: "skipped"/"cancelled", or the Payment and its pending
    attempt (None when the wallet paid it all and it is already recorded)."""
    open_dunning = Dunning.objects.open().filter(subscription=sub).first()
    if purpose == RENEWAL:
        if sub.status != Subscription.Status.ACTIVE or sub.next_billing_date > now:
            return "skipped", None, None
    elif open_dunning is not None and sub.status != Subscription.Status.ON_HOLD:
        # Cancelled (or otherwise ended) while in dunning: nothing is owed any more.
        open_dunning.status = Dunning.Status.STOPPED
        open_dunning.next_retry_at = None
        open_dunning.ended_at = now
        open_dunning.save()
        return "skipped", None, None
    elif open_dunning is None or (
        purpose == RETRY
        and (open_dunning.next_retry_at is None or open_dunning.next_retry_at > now)
    ):
        return "skipped", None, None
    if GatewayAttempt.objects.filter(
        payment__subscription=sub, status=GatewayAttempt.Status.PENDING
    ).exists():
        return "skipped", None, None  # a charge is in flight: its outcome decides
    if purpose == RENEWAL and sub.cancel_at_next_billing_date:
        _end_scheduled(sub, actor)
        return "cancelled", None, None
    if open_dunning is not None:
        open_dunning.next_retry_at = None  # taken: the outcome schedules the next one
        open_dunning.save(update_fields=["next_retry_at"])

    period_start = sub.next_billing_date
    tries = sub.payments.filter(
        charge_type=Payment.ChargeType.RENEWAL, service_period_start=period_start
    ).count()
    base = f"renewal:{sub.pk}:{period_start.isoformat()}"
    key = base if tries == 0 else f"{base}:{tries + 1}"
    # The period's price (less a retention discount, while it lasts) and, as parts of
    # their own, the overage of credits invoiced at billing (wallets.credits.overage).
    overage, overage_metadata = overage_charges(subscription=sub)
    total = sub.renewal_amount + sum(charge.amount for charge in overage)
    payment = Payment(
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

    # The wallet first: as much of the total as its balance covers.
    from_wallet = min(balance(sub.customer, sub.currency), total)
    if from_wallet > 0:
        try:
            with transaction.atomic():
                _wallet_post(payment, from_wallet, "payment", f"Renewal of {sub.pk}", actor, key)
        except InsufficientWalletFunds:
            from_wallet = 0  # spent elsewhere since we looked: charge it all
    payment.metadata = {"wallet_amount": from_wallet} if from_wallet else {}
    payment.metadata |= overage_metadata
    saved = saved_method_for(sub)
    attempt = GatewayAttempt(
        business=sub.business,
        kind=GatewayAttempt.Kind.CHARGE,
        idempotency_key=key,
        payment=payment,
        amount=total - from_wallet,
        payment_method=saved,
        wallet_amount=from_wallet,
        purpose=purpose,
    )
    if attempt.amount == 0:
        payment.save()
        _record(sub, payment, attempt, ChargeResult(True, PaymentMethod("wallet")), now, actor)
        return "renewed", payment, None
    attempt.save(force_insert=True)
    payment.save()
    return "charging", payment, attempt


def answer_record(payment: Payment, attempt: GatewayAttempt, result: ChargeResult, now) -> None:
    """A charge's answer on its payment (the method charged) and its attempt (status,
    error, when) — the attempt saved when it was one (a wallet-paid renewal has none)."""
    method = result.method
    payment.payment_method = method.payment_method
    payment.payment_method_type = method.payment_method_type
    payment.card_network = method.card_network
    payment.card_last_four = method.card_last_four
    if attempt.pk:
        succeeded, failed = GatewayAttempt.Status.SUCCEEDED, GatewayAttempt.Status.FAILED
        attempt.status = succeeded if result.succeeded else failed
        attempt.error_code = result.error_code
        attempt.finished_at = now
        attempt.save()


def payment_paid(payment: Payment, attempt: GatewayAttempt, now) -> None:
    """A charge succeeded: the payment, its invoice number, the method's last use (when
    the gateway charged it: a renewal the wallet paid in full has no attempt saved)."""
    payment.status = Payment.Status.SUCCEEDED
    payment.save()
    invoices.invoice_number_assign(payment=payment)
    if attempt.pk and attempt.payment_method_id:
        SavedPaymentMethod.objects.filter(pk=attempt.payment_method_id).update(last_used_at=now)


def _record(sub, payment, attempt, result: ChargeResult, now, actor) -> str:
    """Step 3, inside the lock: write what the gateway answered."""
    answer_record(payment, attempt, result, now)
    open_dunning = Dunning.objects.open().filter(subscription=sub).first()
    total, from_wallet = payment.total_amount, attempt.wallet_amount
    key = attempt.idempotency_key

    if result.succeeded:
        payment_paid(payment, attempt, now)
        period_start = payment.service_period_start
        sub.discount_cycles_remaining = max(sub.discount_cycles_remaining - 1, 0)
        sub.previous_billing_date = period_start
        sub.next_billing_date = add_interval(
            period_start, sub.payment_frequency_interval, sub.payment_frequency_count
        )
        sub.save()
        # The period's overage first (charged, forgiven or carried), then its credits.
        credits_overage_settle(payment=payment, actor=actor, now=now)
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
                "overage_amount": (payment.metadata or {}).get("overage_amount", 0),
                "currency": sub.currency,
                "next_billing_date": sub.next_billing_date.isoformat(),
            },
        )
        if open_dunning is not None:
            dunning_states.dunning_recover(
                dunning=open_dunning, sub=sub, payment=payment, now=now, actor=actor
            )
        return "renewed"

    error_code = result.error_code
    payment.status = Payment.Status.FAILED
    payment.error_code, payment.error_message = error_code, result.error_message[:255]
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
    if open_dunning is not None:
        dunning_states.dunning_attempt_failed(
            dunning=open_dunning, error_code=error_code, now=now, actor=actor
        )
    elif sub.status == Subscription.Status.ACTIVE:
        dunning_states.dunning_open(
            sub=sub, payment=payment, error_code=error_code, now=now, actor=actor
        )
    return "failed"


def charge_attempt_finish(
    *, attempt: GatewayAttempt, result: ChargeResult, now: dt.datetime, actor: Actor
) -> str:
    """Step 3: record a charge's outcome once ("renewed"/"failed"); an attempt the
    reconciler (or another process) already finished is left as it is."""
    with transaction.atomic():
        sub = locked_subscription(attempt.payment.subscription)
        locked = GatewayAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status != GatewayAttempt.Status.PENDING:
            return "renewed" if locked.status == GatewayAttempt.Status.SUCCEEDED else "failed"
        payment = Payment.objects.select_related("business", "customer").get(pk=locked.payment_id)
        return _record(sub, payment, locked, result, now, actor)


def subscription_charge_dues(
    *,
    subscription: Subscription,
    now: dt.datetime,
    gateway: PaymentGateway,
    actor: Actor,
    purpose: str = RENEWAL,
) -> str:
    """Charge what a subscription owes for its current period: a renewal when it is
    due, a dunning retry, or the charge after the customer updated the method.

    Returns "renewed", "failed", "cancelled" (a scheduled cancellation took effect),
    "skipped" (nothing owed now, or a charge already in flight) or "pending" (the
    gateway call broke off; the reconciler will finish it).
    """
    with transaction.atomic():
        sub = locked_subscription(subscription)
        outcome, payment, attempt = _begin(sub, now=now, actor=actor, purpose=purpose)
    if attempt is None:
        return outcome
    saved = attempt.payment_method
    try:
        result = gateway.charge(
            payment=payment,
            amount=attempt.amount,
            method=method_on_file(sub, saved),
            idempotency_key=attempt.idempotency_key,
        )
    except Exception:
        logger.exception("gateway charge %s broke off; left for the reconciler", attempt.pk)
        return "pending"
    return charge_attempt_finish(attempt=attempt, result=result, now=now, actor=actor)
