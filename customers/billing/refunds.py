"""Refunds: give back all or part of a payment, exactly once.

`refund_create` locks the payment row (SELECT … FOR UPDATE), so two refunds of one
payment run one after the other and the second sees the first; what is left to
refund counts pending refunds too. The refund form carries a one-time token
(`idempotency_key`): submitting it twice returns the first refund.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.audit import Actor, event_record
from customers.billing.gateway import PaymentGateway, RefundResult, get_gateway
from customers.core.errors import (
    DomainError,
    InvalidRefundAmount,
    NothingToRefund,
    PaymentNotSucceeded,
    RefundAmountExceedsPaidAmount,
    RefundIdempotencyKeyReused,
    RefundWindowExpired,
)
from customers.licenses.services import license_keys_disable
from customers.models import Event, GatewayAttempt, LicenseKey, Payment, Refund
from wallets.errors import WalletUnavailable
from wallets.services import ledger_post, wallet_supports
from wallets.topups import is_top_up, top_up_give_back, top_up_take_back

logger = logging.getLogger(__name__)


def refund_window() -> dt.timedelta:
    return dt.timedelta(days=settings.REFUND_WINDOW_DAYS)


def refundable_amount(payment: Payment) -> int:
    """What is left to refund: the total less succeeded and pending refunds (read off
    the `with_refund_totals()` annotation when the payment carries it)."""
    reserved = getattr(payment, "refund_reserved_amount", None)
    if reserved is None:
        reserved = payment.refunds.filter(status__in=Refund.RESERVING).aggregate(
            total=Coalesce(Sum("amount"), 0)
        )["total"]
    return max(payment.total_amount - reserved, 0)


def refund_allowance(payment: Payment, *, now: dt.datetime | None = None) -> int:
    """How much of `payment` may be refunded now (minor units, > 0), or the reason
    none may: PaymentNotSucceeded, RefundWindowExpired, NothingToRefund.

    The one refund rule: the service, the transactions tab, the payment page and
    the refund form all ask it.
    """
    now = now or timezone.now()
    if payment.status != Payment.Status.SUCCEEDED:
        raise PaymentNotSucceeded()
    if now - payment.created_at > refund_window():
        raise RefundWindowExpired()
    left = refundable_amount(payment)
    if left <= 0:
        raise NothingToRefund()
    return left


def refund_blocker(payment: Payment) -> DomainError | None:
    """Why `payment` cannot be refunded now, or None when it can."""
    try:
        refund_allowance(payment)
    except DomainError as exc:
        return exc
    return None


def refund_amount_check(amount: int, *, left: int) -> None:
    """Raise why `amount` cannot be refunded when `left` is what may be."""
    if amount <= 0:
        raise InvalidRefundAmount()
    if amount > left:
        raise RefundAmountExceedsPaidAmount()


def _existing(payment: Payment, idempotency_key: str | None) -> Refund | None:
    if not idempotency_key:
        return None
    refund = Refund.objects.filter(
        business_id=payment.business_id, idempotency_key=idempotency_key
    ).first()
    if refund is not None and refund.payment_id != payment.pk:
        raise RefundIdempotencyKeyReused()
    return refund


def _refund_recorded(refund: Refund, payment: Payment, actor: Actor) -> None:
    """A refund reached its status: keys of a refunded one-time purchase go off, and
    its Event is written (inside the caller's transaction)."""
    disabled = 0
    if refund.status == Refund.Status.SUCCEEDED and payment.subscription_id is None:
        disabled = license_keys_disable(
            keys=LicenseKey.objects.filter(payment=payment),
            reason=LicenseKey.DisabledReason.REFUND,
            actor=actor,
        )
    event_record(
        refund,
        type=f"refund.{refund.status}",
        actor=actor,
        payload={
            "payment_id": payment.pk,
            "customer_id": payment.customer_id,
            "amount": refund.amount,
            "currency": payment.currency,
            "is_partial": refund.is_partial,
            "destination": refund.destination,
            "reason": refund.reason,
            "license_keys_disabled": disabled,
        },
    )


def refund_finish(*, attempt: GatewayAttempt, result: RefundResult, actor: Actor) -> Refund:
    """Record what the gateway answered for a refund sent under `attempt` (once: an
    attempt another process finished is left as it is). A `pending` answer keeps
    the attempt open, for the reconciler to ask again."""
    with transaction.atomic():
        locked = GatewayAttempt.objects.select_for_update().get(pk=attempt.pk)
        refund = Refund.objects.select_related("payment").get(pk=locked.refund_id)
        if locked.status != GatewayAttempt.Status.PENDING:
            return refund
        if result.status != Refund.Status.PENDING:
            locked.status = (
                GatewayAttempt.Status.SUCCEEDED
                if result.status == Refund.Status.SUCCEEDED
                else GatewayAttempt.Status.FAILED
            )
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "finished_at"])
        if refund.status != result.status or result.status != Refund.Status.PENDING:
            refund.status = result.status
            refund.save(update_fields=["status"])
            if result.status == Refund.Status.FAILED and refund.metadata.get("wallet_taken"):
                top_up_give_back(refund=refund, actor=actor)
            _refund_recorded(refund, refund.payment, actor)
        elif not Event.objects.filter(object_id=refund.pk).exists():
            _refund_recorded(refund, refund.payment, actor)  # pending at the gateway
    return refund


