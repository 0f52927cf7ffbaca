"""Plan changes: move an active subscription to another recurring product (or quantity)
of the same business and currency, with one of Dodo's proration modes.

The arithmetic, in integer minor units. Old = the subscription's recurring amount,
new = the product's price × quantity (both per period, whole quantity). The current
period runs from `previous_billing_date` (P0) to `next_billing_date` (P1); at `now`,
R = P1 − now seconds are left of L = P1 − P0, and prorate(x) = round(x × R / L), half
up, on integers.

- `prorated_immediately`: net = prorate(new) − prorate(old): the new plan for the
  time left, less the unused time of the old one. Billing dates stay.
- `difference_immediately`: net = new − old, the full-period price difference.
  Billing dates stay.
- `full_immediately`: net = new, in full; a new period starts now (P0 = now,
  P1 = now + the new product's interval); the unused old time is not credited.

A positive net is charged now; a negative one is credited to the customer's wallet in
the subscription's currency (used first by the next renewals), so a change to a
currency without a wallet that would credit is refused. From the next renewal the
subscription bills `new` on the new product's interval.

Money moves in three steps, never calling the gateway under a row lock: the change
is recorded `pending` with its quote (and a `processing` payment), the gateway is
charged with the change's ID as idempotency key, then the outcome is recorded: the
plan applied and invoiced, or the payment failed and the plan unchanged. While one is
pending another is refused (409, `planchange_one_pending`).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing import invoices
from customers.billing.charges import method_on_file, saved_method_for
from customers.billing.gateway import PaymentGateway, get_gateway
from customers.core.errors import (
    InvalidPlan,
    PlanChangeCreditUnavailable,
    PlanChangePaymentFailed,
    PlanChangePending,
    SubscriptionNotActive,
)
from customers.core.ids import new_id
from customers.models import Payment, PlanChange, Product, Subscription, add_interval
from wallets.services import ledger_post

Mode = PlanChange.Mode


@dataclass(frozen=True)
class Quote:
    """What a plan change would do, all in minor units of `currency`."""

    mode: str
    currency: str
    from_amount: int  # per period, before
    to_amount: int  # per period, after
    charge_amount: int  # charged now (≥ 0)
    credit_amount: int  # to the wallet now (≥ 0)
    proration_factor: float  # share of the period left (1 when not prorated)
    effective_at: dt.datetime
    previous_billing_date: dt.datetime  # the period after the change
    next_billing_date: dt.datetime


def _prorate(amount: int, left: int, length: int) -> int:
    return (amount * left * 2 + length) // (2 * length)  # round half up, integers only


def plan_change_quote(
    *, subscription: Subscription, product: Product, quantity: int, mode: str, now: dt.datetime
) -> Quote:
    """The amounts of a change, without changing anything; raises InvalidPlan or
    SubscriptionNotActive when the change is not allowed."""
    sub = subscription
    if sub.status != Subscription.Status.ACTIVE:
        raise SubscriptionNotActive()
    if (
        product.business_id != sub.business_id
        or not product.is_recurring
        or product.archived
        or product.currency != sub.currency
        or (product.pk == sub.product_id and quantity == sub.quantity)
        or mode not in Mode.values
    ):
        raise InvalidPlan()
    old, new = sub.recurring_pre_tax_amount, product.price * quantity
    start, end = sub.previous_billing_date, sub.next_billing_date
    factor = 1.0
    if mode == Mode.FULL_IMMEDIATELY:
        net = new
        start = now
        end = add_interval(now, product.payment_frequency_interval, product.payment_frequency_count)
    elif mode == Mode.DIFFERENCE_IMMEDIATELY:
        net = new - old
    else:
        length = max(int((end - start).total_seconds()), 1)
        left = min(max(int((end - now).total_seconds()), 0), length)
        net = _prorate(new, left, length) - _prorate(old, left, length)
        factor = round(left / length, 6)
    return Quote(
        mode=mode,
        currency=sub.currency,
        from_amount=old,
        to_amount=new,
        charge_amount=max(net, 0),
        credit_amount=max(-net, 0),
        proration_factor=factor,
        effective_at=now,
        previous_billing_date=start,
        next_billing_date=end,
    )


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("business", "customer", "product")
        .get(pk=subscription.pk)
    )


def _record_pending(*, subscription, product, quantity, mode, actor, now) -> PlanChange:
    with transaction.atomic():
        sub = _locked(subscription)
        if PlanChange.objects.filter(subscription=sub, status=PlanChange.Status.PENDING).exists():
            raise PlanChangePending()
        quote = plan_change_quote(
            subscription=sub, product=product, quantity=quantity, mode=mode, now=now
        )
        if quote.credit_amount and sub.currency not in settings.WALLET_CURRENCIES:
            raise PlanChangeCreditUnavailable()
        payment = None
        if quote.charge_amount:
            payment = Payment.objects.create(
                id=new_id("pay"),
                business=sub.business,
                customer=sub.customer,
                status=Payment.Status.PROCESSING,
                total_amount=quote.charge_amount,
                currency=sub.currency,
                product=product,
                quantity=quantity,
                pricing_type=Payment.PricingType.SUBSCRIPTION,
                subscription=sub,
                charge_type=Payment.ChargeType.PLAN_CHANGE,
                service_period_start=now,
                created_at=now,
            )
        try:
            with transaction.atomic():
                return PlanChange.objects.create(
                    business=sub.business,
                    subscription=sub,
                    from_product=sub.product,
                    to_product=product,
                    from_quantity=sub.quantity,
                    quantity=quantity,
                    mode=mode,
                    currency=sub.currency,
                    from_amount=quote.from_amount,
                    to_amount=quote.to_amount,
                    charge_amount=quote.charge_amount,
                    credit_amount=quote.credit_amount,
                    payment=payment,
                    actor_label=actor.label,
                    created_at=now,
                )
        except IntegrityError as exc:  # another request got its change in first
            raise PlanChangePending() from exc


def _record_outcome(*, change: PlanChange, result, actor: Actor, now: dt.datetime) -> PlanChange:
    with transaction.atomic():
        sub = _locked(change.subscription)
        change = (
            PlanChange.objects.select_for_update(of=("self",))
            .select_related("payment")
            .get(pk=change.pk)
        )
        payment = change.payment
        if payment is not None:
            payment.payment_method = result.method.payment_method
            payment.payment_method_type = result.method.payment_method_type
            payment.card_network = result.method.card_network
            payment.card_last_four = result.method.card_last_four
        if result is not None and not result.succeeded:
            payment.status = Payment.Status.FAILED
            payment.error_code, payment.error_message = (
                result.error_code,
                result.error_message[:255],
            )
            payment.save()
            change.status, change.error_code = PlanChange.Status.FAILED, result.error_code
            change.completed_at = now
            change.save()
            event_record(
                payment,
                type="payment.failed",
                actor=actor,
                payload={"subscription_id": sub.pk, "amount": payment.total_amount},
            )
            return change
        if payment is not None:
            payment.status = Payment.Status.SUCCEEDED
            payment.save()
            invoices.invoice_number_assign(payment=payment)
            event_record(
                payment,
                type="payment.succeeded",
                actor=actor,
                payload={"subscription_id": sub.pk, "amount": payment.total_amount},
            )
        product = change.to_product
        quote = plan_change_quote(
            subscription=sub, product=product, quantity=change.quantity, mode=change.mode, now=now
        )
        from_product_name = sub.product.name
        sub.product = product
        sub.quantity = change.quantity
        sub.recurring_pre_tax_amount = change.to_amount
        sub.tax_inclusive = product.tax_inclusive
        sub.payment_frequency_count = product.payment_frequency_count
        sub.payment_frequency_interval = product.payment_frequency_interval
        sub.previous_billing_date = quote.previous_billing_date
        sub.next_billing_date = quote.next_billing_date
        sub.save()
        if change.credit_amount:
            ledger_post(
                business=sub.business,
                customer=sub.customer,
                currency=sub.currency,
                amount=change.credit_amount,
                direction="credit",
                event_type="refund",
                reason=f"Unused time on {from_product_name} (plan change {change.pk})",
                reference_id=change.pk,
                actor=actor,
                idempotency_key=f"plan_change:{change.pk}:credit",
            )
        change.status, change.completed_at = PlanChange.Status.APPLIED, now
        change.save()
        event_record(
            sub,
            type="subscription.plan_changed",
            actor=actor,
            payload={
                "customer_id": sub.customer_id,
                "plan_change_id": change.pk,
                "from_product_id": change.from_product_id,
                "from_product_name": from_product_name,
                "product_id": product.pk,
                "quantity": change.quantity,
                "proration_billing_mode": change.mode,
                "charge_amount": change.charge_amount,
                "credit_amount": change.credit_amount,
                "payment_id": payment.pk if payment else None,
            },
        )
    return change


def subscription_change_plan(
    *,
    subscription: Subscription,
    product: Product,
    quantity: int,
    mode: str,
    actor: Actor,
    gateway: PaymentGateway | None = None,
    now: dt.datetime | None = None,
) -> PlanChange:
    """Move `subscription` to `product` × `quantity` now, charging or crediting per
    `mode`. Raises PlanChangePending (409) while another change is being charged and
    PlanChangePaymentFailed (402) when the charge fails (the plan stays as it was)."""
    now = now or timezone.now()
    gateway = gateway or get_gateway()
    change = _record_pending(
        subscription=subscription,
        product=product,
        quantity=quantity,
        mode=mode,
        actor=actor,
        now=now,
    )
    result = None
    if change.payment_id:
        result = gateway.charge(
            payment=change.payment,
            amount=change.charge_amount,
            method=method_on_file(change.subscription, saved_method_for(change.subscription)),
            idempotency_key=f"plan_change:{change.pk}",
        )
    change = _record_outcome(change=change, result=result, actor=actor, now=now)
    if change.status == PlanChange.Status.FAILED:
        raise PlanChangePaymentFailed()
    return change
