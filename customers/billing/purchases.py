"""One-time purchases a customer makes in the portal: a credit pack (a one-time
product that grants credits) or a wallet top-up, charged to a saved payment method.

The renewal pattern (`customers.billing.charges`), step for step: (1) in one
transaction, write the Payment (`processing`) and a pending `GatewayAttempt` under
the purchase's idempotency key — commit; (2) call the gateway with that key, holding
no lock; (3) in one transaction, with the attempt locked, record the outcome once: a
succeeded payment gets its invoice number and its credits (`credits_grant_for_payment`)
or its wallet money and bonus (`wallets.topups.top_up_credit`); a failed one its
decline code and a message the customer can act on. Events are written in those
transactions; e-mails and webhooks follow from them after commit. A crash between
(2) and (3) leaves the attempt pending for `gateway_attempts_reconcile`, which
finishes purchases through `purchase_finish` like renewals.

Keys: `purchase:<customer>:<form token>` for a portal purchase — the confirm step
carries a fresh token, so a double click or a replayed form charges once and shows
the first outcome; `auto_top_up:<run>` for an auto top-up.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.audit import Actor, event_record
from customers.billing.charges import answer_record, as_charged, payment_paid
from customers.billing.gateway import ChargeResult, PaymentGateway
from customers.core.errors import DomainError
from customers.models import Customer, GatewayAttempt, Payment, Product, SavedPaymentMethod
from wallets.credits.models import CreditAutoTopUpRun, ProductCredit, TransactionType
from wallets.credits.services import credits_grant_for_payment
from wallets.topups import PURCHASE as TOP_UP
from wallets.topups import bonus_label, top_up_check, top_up_credit, top_up_settings

logger = logging.getLogger(__name__)

PACK, AUTO_TOP_UP = "credit_pack", "auto_top_up"
KINDS = (PACK, TOP_UP, AUTO_TOP_UP)

# What a customer reads when the card is declined, by the gateway's code.
DECLINES = {
    "insufficient_funds": _("Your card was declined: insufficient funds."),
    "do_not_honor": _("Your bank declined the charge. Try another card or contact your bank."),
    "expired_card": _("Your card has expired. Add a new card and try again."),
    "payment_method_missing": _("Add a payment method first."),
}
DECLINED = _("Your payment was declined. Try another payment method.")


class PaymentMethodRequired(DomainError):
    code = "PAYMENT_METHOD_REQUIRED"
    status = 422
    default_message = _("Add a payment method first.")


class NotACreditPack(DomainError):
    code = "NOT_FOUND"
    status = 404
    default_message = _("This credit pack is not for sale.")


class PurchaseKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status = 409
    default_message = _("This confirmation was already used for another purchase.")


@dataclass(frozen=True)
class Purchase:
    payment: Payment
    outcome: str  # "succeeded", "failed", "pending" (the reconciler finishes it)

    @property
    def message(self) -> str:
        code = self.payment.error_code
        return str(DECLINES.get(code, DECLINED)) if code else ""


def decline_message(payment: Payment) -> str:
    return str(DECLINES.get(payment.error_code, DECLINED))


def credit_packs(business) -> QuerySet[Product]:
    """The business's one-time products on sale that grant credits, with their grants."""
    grants = ProductCredit.objects.filter(
        product=OuterRef("pk"), entitlement__deleted_at__isnull=True
    )
    return (
        Product.objects.for_business(business)
        .filter(is_recurring=False, archived=False)
        .filter(Exists(grants))
        .order_by("price", "name", "id")
    )


def pack_grants(products) -> dict[str, list[ProductCredit]]:
    """product id → its live credit links (one query for all `products`)."""
    links = (
        ProductCredit.objects.filter(
            product__in=list(products), entitlement__deleted_at__isnull=True
        )
        .select_related("entitlement")
        .order_by("entitlement__name", "id")
    )
    found: dict[str, list[ProductCredit]] = {}
    for link in links:
        found.setdefault(link.product_id, []).append(link)
    return found


def purchase_method(customer: Customer, *, off_session: bool = False) -> SavedPaymentMethod:
    """The method a purchase charges: the customer's default saved method (one allowed
    for charges without them when `off_session`, as auto top-ups are)."""
    usable = SavedPaymentMethod.objects.usable().filter(
        business_id=customer.business_id, customer=customer
    )
    if off_session:
        usable = usable.filter(recurring_enabled=True)
    method = usable.order_by("-is_default", "-created_at").first()
    if method is None:
        raise PaymentMethodRequired()
    return method


def _replay(*, customer, product, amount, key) -> Payment | None:
    """The purchase already made under `key`, if any (the same one, or an error)."""
    existing = (
        GatewayAttempt.objects.filter(business_id=customer.business_id, idempotency_key=key)
        .select_related("payment")
        .first()
    )
    if existing is None:
        return None
    payment = existing.payment
    same = payment.customer_id == customer.pk and (
        payment.product_id == product.pk
        if product is not None
        else (payment.total_amount, payment.currency) == amount
    )
    if not same:
        raise PurchaseKeyReused()
    return payment