def refund_create(
    *,
    payment: Payment,
    amount: int | None,
    reason: str = "",
    destination: str = Refund.Destination.ORIGINAL,
    actor: Actor,
    idempotency_key: str | None = None,
    gateway: PaymentGateway | None = None,
    metadata: dict | None = None,
) -> Refund:
    """Refund `amount` minor units of `payment` (None: all that is left).

    To the customer's wallet in the payment's currency (a ledger credit, all in one
    transaction), or to the original payment method through the gateway in three
    steps: the refund is reserved (`pending`) with a pending GatewayAttempt under
    `refund:<id>` and committed; the gateway is asked with no lock held; the outcome
    is recorded (`refund_finish`). A crash in between leaves the attempt for the
    reconciler. A succeeded refund of a one-time purchase disables its license
    keys, as Dodo does.
    """
    if amount is not None and amount <= 0:
        raise InvalidRefundAmount()
    if destination not in Refund.Destination.values:
        raise ValueError(f"unknown refund destination {destination!r}")
    try:
        with transaction.atomic():
            # The lock makes refunds of one payment take turns; re-read after it.
            locked = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("business", "customer")
                .get(pk=payment.pk)
            )
            existing = _existing(locked, idempotency_key)
            if existing is not None:
                return existing
            left = refund_allowance(locked)
            amount = left if amount is None else amount
            refund_amount_check(amount, left=left)
            if destination == Refund.Destination.WALLET and not wallet_supports(locked.currency):
                raise WalletUnavailable(locked.currency)
            refund = Refund(
                business=locked.business,
                payment=locked,
                customer=locked.customer,
                amount=amount,
                currency=locked.currency,
                status=Refund.Status.PENDING,
                reason=reason.strip(),
                is_partial=amount < locked.total_amount,
                destination=destination,
                idempotency_key=idempotency_key or None,
                metadata=metadata or {},
            )
            refund.save(force_insert=True)
            if is_top_up(locked):  # its bonus comes back out of the wallet first
                top_up_take_back(payment=locked, refund=refund, actor=actor)
            if destination == Refund.Destination.WALLET:
                ledger_post(
                    business=locked.business,
                    customer=locked.customer,
                    currency=locked.currency,
                    amount=amount,
                    direction="credit",
                    event_type="refund",
                    reason=refund.reason or f"Refund of {locked.pk}",
                    reference_id=refund.pk,
                    actor=actor,
                    idempotency_key=f"refund:{refund.pk}",
                )
                refund.status = Refund.Status.SUCCEEDED
                refund.save(update_fields=["status"])
                _refund_recorded(refund, locked, actor)
                return refund
            attempt = GatewayAttempt.objects.create(
                business=locked.business,
                kind=GatewayAttempt.Kind.REFUND,
                idempotency_key=f"refund:{refund.pk}",
                refund=refund,
                amount=amount,
            )
    except IntegrityError:
        # The same token raced past the check on another connection: return its refund.
        existing = _existing(payment, idempotency_key)
        if existing is None:
            raise
        return existing
    try:
        result = (gateway or get_gateway()).refund(
            refund=refund, idempotency_key=attempt.idempotency_key
        )
    except Exception:
        logger.exception("gateway refund %s broke off; left for the reconciler", refund.pk)
        return refund
    return refund_finish(attempt=attempt, result=result, actor=actor)