def _begin(*, customer, kind, product, amount, method, key, now):
    """Step 1: (payment, pending attempt), or (first payment, None) for a used key."""
    if (payment := _replay(customer=customer, product=product, amount=amount, key=key)) is not None:
        return payment, None
    metadata = {"purchase": kind}
    if kind == TOP_UP:
        total, currency = amount
        settings = top_up_settings(customer.business, currency)
        top_up_check(settings, total)
        bonus = settings.bonus_for(total)
        if bonus:
            metadata.update(bonus_amount=bonus, bonus_rule=bonus_label(settings))
    else:
        if product is None or not credit_packs(customer.business).filter(pk=product.pk).exists():
            raise NotACreditPack()
        total, currency = product.price, product.currency
    if total <= 0:
        raise NotACreditPack()
    payment = Payment(
        business=customer.business,
        customer=customer,
        status=Payment.Status.PROCESSING,
        total_amount=total,
        currency=currency,
        product=product,
        quantity=1,
        pricing_type=Payment.PricingType.ONE_TIME,
        metadata=metadata,
        created_at=now,
    )
    payment.save(force_insert=True)
    attempt = GatewayAttempt.objects.create(
        business=customer.business,
        kind=GatewayAttempt.Kind.CHARGE,
        idempotency_key=key,
        payment=payment,
        amount=total,
        payment_method=method,
        purpose=kind,
        created_at=now,
    )
    return payment, attempt


def _record(payment: Payment, attempt: GatewayAttempt, result: ChargeResult, now, actor) -> str:
    """Step 3, `attempt` and `payment` locked: write what the gateway answered."""
    answer_record(payment, attempt, result, now)
    kind = payment.metadata.get("purchase", PACK)
    payload = {
        "purchase": kind,
        "amount": payment.total_amount,
        "currency": payment.currency,
        "product_id": payment.product_id,
    }
    runs = CreditAutoTopUpRun.objects.filter(payment=payment, status="queued")
    if result.succeeded:
        payment_paid(payment, attempt, now)
        if kind == TOP_UP:
            top_up_credit(payment=payment, actor=actor)
        else:
            credits_grant_for_payment(
                payment=payment,
                actor=actor,
                now=now,
                transaction_type=(
                    TransactionType.AUTO_TOP_UP
                    if kind == AUTO_TOP_UP
                    else TransactionType.CREDIT_ADDED
                ),
            )
        runs.update(status=CreditAutoTopUpRun.Status.SUCCEEDED, finished_at=now)
        event_record(payment, type="payment.succeeded", actor=actor, payload=payload)
        return "succeeded"
    payment.status = Payment.Status.FAILED
    payment.error_code, payment.error_message = result.error_code, result.error_message[:255]
    payment.save()
    runs.update(
        status=CreditAutoTopUpRun.Status.FAILED, error_code=result.error_code, finished_at=now
    )
    event_record(
        payment,
        type="payment.failed",
        actor=actor,
        payload={**payload, "error_code": result.error_code},
    )
    return "failed"


def purchase_finish(
    *, attempt: GatewayAttempt, result: ChargeResult, now: dt.datetime, actor: Actor
) -> Purchase:
    """Step 3: record a purchase's outcome once; an attempt already finished (by the
    reconciler, or a second process) is left as it is."""
    with transaction.atomic():
        locked = GatewayAttempt.objects.select_for_update().get(pk=attempt.pk)
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("business", "customer")
            .get(pk=locked.payment_id)
        )
        if locked.status != GatewayAttempt.Status.PENDING:
            return Purchase(payment, str(locked.status))
        return Purchase(payment, _record(payment, locked, result, now, actor))


def _outcome(payment: Payment) -> str:
    if payment.status == Payment.Status.SUCCEEDED:
        return "succeeded"
    return "pending" if payment.status == Payment.Status.PROCESSING else "failed"


def purchase_charge(
    *,
    customer: Customer,
    kind: str,
    idempotency_key: str,
    gateway: PaymentGateway,
    actor: Actor,
    product: Product | None = None,
    amount: tuple[int, str] | None = None,
    payment_method: SavedPaymentMethod | None = None,
    auto_top_up_run: CreditAutoTopUpRun | None = None,
    now: dt.datetime | None = None,
) -> Purchase:
    """Buy a credit pack (`product`; kind PACK or AUTO_TOP_UP) or top up the wallet
    (`amount` = (minor units, currency); kind TOP_UP) with `payment_method` (the
    customer's default when None). The same `idempotency_key` charges once and
    returns the first purchase. Raises PaymentMethodRequired, NotACreditPack,
    TopUpNotAllowed, PurchaseKeyReused."""
    if kind not in KINDS:
        raise ValueError(f"unknown purchase kind {kind!r}")
    now = now or timezone.now()
    if payment_method is None:
        payment_method = purchase_method(customer, off_session=kind == AUTO_TOP_UP)
    elif payment_method.customer_id != customer.pk or payment_method.removed_at:
        raise PaymentMethodRequired()
    key = idempotency_key
    if kind == TOP_UP:
        product = None
        if amount is None:
            raise ValueError("a top-up needs an amount")
    else:
        amount = None
    try:
        with transaction.atomic():
            payment, attempt = _begin(
                customer=customer,
                kind=kind,
                product=product,
                amount=amount,
                method=payment_method,
                key=key,
                now=now,
            )
            if attempt is not None and auto_top_up_run is not None:
                auto_top_up_run.payment = payment  # step 3 records the run's outcome with it
                auto_top_up_run.save(update_fields=["payment"])
    except IntegrityError:
        # The same key raced past the look-up on another connection: its purchase stands.
        payment = _replay(customer=customer, product=product, amount=amount, key=key)
        if payment is None:
            raise
        attempt = None
    if attempt is None:
        return Purchase(payment, _outcome(payment))
    try:
        result = gateway.charge(
            payment=payment,
            amount=attempt.amount,
            method=as_charged(payment_method),
            idempotency_key=key,
        )
    except Exception:
        logger.exception("gateway charge %s broke off; left for the reconciler", attempt.pk)
        return Purchase(payment, "pending")
    return purchase_finish(attempt=attempt, result=result, now=now, actor=actor)
